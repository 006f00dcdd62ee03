"""Whisper's cost is bounded where the result is dropped anyway (no models: a stand-in recogniser).

A pass that loops ("and I was very happy and I was very happy ...", a segment compressing
more than ``max_compression``) is dropped whole by :func:`asr.unreliable`; decoding the
windows after it, or the speech it left without words, is time spent on nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scoring.analyzers import asr
from scoring.analyzers.asr import AsrConfig, stretches, transcribe, unreliable


class Looping:
    """Three 30 s windows, decoded lazily as the segments are read; the second loops."""

    def __init__(self):
        self.windows = 0
        self.passes = 0

    def transcribe(self, audio, **kw):
        self.passes += 1

        def segments():
            for k, ratio in enumerate((1.3, 3.1, 1.2)):
                self.windows += 1
                start = 30.0 * k
                word = SimpleNamespace(start=start + 1.0, end=start + 1.4, word=" happy", probability=0.7)
                yield SimpleNamespace(start=start, end=start + 2.0, words=[word], avg_logprob=-0.4,
                                      compression_ratio=ratio, text="")
        return segments(), None


@pytest.fixture
def model(monkeypatch):
    fake = Looping()
    monkeypatch.setattr(asr, "whisper_model", lambda threads=2: fake)
    monkeypatch.setattr(asr, "multilingual_model", lambda threads=2: fake)
    return fake


def test_a_looping_pass_stops_at_the_loop_and_is_not_decoded_again(model):
    cfg = AsrConfig()
    samples = np.zeros(90 * 16000, np.float32)
    speech = [(0.5, 89.5)]  # speech throughout: most of it holds no word (would be re-decoded)
    ranges = stretches(speech, 90.0, cfg.pad_s, cfg.merge_gap_s)
    heard = transcribe(samples, ranges, cfg, "hi", speech=speech)
    assert model.windows == 2  # the third window was never decoded
    assert model.passes == 1 and heard.redecoded_s == 0.0
    assert heard.compression == pytest.approx(3.1)
    assert "repeats itself" in unreliable(heard.words, heard.compression, cfg, "hi")


def test_warm_up_loads_only_the_model_every_video_needs_first(monkeypatch):
    loaded = []
    monkeypatch.setattr(asr, "whisper_model", lambda threads=2: loaded.append("tiny.en"))
    monkeypatch.setattr(asr, "multilingual_model", lambda threads=2: loaded.append("base"))
    analyzer = asr.AsrAnalyzer()
    analyzer.loader(analyzer, None)
    assert loaded == ["base"]  # language ID first; tiny.en waits for English speech
    loaded.clear()
    english_only = asr.AsrAnalyzer(AsrConfig(detect_language=False))
    english_only.loader(english_only, None)
    assert loaded == ["tiny.en"]
