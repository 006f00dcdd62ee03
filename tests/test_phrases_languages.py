"""Calls to action, disclosures and hook phrases in many languages (known answers, no models:
the ``asr`` and on-screen text results are given)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.asr import AsrConfig, Word, script_share, unreliable
from scoring.analyzers.base import Event, Signals
from scoring.analyzers.hook_phrases import HookPhrasesAnalyzer
from scoring.analyzers.mentions import MentionsAnalyzer, tokens
from scoring.campaign import campaign_from_dict
from scoring.media.clip import Clip, Frames, VideoInfo
from scoring.scorers import load_scorer
from scoring.services.language import weigh
from scoring.services.phrases import CTA, DISCLOSURE, HOOK, contains, fold

REQUIRED = ("en", "es", "pt", "fr", "de", "it", "nl", "tr", "id", "vi", "ar", "hi", "ja", "ko")


def _clip() -> Clip:
    info = VideoInfo("x.mp4", 0, "mp4", 12.0, 720, 1280, 720, 1280, 0, 1.0, 30.0, "h264", None, True)
    none = Frames(np.zeros((0, 8, 8, 3), np.uint8), np.zeros(0))
    return Clip(info, none, none, none, None)


def _run(language: str | None, said: str = "", screen: list[tuple[float, str]] = (), terms: dict | None = None):
    events = [Event(t=0.5 + 0.4 * i, end=0.8 + 0.4 * i, kind="word", label=w, source="speech")
              for i, w in enumerate(said.split())]
    asr = Signals({"asr.language": language, "asr.transcript_reason": None, "asr.words": len(events)},
                  {"transcript": said or None, "speech_language": language}, events)
    ctx = AnalysisContext(terms={"brand": ["Acme"], "products": [], "cta": [], **(terms or {})}, hook_seconds=3.0)
    ctx.upstream["asr"] = asr
    ctx.upstream["onscreen_text"] = Signals(events=[Event(t=t, kind="text", label=x, text=x) for t, x in screen])
    out = {}
    for analyzer in (MentionsAnalyzer(), HookPhrasesAnalyzer()):
        out[analyzer.name] = analyzer.analyze(_clip(), ctx)
        ctx.upstream[analyzer.name] = out[analyzer.name]
    return out


def test_every_required_language_has_phrases():
    for lang in REQUIRED:
        assert CTA[lang] and DISCLOSURE[lang], lang
        assert lang == "en" or HOOK[lang], lang


def test_folding_and_matching():
    assert fold("Quảng Cáo") == "quang cao" and fold("PUBLICITÉ") == "publicite" and fold("İNDİRİM") == "indirim"
    assert fold("إعلان") == fold("اعلان") and fold("Ｌｉｎｋ") == "link"
    assert contains("Das ist WERBUNG!", "werbung") and not contains("Werbungskosten", "werbung")
    assert contains("これは広告です", "広告") and contains("오늘은 광고입니다", "광고")  # no spaces: substrings
    assert contains("रुको! ये देखो", "रुको")
    assert [t.text for t in tokens("Mã giảm giá: ACME20", 0.0)] == ["ma", "giam", "gia", "acme20"]
    assert [t.text for t in tokens("विज्ञापन है", 0.0)] == ["विज्ञापन", "है"]  # vowel signs stay in the word


@pytest.mark.parametrize("line", ["Anzeige", "Werbung | Acme", "#werbung", "quảng cáo", "Publicidad", "publicité",
                                  "إعلان", "#إعلان", "विज्ञापन", "広告", "광고", "reklam", "iklan", "#ad",
                                  "Paid partnership", "betaalde samenwerking", "pubblicità"])
def test_disclosures_on_screen_in_every_language(line):
    m = _run("en", "hello everyone", [(1.0, line)])["mentions"].features
    assert m["mentions.disclosure"] is True, line


def test_no_disclosure_in_ordinary_words():
    for line in ["adventure time", "bad hair day", "Werbungskosten sparen", "head", "my reclining chair"]:
        assert _run("en", "hello everyone", [(1.0, line)])["mentions"].features["mentions.disclosure"] is False, line


@pytest.mark.parametrize("language, said, cta", [
    ("es", "el link en la bio y usa el código ACME", "link en la bio"),
    ("de", "den Rabattcode findet ihr unten", "rabattcode"),
    ("pt", "link na bio pessoal", "link na bio"),
    ("fr", "utilise le code ACME", "utilise le code"),
    ("tr", "indirim kodu açıklamada", "indirim kodu"),
    ("id", "pakai kode promo ACME ya", "kode promo"),
    ("vi", "nhập mã giảm giá ACME nhé", "mã giảm giá"),
    ("ar", "استخدم كود الخصم ACME", "كود الخصم"),
    ("ja", "プロフィールのリンクからどうぞ", "プロフィールのリンク"),
    ("ko", "할인 코드는 프로필 링크에", "할인 코드"),
])
def test_calls_to_action_in_the_speech_language(language, said, cta):
    m = _run(language, said)["mentions"]
    assert cta in [c["text"] for c in m.evidence["cta"] if c["source"] == "speech"], m.evidence["cta"]
    assert m.features["mentions.speech_phrases_supported"] is True and m.features["mentions.note"] is None


def test_ctas_on_screen_in_the_campaign_languages_only():
    de = _run("en", "hello", [(4.0, "Jetzt kaufen")], terms={"languages": ["de"]})["mentions"].evidence["cta"]
    assert [c["text"] for c in de] == ["jetzt kaufen"]
    assert _run("en", "hello", [(4.0, "Jetzt kaufen")])["mentions"].evidence["cta"] == []


def test_campaign_phrases_per_language():
    terms = {"languages": ["nl"], "cta:nl": ["bestel via de link"], "disclosure:nl": ["samenwerking met Acme"],
             "hook:nl": ["let op"]}
    out = _run("nl", "let op, bestel via de link", [(2.0, "samenwerking met Acme")], terms=terms)
    assert "bestel via de link" in [c["text"] for c in out["mentions"].evidence["cta"]]
    assert out["mentions"].features["mentions.disclosure"] is True
    assert out["hook_phrases"].features["hook_phrases.is_hook"] is True
    assert out["hook_phrases"].features["hook_phrases.best_match"] in ("let op", "wacht")


@pytest.mark.parametrize("language, said, hook", [
    ("de", "Warte, das musst du sehen", True), ("es", "¿Sabías que el café frío es mejor?", True),
    ("fr", "Arrête de scroller, regarde ça", True), ("ja", "ちょっと待って、これ見て", True),
    ("id", "Tunggu, kalian harus lihat ini", True), ("es", "Hoy os enseño mi rutina de mañana", False),
])
def test_hook_phrases_in_other_languages(language, said, hook):
    f = _run(language, said)["hook_phrases"].features
    assert f["hook_phrases.is_hook"] is hook and f["hook_phrases.similarity"] is None
    assert f["hook_phrases.unsupported_language"] is None and f["hook_phrases.note"] is None


def test_hook_phrases_in_a_language_without_phrases_says_so():
    f = _run("sw", "habari zenu leo")["hook_phrases"].features
    assert f["hook_phrases.is_hook"] is None and f["hook_phrases.unsupported_language"] == "sw"


def test_language_prior_favours_plausible_and_expected_languages():
    short_english = {"mi": 0.35, "en": 0.30, "haw": 0.0, "es": 0.10, "la": 0.15}  # a flat guess on 3 s
    top = weigh(short_english)
    assert max(top, key=top.get) == "en"
    plain, prior = weigh({"de": 0.40, "nl": 0.45}), weigh({"de": 0.40, "nl": 0.45}, ("de",))
    assert max(plain, key=plain.get) == "nl" and max(prior, key=prior.get) == "de"  # the campaign's prior
    clear = weigh({"es": 0.9, "en": 0.05, "pt": 0.05}, ("en",))  # a prior, never an override
    assert max(clear, key=clear.get) == "es" and 0.5 < clear["es"] < 0.9
    assert weigh({"la": 1.0}) == {}


def test_guard_rejects_letters_of_another_script():
    cfg = AsrConfig()
    mixed = [Word(w, i, i + 0.5, 0.5) for i, w in enumerate("یا سے چک்டாதی நான் இதுவாளிவ் سے".split())]
    assert "another script" in unreliable(mixed, 1.5, cfg, "hi")
    hindi = [Word(w, i, i + 0.5, 0.6) for i, w in enumerate("आज मैं आपको Acme दिखाऊंगा".split())]
    assert unreliable(hindi, 1.2, cfg, "hi") is None  # a brand in Latin letters is not another script
    assert script_share("Hola a todos", "es") == 1.0 and script_share("123", "ja") is None
    assert "repeats itself" in unreliable(hindi, 9.0, cfg, "hi")


def test_campaign_languages_phrases_and_paid_partnership():
    camp = campaign_from_dict({"languages": ["DE", "es"], "paid_partnership": True,
                               "phrases": {"de": {"cta": ["Link in der Bio"], "disclosure": ["Werbung"]}}})
    assert camp.languages == ["de", "es"] and camp.facts()["campaign.paid_partnership"] is True
    terms = camp.terms()
    assert terms["paid_partnership"] == ["true"] and "paid_partnership" not in campaign_from_dict({}).terms()
    assert terms["languages"] == ["de", "es"] and terms["cta:de"] == ["Link in der Bio"]
    from scoring.errors import ConfigError
    for bad, key in [({"languages": ["klingon"]}, "languages[0]"), ({"paid_partnership": "yes"}, "paid_partnership"),
                     ({"phrases": {"de": {"slogan": ["x"]}}}, "phrases.de.slogan"),
                     ({"phrases": {"xx": {"cta": ["x"]}}}, "phrases.xx")]:
        with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
            campaign_from_dict(bad)


def test_missing_disclosure_on_a_paid_brief_is_a_reason():
    paid = _run("en", "hello everyone", terms={"paid_partnership": ["true"]})["mentions"].features
    assert paid["mentions.disclosure_required"] is True and paid["mentions.paid_disclosure"] is False
    told = _run("de", "hallo", [(1.0, "Anzeige")], terms={"paid_partnership": ["true"]})["mentions"].features
    assert told["mentions.paid_disclosure"] is True
    organic = _run("en", "hello everyone")["mentions"].features
    assert organic["mentions.disclosure_required"] is False and organic["mentions.paid_disclosure"] is None

    scorer = load_scorer("product_integration")
    base = {"campaign.names_brand_or_product": True, "packshot.visible_ratio": 0.5, "packshot.first_s": 1.0,
            "mentions.named_count": 2, "mentions.cta_count": 1}
    unpaid = {"mentions.disclosure": False, "mentions.disclosure_required": False, "mentions.paid_disclosure": None}
    missing = scorer.score({**base, **{k: paid[k] for k in paid if "disclos" in k}})
    reasons = [r for r in missing.reasons if "not disclosed" in r.text]
    assert reasons and reasons[0].impact < -5
    organic_score = scorer.score({**base, **unpaid})
    assert not [r for r in organic_score.reasons if "not disclosed" in r.text]
    assert organic_score.value > missing.value
    assert not [n for n in organic_score.not_measured if "paid brief" in n]
    disclosed = scorer.score({**base, "mentions.disclosure": True, "mentions.disclosure_text": "anzeige",
                              "mentions.disclosure_required": True, "mentions.paid_disclosure": True})
    assert any("disclosed (anzeige)" in r.text for r in disclosed.reasons)


def test_the_campaign_languages_reach_detection(monkeypatch):
    from scoring.services import language

    monkeypatch.setattr(language, "language_probabilities", lambda *a, **k: {"hu": 0.30, "tr": 0.20, "en": 0.1})
    speech = np.zeros(3 * 16000, np.float32)
    assert language.detect_language(speech)[0] == "hu"
    code, p = language.detect_language(speech, expected=("tr",))
    assert code == "tr" and 0.5 < p < 1.0
    monkeypatch.setattr(language, "language_probabilities", lambda *a, **k: {"mi": 0.40, "en": 0.35})
    assert language.detect_language(speech)[0] == "en"  # Maori needs 10x the evidence of a common language
