"""On-screen text (RapidOCR): words read, safe zone, frame budget. Known answers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from videofactory import write_video

from scoring.analyzers import AnalysisContext, build_analyzers
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer, OnscreenTextConfig, SafeZone
from scoring.media import decode_clip
from scoring.services.ocr import read_text, stroke_density

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


@pytest.fixture(scope="module")
def text():
    analyzer = OnscreenTextAnalyzer()
    return {name: analyzer.analyze(decode_clip(str(FIXTURES / f"{name}.mp4")), AnalysisContext())
            for name in ("clean", "static")}


def test_link_in_bio_read_in_the_hook_of_clean(text):
    sig = text["clean"]
    assert "link in bio" in sig.evidence["hook_text"].lower()
    assert sig.evidence["text_in_hook"] is True
    assert sig.evidence["text_boxes_outside_safe_zone"] == 0  # drawn inside the safe zone
    assert sig.features["onscreen_text.first_s"] == 0.0
    assert sig.features["onscreen_text.hook_words"] == 3
    assert sig.features["onscreen_text.anytime"] is True
    assert 1 <= sig.features["onscreen_text.frames_read"] <= OnscreenTextConfig().max_frames
    [event] = sig.events
    assert event.kind == "text" and event.t == 0.0 and "link in bio" in event.label.lower()
    assert event.end == pytest.approx(2.5, abs=0.55)  # shown until 2.5 s, read every 0.5 s


def test_no_text_in_static(text):
    sig = text["static"]
    assert sig.evidence == {"text_in_hook": False, "hook_text": None, "text_boxes_outside_safe_zone": 0,
                            "hook_text_script": None}
    assert sig.features["onscreen_text.anytime"] is False
    assert sig.features["onscreen_text.outside_share"] is None
    assert sig.events == []


def captions(width: int, height: int):
    """"SALE TODAY" near the bottom (outside the safe zone) until 2 s, then nothing, then
    "Link in bio" in the middle from 4 s (after the hook)."""
    plain = np.full((height, width, 3), (70, 90, 120), np.uint8)

    def put(img: np.ndarray, words: str, y: float) -> np.ndarray:
        img = img.copy()
        (tw, th), _ = cv2.getTextSize(words, cv2.FONT_HERSHEY_DUPLEX, 1.2, 3)
        org = ((width - tw) // 2, int(y * height) + th // 2)
        cv2.putText(img, words, org, cv2.FONT_HERSHEY_DUPLEX, 1.2, (0, 0, 0), 9, cv2.LINE_AA)
        cv2.putText(img, words, org, cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 3, cv2.LINE_AA)
        return img

    bottom, middle = put(plain, "SALE TODAY", 0.85), put(plain, "Link in bio", 0.45)
    return lambda i, t: bottom if t < 2.0 else (middle if t >= 4.0 else plain)


def test_text_outside_the_safe_zone_and_after_the_hook(tmp_path):
    path = write_video(tmp_path / "captions.mp4", captions(360, 640), n_frames=144, size=(360, 640))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.evidence["hook_text"].lower() == "sale today"
    assert sig.evidence["text_boxes_outside_safe_zone"] == 1
    assert sig.features["onscreen_text.outside_share"] == 0.5
    labels = [e.label.lower() for e in sig.events]
    assert labels == ['"sale today" (outside the safe zone: bottom)', '"link in bio"']
    assert sig.events[1].t >= 4.0


def test_safe_zone_geometry():
    zone = SafeZone()
    assert zone.contains((0.15, 0.2, 0.85, 0.3))
    assert zone.violations((0.15, 0.05, 0.85, 0.12)) == ["top"]
    assert zone.violations((0.15, 0.7, 0.85, 0.8)) == ["bottom"]
    assert zone.violations((0.0, 0.3, 1.0, 0.4)) == ["left", "right"]
    assert zone.contains((0.15, 0.135, 0.85, 0.2))  # 0.5 % over the line: detector padding


def test_stroke_density_guards_ocr():
    black = np.zeros((640, 360, 3), np.uint8)
    assert stroke_density(black) == 0.0
    img = np.full((640, 360, 3), 128, np.uint8)
    cv2.putText(img, "Link in bio", (40, 300), cv2.FONT_HERSHEY_DUPLEX, 1.2, (0, 0, 0), 9)
    cv2.putText(img, "Link in bio", (40, 300), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 3)
    assert stroke_density(img) >= OnscreenTextConfig().min_stroke_density
    # the same text in a frame at 12 % brightness still counts
    assert stroke_density((img * 0.12).astype(np.uint8)) >= OnscreenTextConfig().min_stroke_density
    assert read_text(np.zeros((8, 8, 3), np.uint8)) == []


def test_ocr_runs_in_the_full_profile_only():
    assert "onscreen_text" in [a.name for a in build_analyzers("full")]
    assert "onscreen_text" not in [a.name for a in build_analyzers("fast")]
