"""Speech the VAD heard but Whisper skipped is decoded again (no models: a stand-in recogniser).

On an AMD EPYC, Whisper tiny.en ended its window after "... link in bio, use" (a timestamp,
then end-of-text) and faster-whisper skipped the rest of the window, so the spoken "use code
ACME twenty" of fixtures/videos/clean.mp4 was lost; Intel machines decode it. The stand-in
below ends early the same way on every machine.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scoring.analyzers import asr
from scoring.analyzers.asr import AsrConfig, Word, stretches, transcribe, unheard

SAID = [(0.6, 0.9, "link"), (0.95, 1.1, "in"), (1.15, 1.5, "bio,"), (1.9, 2.1, "use"), (2.15, 2.5, "code"),
        (2.55, 3.0, "ACME"), (3.05, 3.5, "twenty.")]  # seconds on the clip's clock


class EarlyEnd:
    """Hears SAID, but a timestamped greedy pass stops after "use" (as tiny.en did on AMD)."""

    def __init__(self):
        self.calls = []

    def transcribe(self, audio, *, without_timestamps=False, beam_size=1, **kw):
        self.calls.append({"seconds": audio.size / 16000, "without_timestamps": without_timestamps,
                           "beam_size": beam_size})
        offset = float(audio[0])  # the samples are a clock: each holds its own time, s
        said = [w for w in SAID if w[0] >= offset - 1e-6]
        if not without_timestamps and beam_size == 1:
            said = [w for w in said if w[2] != "code" and w[0] < 2.0]
        words = [SimpleNamespace(start=a - offset, end=b - offset, word=" " + text, probability=0.8)
                 for a, b, text in said]
        seg = SimpleNamespace(start=0.0, end=words[-1].end if words else 0.0, words=words, avg_logprob=-0.3,
                              compression_ratio=1.1, text="")
        return iter([seg] if words else []), None


@pytest.fixture
def model(monkeypatch):
    fake = EarlyEnd()

    def pick(threads=2):
        return fake

    monkeypatch.setattr(asr, "whisper_model", pick)
    monkeypatch.setattr(asr, "multilingual_model", pick)
    return fake


def test_unheard_is_speech_without_words():
    words = [Word("link", 0.6, 0.9, 0.9), Word("use", 1.9, 2.1, 0.9)]
    assert unheard(words, [(0.55, 3.5)], 0.2, 0.6) == [(2.3, 3.5)]
    assert unheard(words, [(0.55, 2.5)], 0.2, 0.6) == []  # 0.2 s after the last word: a short word at most
    assert unheard([], [(1.0, 1.5), (2.0, 3.0)], 0.2, 0.6) == [(2.0, 3.0)]
    assert unheard(words, [], 0.2, 0.6) == []


def test_speech_after_an_early_end_is_decoded_again(model):
    cfg = AsrConfig()
    samples = np.arange(4 * 16000, dtype=np.float32) / 16000
    speech = [(0.55, 3.55)]
    ranges = stretches(speech, 4.0, cfg.pad_s, cfg.merge_gap_s)

    first = transcribe(samples, ranges, cfg, "en")  # no VAD segments given: one pass, as before
    assert [w.text for w in first.words] == ["link", "in", "bio,", "use"] and first.redecoded_s == 0.0

    heard = transcribe(samples, ranges, cfg, "en", speech=speech)
    assert [w.text for w in heard.words] == [w[2] for w in SAID]  # nothing twice, in time order
    assert heard.words[-1].t == pytest.approx(3.05, abs=0.01)
    assert model.calls[-1]["without_timestamps"] is True
    assert 0 < heard.redecoded_s <= sum(b - a for a, b in ranges) / 16000


def test_an_unheard_stretch_that_stays_unheard_costs_two_tries_at_most(model, monkeypatch):
    cfg = AsrConfig()
    monkeypatch.setattr(model, "transcribe", lambda audio, **kw: (model.calls.append(kw) or iter([]), None))
    heard = transcribe(np.zeros(4 * 16000, np.float32), [(0, 4 * 16000)], cfg, "en", speech=[(0.5, 3.5)])
    assert heard.words == [] and len(model.calls) == 3  # the first pass, then two retries
