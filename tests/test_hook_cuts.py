"""Cuts, pacing, hook motion and audio attack: known answers on fixtures and synthetic clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from videofactory import moving_pattern, sine, write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.cuts import CutsAnalyzer, CutsConfig, audio_attack, find_cuts, pacing
from scoring.media import decode_clip

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


@pytest.fixture(scope="module")
def cuts():
    analyzer = CutsAnalyzer()
    return {name: analyzer.analyze(decode_clip(str(FIXTURES / f"{name}.mp4")), AnalysisContext())
            for name in ("cuts", "static", "face_late", "clean")}


def test_cuts_at_1_5_3_and_4_5_s(cuts):
    sig = cuts["cuts"]
    found = sig.evidence["cuts_s"]
    assert len(found) == 3
    for got, want in zip(found, [1.5, 3.0, 4.5]):
        assert got == pytest.approx(want, abs=0.25)
    assert sig.evidence["first_shot_end_s"] == pytest.approx(1.5, abs=0.25)
    # the third shot starts exactly at the hook's end (3.0 s): 2 or 3 shots are both right
    assert sig.evidence["shots_in_hook"] in (2, 3)
    assert sig.features["cuts.dynamic_start"] is True
    assert sig.features["cuts.overall_pacing"] is True  # 4 shots in 6 s: 1.5 s on average
    assert sig.features["cuts.quick_pacing"] is False  # 4 shots, never 5 within 5 s
    assert [e.kind for e in sig.events] == ["cut"] * 3


def test_static_shot_has_no_cut(cuts):
    sig = cuts["static"]
    assert sig.evidence == {"cuts_s": [], "first_shot_end_s": 5.0, "shots_in_hook": 1}
    assert sig.features["cuts.first_cut_s"] is None
    assert sig.features["cuts.dynamic_start"] is False
    assert sig.features["cuts.hook_motion"] < 0.2  # grey levels per 1/8 s: nothing moves
    assert sig.events == []


def test_single_cut_of_face_late(cuts):
    sig = cuts["face_late"]
    assert len(sig.evidence["cuts_s"]) == 1
    assert sig.evidence["cuts_s"][0] == pytest.approx(1.5, abs=0.25)
    assert sig.evidence["shots_in_hook"] == 2


def test_overlays_and_a_slow_zoom_are_not_cuts(cuts):
    # clean.mp4: the product appears at 2.0 s, the hook text leaves at 2.5 s, the picture zooms
    sig = cuts["clean"]
    assert sig.evidence["cuts_s"] == []
    assert 0.1 < sig.features["cuts.hook_motion"] < 5  # the slow zoom moves a little


def two_shots(cut_s: float, width: int, height: int):
    """A gradient with a square moving 30 px/s, then from ``cut_s`` the inverted gradient
    with a blue square: a hard cut in a moving shot."""
    yy, xx = np.mgrid[0:height, 0:width]

    def fn(i: int, t: float) -> np.ndarray:
        after = t >= cut_s
        img = np.stack([xx * 255 // width, yy * 255 // height, np.full_like(xx, 200 if after else 40)], -1)
        img = (255 - img if after else img).astype(np.uint8)
        x, y = int(10 + 30 * t) % (width - 20), height // 2
        img[y - 10:y + 10, x:x + 20] = (0, 0, 255) if after else (255, 255, 0)
        return img

    return fn


def test_cut_between_sparse_body_frames_is_placed_within_a_quarter_second(tmp_path):
    path = write_video(tmp_path / "late_cut.mp4", two_shots(6.3, 90, 160), n_frames=240, size=(90, 160))
    sig = CutsAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert len(sig.evidence["cuts_s"]) == 1
    assert sig.evidence["cuts_s"][0] == pytest.approx(6.3, abs=0.25)
    assert sig.evidence["first_shot_end_s"] == pytest.approx(6.3, abs=0.25)
    assert sig.evidence["shots_in_hook"] == 1


def test_continuous_motion_is_not_a_cut(tmp_path):
    path = write_video(tmp_path / "pan.mp4", moving_pattern(90, 160), n_frames=168, size=(90, 160))
    sig = CutsAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.evidence["cuts_s"] == []
    assert sig.features["cuts.hook_motion"] > 5  # the checkerboard moves 5 px a frame


def test_find_cuts_rejects_a_fade_to_black_and_sustained_motion():
    cfg = CutsConfig()
    times = np.arange(12) * 0.5 + 3.0  # 2 fps body samples
    # a fade to black ending at sample 6, then black
    luma = np.array([90, 90, 90, 90, 60, 30, 4, 4, 4, 4, 4, 4], float)
    scores = np.array([0, 1, 1, 1, 20, 35, 64, 0, 0, 0, 0, 0], float)
    assert find_cuts(times, scores, luma, 24.0, cfg) == []
    # a hard cut to black at sample 6: found between 5.5 and 6.0 s
    luma = np.array([90] * 6 + [4] * 6, float)
    scores = np.array([0, 1, 1, 1, 1, 1, 80, 0, 0, 0, 0, 0], float)
    assert find_cuts(times, scores, luma, 24.0, cfg) == [pytest.approx((5.5 + 1 / 24 + 6.0) / 2, abs=1e-3)]
    # busy handheld footage: high scores everywhere, none standing out
    scores = np.array([0, 40, 45, 50, 42, 48, 52, 44, 46, 41, 43, 47], float)
    assert find_cuts(times, scores, np.full(12, 90.0), 24.0, cfg) == []


def test_pacing_flags():
    cfg = CutsConfig()
    quick = pacing([0.8, 1.6, 2.4, 3.2, 9.0], 10.0, cfg)
    assert quick["quick_pacing"] is True and quick["dynamic_start"] is True
    assert quick["shots"] == 6 and quick["avg_shot_s"] == pytest.approx(10 / 6, abs=1e-3)
    assert quick["overall_pacing"] is True
    slow = pacing([], 8.0, cfg)
    assert slow == {"shots": 1, "avg_shot_s": 8.0, "first_shot_end_s": 8.0, "dynamic_start": False,
                    "quick_pacing": False, "overall_pacing": False}


def test_audio_attack_finds_where_sound_starts():
    rate = 16000
    tone = np.concatenate([np.zeros(rate), sine(4.0, rate=rate, freq=440.0, peak=0.5)])
    got = audio_attack(tone, rate, 3.0)
    assert got["sound_start_s"] == pytest.approx(1.0, abs=0.06)
    assert got["hook_level_db"] < 0  # the hook holds the silent second
    assert got["hook_onsets_per_s"] == pytest.approx(1 / 3, abs=0.01)  # one onset in the 3 s hook
    clicks = np.zeros(5 * rate, np.float32)
    burst = (0.8 * np.sin(np.arange(800) / 3) * np.exp(-np.arange(800) / 150)).astype(np.float32)
    for k in range(20):  # four clicks a second
        clicks[int(k * 0.25 * rate):int(k * 0.25 * rate) + 800] = burst
    assert audio_attack(clicks, rate, 3.0)["hook_onsets_per_s"] == pytest.approx(4.0, abs=0.5)
    silent = audio_attack(np.zeros(3 * rate, np.float32), rate, 3.0)
    assert silent["sound_start_s"] is None and silent["hook_onsets_per_s"] == 0.0
    assert audio_attack(np.zeros(10, np.float32), rate, 3.0) == {
        "sound_start_s": None, "hook_level_db": None, "hook_onsets_per_s": None}
