"""`sparkscout score fixtures/videos --campaign pipelines/demo.toml`: outputs and known answers."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scoring.contract import EVIDENCE_KEYS, RECOMMENDATIONS, VIDEO_FIELDS
from scoring.scorers import SUBSCORES


def _by_name(ranking):
    return {Path(v.path).name: v for v in ranking.videos}


def test_ranking_json_follows_the_contract(demo_run):
    _, out = demo_run
    doc = json.loads((out / "ranking.json").read_text())
    assert set(doc) == {"run", "videos"}
    for v in doc["videos"]:
        assert set(VIDEO_FIELDS) <= set(v)
        assert set(v["evidence"]) == set(EVIDENCE_KEYS)
        assert set(v["subscores"]) == set(SUBSCORES)
        assert v["recommendation"] in RECOMMENDATIONS
        assert v["video_id"].startswith("sha256:") and len(v["video_id"]) == 7 + 64
        assert v["status"] == "ok" and v["error"] is None
        assert 0 <= v["score"] <= 100
        for value in v["subscores"].values():
            assert value is None or 0 <= value <= 100
        assert v["subscores"]["engagement"] is None  # no counts given
        assert all({"dimension", "text", "impact"} <= set(r) for r in v["reasons"])
    ranks = [v["rank"] for v in doc["videos"]]
    assert ranks == list(range(1, len(ranks) + 1))


def test_clean_clip_outranks_each_degraded_variant(demo_run, ground_truth):
    ranking, _ = demo_run
    videos = _by_name(ranking)
    clean = videos["clean.mp4"]
    variants = [c["path"] for c in ground_truth["clips"] if c.get("variant_of") == "clean.mp4"]
    assert len(variants) >= 7
    for name in variants:
        if name == "rotated.mp4":  # same content, only stored rotated: same raw score, and a skipped
            # near-duplicate of clean.mp4, so its score is held under the consider threshold (issue 20)
            assert videos[name].raw_score == pytest.approx(clean.raw_score, abs=2)
            assert videos[name].duplicate_of == clean.video_id
            assert videos[name].held_by["kind"] == "duplicate" and videos[name].recommendation == "skip"
            continue
        assert clean.rank < videos[name].rank, name
        assert clean.score > videos[name].score or videos[name].recommendation == "skip", name


def test_format_evidence_matches_ground_truth(demo_run, ground_truth):
    ranking, _ = demo_run
    videos = _by_name(ranking)
    for truth in ground_truth["clips"]:
        ev = videos[truth["path"]].evidence
        assert ev["duration_s"] == pytest.approx(truth["duration_s"], abs=0.1), truth["path"]
        assert (ev["width"], ev["height"]) == (truth["width"], truth["height"]), truth["path"]
        assert ev["has_audio"] is truth["has_audio"], truth["path"]
        assert ev["aspect_ratio"] == pytest.approx(truth["aspect_ratio"], abs=0.01)


def test_rotated_fixture_reports_display_orientation(demo_run):
    ranking, _ = demo_run
    ev = _by_name(ranking)["rotated.mp4"].evidence
    assert (ev["width"], ev["height"]) == (720, 1280)


def test_gates_and_degradations_have_reasons(demo_run, ground_truth):
    ranking, _ = demo_run
    videos = _by_name(ranking)
    gate_words = {"gate:horizontal": "horizontal", "gate:low_resolution": "540×960", "gate:no_audio": "no audio"}
    for truth in ground_truth["clips"]:
        v = videos[truth["path"]]
        for tag in truth.get("expect", []):
            if tag in gate_words:
                assert v.recommendation == "skip" and not v.shortlisted
                assert any(r["dimension"] == "gate" and gate_words[tag] in r["text"] for r in v.reasons)
    clipped = videos["loud_clipped.mp4"]
    assert clipped.subscores["audio_clarity"] < videos["clean.mp4"].subscores["audio_clarity"] - 30
    assert any("clipping" in r["text"] for r in clipped.reasons)
    for name in ("blurry.mp4", "dark.mp4"):
        assert videos[name].subscores["visual_clarity"] < videos["clean.mp4"].subscores["visual_clarity"] - 15


def test_csv_parquet_sqlite_and_report_written(demo_run):
    ranking, out = demo_run
    n = len(ranking.videos)
    rows = list(csv.DictReader((out / "ranking.csv").open()))
    assert len(rows) == n and rows[0]["rank"] == "1"
    table = pq.read_table(out / "features.parquet")
    assert table.num_rows == n
    assert {"video_id", "format.width", "loudness.lufs", "picture.sharpness"} <= set(table.column_names)
    con = sqlite3.connect(out / "results.sqlite")
    assert con.execute("SELECT COUNT(*) FROM videos").fetchone()[0] == n
    assert con.execute("SELECT COUNT(DISTINCT video_id) FROM features").fetchone()[0] == n
    html = (out / "report.html").read_text()
    assert "clean.mp4" in html and "<script" in html


def test_same_inputs_same_order(demo_run, tmp_path):
    from scoring.api import score

    ranking, _ = demo_run
    root = Path(__file__).resolve().parent.parent
    again = score([str(root / "fixtures" / "videos")], campaign=str(root / "pipelines" / "demo.toml"), workers=1,
                  cache_dir=str(tmp_path / "cache"))
    assert [v.video_id for v in again.videos] == [v.video_id for v in ranking.videos]
    assert [v.score for v in again.videos] == [v.score for v in ranking.videos]


def test_requests_md_lists_each_shortlisted_video(demo_run):
    ranking, out = demo_run
    text = (out / "requests.md").read_text()
    shortlisted = [v for v in ranking.videos if v.shortlisted]
    assert shortlisted and text.count("\n## #") == len(shortlisted)
    for v in shortlisted:
        assert f"## #{v.rank} " in text and Path(v.path).name in text
    assert "choose 30 days" in text and "Generate code" in text
    assert all(v.suggested_authorization_days == 30 for v in shortlisted if v.recommendation == "request_ad_code")


def test_cache_reuses_results_and_keys_follow_inputs(tmp_path):
    from scoring.analyzers import build_analyzers
    from scoring.inputs import VideoRef
    from scoring.pipeline import RunSettings, Worker, _plan_key
    from scoring.store import analyzer_cache_keys

    clip = Path(__file__).resolve().parent.parent / "fixtures" / "videos" / "static.mp4"
    worker = Worker(RunSettings(profile="fast", cache_dir=str(tmp_path)))
    first = worker.process(VideoRef(str(clip)))
    again = Worker(RunSettings(profile="fast", cache_dir=str(tmp_path)))
    import scoring.pipeline as pipeline

    calls = []
    real = pipeline.decode_clip
    pipeline.decode_clip = lambda *a, **k: calls.append(a) or real(*a, **k)
    try:
        second = again.process(VideoRef(str(clip)))
    finally:
        pipeline.decode_clip = real
    assert calls == []  # everything came from the cache: no decode
    assert second.features == first.features
    fast = build_analyzers("fast")
    plan = _plan_key(worker.plan)
    keys = analyzer_cache_keys(fast, plan)
    assert keys == analyzer_cache_keys(build_analyzers("fast"), plan)  # stable
    assert keys["speech"] != analyzer_cache_keys(fast, plan + "x")["speech"]  # plan matters
    from scoring.analyzers.speech import SpeechConfig

    tuned = analyzer_cache_keys(build_analyzers("fast", {"speech": SpeechConfig(threshold=0.3)}), plan)
    readers = [a.name for a in fast if "speech" in (*a.requires, *a.after)]
    assert readers and all(tuned[n] != keys[n] for n in ["speech", *readers])  # upstream changes propagate
    assert tuned["format"] == keys["format"]
