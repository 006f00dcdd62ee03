"""Composite, gates, deterministic order and per-creator shortlist limits."""

from __future__ import annotations

from scoring.campaign import Campaign
from scoring.inputs import VideoRef
from scoring.pipeline import VideoResult
from scoring.ranking import composite, gates_for, rank_results

GOOD = {"format.has_audio": True, "format.is_vertical": True, "format.meets_min_resolution": True,
        "format.width": 720, "format.height": 1280}


def _result(vid: str, hook: float, creator: str | None = None, **features) -> VideoResult:
    r = VideoResult(ref=VideoRef(f"/v/{vid}.mp4", creator=creator), status="ok", video_id=f"sha256:{vid}")
    r.features = {**GOOD, **features}
    r.subscores = {"hook": hook, "audio_clarity": 80.0, "visual_clarity": 80.0, "product_integration": None}
    return r


def test_composite_skips_missing_and_renormalises():
    assert composite({"hook": 80, "audio_clarity": None}, {"hook": 0.3, "audio_clarity": 0.7}) == 80
    assert composite({"hook": 100, "audio_clarity": 50}, {"hook": 0.5, "audio_clarity": 0.5}) == 75
    assert composite({"hook": None}, {"hook": 1}) is None


def test_gates():
    assert gates_for(GOOD) == []
    codes = [g.code for g in gates_for({**GOOD, "format.has_audio": False, "format.width": 1280,
                                        "format.height": 720})]
    assert codes == ["no_audio", "horizontal"]  # 1280x720 meets the resolution minimum: only orientation
    assert [g.code for g in gates_for({**GOOD, "format.width": 360, "format.height": 640})] == ["low_resolution"]
    square = gates_for({**GOOD, "format.width": 700, "format.height": 700})
    assert [g.code for g in square] == ["low_resolution"]  # square is not horizontal; 700 < 960 long side
    assert gates_for({**GOOD, "format.width": 1080, "format.height": 1080}) == []
    small = gates_for({**GOOD, "format.width": 480, "format.height": 848})
    assert "short side 480 px" in small[0].text and "horizontal" not in small[0].text


def test_ties_broken_by_video_id_and_gated_last():
    results = [_result("c", 70), _result("a", 70), _result("b", 90, **{"format.width": 1280, "format.height": 720})]
    doc = rank_results(results, Campaign(), {})
    assert [v["video_id"] for v in doc["videos"]] == ["sha256:a", "sha256:c", "sha256:b"]
    assert doc["videos"][2]["recommendation"] == "skip"


def test_max_per_creator_and_request_threshold():
    results = [_result("a", 95, "@x"), _result("b", 90, "@x"), _result("c", 60, "@y")]
    doc = rank_results(results, Campaign(max_per_creator=1, request_min_score=80), {})
    a, b, c = doc["videos"]
    assert a["shortlisted"] and a["recommendation"] == "request_ad_code" and a["suggested_authorization_days"] == 30
    assert not b["shortlisted"] and b["recommendation"] == "consider"
    assert any("@x already has a higher-ranked video (#1)" in r["text"] for r in b["reasons"])
    assert c["shortlisted"] and c["recommendation"] == "consider" and c["suggested_authorization_days"] is None


def test_engagement_subscore_from_counts():
    r = _result("a", 70)
    r.ref.views, r.ref.likes = 100_000, 9_000  # 2x the default like rate
    doc = rank_results([r], Campaign(), {})
    v = doc["videos"][0]
    assert 60 < v["subscores"]["engagement"] < 75
    assert v["evidence"]["engagement_rate"] > 0.05
