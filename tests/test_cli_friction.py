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


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A vertical and a horizontal clip plus one path that does not exist, scored once
    (fast profile, in this process)."""
    from videofactory import moving_pattern, sine, write_video

    from scoring.api import score

    d = tmp_path_factory.mktemp("clips")
    vertical = write_video(d / "vertical.mp4", moving_pattern(540, 960), n_frames=48, size=(540, 960),
                           audio=sine(2.0, peak=0.5))
    horizontal = write_video(d / "wide.mp4", moving_pattern(960, 540), n_frames=48, size=(960, 540),
                             audio=sine(2.0, peak=0.5))
    missing = d / "gone" / "lost.mp4"
    out = d / "out"
    ranking = score([str(vertical), str(horizontal), str(missing)], out=str(out), workers=1, isolate=False,
                    profile="fast", cache_dir=False, ledger=False)
    return ranking, out, missing


def test_one_missing_path_fails_alone_and_the_run_goes_on(small_run):
    ranking, out, missing = small_run
    by_name = {Path(v.path).name: v for v in ranking.videos}
    assert by_name["vertical.mp4"].status == "ok" and by_name["wide.mp4"].status == "ok"
    lost = by_name["lost.mp4"]
    assert lost.status == "failed" and lost.error["code"] == "not_found"
    assert str(missing) in lost.error["message"]
    assert (out / "ranking.json").is_file()


def test_the_table_shows_the_gate_and_the_failure_next_to_the_score(small_run):
    from scoring.cli import _summary

    ranking, out, missing = small_run
    table = _summary(ranking, str(out))
    wide = next(line for line in table.splitlines() if "wide.mp4" in line)
    assert "[gate: horizontal 960×540" in wide, table
    lost = next(line for line in table.splitlines() if "lost.mp4" in line)
    assert "not_found" in lost and str(missing) in lost, table
    assert "[" not in next(line for line in table.splitlines() if "vertical.mp4" in line)


def test_top_limits_the_table(small_run):
    from scoring.cli import _summary

    ranking, out, _ = small_run
    table = _summary(ranking, str(out), top=1)
    assert sum(".mp4" in line for line in table.splitlines()) == 1
    assert "2 more in" in table and "--top" in table


def test_report_open_opens_the_report_in_a_browser(small_run, monkeypatch, capsys):
    import webbrowser

    from scoring.cli import main

    _, out, _ = small_run
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    assert main(["report", str(out), "--open"]) == 0
    assert opened == [(out / "report.html").resolve().as_uri()]
    assert main(["report", str(out)]) == 0 and len(opened) == 1


def test_models_list_marks_the_default_version(capsys):
    from scoring.cli import main
    from scoring.scorers.registry import default_version

    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = [line.split()[0] for line in lines if "(default)" in line]
    assert f"hook@{default_version('hook')}" in marked and f"audio_clarity@{default_version('audio_clarity')}" in marked
    assert len(marked) == len([line for line in lines if not line.startswith(" ")])  # one per model


def test_a_misspelt_model_name_gets_a_suggestion(capsys):
    from scoring.cli import main

    assert main(["models", "show", "hok"]) == 2
    assert "no model named 'hok'; did you mean 'hook'?" in capsys.readouterr().err


def _captured_campaign(monkeypatch, argv):
    """Run ``sparkscout score`` with scoring replaced by a stub; return the campaign it got."""
    import scoring.api
    from scoring.api import Ranking
    from scoring.cli import main

    seen = {}

    def fake_score(paths, **kwargs):
        seen.update(kwargs)
        return Ranking(run={}, videos=[])

    monkeypatch.setattr(scoring.api, "score", fake_score)
    code = main(["score", "x.mp4", "--quiet", *argv])
    return code, seen.get("campaign")


def test_brand_product_and_shortlist_size_without_a_toml(monkeypatch):
    from scoring.campaign import Campaign

    code, camp = _captured_campaign(monkeypatch, ["--brand", "Acme", "--product", "Glow Serum", "--product",
                                                  "Night Cream", "--shortlist-size", "3"])
    assert code == 0 and isinstance(camp, Campaign)
    assert camp.brand == "Acme" and camp.products == ["Glow Serum", "Night Cream"] and camp.shortlist_size == 3
    assert camp.facts()["campaign.names_brand_or_product"]


def test_options_override_the_campaign_file(monkeypatch):
    code, camp = _captured_campaign(monkeypatch, ["--campaign", str(ROOT / "pipelines" / "demo.toml"),
                                                  "--shortlist-size", "2"])
    assert code == 0 and camp.shortlist_size == 2 and camp.source.endswith("demo.toml") and camp.brand


@pytest.mark.parametrize("argv", [["--shortlist-size", "0"], ["--top", "x"], ["--product", " "]])
def test_bad_option_values_exit_2(monkeypatch, argv, capsys):
    try:
        code, _ = _captured_campaign(monkeypatch, argv)
    except SystemExit as exc:  # argparse's own
        code = exc.code
    assert code == 2
    assert "error" in capsys.readouterr().err
