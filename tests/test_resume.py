"""Durable runs: kill a real run with SIGKILL mid-batch, rerun with the same --out, and get the
same ranking.json as an uninterrupted run without recomputing what was stored."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
NAMES = ("clean.mp4", "static.mp4", "blurry.mp4", "dark.mp4", "cuts.mp4", "face_late.mp4")
TIMING_RUN_KEYS = {"started_at", "finished_at", "seconds", "resumed_videos", "cached_videos"}


def _stored(out: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{out / 'results.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _without_timings(doc: dict) -> dict:
    run = {k: v for k, v in doc["run"].items() if k not in TIMING_RUN_KEYS}
    videos = [{k: v for k, v in entry.items() if k != "seconds"} for entry in doc["videos"]]
    return {"run": run, "videos": videos}


@pytest.mark.slow
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    videos = [str(FIXTURES / n) for n in NAMES]
    args = ["score", *videos, "--profile", "fast", "--workers", "1", "--no-cache", "--quiet", "--no-ledger"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "scoring.cli", *args, "--out", str(killed)],
                            start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while _stored(killed) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker process, mid-batch
    proc.wait()
    stored = _stored(killed)
    assert 2 <= stored < len(NAMES), "the kill should land mid-batch"
    assert not (killed / "ranking.json").exists()

    assert main([*args, "--out", str(killed)]) == 0
    resumed = json.loads((killed / "ranking.json").read_text())
    assert resumed["run"]["resumed_videos"] == stored  # nothing stored was computed again
    assert _stored(killed) == len(NAMES)

    whole = tmp_path / "whole"
    assert main([*args, "--out", str(whole)]) == 0
    uninterrupted = json.loads((whole / "ranking.json").read_text())
    assert _without_timings(resumed) == _without_timings(uninterrupted)


def test_changed_settings_are_not_reused(tmp_path):
    video = str(FIXTURES / "static.mp4")
    base = ["score", video, "--workers", "1", "--no-cache", "--quiet", "--no-ledger", "--out", str(tmp_path)]
    assert main([*base, "--profile", "fast"]) == 0
    assert main([*base, "--profile", "fast"]) == 0
    assert json.loads((tmp_path / "ranking.json").read_text())["run"]["resumed_videos"] == 1
    assert main([*base, "--profile", "fast", "--no-resume"]) == 0
    assert json.loads((tmp_path / "ranking.json").read_text())["run"]["resumed_videos"] == 0
