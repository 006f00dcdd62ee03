"""``sparkscout serve DIR`` and ``ledger import DIR`` started from another folder: a run's
relative video paths resolve against the folder the run was started from (``run.cwd``),
never the folder serve runs in, and the CSV and ICS exports carry those paths."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.store import file_sha256

pytest.importorskip("flask_wtf")

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "fixtures" / "videos" / "clean.mp4"
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"


def _project(tmp_path: Path, *, with_cwd: bool = True) -> tuple[Path, Path, str]:
    """project/videos/clean.mp4 and a run project/out whose ranking.json names it relatively."""
    project = tmp_path / "project"
    (project / "videos").mkdir(parents=True)
    shutil.copyfile(CLEAN, project / "videos" / "clean.mp4")
    vid = file_sha256(str(project / "videos" / "clean.mp4"))
    run = project / "out"
    run.mkdir()
    video = {"rank": 1, "video_id": vid, "path": "videos/clean.mp4", "creator": "@ana", "status": "ok",
             "error": None, "score": 80.0, "recommendation": "request_ad_code", "shortlisted": True, "reasons": []}
    lost = {"rank": None, "video_id": None, "path": "videos/lost.mp4", "creator": None, "status": "failed",
            "error": {"code": "not_found", "message": "videos/lost.mp4: file does not exist"}, "score": None,
            "recommendation": "skip", "shortlisted": False, "reasons": []}
    doc = {"run": {"campaign": "acme", **({"cwd": str(project)} if with_cwd else {})}, "videos": [video, lost]}
    (run / "ranking.json").write_text(json.dumps(doc))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return project, run, vid


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_serve_from_another_folder_exports_the_runs_paths(tmp_path, monkeypatch):
    from scoring.ledger.web import create_app

    project, run, vid = _project(tmp_path)
    monkeypatch.chdir(tmp_path / "elsewhere")
    client = create_app(Path("..") / "project" / "out", tmp_path / "team.sqlite").test_client()
    token = _token(client.get("/").get_data(as_text=True))
    for url, data in (("/decide", {"decision": "approved"}), ("/request", {"via": "DM"}),
                      ("/code", {"code": CODE, "days": "30"})):
        assert client.post(url, data={"video_id": vid, "csrf_token": token, **data}).status_code == 303
    rows = list(csv.DictReader(io.StringIO(client.get("/export/csv").get_data(as_text=True))))
    expected = str((project / "videos" / "clean.mp4").resolve())
    assert [r["path"] for r in rows] == [expected]
    ics = client.get("/export/ics").get_data(as_text=True).replace("\r\n ", "")
    assert "clean.mp4" in ics and "elsewhere" not in ics
    assert expected.replace(",", "\\,").replace(";", "\\;") in ics


def test_ledger_import_from_another_folder_records_the_runs_paths(tmp_path, monkeypatch, capsys):
    project, run, vid = _project(tmp_path)
    monkeypatch.chdir(tmp_path / "elsewhere")
    ledger = tmp_path / "team.sqlite"
    assert main(["ledger", "import", str(run), "--ledger", str(ledger)]) == 0
    assert main(["ledger", "export", "--format", "csv", "--ledger", str(ledger)]) == 0  # nothing decided: header
    assert main(["ledger", "decide", str(project / "videos" / "clean.mp4"), "--approve", "--ledger", str(ledger)]) == 0
    capsys.readouterr()
    assert main(["ledger", "export", "--format", "csv", "--ledger", str(ledger)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["path"] for r in rows] == [str((project / "videos" / "clean.mp4").resolve())]


def test_an_older_run_without_cwd_keeps_the_path_the_ledger_had(tmp_path, monkeypatch):
    """A ranking.json from before ``run.cwd``: serve from elsewhere must not overwrite the
    path the scoring run recorded with one under the serve folder."""
    from scoring.ledger import Ledger
    from scoring.ledger.web import create_app

    project, run, vid = _project(tmp_path, with_cwd=False)
    ledger = tmp_path / "team.sqlite"
    monkeypatch.chdir(project)  # the scoring run
    with Ledger.open(ledger) as led:
        led.register_videos(json.loads((run / "ranking.json").read_text())["videos"], run_dir=run)
    monkeypatch.chdir(tmp_path / "elsewhere")
    create_app(run, ledger)
    with Ledger.open(ledger) as led:
        assert led.video(vid)["path"] == str((project / "videos" / "clean.mp4").resolve())


def test_an_older_run_imported_from_elsewhere_finds_its_videos_beside_the_run(tmp_path, monkeypatch):
    """No ``run.cwd`` and a fresh ledger: the run folder's parent holds the videos (the
    usual ``score videos --out out``), failed ones (a missing path) notwithstanding."""
    from scoring.ledger import Ledger

    project, run, vid = _project(tmp_path, with_cwd=False)
    ledger = tmp_path / "fresh.sqlite"
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["ledger", "import", str(run), "--ledger", str(ledger)]) == 0
    with Ledger.open(ledger) as led:
        assert led.video(vid)["path"] == str((project / "videos" / "clean.mp4").resolve())
