"""Judgment rules without media: three states and coverage, severe-flaw caps, the
objective's must-haves, orientation vs resolution, signed reasons, why-below, prior-1
still loadable, requests.md and the report's marks."""

from __future__ import annotations

import pytest

from scoring.campaign import Campaign
from scoring.inputs import VideoRef
from scoring.judgment import below_above, must_have
from scoring.pipeline import VideoResult
from scoring.ranking import rank_results
from scoring.report.html import render_report
from scoring.report.requests import render_requests
from scoring.scorers import list_models, load_scorer
from scoring.scorers.derived import derive, orientation
from scoring.scorers.rules import RuleScorer

SPEC = {
    "name": "t", "version": "x", "kind": "rules",
    "requires": {"when": [{"feature": "campaign.ok", "op": "eq", "value": True}], "text": "nothing to look for"},
    "caps": [{"when": [{"feature": "a.level", "op": "lt", "value": 2}], "ceiling": 40, "composite_ceiling": 55,
              "text": "level far too low ({value})"}],
    "terms": [
        {"feature": "a.level", "curve": [[0, 0], [10, 100]], "weight": 1.0, "low": "low {value:.0f}"},
        {"feature": "a.onset_s", "curve": [[0, 100], [5, 40]], "weight": 1.0, "high": "late, at {value:.1f} s",
         "absent_if": [{"feature": "a.count", "op": "eq", "value": 0}], "absent_score": 20, "absent": "never",
         "label": "onset"},
        {"feature": "b.extra", "curve": [[0, 0], [1, 100]], "weight": 2.0, "label": "extra"},
    ],
}


def test_three_states_absent_scores_below_late_and_not_measured_drops_out():
    s = RuleScorer.from_spec(SPEC)
    late = s.score({"a.level": 10, "a.onset_s": 4.0, "a.count": 1})
    absent = s.score({"a.level": 10, "a.onset_s": None, "a.count": 0})
    unknown = s.score({"a.level": 10, "a.onset_s": None})
    assert absent.value < late.value < unknown.value == 100
    assert late.coverage == absent.coverage == 0.5  # b.extra (weight 2 of 4) not measured
    assert unknown.coverage == 0.25
    assert "never" in [r.text for r in absent.reasons]
    assert any("onset (" in n for n in unknown.not_measured) and any("extra (not run" in n for n in unknown.not_measured)


def test_cap_scales_the_subscore_under_its_ceiling_and_keeps_order():
    s = RuleScorer.from_spec(SPEC)
    a = s.score({"a.level": 1, "a.onset_s": 0.0, "a.count": 1})
    b = s.score({"a.level": 0, "a.onset_s": 0.0, "a.count": 1})
    assert a.value <= 40 and b.value < a.value
    assert a.caps[0].composite_ceiling == 55 and a.reasons[0].kind == "cap" and a.reasons[0].impact < 0
    assert a.reasons[0].text == "level far too low (1)"


def test_requires_known_false_makes_the_subscore_null_with_the_note():
    s = RuleScorer.from_spec(SPEC)
    sub = s.score({"campaign.ok": False, "a.level": 10})
    assert sub.value is None and sub.not_measured == ["nothing to look for"] and sub.reasons == []
    assert s.score({"campaign.ok": True, "a.level": 10}).value == 100


def test_prior_2_is_default_and_prior_1_stays_loadable():
    assert {"hook@prior-1", "hook@prior-2", "audio_clarity@prior-1", "audio_clarity@prior-2"} <= set(list_models())
    assert load_scorer("hook").model_id == "hook@prior-3"  # the newest built-in prior
    assert load_scorer("hook@prior-2").model_id == "hook@prior-2"
    assert load_scorer("hook@prior-1").model_id == "hook@prior-1"


def test_a_bare_name_means_the_newest_built_in_prior():
    assert load_scorer("audio_clarity").model_id == "audio_clarity@prior-4"
    assert {"audio_clarity@prior-1", "audio_clarity@prior-2", "audio_clarity@prior-3",
            "audio_clarity@prior-4"} <= set(list_models())
    assert load_scorer("audio_clarity@prior-2").model_id == "audio_clarity@prior-2"
    assert load_scorer("visual_clarity").model_id == "visual_clarity@prior-5"
    assert load_scorer("visual_clarity@prior-2").model_id == "visual_clarity@prior-2"


