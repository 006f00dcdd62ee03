"""A missing measurement never looks like a good one: unmeasured terms and sub-scores the
video itself leaves empty count at stated conservative priors (issue 20)."""

from __future__ import annotations

import pytest

from scoring.campaign import Campaign
from scoring.inputs import VideoRef
from scoring.ranking import rank_results
from scoring.results import VideoResult
from scoring.scorers.registry import load_scorer
from scoring.scorers.rules import RuleScorer

CAMPAIGN = Campaign(shortlist_size=3)
GOOD = {"format.has_audio": True, "format.width": 720, "format.height": 1280}


def _result(vid: str, subs: dict, **features) -> VideoResult:
    r = VideoResult(ref=VideoRef(f"/v/{vid}.mp4", creator=f"@{vid}"), status="ok", video_id=f"sha256:{vid}")
    r.features = {**GOOD, **features}
    r.subscores = dict(subs)
    r.reasons, r.judgment = [], {}
    return r


def test_no_audio_track_counts_like_a_poor_track_not_like_the_others():
    rich = {"hook": 90.0, "visual_clarity": 90.0, "product_integration": None}
    mute = _result("mute", {**rich, "audio_clarity": None}, **{"format.has_audio": False})
    poor = _result("poor", {**rich, "audio_clarity": 50.0})
    unrun = _result("unrun", {**rich, "audio_clarity": None})  # track present, audio not judged: drops out
    doc = rank_results([mute, poor, unrun], CAMPAIGN, {})
    v = {x["video_id"][7:]: x for x in doc["videos"]}
    assert v["mute"]["raw_score"] == pytest.approx(v["poor"]["raw_score"], abs=0.05)
    assert v["mute"]["raw_score"] < v["unrun"]["raw_score"] == pytest.approx(90.0)
    # one flaw, one line: the gate's line carries the prior's cost
    assert not [r for r in v["mute"]["reasons"] if r["kind"] == "prior"]
    gate = [r for r in v["mute"]["reasons"] if r["kind"] == "gate"]
    assert len(gate) == 1 and "no audio track" in gate[0]["text"]
    assert gate[0]["impact"] < v["mute"]["score"] - v["mute"]["raw_score"]  # more than the hold alone
    assert v["mute"]["subscores"]["audio_clarity"] is None  # shown as not measured, not as a value
    assert not [r for r in v["unrun"]["reasons"] if r["kind"] == "prior"]


SPEC = {"name": "t", "version": "x", "terms": [
    {"feature": "a.x", "curve": [[0, 0], [1, 100]], "label": "a"},
    {"feature": "b.y", "curve": [[0, 0], [1, 100]], "label": "b", "unmeasured": 40},
]}


def test_an_unmeasured_term_counts_at_its_prior_only_when_the_run_could_measure_it():
    scorer = RuleScorer.from_spec(SPEC)
    could = scorer.score({"a.x": 1.0, "b.y": None, "b.note": "speech in a language it cannot read"})
    assert could.value == pytest.approx(70.0)  # (100 + 40) / 2, not 100
    assert any("counted at 40" in r.text for r in could.reasons)
    assert any("counted at 40" in n for n in could.not_measured)
    profile = scorer.score({"a.x": 1.0})  # b's analyzer not run in this profile: drops out as before
    assert profile.value == pytest.approx(100.0)


def test_a_distant_face_without_speech_is_nobody_talking_to_the_viewer():
    hook = load_scorer("hook")
    base = {"format.has_audio": True, "speech.segments": 0, "speech.in_hook_s": 0.0, "faces.anytime": True,
            "faces.frames_scanned": 24, "faces.in_hook": True, "faces.first_s": 0.4, "onscreen_text.in_hook": True,
            "onscreen_text.items": 1, "loudness.silence_ratio": 0.0, "cuts.sound_start_s": 0.0}
    far = hook.score({**base, "faces.max_area_ratio": 0.005, "faces.closeup_area_ratio": 0.006})
    near = hook.score({**base, "faces.max_area_ratio": 0.2, "faces.closeup_area_ratio": 0.2})
    assert any("address the viewer" in c.text for c in far.caps)
    assert not any("address the viewer" in c.text for c in near.caps)
    assert far.value < near.value
    # "close-up" is ABCD's word with ABCD's one number (faces.closeup_area_ratio); the hook never says it
    assert not any("close-up" in r.text for r in near.reasons + far.reasons)


def test_a_term_whose_source_analyzer_did_not_run_drops_out():
    """Hook phrases need speech recognition: in a profile without it they say nothing, for
    every video alike, and count at no prior."""
    spec = {**SPEC, "terms": [SPEC["terms"][0], {**SPEC["terms"][1], "measured_by": "c"}]}
    scorer = RuleScorer.from_spec(spec)
    assert scorer.score({"a.x": 1.0, "b.y": None}).value == pytest.approx(100.0)
    assert scorer.score({"a.x": 1.0, "b.y": None, "c.words": 0}).value == pytest.approx(70.0)


def test_a_prior_that_lifts_a_poor_video_says_so():
    # the others under the prior: counting audio at 50 raises the composite, and the reason's
    # sign must agree with its impact (it said "-" with a positive impact)
    poor = {"hook": 30.0, "visual_clarity": 30.0, "product_integration": None, "audio_clarity": None}
    doc = rank_results([_result("mute", poor, **{"format.has_audio": False})], CAMPAIGN, {})
    prior = [r for r in doc["videos"][0]["reasons"] if r["kind"] == "prior"]
    assert len(prior) == 1 and prior[0]["impact"] > 0 and prior[0]["sign"] == "+"


def test_a_downloads_missing_track_costs_only_the_bounded_copy_warning():
    """A scout's copy without a track says nothing of the post's sound (issue 20 item 3): the
    "check the original post" warning is its whole cost, no audio prior on top."""
    rich = {"hook": 90.0, "visual_clarity": 90.0, "product_integration": None}
    copy = {"layout.is_download": True}
    mute = _result("mute", {**rich, "audio_clarity": None}, **{"format.has_audio": False}, **copy)
    loud = _result("loud", {**rich, "audio_clarity": None}, **copy)
    v = {x["video_id"][7:]: x for x in rank_results([mute, loud], CAMPAIGN, {})["videos"]}
    assert v["mute"]["recommendation"] != "skip"
    assert 0 < v["loud"]["score"] - v["mute"]["score"] <= 4.0
    assert not [r for r in v["mute"]["reasons"] if r["kind"] == "prior"]


def test_an_original_without_a_track_has_one_line_for_its_one_flaw():
    rich = {"hook": 90.0, "visual_clarity": 90.0, "product_integration": None, "audio_clarity": None}
    mute = _result("mute", rich, **{"format.has_audio": False})
    x = rank_results([mute], CAMPAIGN, {})["videos"][0]
    assert x["recommendation"] == "skip"
    lines = [r for r in x["reasons"] if r["kind"] in ("gate", "prior")]
    assert len(lines) == 1 and "no audio track" in lines[0]["text"]
    assert lines[0]["impact"] == pytest.approx(x["score"] - 90.0, abs=0.15)
