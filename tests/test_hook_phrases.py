"""Hook phrases: the scoring function on given text, and the analyzer with and without ASR."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext, Event, Signals
from scoring.analyzers.hook_phrases import HookPhrasesAnalyzer, clauses, opening_words, phrase_scores
from scoring.media.clip import Clip, Frames, VideoInfo

pytestmark = pytest.mark.slow  # loads MiniLM once (about 2-4 s)


@pytest.mark.parametrize("text, quote", [
    ("Wait, stop scrolling. This is Acme Cold Brew.", "Wait, stop scrolling"),
    ("POV: you finally found the best cold brew", "POV: you finally found the best cold brew"),
    ("You need to see this, honestly", "You need to see this"),
])
def test_lexical_hooks(text, quote):
    got = phrase_scores(text)
    assert got["is_hook"] is True and got["lexical"] is True
    assert got["quote"] == quote


def test_semantic_hook_without_a_listed_pattern():
    got = phrase_scores("This trick changed my whole life")
    assert got["lexical"] is False and got["question"] is False
    assert got["similarity"] >= 0.6 and got["best_match"] == "this changed my life"
    assert got["is_hook"] is True


def test_question_opening():
    got = phrase_scores("Why is nobody talking about this? I mean it.")
    assert got["question"] is True and got["is_hook"] is True
    assert got["quote"] == "Why is nobody talking about this"


@pytest.mark.parametrize("text", ["Here is what I think about it.", "The weather today is nice",
                                  "Hi guys, welcome back to my channel"])
def test_plain_openings_are_not_hooks(text):
    got = phrase_scores(text)
    assert got["is_hook"] is False and got["lexical"] is False and got["question"] is False
    assert got["similarity"] < 0.5


def test_empty_text():
    assert phrase_scores("  ") == {"similarity": 0.0, "best_match": None, "lexical": False,
                                   "question": False, "is_hook": False, "quote": None}


def test_clauses():
    assert clauses("Wait, stop scrolling. This is it!") == ["Wait", "stop scrolling", "This is it"]


def _clip() -> Clip:
    img = np.zeros((1, 32, 18, 3), np.uint8)
    frames = Frames(img, np.zeros(1))
    info = VideoInfo(path="mem", size_bytes=0, container="mem", duration_s=8.0, width=18, height=32,
                     coded_width=18, coded_height=32, rotation=0, sample_aspect_ratio=1.0, fps=24.0,
                     video_codec="raw", bit_rate=None, has_audio=True)
    return Clip(info=info, hook=frames, body=frames, stills=frames, audio=None)


def _asr(words: list[tuple[float, str]]) -> Signals:
    events = [Event(t=t, end=t + 0.3, kind="word", label=w, source="speech") for t, w in words]
    return Signals(features={}, evidence={"transcript": " ".join(w for _, w in words) or None}, events=events)


def test_analyzer_without_asr_gives_none():
    sig = HookPhrasesAnalyzer().analyze(_clip(), AnalysisContext())
    assert set(sig.features.values()) == {None}
    assert sig.events == []
    assert HookPhrasesAnalyzer.after == ("asr",)


def test_analyzer_reads_the_words_spoken_in_the_hook():
    words = [(0.5, "Wait,"), (0.9, "stop"), (1.2, "scrolling."), (2.2, "This"), (2.4, "is"), (3.4, "Acme.")]
    ctx = AnalysisContext(upstream={"asr": _asr(words)})
    sig = HookPhrasesAnalyzer().analyze(_clip(), ctx)
    f = sig.features
    assert f["hook_phrases.opening_text"] == "Wait, stop scrolling. This is"  # "Acme." starts after 3 s
    assert f["hook_phrases.is_hook"] is True and f["hook_phrases.lexical"] is True
    assert f["hook_phrases.quote"] == "Wait, stop scrolling"
    assert f["hook_phrases.start_s"] == 0.5
    [event] = sig.events
    assert event.kind == "hook_phrase" and event.t == 0.5 and "Wait, stop scrolling" in event.label


def test_analyzer_when_nothing_is_said_in_the_hook():
    ctx = AnalysisContext(upstream={"asr": _asr([(4.0, "Hello")])})
    f = HookPhrasesAnalyzer().analyze(_clip(), ctx).features
    assert f["hook_phrases.opening_text"] is None and f["hook_phrases.start_s"] is None
    assert f["hook_phrases.is_hook"] is False and f["hook_phrases.similarity"] == 0.0


def test_opening_words_falls_back_to_the_transcript_text():
    sig = Signals(evidence={"transcript": "Did you know that ninety percent of people get this wrong"})
    assert opening_words({"asr": sig}, 3.0, 5) == ("Did you know that ninety", 0.0)
    assert opening_words({}, 3.0, 5) is None
