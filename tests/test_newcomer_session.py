"""Issue 22's "done when": a newcomer's session, end to end, through the real command line.

Score a folder holding two good clips, a broken one and a path that does not exist (from
a project folder) → ``sparkscout serve`` the run from another folder (a real server on
127.0.0.1, forms posted with their CSRF tokens as a browser would) → approve, mark
requested, paste a code → export CSV and ICS. No traceback anywhere, no path under the
serve folder, every failure message names the file and the problem.
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("flask_wtf")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "scoring.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-3000:]
    return proc


class _Browser:
    """A cookie-keeping client that posts the page's own CSRF token, like a browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as resp:
            return resp.read().decode("utf-8")

    def post(self, path: str, data: dict[str, str]) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get("/")).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as resp:  # 303 -> the page, followed
            return resp.read().decode("utf-8")


@pytest.mark.slow
def test_a_newcomers_session(tmp_path):
    env = _env(tmp_path)
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "videos").mkdir(parents=True)
    elsewhere.mkdir()
    for name in ("clean.mp4", "cuts.mp4"):
        shutil.copyfile(FIXTURES / name, project / "videos" / name)
    (project / "videos" / "broken.mp4").write_bytes((FIXTURES / "clean.mp4").read_bytes()[:4000])  # cut short
    (project / "videos" / "notes.txt").write_text("not a video")

    # score: a folder with one broken file, and one path that does not exist
    run = _cli(["score", "videos", "videos/lost.mp4", "--campaign", str(ROOT / "pipelines" / "demo.toml"),
                "--out", "out", "--profile", "fast", "--workers", "1", "--ledger", "team.sqlite"], project, env)
    assert run.returncode == 0, run.stderr[-3000:]
    doc = json.loads((project / "out" / "ranking.json").read_text())
    by_name = {Path(v["path"]).name: v for v in doc["videos"]}
    assert set(by_name) == {"clean.mp4", "cuts.mp4", "broken.mp4", "lost.mp4"}
    assert by_name["lost.mp4"]["error"]["code"] == "not_found"
    assert by_name["broken.mp4"]["status"] == "failed"
    for name in ("broken.mp4", "lost.mp4"):  # the message names the file and the problem, on stderr too
        error = by_name[name]["error"]
        assert name in error["message"] and error["code"]
        line = next(x for x in run.stderr.splitlines() if name in x and error["code"] in x)
        assert error["message"] in line
    assert Path(doc["run"]["cwd"]) == project

    # serve from another folder: a real server on 127.0.0.1, port chosen by the system
    server = subprocess.Popen([sys.executable, "-m", "scoring.cli", "serve", os.path.relpath(project / "out", elsewhere),
                               "--port", "0"], cwd=elsewhere, env=env, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in server.stderr], daemon=True).start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=120)
            seen.append(line)
            found = re.search(r"http://[^:/]+:(\d+)/", line)
            if found:
                break
        browser = _Browser(f"http://127.0.0.1:{found.group(1)}")
        page = browser.get("/")
        assert "clean.mp4" in page
        vid = by_name["clean.mp4"]["video_id"]
        for path, data in (("/decide", {"decision": "approved", "note": "great hook"}),
                           ("/request", {"via": "TikTok DM"}),
                           ("/code", {"code": CODE, "days": "30"})):
            page = browser.post(path, {"video_id": vid, **data})
            assert 'class="flash error"' not in page, page[:3000]
        rows = list(csv.DictReader(io.StringIO(browser.get("/export/csv"))))
        ics = browser.get("/export/ics").replace("\r\n ", "")
    finally:
        server.terminate()
        server.wait(timeout=60)
    clean_path = str((project / "videos" / "clean.mp4").resolve())
    assert [(r["path"], r["status"]) for r in rows] == [(clean_path, "code_received")]
    assert "clean.mp4" in ics and "BEGIN:VEVENT" in ics and str(elsewhere) not in ics
    assert "Traceback" not in "".join(seen)

    # the same from the command line, still in the other folder: a bare file name works
    ledger = ["--ledger", str(project / "team.sqlite")]
    shown = _cli(["ledger", "show", "clean.mp4", *ledger], elsewhere, env)
    assert shown.returncode == 0 and "code_received" in shown.stdout, shown.stderr
    exported = _cli(["ledger", "export", "--format", "ics", "--out", "codes.ics", *ledger], elsewhere, env)
    assert exported.returncode == 0 and "codes.ics" in exported.stderr
    assert clean_path.replace(",", "\\,") in (elsewhere / "codes.ics").read_bytes().decode().replace("\r\n ", "")
