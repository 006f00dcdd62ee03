"""Visual clarity on degradation ladders built at test time from real footage in
../shared/media (skipped where it is absent): adding noise or compressing harder must
lower the visual_clarity sub-score. Sources here are ones the rules were tuned on
(notes/visual.md lists the held-out check)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.format import FormatAnalyzer
from scoring.analyzers.picture import PictureAnalyzer
from scoring.analyzers.visual_quality import VisualQualityAnalyzer
from scoring.media import decode_clip
from scoring.scorers.registry import load_scorer

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
SOURCE = MEDIA / "ugc" / "v_es_rotated_talk.mp4"
pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason=f"real media not found at {SOURCE}")


def _frames(path: Path, seconds: float = 1.5) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            img = f.to_ndarray(format="rgb24")
            k = int(round(f.rotation or 0)) // 90 % 4
            out.append(np.ascontiguousarray(np.rot90(img, k)) if k else img)
            if f.time is not None and f.time >= seconds:
                break
    return out


def _encode(path: Path, frames: list[np.ndarray], crf: int) -> Path:
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = w // 2 * 2, h // 2 * 2, "yuv420p"
        vs.options = {"crf": str(crf), "preset": "veryfast"}
        for fr in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(fr[: h // 2 * 2, : w // 2 * 2]),
                                                          format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
    return path


def _clarity(path: Path) -> tuple[float, dict]:
    clip, ctx, feats = decode_clip(str(path)), AnalysisContext(), {}
    for a in (PictureAnalyzer(), VisualQualityAnalyzer(), FormatAnalyzer()):
        sig = a.analyze(clip, ctx)
        ctx.upstream[a.name] = sig
        feats.update(sig.features)
    return load_scorer("visual_clarity").score(feats).value, feats


@pytest.fixture(scope="module")
def base():
    return _frames(SOURCE)


def test_noise_lowers_clarity_and_not_raises_sharpness(base, tmp_path):
    rng = np.random.default_rng(0)
    scores, sharp, noise = [], [], []
    for sigma in (0, 16, 44):
        frames = [np.clip(f + rng.normal(0, sigma, f.shape), 0, 255).astype(np.uint8) if sigma else f for f in base]
        value, feats = _clarity(_encode(tmp_path / f"noise{sigma}.mp4", frames, 18))
        scores.append(value)
        sharp.append(feats["picture.sharpness"])
        noise.append(feats["picture.noise_level"])
    assert scores[0] > scores[1] > scores[2]
    assert sharp[2] <= sharp[0]  # grain is not detail
    assert noise[0] < 1.0 < 5.0 < noise[1] < noise[2]


def test_harder_compression_and_blur_lower_clarity(base, tmp_path):
    crf = [_clarity(_encode(tmp_path / f"crf{q}.mp4", base, q))[0] for q in (18, 36, 51)]
    assert crf[0] > crf[1] > crf[2]
    blur = [_clarity(_encode(tmp_path / f"blur{s}.mp4", [cv2.GaussianBlur(f, (0, 0), s) for f in base], 18))[0]
            for s in (0.5, 2.0, 5.0)]
    assert blur[0] > blur[1] > blur[2]
