"""Stitches and duets: generated clips with known answers; the rights reason reaches
ranking reasons and requests.md."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_visual_cuts import SCENES, view
from videofactory import write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.cuts import CutsAnalyzer
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer
from scoring.analyzers.stitch import StitchAnalyzer
from scoring.inputs import VideoRef
from scoring.media import decode_clip
from scoring.pipeline import VideoResult, _note_watermark
from scoring.report.requests import render_requests

W, H = 360, 640


def big(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (W, H), interpolation=cv2.INTER_NEAREST)


def analyze(path, with_text: bool = True):
    clip, ctx = decode_clip(str(path)), AnalysisContext()
    for a in (CutsAnalyzer(), *( [OnscreenTextAnalyzer()] if with_text else []), StitchAnalyzer()):
        ctx.upstream[a.name] = a.analyze(clip, ctx)
    return ctx.upstream["stitch"]


def test_stitched_opening_is_found_with_its_end(tmp_path):
    def fn(i: int, t: float) -> np.ndarray:
        if t < 2.5:  # someone else's video, with the creator's "stitch" caption
            img = big(view(SCENES[3], t)).copy()
            cv2.rectangle(img, (40, 150), (320, 215), (255, 255, 255), -1)
            cv2.putText(img, "Incoming Stitch!!!", (52, 195), cv2.FONT_HERSHEY_DUPLEX, 0.9, (0, 0, 0), 2, cv2.LINE_AA)
            return img
        return big(view(SCENES[4], t))

    sig = analyze(write_video(tmp_path / "stitch.mp4", fn, n_frames=5 * 24, fps=24, size=(W, H)))
    assert sig.features["stitch.stitch"] is True
    assert sig.features["stitch.stitch_end_s"] == pytest.approx(2.5, abs=0.1)
    assert sig.features["stitch.duet"] is False
    assert len(sig.events) == 1 and "the first 2.5 s are another creator's footage" in sig.events[0].label


def test_plain_cut_without_the_word_is_not_a_stitch(tmp_path):
    fn = lambda i, t: big(view(SCENES[3] if t < 2.5 else SCENES[4], t))  # noqa: E731
    sig = analyze(write_video(tmp_path / "cut.mp4", fn, n_frames=4 * 24, fps=24, size=(W, H)), with_text=False)
    assert sig.features["stitch.stitch"] is False and sig.features["stitch.duet"] is False
    assert sig.events == []


def test_side_by_side_duet(tmp_path):
    soft = [cv2.GaussianBlur(s, (0, 0), 16) for s in SCENES]  # camera footage is smooth at the grid's scale

    def fn(i: int, t: float) -> np.ndarray:
        left = cv2.resize(view(soft[1], t), (W // 2, H))  # the original video
        right = (cv2.resize(view(soft[2], 2 * t), (W // 2, H)) * 0.6).astype(np.uint8)  # the creator's, darker room
        return np.concatenate([left, right], axis=1)

    sig = analyze(write_video(tmp_path / "duet.mp4", fn, n_frames=3 * 24, fps=24, size=(W, H)), with_text=False)
    assert sig.features["stitch.duet"] is True and sig.features["stitch.duet_layout"] == "side_by_side"
    assert sig.events[0].kind == "stitch" and sig.events[0].label.startswith("duet")


def test_rights_reason_reaches_requests_md():
    result = VideoResult(ref=VideoRef("s.mp4"), status="ok", events=[
        {"t": 0.0, "end": 4.9, "kind": "stitch",
         "label": "stitch: the first 4.9 s are another creator's footage: confirm rights before requesting a code"}])
    _note_watermark(result)
    assert result.reasons[-1]["dimension"] == "rights"
    video = {"rank": 1, "path": "s.mp4", "shortlisted": True, "score": 80.0, "recommendation": "request_ad_code",
             "reasons": result.reasons, "creator": "@maker"}
    md = render_requests({"run": {"campaign": "c"}, "videos": [video]})
    assert "- Rights: stitch: the first 4.9 s are another creator's footage" in md


def _creator(t: float, room: np.ndarray) -> np.ndarray:
    """The creator talking: the astronaut's photo (a real face) in front of a warm room."""
    from skimage import data

    img = big(view(room, t)).copy()
    face = cv2.resize(np.ascontiguousarray(data.astronaut()[20:300, 90:370]), (220, 220))
    img[150:370, 70:290] = face
    return img


def _tinted(img: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    return np.clip(img.astype(np.float32) * np.array(gains, np.float32), 0, 255).astype(np.uint8)


def analyze_with_faces(path):
    from scoring.analyzers.faces import FacesAnalyzer

    clip, ctx = decode_clip(str(path)), AnalysisContext()
    for a in (CutsAnalyzer(), FacesAnalyzer(), StitchAnalyzer()):
        ctx.upstream[a.name] = a.analyze(clip, ctx)
    return ctx.upstream["stitch"]


def test_stitch_seen_without_the_word(tmp_path):
    """Someone else's bluish outdoor clip for 2.5 s, then the creator's face in a warm room."""
    outdoor = _tinted(SCENES[3], (0.55, 0.8, 1.25))
    room = _tinted(SCENES[4], (1.2, 0.9, 0.6))
    fn = lambda i, t: big(view(outdoor, t)) if t < 2.5 else _creator(t, room)  # noqa: E731
    sig = analyze_with_faces(write_video(tmp_path / "stitch_visual.mp4", fn, n_frames=7 * 24, fps=24, size=(W, H)))
    assert sig.features["stitch.stitch"] is True and sig.features["stitch.stitch_by"] == "visual"
    assert sig.features["stitch.stitch_end_s"] == pytest.approx(2.5, abs=0.1)
    assert "the first 2.5 s are another creator's footage" in sig.events[0].label


def test_an_opening_shot_then_several_scenes_is_editing_not_a_stitch(tmp_path):
    """The same opening, but the creator's part cuts between two unlike rooms (a product
    shot, then the owner, then the shop: ordinary editing)."""
    outdoor = _tinted(SCENES[3], (0.55, 0.8, 1.25))
    room, shop = _tinted(SCENES[4], (1.2, 0.9, 0.6)), _tinted(SCENES[0], (0.6, 1.2, 0.7))
    fn = lambda i, t: (big(view(outdoor, t)) if t < 2.5 else  # noqa: E731
                       _creator(t, room) if t < 5.0 else _creator(t, shop))
    sig = analyze_with_faces(write_video(tmp_path / "edit.mp4", fn, n_frames=7 * 24, fps=24, size=(W, H)))
    assert sig.features["stitch.stitch"] is False and sig.events == []
