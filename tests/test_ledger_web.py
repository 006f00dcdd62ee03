"""`sparkscout serve` through Flask's test client: forms carry CSRF tokens and a POST without
one is refused, user text is escaped, nothing outside the run folder is served, foreign
Host headers are refused, bad input is reported and writes nothing, exports download."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.store import file_sha256

pytest.importorskip("flask_wtf")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
NAMES = ("clean.mp4", "cuts.mp4", "dark.mp4")
XSS = "<script>alert(1)</script>"
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"


def make_run(folder: Path) -> Path:
    """A run folder with a hand-made ranking.json (3 fixture videos, 2 shortlisted), a
    filmstrip image and a report.html: no scoring needed."""
    run = folder / "run"
    (run / "report_media").mkdir(parents=True)
    (run / "report_media" / "strip.png").write_bytes(_tiny_png())
    (run / "report.html").write_text("<!doctype html><title>report</title><p>static report</p>")
    videos = [{"rank": i + 1, "video_id": file_sha256(str(FIXTURES / n)), "path": str(FIXTURES / n),
               "creator": XSS if i == 1 else f"@c{i}", "post_url": "javascript:alert(1)" if i == 1 else None,
               "caption": "my video", "status": "ok", "error": None, "score": 80.0 - 10 * i,
               "recommendation": "request_ad_code" if i < 2 else "consider", "shortlisted": i < 2,
               "reasons": [{"text": f"reason {XSS}", "dimension": "hook", "impact": 5}],
               "media": {"filmstrip": "report_media/strip.png"}} for i, n in enumerate(NAMES)]
    (run / "ranking.json").write_text(json.dumps({"run": {"campaign": "acme <b>q4</b>"}, "videos": videos}))
    return run


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([200, 80, 40]) * 32 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture()
def app_and_paths(tmp_path):
    from scoring.ledger.web import create_app

    run = make_run(tmp_path)
    ledger = tmp_path / "team.sqlite"
    app = create_app(run, ledger)
    return app, run, ledger


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_post_form_has_a_token_and_a_post_without_one_is_refused(app_and_paths):
    app, run, ledger = app_and_paths
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
    assert len(forms) > 10
    for form in forms:
        method = re.search(r'method="(\w+)"', form).group(1)
        assert method == "post" or 'class="filters"' in form, form[:120]
        if method == "post":
            assert 'name="csrf_token"' in form
    vid = file_sha256(str(FIXTURES / "clean.mp4"))
    before = _sha(ledger)
    for data in ({"video_id": vid, "decision": "approved"},
                 {"video_id": vid, "decision": "approved", "csrf_token": "forged"}):
        resp = client.post("/decide", data=data)
        assert resp.status_code == 400 and "CSRF token" in resp.get_data(as_text=True)
    fresh = app.test_client()  # another browser: a token from one session is not valid in another
    assert fresh.post("/decide", data={"video_id": vid, "decision": "approved", "csrf_token": _token(html)}
                      ).status_code == 400
    assert _sha(ledger) == before
    resp = client.post("/decide", data={"video_id": vid, "decision": "approved", "note": XSS,
                                        "csrf_token": _token(html), "back": "/?q=clean"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/?q=clean#v-{vid[7:19]}"
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>q4</b>" not in page and "javascript:alert" not in page
    assert "script-src" not in client.get("/").headers["Content-Security-Policy"]   # default-src 'none': no scripts


def test_bad_input_is_reported_and_writes_nothing(app_and_paths):
    app, run, ledger = app_and_paths
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    vid = file_sha256(str(FIXTURES / "clean.mp4"))
    before = _sha(ledger)
    cases = [("/code", {"video_id": vid, "code": "", "days": "30"}, "empty"),
             ("/code", {"video_id": vid, "code": "two words", "days": "30"}, "malformed"),
             ("/code", {"video_id": vid, "code": CODE, "days": "14"}, "7, 30, 60 or 365"),
             ("/code", {"video_id": vid, "code": CODE, "days": "30", "start": "12/06/2026"}, "YYYY-MM-DD"),
             ("/decide", {"video_id": "sha256:feedface", "decision": "approved"}, "unknown video"),
             ("/decide", {"video_id": vid, "decision": "maybe"}, "must be one of")]
    for url, data, message in cases:
        resp = client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)
        assert resp.status_code == 200 and message in resp.get_data(as_text=True), (url, data)
    assert _sha(ledger) == before


def test_only_files_inside_the_run_folder_are_served(app_and_paths, tmp_path):
    app, run, _ = app_and_paths
    client = app.test_client()
    (tmp_path / "secret.txt").write_text("secret")
    (run / "report_media" / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert client.get("/report_media/strip.png").data == (run / "report_media" / "strip.png").read_bytes()
    assert "static report" in client.get("/report.html").get_data(as_text=True)
    for url in ("/report_media/../ranking.json", "/report_media/%2e%2e/ranking.json", "/report_media/..%2f..%2fsecret.txt",
                "/report_media/link.txt", "/ranking.json", "/report_media//etc/passwd", "/etc/passwd",
                "/report_media/%2fetc%2fpasswd", "/static/x.css"):
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 404 and b"secret" not in resp.data and b"root:" not in resp.data, url
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400   # DNS rebinding
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200


def test_exports_download(app_and_paths):
    app, run, ledger = app_and_paths
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    clean, cuts = (file_sha256(str(FIXTURES / n)) for n in NAMES[:2])
    client.post("/decide", data={"video_id": clean, "decision": "approved", "csrf_token": token})
    client.post("/decide", data={"video_id": cuts, "decision": "rejected", "csrf_token": token})
    client.post("/code", data={"video_id": clean, "code": CODE, "days": "60", "start": "2026-12-01",
                               "csrf_token": token})
    resp = client.get("/export/csv")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    rows = {r["video_id"]: r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True)))}
    assert rows[clean]["expires_on"] == "2027-01-30" and rows[cuts]["status"] == "rejected"
    assert rows[cuts]["creator"] == XSS
    assert list(csv.reader(io.StringIO(client.get("/export/pairs").get_data(as_text=True)))) == [
        ["better", "worse"], [clean, cuts]]
    ics = client.get("/export/ics")
    assert ics.mimetype == "text/calendar" and "DTSTART;VALUE=DATE:20270130" in ics.get_data(as_text=True)
    assert client.get("/export/xlsx").status_code == 404


def test_serve_command_needs_a_run(tmp_path, capsys):
    assert main(["serve", str(tmp_path)]) == 2
    assert "ranking.json: not found" in capsys.readouterr().err
