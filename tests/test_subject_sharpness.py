"""Sharpness is judged on the subject: a crisp product in front of a deliberately blurred
background (a studio packshot with bokeh) is not soft focus; a picture blurred all over is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.picture import PictureAnalyzer
from tests.test_hook_faces import clip_of


def _packshot(background_sigma: float, subject_sigma: float) -> np.ndarray:
    """720x1280 RGB: scikit-image's coffee cup (600x400 px, ~26 % of the frame) over its
    own picture enlarged to fill the frame (a café table), each Gaussian-blurred by its sigma (px)."""
    from skimage import data

    coffee = data.coffee()
    bg = cv2.resize(coffee, (720, 1280), interpolation=cv2.INTER_CUBIC)
    if background_sigma:
        bg = cv2.GaussianBlur(bg, (0, 0), background_sigma)
    cup = cv2.resize(coffee, (600, 400), interpolation=cv2.INTER_AREA)
    if subject_sigma:
        cup = cv2.GaussianBlur(cup, (0, 0), subject_sigma)
    img = bg.copy()
    img[440:840, 60:660] = cup
    return img


def _features(img: np.ndarray) -> dict:
    return PictureAnalyzer().analyze(clip_of(np.stack([img] * 4)), AnalysisContext()).features


@pytest.fixture(scope="module")
def shots():
    return {"crisp": _features(_packshot(0, 0)), "bokeh": _features(_packshot(8, 0)),
            "soft": _features(_packshot(8, 4))}


def test_background_blur_is_not_soft_focus(shots):
    crisp, bokeh, soft = shots["crisp"], shots["bokeh"], shots["soft"]
    # the whole-frame measure reads the packshot as much softer than the crisp picture ...
    assert bokeh["picture.sharpness"] < crisp["picture.sharpness"] - 0.3
    # ... the subject measure reads it about as sharp, and far sharper than a soft subject
    assert bokeh["picture.subject_sharpness"] > crisp["picture.subject_sharpness"] - 0.25
    assert bokeh["picture.subject_sharpness"] > soft["picture.subject_sharpness"] + 0.5


def test_subject_sharpness_falls_with_blur_all_over():
    values = [_features(cv2.GaussianBlur(_packshot(0, 0), (0, 0), s) if s else _packshot(0, 0))["picture.subject_sharpness"]
              for s in (0, 1.5, 3, 6)]
    assert values == sorted(values, reverse=True) and values[0] - values[-1] > 1.0
