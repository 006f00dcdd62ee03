"""Banding and smearing (scoring/services/artefacts.py) on pictures with known answers."""

import cv2
import numpy as np
import pytest

from scoring.services.artefacts import banding, smearing


def _ramp(rows: int = 720, cols: int = 540, lo: float = 60.0, hi: float = 120.0) -> np.ndarray:
    return np.repeat(np.linspace(lo, hi, rows, dtype=np.float32)[:, None], cols, axis=1)


def test_banding_dithered_vs_stepped_gradients():
    rng = np.random.default_rng(0)
    ramp = _ramp()
    dithered = np.rint(ramp + rng.normal(0, 1.2, ramp.shape))  # a camera's gradient: noise breaks the steps
    stepped = np.rint(ramp)  # 1-level steps every 12 rows, nothing between
    posterized = np.floor(ramp / 6) * 6  # 6-level steps every 72 rows
    b_dithered, b_stepped, b_poster = banding(dithered), banding(stepped), banding(posterized)
    assert b_dithered is not None and b_dithered < 0.02
    assert b_stepped is not None and 0.6 < b_stepped < 0.75  # pixels more than 2 rows from a step: 8 of 12
    assert b_poster is not None and b_poster > 0.8
    assert banding(np.full((720, 540), 90.0)) is None  # no gradient anywhere: not measured
    assert banding(np.zeros((10, 10))) is None


def _jpeg(gray: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_banding_and_smearing_rise_down_a_jpeg_ladder():
    data = pytest.importorskip("skimage.data")
    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    ladder = [_jpeg(gray, q) for q in (90, 50, 20, 8)]
    bands = [banding(img) for img in ladder]
    smears = [smearing(img) for img in ladder]
    assert bands == sorted(bands) and bands[-1] > bands[0] + 0.2  # measured 0.09 -> 0.46
    assert smears == sorted(smears) and smears[-1] > smears[0] + 0.02  # measured 0.474 -> 0.513


def test_smearing_blur_grain_and_flat():
    data = pytest.importorskip("skimage.data")
    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    original = smearing(gray)
    assert original is not None and 0.3 < original < 0.7
    assert smearing(cv2.GaussianBlur(gray, (0, 0), 1.2)) > original + 0.1  # fine detail gone
    grainy = np.clip(gray + np.random.default_rng(1).normal(0, 6, gray.shape), 0, 255)
    assert smearing(grainy) < original  # grain is fine energy: reads as less smeared
    assert smearing(np.full((64, 64), 100.0)) is None  # no texture: nothing to smear
