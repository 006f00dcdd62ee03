"""Packshot matching: known answers on the composited product clips and on synthetic warps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from videofactory import solid, write_video

from scoring.analyzers.base import AnalysisContext, Event, Signals
from scoring.analyzers.packshot import PackshotAnalyzer, PackshotConfig, load_packshots, match_frame
from scoring.media import decode_clip

ROOT = Path(__file__).resolve().parent.parent
PACKSHOT = str(ROOT / "pipelines" / "products" / "coffee_cup.png")
PRODUCT_DIR = ROOT / "fixtures" / "videos" / "product"
SUITE = json.loads((PRODUCT_DIR / "suite.json").read_text())


def _run(path: Path, **ctx) -> Signals:
    return PackshotAnalyzer().analyze(decode_clip(str(path)), AnalysisContext(product_images=[PACKSHOT], **ctx))


@pytest.mark.parametrize("truth", SUITE["clips"], ids=lambda c: c["path"])
def test_composited_clips(truth):
    f = _run(PRODUCT_DIR / truth["path"]).features
    if truth["product_visible_ratio"] is None:
        assert f["packshot.visible_ratio"] <= 0.05 and f["packshot.first_s"] is None
        return
    assert f["packshot.visible_ratio"] == pytest.approx(truth["product_visible_ratio"], abs=0.1)
    assert f["packshot.first_s"] == pytest.approx(truth["product_first_seen_s"], abs=0.5)
    assert f["packshot.end_card_only"] is (truth["path"] == "endcard.mp4")


def test_clean_fixture_and_face_overlap(ground_truth):
    truth = next(c for c in ground_truth["clips"] if c["path"] == "clean.mp4")
    faces = Signals(events=[Event(t=0.0, end=7.9, kind="face", label="face")])
    sig = _run(ROOT / "fixtures" / "videos" / "clean.mp4", upstream={"faces": faces})
    f = sig.features
    assert f["packshot.first_s"] == pytest.approx(truth["product_first_seen_s"], abs=0.5)
    assert f["packshot.visible_ratio"] == pytest.approx(truth["product_visible_ratio"], abs=0.1)
    assert f["packshot.with_face_ratio"] == 1.0 and f["packshot.in_hook"] is True
    assert sig.evidence == {"product_first_seen_s": f["packshot.first_s"],
                            "product_visible_ratio": f["packshot.visible_ratio"]}
    assert [e.kind for e in sig.events] == ["product"] and sig.events[0].end >= 5.0


def _scene(seed: int) -> np.ndarray:
    """A 360x640 busy background: skimage pictures (not the cup) on a gradient."""
    from skimage import data

    rng = np.random.default_rng(seed)
    canvas = np.full((640, 360, 3), 200, np.uint8)
    for name, y in (("astronaut", 20), ("chelsea", 400)):
        pic = getattr(data, name)()
        canvas[y:y + 200, 30:330] = cv2.resize(pic, (300, 200), interpolation=cv2.INTER_AREA)
    noise = rng.integers(-6, 7, canvas.shape)
    return np.clip(canvas.astype(int) + noise, 0, 255).astype(np.uint8)


def _paste(canvas: np.ndarray, quad: np.ndarray) -> np.ndarray:
    from skimage import data

    cup = data.coffee()
    h, w = cup.shape[:2]
    mat = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(quad))
    fg = cv2.warpPerspective(cup, mat, (360, 640), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), mat, (360, 640))[..., None]
    return np.round(canvas * (1 - mask) + fg * mask).astype(np.uint8)


def _quad(cx: float, cy: float, width: float, angle: float, top: float = 1.0) -> np.ndarray:
    hw, hh = width / 2, width / 3
    pts = np.float32([[-hw * top, -hh], [hw * top, -hh], [hw, hh], [-hw, hh]])
    a = np.deg2rad(angle)
    return pts @ np.float32([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]) + np.float32([cx, cy])


@pytest.mark.parametrize("width, angle, top", [(110, 0, 1.0), (300, 0, 1.0), (160, 45, 1.0), (180, -90, 1.0),
                                               (200, 10, 0.6), (220, 170, 0.8)])
def test_scale_rotation_perspective(width, angle, top):
    shots = load_packshots([PACKSHOT], PackshotConfig())
    frame = _paste(_scene(1), _quad(180, 330, width, angle, top))
    found = match_frame(frame, shots, PackshotConfig())
    assert found is not None, (width, angle, top)
    expected = cv2.contourArea(_quad(180, 330, width, angle, top)) / (360 * 640)
    assert found.share == pytest.approx(expected, rel=0.35)


def test_partial_occlusion_and_negatives():
    shots = load_packshots([PACKSHOT], PackshotConfig())
    frame = _paste(_scene(2), _quad(180, 330, 240, 15))
    frame[250:420, 210:330] = (214, 170, 140)  # a hand over the right third
    assert match_frame(frame, shots, PackshotConfig()) is not None
    for seed in range(4):
        assert match_frame(_scene(seed), shots, PackshotConfig()) is None


def test_packshots_cached_by_path_and_mtime(tmp_path):
    copy = tmp_path / "cup.png"
    copy.write_bytes(Path(PACKSHOT).read_bytes())
    first = load_packshots([str(copy)], PackshotConfig())
    assert load_packshots([str(copy)], PackshotConfig())[0] is first[0]
    st = os.stat(copy)
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert load_packshots([str(copy)], PackshotConfig())[0] is not first[0]
    assert load_packshots([str(tmp_path / "missing.png")], PackshotConfig()) == []


def test_degenerate_inputs(tmp_path):
    black = write_video(tmp_path / "b.mp4", solid(90, 160, 0), n_frames=36, size=(90, 160))
    one = write_video(tmp_path / "o.mp4", solid(90, 160, 120), n_frames=1, size=(90, 160))
    for path in (black, one):
        f = _run(path).features
        assert f["packshot.available"] is True and f["packshot.visible_ratio"] == 0.0
    f = PackshotAnalyzer().analyze(decode_clip(str(black)), AnalysisContext()).features
    assert f["packshot.available"] is False and f["packshot.visible_ratio"] is None
    flat = tmp_path / "flat.png"
    cv2.imwrite(str(flat), np.full((100, 100, 3), 128, np.uint8))  # no keypoints: unusable, not fatal
    sig = PackshotAnalyzer().analyze(decode_clip(str(black)), AnalysisContext(product_images=[str(flat)]))
    assert sig.features["packshot.available"] is False
