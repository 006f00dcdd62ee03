"""Speech onset in the hook (Silero VAD, tuned): known answers on the fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.speech import SpeechAnalyzer, anchored
from scoring.media import decode_clip

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


@pytest.mark.parametrize("name, onset", [
    ("clean", 0.5), ("speech_late", 1.2),
    ("loud_clipped", 0.5),  # the clipped "Wait," that Silero's default 0.5 threshold misses
    ("cuts", None), ("static", None), ("face_late", None), ("noaudio", None),
])
def test_speech_onset(name, onset):
    sig = SpeechAnalyzer().analyze(decode_clip(str(FIXTURES / f"{name}.mp4")), AnalysisContext())
    got = sig.evidence["speech_onset_s"]
    if onset is None:
        assert got is None and sig.events == [] and sig.features["speech.early"] is False
    else:
        assert got == pytest.approx(onset, abs=0.2)
        assert sig.events[0].kind == "speech" and sig.events[0].t == got
        assert sig.features["speech.early"] is True and sig.features["speech.in_hook_s"] > 0


def test_anchored_drops_isolated_bursts_and_keeps_short_words_near_speech():
    music = [(0.45, 0.77), (1.15, 1.47), (8.5, 9.3), (12.2, 12.5)]  # Silero on 61 s of jazz
    assert anchored(music, 1.0, 2.0) == []
    talk = [(0.48, 0.96), (1.15, 8.0)]  # "Wait," then the sentence
    assert anchored(talk, 1.0, 2.0) == talk
    assert anchored(music, 0.0, 2.0) == music  # off
