"""Score agrees with decision, one line per flaw, "below #N" past near-duplicates, empty
shortlist slots, and downloads whose copy problems warn instead of gating (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.campaign import Campaign, campaign_from_dict
from scoring.errors import ConfigError
from scoring.inputs import VideoRef, read_manifest
from scoring.ranking import rank_results
from scoring.results import VideoResult

GOOD = {"format.has_audio": True, "format.width": 720, "format.height": 1280,
        "packshot.visible_ratio": 0.5, "mentions.product_count": 1}
SUBS = {"hook": 80.0, "audio_clarity": 80.0, "visual_clarity": 80.0, "product_integration": 80.0}
CAMPAIGN = Campaign(brand="Acme", products=["Acme Cold Brew"], shortlist_size=3)


def _result(vid: str, subs: dict | None = None, reasons=(), judgment=None, creator: str | None = None,
            original: bool | None = None, **features) -> VideoResult:
    r = VideoResult(ref=VideoRef(f"/v/{vid}.mp4", creator=creator or f"@{vid}", original=original),
                    status="ok", video_id=f"sha256:{vid}")
    r.features = {**GOOD, **features}
    r.subscores = dict(subs or SUBS)
    r.reasons = [dict(x) for x in reasons]
    r.judgment = judgment or {}
    return r


def _hashes(seed: int) -> str:
    bits = np.random.default_rng(seed).integers(0, 2, size=(24, 64)).astype(np.uint8)
    return np.packbits(bits.reshape(-1)).tobytes().hex()


def _by_id(doc: dict) -> dict[str, dict]:
    return {v["video_id"][7:]: v for v in doc["videos"]}


def test_gated_video_scores_below_consider_and_order_by_score_is_order_by_rank():
    results = [_result("mute", {**SUBS, "hook": 99.0}, **{"format.has_audio": False}),
               _result("wide", {**SUBS, "hook": 95.0}, **{"format.width": 1280, "format.height": 720}),
               _result("weak", {k: 50.0 for k in SUBS}), _result("good")]
    doc = rank_results(results, CAMPAIGN, {})
    v = _by_id(doc)
    for gated in ("mute", "wide"):
        assert v[gated]["score"] < CAMPAIGN.consider_min_score and v[gated]["recommendation"] == "skip"
        assert v[gated]["raw_score"] > v["good"]["score"]  # would have won on its sub-scores
        assert v[gated]["held_by"]["kind"] == "gate" and v[gated]["reasons"][0]["kind"] == "gate"
    scores = [x["score"] for x in doc["videos"]]
    assert scores == sorted(scores, reverse=True)
    assert v["mute"]["score"] > v["wide"]["score"]  # the hold keeps the raw order among gated videos
    assert [x["recommendation"] for x in doc["videos"]] == ["request_ad_code", "consider", "skip", "skip"]


def test_cap_and_term_on_the_same_flaw_are_one_line_with_the_total_impact():
    term = {"dimension": "visual_clarity", "text": "too dark: brightness 12 of 255", "impact": -10.0,
            "feature": "picture.brightness", "t": None, "kind": "term"}
    cap_reason = {"dimension": "visual_clarity", "text": "picture nearly black", "impact": -20.0,
                  "feature": "picture.brightness", "t": None, "kind": "cap"}
    cap = {"dimension": "visual_clarity", "ceiling": 15, "composite_ceiling": 50, "text": "picture nearly black",
           "feature": "picture.brightness"}
    judgment = {"visual_clarity": {"coverage": 1.0, "not_measured": [], "caps": [cap]}}
    doc = rank_results([_result("dark", reasons=[term, cap_reason], judgment=judgment)], CAMPAIGN, {})
    reasons = doc["videos"][0]["reasons"]
    flaw = [r for r in reasons if "nearly black" in r["text"] or "too dark" in r["text"]]
    assert len(flaw) == 1, reasons
    line = flaw[0]
    assert "too dark" in line["text"] and "held under 50" in line["text"] and line["kind"] == "cap"
    v = doc["videos"][0]
    hold = v["score"] - v["raw_score"]  # what the composite cap took
    # total = the sub-score reasons' share of the composite + the composite hold
    assert line["impact"] == pytest.approx(hold + (-30.0) * 0.15 / 0.8, abs=0.3)


def test_below_names_the_nearest_video_above_that_is_not_a_near_duplicate():
    same = _hashes(1)
    results = [_result("orig", {**SUBS, "hook": 95.0}, **{"fingerprint.hook_dhash": same}),
               _result("copy", {**SUBS, "hook": 94.0}, **{"fingerprint.hook_dhash": same}),
               _result("other", {**SUBS, "hook": 90.0}, **{"fingerprint.hook_dhash": _hashes(2)}),
               _result("copy2", {**SUBS, "hook": 85.0}, **{"fingerprint.hook_dhash": same})]
    doc = rank_results(results, CAMPAIGN, {})
    v = _by_id(doc)
    # copies are skipped, so they are held under the consider threshold and sink below "other"
    assert [x["video_id"][7:] for x in doc["videos"]] == ["orig", "other", "copy", "copy2"]
    assert v["copy"]["duplicate_of"] == "sha256:orig" and v["copy2"]["duplicate_of"] == "sha256:orig"
    assert v["copy"]["held_by"] == {"kind": "duplicate", "ceiling": CAMPAIGN.consider_min_score,
                                    "text": "near-duplicate of orig.mp4"}
    assert v["other"]["below_above"]["rank_above"] == 1
    assert v["other"]["below_above"]["text"].startswith("below #1")
    assert v["copy2"]["below_above"]["rank_above"] == 2  # neither #3 (another copy) nor #1 (its original)
    assert v["copy"]["below_above"]["rank_above"] == 2
    assert "near-duplicate of orig.mp4" in v["copy"]["below_above"]["text"]


def test_shortlist_leaves_a_slot_empty_rather_than_fill_it_with_a_severe_flaw():
    cap = {"dimension": "visual_clarity", "ceiling": 15, "composite_ceiling": 55, "text": "picture nearly black",
           "feature": "picture.brightness"}
    judgment = {"visual_clarity": {"coverage": 1.0, "not_measured": [], "caps": [cap]}}
    results = [_result("a"), _result("b", {**SUBS, "hook": 70.0}),
               _result("dark", judgment=judgment, **{"fingerprint.hook_dhash": _hashes(3)})]
    doc = rank_results(results, CAMPAIGN, {})
    v = _by_id(doc)
    assert v["dark"]["score"] >= CAMPAIGN.consider_min_score and v["dark"]["recommendation"] == "consider"
    assert not v["dark"]["shortlisted"] and v["a"]["shortlisted"] and v["b"]["shortlisted"]
    assert any(r["kind"] == "shortlist" and "severe flaw" in r["text"] for r in v["dark"]["reasons"])
    assert doc["run"]["counts"]["shortlisted"] == 2 and doc["run"]["shortlist_empty_slots"] == 1
    assert "2 of 3" in doc["run"]["shortlist_note"] and "severe flaw" in doc["run"]["shortlist_note"]


def test_a_full_shortlist_has_no_empty_slot_note():
    doc = rank_results([_result(x) for x in "abc"], CAMPAIGN, {})
    assert doc["run"]["shortlist_empty_slots"] == 0 and doc["run"]["shortlist_note"] is None


DOWNLOAD = {"layout.is_download": True, "format.width": 480, "format.height": 854}


def test_a_downloads_resolution_and_missing_track_warn_with_a_bounded_cost():
    small = _result("small", **DOWNLOAD)
    mute = _result("mute", **{**DOWNLOAD, "format.has_audio": False})
    original = _result("orig", original=True, **DOWNLOAD)
    doc = rank_results([small, mute, original, _result("ref")], CAMPAIGN, {})
    v = _by_id(doc)
    for vid, n in (("small", 1), ("mute", 2)):
        assert v[vid]["gates"] == [] and len(v[vid]["copy_warnings"]) == n
        assert v[vid]["recommendation"] != "skip"
        warn = [r for r in v[vid]["reasons"] if r["kind"] == "copy"]
        assert len(warn) == n and all("check the original post" in r["text"] and r["sign"] == "-" for r in warn)
        assert 0 < v[vid]["raw_score"] - v[vid]["score"] <= 4.0  # bounded, whatever the count
    assert v["orig"]["gates"] == ["low_resolution"] and v["orig"]["recommendation"] == "skip"  # declared original
    assert v["orig"]["score"] < CAMPAIGN.consider_min_score


def test_campaign_can_declare_every_file_an_original():
    doc = rank_results([_result("small", **DOWNLOAD)], Campaign(files_are_originals=True), {})
    assert doc["videos"][0]["gates"] == ["low_resolution"] and doc["videos"][0]["recommendation"] == "skip"
    assert campaign_from_dict({"files_are_originals": True}).files_are_originals is True
    with pytest.raises(ConfigError, match="files_are_originals"):
        campaign_from_dict({"files_are_originals": "yes"})


def test_not_a_download_still_gates():
    doc = rank_results([_result("small", **{"format.width": 480, "format.height": 854})], CAMPAIGN, {})
    assert doc["videos"][0]["gates"] == ["low_resolution"]


def test_manifest_original_column(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("path,original\na.mp4,yes\nb.mp4,\nc.mp4,FALSE\n")
    assert [r.original for r in read_manifest(m)] == [True, None, False]
    m.write_text("path,original\na.mp4,maybe\n")
    with pytest.raises(ConfigError, match="original"):
        read_manifest(m)


def test_a_gate_and_the_model_term_on_the_same_flaw_are_one_line():
    term = {"dimension": "visual_clarity", "text": "below TikTok's 540×960 minimum (short side 480 px)",
            "impact": -6.0, "feature": "format.resolution_class", "t": None, "kind": "term"}
    doc = rank_results([_result("small", reasons=[term], **{"format.width": 480, "format.height": 854})],
                       CAMPAIGN, {})
    v = doc["videos"][0]
    lines = [r for r in v["reasons"] if "540×960" in r["text"]]
    assert len(lines) == 1 and lines[0]["kind"] == "gate"
    hold = v["score"] - v["raw_score"]
    assert lines[0]["impact"] == pytest.approx(hold - 6.0 * 0.15 / 0.8, abs=0.3)  # the hold plus the term's share


def test_a_downloads_small_picture_cap_is_lifted_to_a_bounded_warning():
    cap = {"dimension": "visual_clarity", "ceiling": 30, "composite_ceiling": 50,
           "text": "picture too small to read (320 px short side)", "feature": "format.short_side"}
    cap_reason = {"dimension": "visual_clarity", "text": cap["text"], "impact": -52.0, "feature": "format.short_side",
                  "t": None, "kind": "cap"}
    judgment = {"visual_clarity": {"coverage": 1.0, "not_measured": [], "caps": [cap]}}
    small = {"format.width": 320, "format.height": 568}
    subs = {**SUBS, "visual_clarity": 28.0}  # 80 before the cap took 52
    copy = _result("copy", subs, [cap_reason], judgment, **{**small, "layout.is_download": True})
    kept = _result("kept", subs, [cap_reason], judgment, original=True, **{**small, "layout.is_download": True})
    v = _by_id(rank_results([copy, kept], CAMPAIGN, {}))
    assert v["copy"]["subscores"]["visual_clarity"] == pytest.approx(80.0)
    assert v["copy"]["held_by"] is None and 0 < v["copy"]["raw_score"] - v["copy"]["score"] <= 4.0
    assert not any(r["kind"] == "cap" for r in v["copy"]["reasons"])
    assert any(r["kind"] == "copy" and "too small" in r["text"] for r in v["copy"]["reasons"])
    assert v["kept"]["subscores"]["visual_clarity"] == 28.0 and v["kept"]["recommendation"] == "skip"
