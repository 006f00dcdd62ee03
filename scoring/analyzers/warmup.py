"""Model loading on demand: lazy by default, eager when an engine asks (warm-up).

Every analyzer that needs a model loads it on its first real ``analyze`` call, through
a cached loader in its module; a run whose analyzer results all come from the feature
cache therefore imports no model runtime (torch, transformers, CTranslate2, ONNX
Runtime) and loads no model. An engine that prefers paying the load before the first
video (a long-lived worker) calls :meth:`Analyzer.load_models` (or
``Worker.load_models``): it calls the same cached loaders with the same arguments, so
the first ``analyze`` then finds them loaded.

``LOADERS`` maps analyzer name -> function(analyzer, context) that loads its models.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def _speech(a: Any, ctx: Any) -> None:
    from scoring.analyzers.vad import vad_session

    vad_session()


def _faces(a: Any, ctx: Any) -> None:
    from scoring.analyzers.faces import _detect_fn

    _detect_fn(a.config.threads)


def _asr(a: Any, ctx: Any) -> None:
    from scoring.analyzers.asr import whisper_model
    from scoring.analyzers.language import multilingual_model

    whisper_model(a.config.threads)
    if getattr(a.config, "detect_language", False):
        multilingual_model(a.config.threads)


def _onscreen_text(a: Any, ctx: Any) -> None:
    from scoring.services.ocr import ocr_engine

    ocr_engine(a.config.det_long_side, a.config.threads)


def _dnsmos(a: Any, ctx: Any) -> None:
    from scoring.analyzers.audio_quality import _dnsmos_session

    _dnsmos_session(a.config.threads)


def _hook_phrases(a: Any, ctx: Any) -> None:
    from scoring.analyzers.hook_phrases import PROTOTYPES, _prototype_vectors

    _prototype_vectors(tuple(getattr(a.config, "prototypes", None) or PROTOTYPES))


def _visual_quality(a: Any, ctx: Any) -> None:
    from scoring.analyzers.visual_quality import brisque_model

    brisque_model()


def _clip_zero_shot(a: Any, ctx: Any) -> None:
    path = getattr(ctx, "clip_model", None) if ctx is not None else None
    if path and os.path.isdir(path):
        from scoring.analyzers.clip_zero_shot import _mtime, load_clip

        load_clip(os.path.abspath(path), _mtime(path))


LOADERS: dict[str, Callable[[Any, Any], None]] = {
    "speech": _speech, "faces": _faces, "asr": _asr, "onscreen_text": _onscreen_text, "dnsmos": _dnsmos,
    "hook_phrases": _hook_phrases, "visual_quality": _visual_quality,
    "clip_zero_shot": _clip_zero_shot,
}


# A model that only reads another analyzer's output is useless without that analyzer:
# hook phrases embed the transcript, which the fast profile (no ASR) never makes.
NEEDS: dict[str, tuple[str, ...]] = {"hook_phrases": ("asr",)}


def needed(name: str, present: set[str]) -> bool:
    """Whether analyzer ``name``'s models can be used in a run of the analyzers ``present``."""
    return all(dep in present for dep in NEEDS.get(name, ()))


def load_models(analyzer: Any, ctx: Any = None) -> None:
    """Load ``analyzer``'s models now (no-op for analyzers without a model)."""
    loader = LOADERS.get(analyzer.name)
    if loader is not None:
        loader(analyzer, ctx)
