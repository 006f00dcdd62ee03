"""A run's named stages: nothing is written before ``write``, errors stop it in ``plan``,
and ``write`` puts ranking.json and the report media next to each other."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from scoring.errors import ConfigError
from scoring.run import MEDIA_FOLDER, EngineOptions, Run

CLEAN = Path(__file__).resolve().parent.parent / "fixtures" / "videos" / "clean.mp4"


def test_a_bad_ledger_stops_the_run_in_plan_before_anything_is_written(tmp_path):
    bad = tmp_path / "ledger.sqlite"
    bad.write_text("not a database")
    run = Run([str(CLEAN)], out=tmp_path / "out", profile="fast", cache_dir=False, ledger=bad,
              engine=EngineOptions(isolate=False))
    run.collect()
    assert [Path(r.path).name for r in run.refs] == ["clean.mp4"]
    with pytest.raises(ConfigError):
        run.plan()
    assert not (tmp_path / "out").exists()


def test_stages_in_order_write_the_ranking_they_computed(tmp_path):
    out = tmp_path / "out"
    run = Run([str(CLEAN), str(CLEAN)], out=out, profile="fast", cache_dir=tmp_path / "cache", ledger=False,
              engine=EngineOptions(workers=1, isolate=False))
    run.collect()
    run.plan()
    assert len(run.refs) == 1                       # a file listed twice is scored once
    run.run_engine()
    assert [r.status for r in run.finished] == ["ok"]
    assert not (out / "ranking.json").exists()      # nothing is written before the write stage
    run.rank(dt.datetime.now(dt.UTC), time.perf_counter())
    run.write()
    written = json.loads((out / "ranking.json").read_text())
    assert written["videos"] == json.loads(json.dumps(run.doc["videos"]))
    media = written["videos"][0]["media"]
    assert media and all(p.startswith(f"{MEDIA_FOLDER}/") and (out / p).is_file() for p in media.values())
    assert (out / "report.html").is_file() and (out / "requests.md").is_file()
