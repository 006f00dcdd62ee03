"""Speech in a language the pipeline cannot read is "not measured", never "absent".

No models: the ``asr`` result is given (speech detected as Dutch, no transcript), the
``mentions`` and ``hook_phrases`` analyzers run on it, then the built-in scorers, ranking,
the report and requests.md. A call to action, a spoken brand name or a hook phrase that
could not be checked must not read as missing ("no call to action", "never names the
brand"); each says why it was not checked.
"""

from __future__ import annotations

import numpy as np

from scoring.analyzers import AnalysisContext
from scoring.analyzers.base import Event, Signals
from scoring.analyzers.hook_phrases import HookPhrasesAnalyzer
from scoring.analyzers.mentions import MentionsAnalyzer
from scoring.campaign import Campaign
from scoring.inputs import VideoRef
from scoring.media.clip import Clip, Frames, VideoInfo
from scoring.ranking import rank_results
from scoring.report.html import render_report
from scoring.report.requests import render_requests
from scoring.results import VideoResult
from scoring.scorers import load_scorer

CAMPAIGN = Campaign(brand="Oatly", products=["Oatly Oat Milk"])
TERMS = {"brand": ["Oatly"], "products": ["Oatly Oat Milk"], "cta": []}


def _clip() -> Clip:
    info = VideoInfo("nl.mp4", 0, "mp4", 12.0, 720, 1280, 720, 1280, 0, 1.0, 30.0, "h264", None, True)
    none = Frames(np.zeros((0, 8, 8, 3), np.uint8), np.zeros(0))
    return Clip(info, none, none, none, None)


def _asr(language: str, words: str = "", reason: str | None = None) -> Signals:
    events = [Event(t=1.0 + 0.4 * i, end=1.3 + 0.4 * i, kind="word", label=w, source="speech")
              for i, w in enumerate(words.split())]
    features = {"asr.language": language, "asr.transcript_reason": reason, "asr.words": len(events)}
    return Signals(features, {"transcript": words or None, "speech_language": language}, events)


def _signals(asr: Signals, screen: list[tuple[float, str]] = ()) -> dict[str, Signals]:
    ctx = AnalysisContext(terms=TERMS, hook_seconds=3.0)
    ctx.upstream["asr"] = asr
    ctx.upstream["onscreen_text"] = Signals(events=[Event(t=t, kind="text", label=x, text=x) for t, x in screen])
    clip = _clip()
    out = {}
    for analyzer in (MentionsAnalyzer(), HookPhrasesAnalyzer()):
        out[analyzer.name] = analyzer.analyze(clip, ctx)
        ctx.upstream[analyzer.name] = out[analyzer.name]
    return out


DUTCH = "speech in Dutch: no model for it here"


def test_untranscribed_speech_leaves_ctas_and_spoken_names_not_measured():
    m = _signals(_asr("nl", reason=DUTCH))["mentions"].features
    assert m["mentions.cta_count"] is None and m["mentions.cta_in_speech"] is None
    assert m["mentions.brand_count"] is None and m["mentions.named_count"] is None
    assert m["mentions.product_count"] is None and m["mentions.disclosure"] is None
    assert m["mentions.note"] == "not checked: speech in Dutch is not transcribed here"
    # English speech that says none of it: measured, absent
    en = _signals(_asr("en", "hello everyone this is my morning"))["mentions"].features
    assert en["mentions.cta_count"] == 0 and en["mentions.brand_count"] == 0 and en["mentions.note"] is None


def test_what_the_screen_shows_still_counts():
    m = _signals(_asr("nl", reason=DUTCH), [(2.0, "Oatly"), (9.0, "link in bio")])["mentions"].features
    assert m["mentions.brand_count"] == 1 and m["mentions.cta_count"] == 1 and m["mentions.cta_on_screen"] is True


def test_transcribed_speech_without_cta_phrases_leaves_only_ctas_unchecked():
    m = _signals(_asr("sw", "habari zenu leo nawaonyesha asubuhi yangu na Oatly"))["mentions"].features
    assert m["mentions.brand_count"] == 1  # campaign names are looked for in any language
    assert m["mentions.cta_count"] is None and "Swahili" in m["mentions.note"]
    # Spanish has built-in CTA phrases: checked, and absent here
    es = _signals(_asr("es", "hola a todos hoy os enseño mi rutina con Oatly"))["mentions"].features
    assert es["mentions.cta_count"] == 0 and es["mentions.note"] is None and es["mentions.speech_phrases_supported"]


def _result(signals: dict[str, Signals]) -> VideoResult:
    r = VideoResult(ref=VideoRef("/v/nl.mp4", creator="@nl"), status="ok", video_id="sha256:nl")
    r.features = {"format.has_audio": True, "format.width": 720, "format.height": 1280, "speech.segments": 3,
                  "speech.onset_s": 0.5, "packshot.visible_ratio": 0.4, "packshot.first_s": 1.0,
                  "packshot.end_card_only": False, "packshot.with_face_ratio": 0.6, "asr.language": "nl",
                  "asr.transcript_reason": DUTCH}
    for sig in signals.values():
        r.features.update(sig.features)
    features = {**r.features, **CAMPAIGN.facts()}
    for name in ("hook", "product_integration"):
        sub = load_scorer(name).score(features)
        r.subscores[name] = sub.value
        r.judgment[name] = sub.judgment()
        r.reasons.extend(x.to_dict() for x in sub.reasons)
    return r


def test_scores_ranking_report_and_requests_say_not_checked_not_missing():
    r = _result(_signals(_asr("nl", reason=DUTCH)))
    texts = [x["text"] for x in r.reasons]
    assert not [t for t in texts if "no call to action" in t or "never names" in t or "no hook phrase" in t], texts
    notes = r.judgment["product_integration"]["not_measured"]
    assert "call to action (not checked: speech in Dutch is not transcribed here)" in notes, notes
    assert any("not checked: speech in Dutch" in n for n in r.judgment["hook"]["not_measured"])
    doc = rank_results([r], CAMPAIGN, {})
    video = doc["videos"][0]
    assert not [x for x in video["reasons"] if "call to action" in x["text"] or "never names" in x["text"]]
    assert any("speech in Dutch is not transcribed" in n["text"] for n in video["not_measured"])
    html = render_report(doc)
    assert "no call to action" not in html and "speech in Dutch is not transcribed here" in html
    assert video["recommendation"] == "request_ad_code"  # the product is on camera: nothing fails
    requests = render_requests(doc, brand="Oatly")
    assert "no call to action" not in requests and "speech in Dutch is not transcribed here" in requests