# picture / visual_quality features of a real creator clip (v_ar_car_talk) blurred with
# Gaussian sigma 2, 3.5 and 5: all three are under the heavy-blur cap (sharpness < 0.78)
_BLURRED = [
    {"picture.sharpness": 0.669, "picture.brightness": 0.3749, "picture.crushed_ratio": 0.0105,
     "picture.blown_ratio": 0.0, "picture.noise_level": 0.248, "visual_quality.blockiness": 0.1606,
     "visual_quality.shake": 0.453, "visual_quality.brisque": 70.01},
    {"picture.sharpness": 0.556, "picture.brightness": 0.3748, "picture.crushed_ratio": 0.0076,
     "picture.blown_ratio": 0.0, "picture.noise_level": 0.239, "visual_quality.blockiness": 0.0883,
     "visual_quality.shake": 0.308, "visual_quality.brisque": 75.13},
    {"picture.sharpness": 0.52, "picture.brightness": 0.3748, "picture.crushed_ratio": 0.0055,
     "picture.blown_ratio": 0.0, "picture.noise_level": 0.228, "visual_quality.blockiness": 0.0792,
     "visual_quality.shake": 0.328, "visual_quality.brisque": 78.36},
]


@pytest.mark.parametrize("span", [-0.1, 1.5, "0.5", True])
def test_cap_span_is_validated(span):
    from scoring.errors import ConfigError

    with pytest.raises(ConfigError, match="cap_span"):
        RuleScorer.from_spec({**SPEC, "cap_span": span})


def test_visual_clarity_prior_3_keeps_capped_blur_levels_in_order():
    """prior-2 ties the first two (the cap's 0.8 + 0.2 x score, rounded to 0.1); prior-3's
    cap_span 0.5 keeps all three apart and in order, under the ceiling of 30."""
    old = [load_scorer("visual_clarity@prior-2").score(f).value for f in _BLURRED]
    new = [load_scorer("visual_clarity@prior-3").score(f).value for f in _BLURRED]
    ceiling = 30.0
    assert all(v <= ceiling for v in old + new)             # the blur cap holds in both
    assert not old[0] > old[1] > old[2]                     # prior-2 collapses some levels
    assert new[0] > new[1] > new[2]                         # prior-3: more blur, lower, strictly


def test_hook_prior_2_no_speech_is_worse_than_late_speech():
    hook = load_scorer("hook")
    base = {"format.has_audio": True, "faces.frames_scanned": 20, "faces.anytime": True, "faces.first_s": 0.0,
            "faces.in_hook": True, "faces.max_area_ratio": 0.2, "cuts.count": 0, "loudness.silence_ratio": 0.1,
            "cuts.sound_start_s": 0.0, "cuts.hook_motion": 3.0}
    late = hook.score({**base, "speech.segments": 2, "speech.onset_s": 4.0, "speech.in_hook_s": 0.0})
    none = hook.score({**base, "speech.segments": 0, "speech.onset_s": None, "speech.in_hook_s": 0.0})
    early = hook.score({**base, "speech.segments": 2, "speech.onset_s": 0.3, "speech.in_hook_s": 2.5})
    assert none.value < late.value < early.value
    assert any(r.text == "no speech in the whole video" for r in none.reasons)


def test_audio_prior_2_no_track_is_null_without_a_duplicate_reason():
    sub = load_scorer("audio_clarity").score({"format.has_audio": False})
    assert sub.value is None and sub.reasons == [] and sub.not_measured == ["no audio track"]


def test_product_prior_2_is_null_when_the_campaign_names_no_product():
    product = load_scorer("product_integration")
    feats = {"mentions.cta_count": 1, "packshot.available": False}
    sub = product.score({**feats, **Campaign().facts()})
    assert sub.value is None and sub.not_measured == ["the campaign names no product"]
    assert product.score({**feats, **Campaign(brand="Acme").facts()}).value is not None


