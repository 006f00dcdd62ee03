"""`sparkscout serve` in headless Chromium (Debian's package, as the report test): approve a
video with a note, mark it requested, paste a 30-day code, reload and see all three kept
with the right expiry; a note holding a script tag shows as text; a forged POST is refused."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading

import pytest
from test_ledger_web import FIXTURES, make_run

from scoring.ledger import Ledger
from scoring.store import file_sha256

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTE = "Great hook <script>alert(1)</script> & clear product shot"
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must install Debian's chromium (see .ci/run)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture()
def server(tmp_path):
    """The app on 127.0.0.1 with a free port, in a thread of this process."""
    pytest.importorskip("flask_wtf")
    from werkzeug.serving import make_server

    from scoring.ledger.web import create_app

    run = make_run(tmp_path)
    ledger = tmp_path / "team.sqlite"
    srv = make_server("127.0.0.1", 0, create_app(run, ledger), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.port}", ledger
    srv.shutdown()
    thread.join(timeout=10)
    srv.server_close()


def test_review_workflow_in_headless_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    url, ledger = server
    vid = file_sha256(str(FIXTURES / "clean.mp4"))
    start = dt.date.today() - dt.timedelta(days=3)
    expires = start + dt.timedelta(days=30)
    errors, dialogs = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url + "/")
        card = page.locator(f"#v-{vid[7:19]}")
        assert "clean.mp4" in card.inner_text()
        strip = card.locator("img.strip")
        for _ in range(100):  # polled from Python: the page's CSP forbids wait_for_function's eval
            if strip.evaluate("img => img.naturalWidth") == 32:
                break
            page.wait_for_timeout(100)
        assert strip.evaluate("img => img.naturalWidth") == 32

        # approve with a note
        card.locator("form.decide textarea[name=note]").fill(NOTE)
        with page.expect_navigation():
            card.locator("form.decide button[value=approved]").click()
        assert "approved by" in page.inner_text(".flash.ok")
        # mark requested
        card.locator("form.request input[name=via]").fill("TikTok DM")
        with page.expect_navigation():
            card.locator("form.request button").click()
        # paste a 30-day code that started three days ago
        card.locator("form.code input[name=code]").fill(CODE)
        card.locator("form.code select[name=days]").select_option("30")
        card.locator("form.code input[name=start]").fill(start.isoformat())
        with page.expect_navigation():
            card.locator("form.code button").click()

        page.reload()
        text = card.inner_text()
        assert f"“{NOTE}”" in text                                   # the note, as text
        assert card.locator(".note script").count() == 0 and page.locator("script").count() == 0
        assert "code received" in text and f"code valid until {expires.isoformat()} (27 days left)" in text
        assert f"expires {expires.isoformat()}" in card.locator(".code-line").inner_text()
        assert card.locator(".days-left").inner_text() == "27"
        assert f"requested {dt.date.today().isoformat()} via TikTok DM" in card.locator(".request-line").inner_text()
        assert CODE in card.locator(".code-line code").inner_text()
        board = page.locator("#board .col-code_received li")
        assert board.count() == 1 and "27 days left" in board.inner_text()
        # the table shows the same state; its filters work
        page.goto(url + "/?status=code_received")
        assert page.locator("#videos tbody tr").count() == 1
        assert "clean.mp4" in page.inner_text("#videos tbody tr")

        # a forged POST (no token, as another site's form would send) is refused and changes nothing
        resp = page.request.post(url + "/decide", form={"video_id": vid, "decision": "rejected", "note": "forged"})
        assert resp.status == 400 and "CSRF token" in resp.text()
        page.goto(url + "/")
        shot = tmp_path / "serve.png"
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    assert not errors, errors
    assert not dialogs, dialogs
    with Ledger.open(ledger, create=False) as led:
        state = led.state(vid)
        assert (state.decision, state.note, state.status, state.expires_on) == ("approved", NOTE, "code_received",
                                                                                expires.isoformat())
        assert [e["kind"] for e in led.events(vid)] == ["decision", "request", "code"]
    keep = os.environ.get("SPARKSCOUT_SERVE_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
