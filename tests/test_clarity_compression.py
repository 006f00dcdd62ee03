"""visual_clarity@prior-4 on pictures that fooled prior-3: a handheld clip compressed to
CRF 51 (the codec freezes the jitter, which read as a steadier camera) and a crisp
packshot in front of a deliberately blurred background (read as degraded)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from scipy.stats import spearmanr

from scoring.analyzers import AnalysisContext
from scoring.analyzers.format import FormatAnalyzer
from scoring.analyzers.picture import PictureAnalyzer
from scoring.analyzers.visual_quality import VisualQualityAnalyzer
from scoring.media import decode_clip
from scoring.scorers import load_scorer
from tests.test_hook_faces import clip_of
from tests.test_subject_sharpness import _packshot

CRF = (23, 30, 37, 45, 51)


def _features(clip) -> dict:
    ctx, feats = AnalysisContext(), {}
    for a in (PictureAnalyzer(), VisualQualityAnalyzer(), FormatAnalyzer()):
        sig = a.analyze(clip, ctx)
        ctx.upstream[a.name] = sig
        feats.update(sig.features)
    return feats


def _handheld(n: int = 40, sigma: float = 0.7, seed: int = 0) -> list[np.ndarray]:
    """``n`` 360x640 RGB frames of scikit-image's astronaut and coffee, each moved by a
    random sub-pixel handheld jitter (Gaussian, ``sigma`` px)."""
    from skimage import data

    scene = np.concatenate([cv2.resize(data.astronaut(), (400, 400)), cv2.resize(data.coffee(), (400, 300))])
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        dx, dy = rng.normal(0, sigma, 2)
        move = np.float32([[1, 0, -20 + dx], [0, 1, -20 + dy]])
        out.append(cv2.warpAffine(scene, move, (360, 640), flags=cv2.INTER_LINEAR))
    return out


def _encode(path: Path, frames: list[np.ndarray], crf: int) -> Path:
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": str(crf), "preset": "veryfast"}
        for fr in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(fr, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
    return path


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crf")
    frames = _handheld()
    return [_features(decode_clip(str(_encode(tmp / f"crf{q}.mp4", frames, q)))) for q in CRF]


def test_a_crf_ladder_falls_to_the_last_rung(ladder):
    scores = [load_scorer("visual_clarity@prior-4").score(f).value for f in ladder]
    assert scores[-1] < scores[-2]  # CRF 51 reads worse than CRF 45
    assert spearmanr(CRF, scores).statistic <= -0.9 + 1e-9  # one adjacent swap is exactly -0.9, up to rounding


def test_compression_is_not_read_as_a_steadier_camera(ladder):
    """The premise: at CRF 51 the codec freezes the jitter and the measured shake falls;
    prior-3 praised the frozen picture's "steady camera", prior-4 says nothing of it."""
    assert ladder[-1]["visual_quality.shake"] < 0.7 * ladder[0]["visual_quality.shake"]
    old, new = (load_scorer(f"visual_clarity@{v}").score(ladder[-1]) for v in ("prior-3", "prior-4"))
    assert any("steady camera" in r.text for r in old.reasons)
    assert not any("steady camera" in r.text for r in new.reasons)


def test_a_packshot_with_background_blur_is_not_degraded_or_soft():
    crisp = _features(clip_of(np.stack([_packshot(16, 0)] * 4)))
    soft = _features(clip_of(np.stack([_packshot(16, 4)] * 4)))
    flaws = ("soft focus", "degraded", "blurred")
    old = load_scorer("visual_clarity@prior-3").score(crisp)
    new, new_soft = (load_scorer("visual_clarity@prior-4").score(f) for f in (crisp, soft))
    assert any("degraded" in r.text for r in old.reasons)  # the whole-frame BRISQUE reads the bokeh as distortion
    assert not any(w in r.text for r in new.reasons for w in flaws)
    assert any("soft focus" in r.text for r in new_soft.reasons)  # a soft subject still is
    assert new.value > new_soft.value + 10
