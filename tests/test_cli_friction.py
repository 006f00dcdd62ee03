"""Command-line friction a newcomer meets (issue 22): pipes, paths, messages, options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "XDG_DATA_HOME": str(tmp_path / "data")}


@pytest.mark.parametrize("argv", [["models", "show", "hook"], ["models", "list"], ["ledger", "list"]])
def test_a_reader_that_stops_early_is_no_error(tmp_path, argv):
    """``sparkscout models show hook | head -2``: the reader goes away; exit 0, no traceback.

    The pipe's read end is closed before the command starts, so every write meets EPIPE.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "scoring.cli", *argv], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "BrokenPipe" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_head_gets_the_first_lines(tmp_path):
    proc = subprocess.run(f"{sys.executable} -m scoring.cli models show hook | head -2; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, env=_env(tmp_path),
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2 and "hook" in proc.stdout
    assert "Error" not in proc.stderr, proc.stderr


def test_one_missing_path_fails_alone_and_the_run_goes_on(small_clip, tmp_path):
    from scoring.api import score

    missing = tmp_path / "gone" / "lost.mp4"
    ranking = score([str(small_clip), str(missing)], out=str(tmp_path / "out"), workers=1, isolate=False,
                    profile="fast", cache_dir=False, ledger=False)
    by_name = {Path(v.path).name: v for v in ranking.videos}
    assert by_name["small.mp4"].status == "ok"
    lost = by_name["lost.mp4"]
    assert lost.status == "failed" and lost.error["code"] == "not_found"
    assert str(missing) in lost.error["message"]
    assert (tmp_path / "out" / "ranking.json").is_file()
