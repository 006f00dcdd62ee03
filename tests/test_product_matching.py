"""Mention matching robust to how ASR and OCR spell things (no models needed)."""

from __future__ import annotations

import pytest

from scoring.analyzers.base import Event
from scoring.analyzers.mentions import (
    HASHTAG_AD,
    MentionsAnalyzer,
    _key,
    allowed_edits,
    find,
    speech_sentences,
    tokens,
)


def _found(text: str, term: str) -> bool:
    return bool(find(tokens(text, 0.0), term))


@pytest.mark.parametrize("text, term", [
    ("I love Comfy UI for this", "ComfyUI"),
    ("Acme's new flavour", "Acme"),
    ("ACME!!! so good", "acme"),
    ("use code ACME twenty", "use code ACME20"),
    ("use Co -Nacme 20.", "use code ACME20"),  # Whisper tiny on the clean fixture
    ("Link in Bio,", "link in bio"),
    ("linking bio", "link in bio"),
    ("this is Acme Cold Crew and", "Acme Cold Brew"),
    ("save twenty five percent", "save 25%"),
    ("#AcmeColdBrew", "Acme Cold Brew"),
])
def test_spelling_variants_match(text, term):
    assert _found(text, term)


@pytest.mark.parametrize("text, term", [
    ("this is acne cold through", "Acme"),  # four letters: exact only
    ("academy", "Acme"),
    ("this is Acme cold through", "Acme Cold Brew"),
    ("link", "link in bio"),
    ("shopping now", "shop now and save"),
])
def test_near_misses_do_not_match(text, term):
    assert not _found(text, term)


def _heard(text: str, term: str) -> bool:
    return bool(find(tokens(text, 0.0), term, phonetic=True))


@pytest.mark.parametrize("text", ["a glass of moatly", "a glass of Otley", "a glass of oat lee", "Oatley milk"])
def test_brand_heard_by_ear_matches(text):
    assert _heard(text, "Oatly")


@pytest.mark.parametrize("text, term", [
    ("that tastes oddly good", "Oatly"),  # same rough sound key, but d is not Oatly's t
    ("an oddly shaped glass", "Oatly"),
    ("it was utterly creamy", "Oatly"),
])
def test_words_that_only_sound_alike_do_not_match(text, term):
    assert not _heard(text, term)


def test_unreliable_english_transcripts():
    from scoring.analyzers.asr import AsrConfig, Word, unreliable

    cfg = AsrConfig()
    good = [Word(w, i * 0.3, i * 0.3 + 0.2, 0.8) for i, w in enumerate("link in bio".split())]
    guessed = [Word(w, i * 0.3, i * 0.3 + 0.2, 0.25) for i, w in enumerate("see me in the next video".split())]
    assert unreliable(good, 1.1, cfg) is None and unreliable([], None, cfg) is None
    assert "repeats itself" in unreliable(good, 6.7, cfg)
    assert "improbable" in unreliable(guessed, 0.9, cfg)


def test_number_words_and_times():
    toks = tokens("use code ACME twenty four now", [1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
    assert [t.text for t in toks] == ["use", "code", "acme", "24", "now"]
    assert toks[3].t == 1.6
    assert _key("one hundred and twenty") == "120"
    assert _key("one and two") == "1and2"
    assert allowed_edits("acme") == 0 and allowed_edits("usecodeacme20") == 2


def test_spans_do_not_overlap_and_repeat():
    toks = tokens("link in bio and link in bio", 0.0)
    assert find(toks, "link in bio") == [(0, 3), (4, 7)]


def test_clauses_from_asr_words():
    words = [Event(t=0.5 + i * 0.3, end=0.7 + i * 0.3, kind="word", label=w)
             for i, w in enumerate("Wait, stop scrolling. This is Acme".split())]
    words.append(Event(t=4.0, end=4.3, kind="word", label="again"))  # after a pause
    parts = speech_sentences(words)
    assert [p[1] for p in parts] == ["Wait,", "stop scrolling.", "This is Acme", "again"]
    assert parts[1][0] == pytest.approx(0.8)


def test_builtin_cta_yields_to_campaign_phrase():
    units = [("speech", tokens("use code ACME twenty", [6.7, 6.8, 7.0, 7.4]), "use code ACME twenty")]
    found = MentionsAnalyzer._ctas(units, ["use code ACME20"])
    assert [(f.term, f.t) for f in found] == [("use code ACME20", 6.7)]
    found = MentionsAnalyzer._ctas(units, [])
    assert [f.term for f in found] == ["use code"]


def test_hashtag_disclosure():
    assert HASHTAG_AD.search("love it #ad") and HASHTAG_AD.search("#Sponsored")
    assert not HASHTAG_AD.search("#adventure") and not HASHTAG_AD.search("bad")
