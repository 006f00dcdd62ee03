"""The command line: probe, models, report, --json, eval."""

from __future__ import annotations

import json
from pathlib import Path

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "fixtures" / "videos" / "clean.mp4"


def test_probe_shows_display_size(capsys):
    assert main(["probe", str(ROOT / "fixtures" / "videos" / "rotated.mp4"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["width"], info["height"]) == (720, 1280)
    assert (info["coded_width"], info["coded_height"]) == (1280, 720) and info["rotation"] in (90, -90)


def test_probe_explains_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "x.mp4"
    bad.write_text("hello\n" * 50)
    assert main(["probe", str(bad)]) == 3
    err = capsys.readouterr().err
    assert "not_media" in err and str(bad) in err


def test_models_list_and_show(capsys):
    assert main(["models", "list"]) == 0
    assert "audio_clarity@prior-1" in capsys.readouterr().out.split()
    assert main(["models", "show", "visual_clarity"]) == 0
    assert "visual_clarity@prior-1" in capsys.readouterr().out


def test_score_json_on_stdout_and_report_rebuild(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["score", str(CLEAN), "--out", str(out), "--json", "--quiet", "--no-cache", "--workers", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["videos"][0]["path"] == str(CLEAN) and doc["videos"][0]["rank"] == 1
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert "clean.mp4" in (out / "report.html").read_text()


def test_report_escapes_user_text():
    from scoring.report import render_report

    doc = {"run": {"campaign": "<b>c</b>"}, "videos": [{
        "rank": 1, "path": "/v/<i>clip.mp4", "creator": "<img src=x onerror=alert(1)>",
        "caption": "<script>alert(1)</script>", "status": "ok", "error": None, "score": 50.0,
        "recommendation": "consider", "shortlisted": True, "subscores": {},
        "reasons": [{"text": "<script>alert(2)</script>"}], "evidence": {}}]}
    html = render_report(doc)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>c</b>" not in html
    assert "<i>clip" not in html and "&lt;i&gt;clip.mp4" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shortlist card, escaped on the server
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # data island for the page script


def test_eval_reports_metrics(tmp_path, capsys):
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"clips": [
        {"path": str(CLEAN), "duration_s": 8.0, "has_audio": True, "width": 720, "speech_onset_s": 0.5},
        {"path": str(ROOT / "fixtures" / "videos" / "static.mp4"), "speech_onset_s": None, "has_audio": True},
    ]}))
    assert main(["eval", str(suite), "--out", str(tmp_path / "ev"), "--workers", "1"]) == 0
    result = json.loads((tmp_path / "ev" / "eval.json").read_text())
    m = result["metrics"]
    assert m["has_audio"]["value"] == 1.0 and m["width"]["value"] == 0
    assert m["duration_s"]["value"] < 0.1
    assert m["speech_onset_s"]["value"] < 0.25 and m["speech_onset_s"]["accuracy"] == 1.0
    assert "speech_onset_s" in capsys.readouterr().out


def test_eval_campaign_given_on_the_command_line_is_relative_to_cwd(tmp_path, monkeypatch):
    suite = tmp_path / "suites" / "s.json"
    suite.parent.mkdir()
    suite.write_text(json.dumps({"clips": [{"path": str(CLEAN), "has_audio": True}]}))
    (tmp_path / "camp.toml").write_text('name = "from-cwd"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["eval", str(suite), "--campaign", "camp.toml", "--out", "ev", "--workers", "1"]) == 0
    assert json.loads((tmp_path / "ev" / "eval.json").read_text())["metrics"]["has_audio"]["value"] == 1.0
