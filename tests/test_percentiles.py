"""Percentiles against the team's reference: the ledger keeps each video's sub-scores, and
every sub-score reads "better than N % of the M videos you have scored"."""

from __future__ import annotations

import sqlite3

from scoring.ledger import Ledger
from scoring.ledger import migrations as mig
from scoring.report.explain import add_percentiles, explanation_html, percentile_text

SUBS = ("hook", "audio_clarity", "visual_clarity", "product_integration", "engagement")


def _video(i: int, hook: float | None) -> dict:
    return {"video_id": f"sha256:{i:064x}", "path": f"/v{i}.mp4", "status": "ok", "score": float(i), "rank": i,
            "subscores": {"hook": hook, "audio_clarity": 50.0, "visual_clarity": None, "product_integration": 60.0,
                          "engagement": None}}


def test_the_ledger_keeps_sub_scores_and_a_v1_ledger_migrates(tmp_path):
    path = tmp_path / "team.sqlite"
    conn = sqlite3.connect(path)  # a ledger written before sub-scores were kept (schema 1)
    for stmt in mig.MIGRATIONS[0][2].split(";"):
        if stmt.strip():
            conn.execute(stmt)
    conn.execute(f"PRAGMA application_id = {mig.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO videos (video_id, score, first_seen, last_seen) VALUES ('sha256:old', 40, 'x', 'x')")
    conn.commit()
    conn.close()
    with Ledger.open(path, notify=lambda _m: None) as led:
        led.register_videos([_video(i, 10.0 * i) for i in range(1, 4)])
        ref = led.reference_scores()
        assert ref["sha256:old"] == {"score": 40.0}  # an old row keeps its composite, no sub-scores
        assert ref[f"sha256:{2:064x}"]["hook"] == 20.0 and "visual_clarity" not in ref[f"sha256:{2:064x}"]
        led.register_videos([{**_video(2, None), "subscores": None}])  # a re-import without sub-scores keeps them
        assert led.reference_scores()[f"sha256:{2:064x}"]["hook"] == 20.0


def test_percentiles_leave_the_video_itself_out_and_need_enough_videos():
    reference = {f"sha256:{i:064x}": {"score": float(i), "hook": float(10 * i)} for i in range(1, 11)}
    videos = [_video(8, 75.0), _video(99, 5.0)]
    add_percentiles(videos, reference)
    p = videos[0]["percentiles"]
    assert p["hook"] == {"better_than": 77, "of": 9}  # 10..70 of the 9 others are below 75 (itself left out)
    assert p["score"] == {"better_than": 77, "of": 9}
    assert videos[1]["percentiles"]["hook"] == {"better_than": 0, "of": 10}
    assert "audio_clarity" not in p  # nobody else has an audio score to compare with
    assert percentile_text(p["hook"]) == "better than 77 % of 9 scored"
    few = [_video(1, 50.0)]
    add_percentiles(few, {k: v for k, v in list(reference.items())[:3]})
    assert few[0]["percentiles"] == {}
    html = explanation_html({**videos[0], "reasons": []}, "v8.mp4")
    assert "better than 77 % of 9 scored" in html and "score better than 77 %" in html


def test_big_counts_read_with_thousands_separators():
    assert percentile_text({"better_than": 80, "of": 1240}) == "better than 80 % of 1,240 scored"


def test_a_run_with_a_ledger_writes_percentiles_against_every_video_it_knows(tmp_path):
    import json
    from pathlib import Path

    from scoring.api import score

    root = Path(__file__).resolve().parent.parent
    ledger = tmp_path / "team.sqlite"
    with Ledger.open(ledger) as led:  # six videos from earlier runs, hooks 10..60
        led.register_videos([_video(i, 10.0 * i) for i in range(1, 7)])
    ranking = score([str(root / "fixtures" / "videos" / "clean.mp4")], campaign=str(root / "pipelines" / "demo.toml"),
                    out=str(tmp_path / "out"), workers=1, profile="fast", cache_dir=False, ledger=str(ledger))
    video = ranking.videos[0]
    hook = video.subscores["hook"]
    assert video.percentiles["hook"] == {"better_than": int(100 * sum(10.0 * i < hook for i in range(1, 7)) / 6),
                                         "of": 6}
    stored = json.loads((tmp_path / "out" / "ranking.json").read_text())["videos"][0]
    assert stored["percentiles"] == video.percentiles and "fixes" in stored
    with Ledger.open(ledger) as led:  # the run's own sub-scores join the reference for the next one
        assert led.reference_scores()[video.video_id]["hook"] == hook
    assert "better than" in (tmp_path / "out" / "report.html").read_text()
