"""Every registered analyzer on black frames + silence, a normal clip and a one-frame clip:
exactly its declared keys, scalar types, determinism, no exceptions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from videofactory import solid, write_video

from scoring.analyzers import AnalysisContext, analyzer_names, build_analyzers
from scoring.analyzers.registry import declaration_problems
from scoring.contract import EVIDENCE_KEYS
from scoring.media import decode_clip

ROOT_FIXTURE = "fixtures/videos/clean.mp4"  # speech, a face, captions, a CTA, a hook phrase: most event kinds
CUTS_FIXTURE = "fixtures/videos/cuts.mp4"  # cut events


@pytest.fixture(scope="module")
def clips(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("contract")
    black = write_video(d / "black.mp4", solid(90, 160, 0), n_frames=36, size=(90, 160),
                        audio=np.zeros(48000 * 3 // 2, np.float32))
    one = write_video(d / "one.mp4", solid(90, 160, 120), n_frames=1, size=(90, 160))
    root = request.config.rootpath
    return {"black+silence": decode_clip(str(black)), "one-frame": decode_clip(str(one)),
            "normal": decode_clip(str(root / ROOT_FIXTURE)), "cuts": decode_clip(str(root / CUTS_FIXTURE))}


def _run_all(clip):
    out = {}
    for analyzer in build_analyzers("full"):  # each sees the upstream it declares, as in the pipeline
        ctx = AnalysisContext(upstream={n: out[n] for n in (*analyzer.requires, *analyzer.after) if n in out})
        out[analyzer.name] = analyzer.analyze(clip, ctx)
    return out


@pytest.mark.parametrize("case", ["black+silence", "one-frame", "normal", "cuts"])
def test_every_analyzer_conforms(clips, case):
    clip = clips[case]
    first, second = _run_all(clip), _run_all(clip)
    analyzers = {a.name: a for a in build_analyzers("full")}
    assert set(first) == set(analyzer_names())
    for name, sig in first.items():
        a = analyzers[name]
        assert set(sig.features) == {f"{name}.{k}" for k in a.feature_keys}, name
        # declared once: features (names, types), evidence keys, event kinds
        assert declaration_problems(type(a), sig) == [], name
        assert set(sig.evidence) <= set(EVIDENCE_KEYS), name
        assert set(a.evidence_keys) <= set(EVIDENCE_KEYS), name
        for key, value in sig.features.items():
            assert value is None or isinstance(value, (bool, int, float, str)), key
            assert not (isinstance(value, float) and not math.isfinite(value)), key
        for event in sig.events:
            assert event.t >= 0 and (event.end is None or event.end >= event.t)
        assert sig.to_dict() == second[name].to_dict(), f"{name} is not deterministic"


def test_profiles_and_dependency_order():
    fast = [a.name for a in build_analyzers("fast")]
    full = [a.name for a in build_analyzers("full")]
    assert set(fast) <= set(full)
    for a in build_analyzers("full"):
        for dep in a.requires:
            assert full.index(dep) < full.index(a.name)