def test_product_prior_2_never_seen_does_not_score_the_end_card_term_as_good():
    product = load_scorer("product_integration")
    never = product.score({"packshot.visible_ratio": 0.0, "packshot.end_card_only": False,
                           "packshot.with_face_ratio": None, "mentions.named_count": 0, "mentions.product_count": 0})
    assert never.value <= 15 and "product never shown nor named" in [r.text for r in never.reasons]
    assert not any(r.feature == "packshot.end_card_only" for r in never.reasons)


@pytest.mark.parametrize(("w", "h", "orient", "ok"), [
    (700, 700, "square", False), (1080, 1080, "square", True), (1280, 720, "horizontal", True),
    (720, 1280, "vertical", True), (480, 848, "vertical", False), (540, 960, "vertical", True)])
def test_orientation_is_separate_from_resolution(w, h, orient, ok):
    assert orientation(w, h) == orient
    assert derive({"format.width": w, "format.height": h})["format.resolution_ok"] is ok


def test_must_have_conversions_and_awareness():
    shown = {"packshot.visible_ratio": 0.4, "mentions.product_count": 0, "mentions.brand_count": 0}
    hidden = {"packshot.visible_ratio": 0.0, "mentions.product_count": 0, "mentions.brand_count": 0}
    assert must_have(shown, "conversions", True, True) is None
    failed = must_have(hidden, "conversions", True, True)
    assert failed.verified and "product is never shown or named" in failed.text
    assert must_have({**hidden, "mentions.product_count": 2}, "conversions", True, True) is None
    fast = must_have({"packshot.visible_ratio": 0.0}, "conversions", True, True)  # names not measured
    assert not fast.verified and fast.text.startswith("could not confirm the product") and "not checked" in fast.text
    assert must_have({}, "conversions", True, True) is None  # nothing measured: no verdict
    assert must_have(hidden, "awareness", True, False).text.startswith("the brand is never shown or named")
    assert must_have(hidden, "awareness", False, True) is None  # no brand given


GOOD = {"format.has_audio": True, "format.width": 720, "format.height": 1280,
        "packshot.visible_ratio": 0.5, "mentions.product_count": 1}


def _result(vid: str, subs: dict, reasons=(), judgment=None, **features) -> VideoResult:
    r = VideoResult(ref=VideoRef(f"/v/{vid}.mp4", creator=f"@{vid}"), status="ok", video_id=f"sha256:{vid}")
    r.features = {**GOOD, **features}
    r.subscores = dict(subs)
    r.reasons = [dict(x) for x in reasons]
    r.judgment = judgment or {}
    return r


SUBS = {"hook": 90.0, "audio_clarity": 90.0, "visual_clarity": 90.0, "product_integration": 90.0}
CAMPAIGN = Campaign(brand="Acme", products=["Acme Cold Brew"])


def test_ranking_signs_reasons_and_explains_why_below():
    late = {"dimension": "hook", "text": "speech starts late, at 4.0 s", "impact": -12.0, "feature": "speech.onset_s",
            "t": 4.0, "kind": "term"}
    results = [_result("a", SUBS), _result("b", {**SUBS, "hook": 60.0}, [late])]
    doc = rank_results(results, CAMPAIGN, {})
    a, b = doc["videos"]
    r = b["reasons"][0]
    assert r["sign"] == "-" and r["subscore_impact"] == -12.0
    assert r["impact"] == pytest.approx(-12.0 * 0.2 / 0.8, abs=0.1)  # hook's share of the conversions weights
    assert b["below_above"]["text"] == "below #1 mainly on hook, 60 vs 90: speech starts late, at 4.0 s"
    assert a["below_above"] is None and a["recommendation"] == "request_ad_code"
    assert b["coverage"]["engagement"] == 0.0 and {"dimension": "engagement", "text": "no engagement counts given"} \
        in b["not_measured"]


