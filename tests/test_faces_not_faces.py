"""Only faces count as faces: a large thing near the lens (here scikit-image's moon, which
libfacedetection boxes at ~29 % of the frame with confidence ~67, as it boxed hands, food
and packs near the lens in real clips) is not a face close-up, and a one-frame spike is
not a face's size. The face-size number and ABCD's close-up check are one number."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.abcd import AbcdAnalyzer
from scoring.analyzers.base import Signals
from scoring.analyzers.faces import Face, FacesAnalyzer, FacesConfig, _held_areas, detect_faces
from tests.test_hook_faces import clip_of


def _moon_and_small_face() -> np.ndarray:
    """640x512 RGB: the moon (rotated) filling the top 512 rows, the astronaut's picture
    at 120 px in the bottom-right corner (her face about 0.2 % of the frame)."""
    import cv2
    from skimage import data

    img = np.full((640, 512, 3), 128, np.uint8)
    moon = np.ascontiguousarray(np.rot90(data.moon(), 1))
    img[:512, :512] = np.dstack([moon] * 3)
    img[515:635, 387:507] = cv2.resize(data.astronaut()[..., :3], (120, 120), interpolation=cv2.INTER_AREA)
    return img


def test_the_detector_boxes_the_moon_as_a_large_face():
    """The premise: without the size-dependent confidence the moon is a 'face' of ~29 %."""
    boxes = detect_faces(_moon_and_small_face(), min_conf=60)
    assert any(f.area_ratio > 0.15 for f in boxes)
    assert any(f.area_ratio < 0.01 for f in boxes)  # the real face


def test_a_large_thing_near_the_lens_is_not_a_face_closeup():
    sig = FacesAnalyzer().analyze(clip_of(np.stack([_moon_and_small_face()] * 16)), AnalysisContext())
    assert sig.features["faces.in_hook"] is True  # the small real face is still found
    assert sig.features["faces.max_area_ratio"] < 0.02
    assert sig.features["faces.closeup"] is False
    assert sig.features["faces.closeup_area_ratio"] < 0.02


def test_a_real_face_filling_the_frame_is_still_a_closeup():
    from skimage import data

    face = np.ascontiguousarray(data.astronaut()[20:300, 110:330])  # her head, ~40 % of the crop
    sig = FacesAnalyzer().analyze(clip_of(np.stack([face] * 16)), AnalysisContext())
    assert sig.features["faces.closeup"] is True
    assert sig.features["faces.closeup_area_ratio"] >= 0.15
    assert sig.features["faces.max_area_ratio"] >= 0.15


def test_a_one_frame_spike_is_not_the_face_size():
    small = Face(0.6, 0.7, 0.1, 0.1, 92)  # 1 % of the frame, in every frame
    spike = Face(0.1, 0.1, 0.35, 0.35, 70)  # 12 % in one frame only
    found = {0: [small], 1: [small, spike], 2: [small], 3: [small]}
    held = _held_areas([0, 1, 2, 3], found, FacesConfig().solo_confidence)
    assert max(held.values()) == pytest.approx(0.01)
    steady = {i: [small, Face(0.1, 0.1, 0.35 + 0.01 * i, 0.35, 92)] for i in range(4)}
    assert max(_held_areas([0, 1, 2, 3], steady, 85).values()) > 0.12  # a face that stays is its size


def test_abcd_closeup_quotes_the_face_size_it_judged():
    faces = Signals({"faces.closeup": False, "faces.closeup_area_ratio": 0.12, "faces.max_area_ratio": 0.12,
                              "faces.first_s": 0.0})
    ctx = AnalysisContext()
    ctx.upstream["faces"] = faces
    sig = AbcdAnalyzer().analyze(None, ctx)  # ABCD reads only the upstream Signals
    label = next(e.label for e in sig.events if "close-up" in e.label)
    assert sig.features["abcd.face_closeup"] is False and "12 %" in label and "no face close-up" in label


def test_the_face_event_quotes_the_held_size():
    """A face that is ~15 % of the frame in one hook frame and ~7 % in the others: the
    close-up check, the hook's face size and the event label all say the held size."""
    from skimage import data

    img = data.astronaut()[..., :3]
    head = np.ascontiguousarray(img[20:300, 110:330])  # her head fills the frame
    import cv2

    wide = np.full_like(head, 128)
    small = cv2.resize(head, (head.shape[1] * 2 // 3, head.shape[0] * 2 // 3), interpolation=cv2.INTER_AREA)
    wide[:small.shape[0], :small.shape[1]] = small
    frames = np.stack([head] + [wide] * 15)
    sig = FacesAnalyzer().analyze(clip_of(frames), AnalysisContext())
    pct = round(sig.features["faces.closeup_area_ratio"] * 100)
    assert sig.features["faces.max_area_ratio"] == sig.features["faces.closeup_area_ratio"]
    assert [e.label for e in sig.events] == [f"face, largest {pct} % of frame"]
