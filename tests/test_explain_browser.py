"""report.html and `sparkscout serve` show the same explanation of a video (headless Chromium,
Debian's package): signed reasons with their impact, sub-score bars with percentiles against
the team's ledger, why it sits below the video above, the rights note, what was not measured
and the fixes to ask for; serve's strategist ticks the optional fixes paragraph into the
request message."""

from __future__ import annotations

import json
import os
import shutil
import threading

import pytest
from test_ledger_web import FIXTURES, _tiny_png

from scoring.ledger import Ledger
from scoring.report import write_report
from scoring.report.explain import add_percentiles
from scoring.store import file_sha256

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--allow-file-access-from-files"]
NAMES = ("clean.mp4", "cuts.mp4", "dark.mp4", "face_late.mp4", "static.mp4", "speech_late.mp4")
XSS = "<img src=x onerror=alert(1)>"

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must install Debian's chromium (see .ci/run)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


def _reason(text: str, sign: str, impact: float, dimension: str = "hook", kind: str = "term") -> dict:
    return {"text": text, "sign": sign, "impact": impact, "dimension": dimension, "kind": kind}


def _doc() -> dict:
    videos = []
    for i, name in enumerate(NAMES):
        subs = {"hook": 90.0 - 9 * i, "audio_clarity": 40.0 + 7 * i, "visual_clarity": 70.0,
                "product_integration": 60.0 + i, "engagement": None}
        videos.append({
            "rank": i + 1, "video_id": file_sha256(str(FIXTURES / name)), "path": str(FIXTURES / name),
            "creator": f"@c{i}", "post_url": None, "caption": None, "status": "ok", "error": None,
            "score": 80.0 - 5 * i, "recommendation": "request_ad_code" if i < 2 else "skip", "shortlisted": i < 2,
            "gates": [], "subscores": subs, "events": [], "evidence": {"duration_s": 8.0},
            "media": {"filmstrip": "report_media/strip.png"},
            "reasons": [_reason("no call to action", "-", -3.0, "product_integration"),
                        _reason("face on screen at 0.0 s", "+", 1.2),
                        _reason(f"hook phrase: {XSS}", "+", 0.8),
                        _reason("stitch: the first 1.5 s are another creator's footage: confirm rights", "-", 0.0,
                                "rights")],
            "not_measured": [{"dimension": "engagement", "text": "no engagement counts given"}],
            "below_above": {"text": "below #1 mainly on hook, 81 vs 90: no call to action"} if i else None,
            "fixes": [{"code": "trim_opening", "gain": 6.0, "ask": "start the video at 1.4 seconds, cutting the "
                       "silent opening", "text": "start at 1.4 s (skip the silent opening): hook 58 → 81, score +6.0"}],
        })
    return {"run": {"campaign": "acme", "brand": "Acme"}, "videos": videos}


@pytest.fixture()
def run_and_server(tmp_path):
    pytest.importorskip("flask_wtf")
    from werkzeug.serving import make_server

    from scoring.ledger.web import create_app

    run = tmp_path / "run"
    (run / "report_media").mkdir(parents=True)
    (run / "report_media" / "strip.png").write_bytes(_tiny_png())
    doc = _doc()
    ledger = tmp_path / "team.sqlite"
    with Ledger.open(ledger) as led:  # what a run with a ledger does: record, then compare with all it knows
        led.register_videos(doc["videos"], run_dir=run)
        add_percentiles(doc["videos"], led.reference_scores())
    (run / "ranking.json").write_text(json.dumps(doc))
    write_report(doc, run)
    srv = make_server("127.0.0.1", 0, create_app(run, ledger), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield run, f"http://127.0.0.1:{srv.port}", doc
    srv.shutdown()
    thread.join(timeout=10)
    srv.server_close()


def _explained(block) -> dict:
    def texts(selector: str) -> list[str]:
        return [" ".join(t.split()) for t in block.locator(selector).all_inner_texts()]

    return {"reasons": texts(".reasons li"), "bars": texts(".sb"), "rights": texts(".rights"),
            "not_measured": texts(".nm"), "below": texts(".below"), "fixes": texts(".fixes li"),
            "score_pct": texts(".pct-score"), "preview": block.locator("img.strip").count()}


def test_report_and_serve_explain_a_video_the_same_way(run_and_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    run, url, doc = run_and_server
    second = doc["videos"][1]
    key = second["video_id"].removeprefix("sha256:")[:12]
    errors, dialogs = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((run / "report.html").as_uri())
        report = _explained(page.locator("#shortlist article.card").nth(1))
        # the table row's detail panel (built by the page script) says the same
        page.locator("#videos tbody tr.row").nth(1).click()
        detail = _explained(page.locator("#videos tr.detail"))

        page.goto(url + "/")
        card = page.locator(f"#v-{key}")
        serve = _explained(card.locator(".explain"))
        page.locator(f"#t-{key} details.why summary").click()  # every table row explains itself the same way
        row = _explained(page.locator(f"#t-{key} .explain"))

        # the strategist ticks the optional paragraph into the request message
        message = card.locator(".message-text")
        assert "start the video at 1.4 seconds" not in message.inner_text()
        card.locator("details.message summary").click()
        card.locator("form.tick input[name=fixes]").check()
        with page.expect_navigation():
            card.locator("form.tick button").click()
        card = page.locator(f"#v-{key}")
        asked = card.locator(".message-text").inner_text()
        assert "start the video at 1.4 seconds" in asked and "optional" in asked and "score" not in asked
        assert card.locator("form.tick input[name=fixes]").is_checked()
        browser.close()
    assert not errors, errors
    assert not dialogs, dialogs
    assert report == serve == row, (report, serve, row)
    assert report["reasons"][0].startswith("+ face on screen at 0.0 s (+1.2 pts)")
    assert "− no call to action (-3.0 pts)" in report["reasons"]
    assert f"+ hook phrase: {XSS} (+0.8 pts)" in report["reasons"]  # shown as text, never run
    assert report["rights"] and "another creator's footage" in report["rights"][0]
    assert not any("another creator" in r for r in report["reasons"])  # the rights note, not a reason
    assert report["fixes"] == ["start at 1.4 s (skip the silent opening): hook 58 → 81, score +6.0"]
    assert report["below"] == ["below #1 mainly on hook, 81 vs 90: no call to action"]
    assert report["not_measured"] == ["Not measured — engagement: no engagement counts given"]
    assert report["preview"] == 1
    # hook 81 is above 4 of the 5 other videos (90 is not): "better than 80 % of 5 scored"
    hook_bar = next(b for b in report["bars"] if b.startswith("hook"))
    assert hook_bar == "hook 81 better than 80 % of 5 scored"
    assert report["score_pct"] == ["score better than 80 % of 5 scored"]
    for k in ("bars", "rights", "fixes", "below", "not_measured", "score_pct"):
        assert detail[k] == report[k], k
    assert all(r in detail["reasons"] for r in report["reasons"])
