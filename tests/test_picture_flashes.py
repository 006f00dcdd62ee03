"""Frames washed out by white flashes or light leaks cost visual clarity (issue 20: a talking
head joined under white flashes read as well exposed); a steady white card, a bright scene
and a platform end card are not flashes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from scoring.analyzers import AnalysisContext
from scoring.analyzers.picture import PictureAnalyzer
from scoring.media.clip import SIGNATURE_SIZE, Clip, Frames, FrameSignatures, VideoInfo
from scoring.scorers.registry import load_scorer
from scoring.services.picture_measures import flashes

FPS = 25.0


def _scene(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A textured talking-head-like picture, drifting a little each frame (RGB, 128x72)."""
    base = cv2.resize(data.astronaut(), (72 * 2, 128 * 2))
    out = []
    for i in range(n):
        dx, dy = int(4 * np.sin(i / 7)), int(3 * np.cos(i / 9))
        crop = base[40 + dy:40 + dy + 128, 30 + dx:30 + dx + 72]
        out.append(np.clip(crop.astype(np.int16) + rng.integers(-3, 4, crop.shape), 0, 255).astype(np.uint8))
    return out


def _white(img: np.ndarray, amount: float) -> np.ndarray:
    return (img.astype(np.float32) * (1 - amount) + 255 * amount).astype(np.uint8)


def _clip(frames: list[np.ndarray], end_s: float | None = None) -> Clip:
    arr = np.stack(frames)
    n, h, w = arr.shape[:3]
    times = np.arange(n) / FPS
    luma = np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (SIGNATURE_SIZE, SIGNATURE_SIZE),
                                interpolation=cv2.INTER_AREA) for f in arr])
    sig = FrameSignatures(times, luma, np.full((n, 2, SIGNATURE_SIZE // 2, SIGNATURE_SIZE // 2), 128, np.uint8))
    info = VideoInfo("synthetic.mp4", 0, "mp4", n / FPS, w, h, w, h, 0, 1.0, FPS, "h264", None, False)
    body = Frames(arr[::12], times[::12])
    return Clip(info, body, body, body, None, signatures=sig, content_end_s=end_s)


def test_white_flash_transitions_are_counted():
    rng = np.random.default_rng(0)
    frames = _scene(300, rng)  # 12 s
    for start in (40, 110, 180, 250):  # four flashes of 5 frames (0.2 s): 20 of 300 frames
        for k, amount in enumerate((0.5, 0.8, 0.9, 0.8, 0.5)):
            frames[start + k] = _white(frames[start + k], amount)
    share, count = flashes(np.arange(300) / FPS, _clip(frames).signatures.luma)
    assert count == 4 and share == pytest.approx(20 / 300, abs=0.02)
    sig = PictureAnalyzer().analyze(_clip(frames), AnalysisContext())
    assert sig.features["picture.flashes"] == 4 and sig.features["picture.flash_share"] > 0.04


def test_a_white_card_a_bright_scene_and_an_end_card_are_not_flashes():
    rng = np.random.default_rng(1)
    frames = _scene(300, rng)
    white_card = np.full_like(frames[0], 250)
    cv2.putText(white_card, "LOGO", (8, 64), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (200, 30, 120), 2)
    frames[100:175] = [white_card] * 75  # a 3 s steady logo card on white
    frames[175:240] = [_white(f, 0.35) for f in frames[175:240]]  # a brighter, still detailed scene
    frames[270:] = [np.full_like(frames[0], 240)] * 30  # an end card, cut off by the layout
    sig = PictureAnalyzer().analyze(_clip(frames, end_s=270 / FPS), AnalysisContext())
    assert sig.features["picture.flashes"] == 0 and sig.features["picture.flash_share"] == 0.0


def test_flashes_cost_visual_clarity_and_no_flash_changes_nothing():
    base = {"picture.focus_sharpness": 2.3, "picture.brightness": 0.5, "picture.crushed_ratio": 0.0,
            "picture.blown_ratio": 0.0, "picture.noise_level": 1.0, "visual_quality.blockiness": 0.05,
            "visual_quality.shake": 0.2, "visual_quality.focus_brisque": 40.0, "format.width": 720,
            "format.height": 1280, "format.resolution_class": 2}
    new, old = load_scorer("visual_clarity@prior-5"), load_scorer("visual_clarity@prior-4")
    clean = new.score({**base, "picture.flash_share": 0.0, "picture.flashes": 0})
    assert clean.value == old.score(base).value
    flashed = new.score({**base, "picture.flash_share": 0.05, "picture.flashes": 5})
    assert flashed.value < clean.value - 5
    assert any("washed out by flashes" in r.text for r in flashed.reasons)
    assert new.score(base).value == clean.value  # not measured (no signatures): as before


def test_too_few_frames_is_not_measured_not_a_crash():
    # a 1-frame video, or an end card from the first frame on, left no frames: None, not an exception
    luma = np.full((10, SIGNATURE_SIZE, SIGNATURE_SIZE), 128, np.uint8)
    assert flashes(np.zeros(0), luma[:0]) is None
    assert flashes(np.arange(10) / FPS, luma, end_s=0.0) is None
    assert flashes(np.arange(1) / FPS, luma[:1]) is None