def test_severe_cap_holds_the_composite_and_blocks_request():
    cap = {"dimension": "visual_clarity", "ceiling": 15, "composite_ceiling": 50, "text": "picture nearly black",
           "feature": "picture.brightness"}
    judgment = {"visual_clarity": {"coverage": 1.0, "not_measured": [], "caps": [cap]}}
    doc = rank_results([_result("a", SUBS, judgment=judgment)], Campaign(brand="Acme", request_min_score=30), {})
    v = doc["videos"][0]
    assert v["raw_score"] == 90 and v["score"] == pytest.approx(50 * (0.8 + 0.2 * 0.9), abs=0.1)
    assert v["recommendation"] == "consider"
    assert any(r["kind"] == "cap" and r["sign"] == "-" and r["impact"] == pytest.approx(v["score"] - 90, abs=0.1) for r in v["reasons"])


def test_must_have_failure_is_held_below_consider_with_the_reason_first():
    doc = rank_results([_result("a", SUBS, **{"packshot.visible_ratio": 0.0, "mentions.product_count": 0}),
                        _result("b", {**SUBS, "hook": 40.0, "visual_clarity": 40.0})], CAMPAIGN, {})
    v, other = doc["videos"][1], doc["videos"][0]
    assert v["video_id"] == "sha256:a" and other["video_id"] == "sha256:b"  # the weaker but complete video first
    assert v["recommendation"] == "skip" and not v["shortlisted"]
    assert v["score"] < CAMPAIGN.consider_min_score <= other["score"] and v["raw_score"] == 90
    assert v["reasons"][0]["kind"] == "must_have" and v["reasons"][0]["sign"] == "-"
    assert v["reasons"][0]["impact"] < -40  # the hold is on the must-have line
    assert v["held_by"]["kind"] == "must_have" and "below #1: the product is never shown" in v["below_above"]["text"]


def test_unconfirmed_must_have_stays_on_the_shortlist_but_is_not_requested():
    doc = rank_results([_result("a", SUBS, **{"packshot.visible_ratio": 0.0, "mentions.product_count": None})],
                       CAMPAIGN, {})
    v = doc["videos"][0]
    assert v["shortlisted"] and v["recommendation"] == "consider"
    assert v["reasons"][0]["kind"] == "must_have" and "could not confirm" in v["reasons"][0]["text"]


def test_gated_video_is_explained_below_and_badged():
    results = [_result("a", SUBS), _result("b", SUBS, **{"format.width": 1280, "format.height": 720})]
    doc = rank_results(results, CAMPAIGN, {"profile": "fast"})
    b = doc["videos"][1]
    assert b["gates"] == ["horizontal"] and b["below_above"]["dimension"] == "gate"
    html = render_report(doc)
    assert '"gates": ["horizontal"]' in html and "gated: " in html


def test_below_above_tie():
    e = {"rank": 1, "score": 80.0, "subscores": {"hook": 80.0}, "reasons": []}
    assert "level with #1" in below_above({**e, "rank": 2}, e, {"hook": 1.0})["text"]


def test_requests_give_real_reasons_and_keep_the_biggest_risk_internal():
    good = {"dimension": "product_integration", "text": "holds the product on camera from 0.5 s", "impact": 8.0,
            "kind": "term", "feature": "packshot.visible_ratio"}
    snr = {"dimension": "audio_clarity", "text": "clean background (SNR 45 dB)", "impact": 5.0, "kind": "term",
           "feature": "audio_quality.noise_snr_db"}
    risk = {"dimension": "product_integration", "text": "no call to action", "impact": -6.0, "kind": "term"}
    doc = rank_results([_result("a", SUBS, [good, snr, risk])], CAMPAIGN, {})
    text = render_requests(doc, brand="Acme")
    assert "  - holds the product on camera from 0.5 s" in text  # the strategist keeps the numbers
    assert "Internal note (do not send): biggest risk: no call to action" in text
    message = text.split("Message to send:")[1].split("How to generate")[0]
    # the creator reads plain words: the same strengths, no scores, seconds, dB or model names
    assert "no call to action" not in message and "how clearly you show the product" in message
    assert "your voice comes through clearly" in message
    assert not any(m in message for m in ("0.5 s", "SNR", "dB", "%", "score"))
    html = render_report(doc)
    assert '<b class="mark">+</b> holds the product' in html and '<b class="mark">−</b> no call to action' in html
