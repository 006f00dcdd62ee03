"""The report in headless Chromium (Debian's package): no console errors, one row per video,
sorting on click, filmstrip and timeline for a shortlisted video, escaped user text."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from scoring.api import score

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
XSS = "<script>alert(1)</script>"

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must install Debian's chromium (see .ci/run)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


def _png_pixels_vary(png: bytes) -> bool:
    """True when a PNG screenshot is not one flat colour (decodes the first IDAT rows)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            idat += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw[: 200_000])) > 20


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    manifest = d / "m.csv"
    names = ["clean.mp4", "speech_late.mp4", "cuts.mp4", "horizontal.mp4", "face_late.mp4"]
    manifest.write_text("path,creator,caption\n" + "".join(
        f'{FIXTURES / n},@c{i},"{XSS if i == 0 else "my video"}"\n' for i, n in enumerate(names)))
    (d / "broken.mp4").write_text("not a video")
    out = d / "out"
    ranking = score([str(d / "broken.mp4")], manifest=str(manifest),
                    campaign=str(FIXTURES.parent.parent / "pipelines" / "demo.toml"),
                    out=str(out), workers=2, cache_dir=False)
    return ranking, out


def test_report_in_headless_chromium(report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    ranking, out = report
    errors, dialogs = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--allow-file-access-from-files"])
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((out / "report.html").as_uri())
        page.wait_for_selector("#videos tbody tr.row")
        rows = page.locator("#videos tbody tr.row")
        assert rows.count() == len(ranking.videos) == 6

        # sorting: clicking "score" orders the column; clicking again reverses it
        def scores():
            texts = page.locator("#videos tbody tr.row td:nth-child(4)").all_inner_texts()
            return [float(t) for t in texts if t != "–"]

        page.click("#videos th[data-key=score]")
        first = scores()
        assert first == sorted(first, reverse=True) and len(first) == 5
        page.click("#videos th[data-key=score]")
        assert scores() == sorted(first)
        page.click("#videos th[data-key=rank]")

        # filtering
        page.fill("#filter", "cuts")
        assert page.locator("#videos tbody tr.row").count() == 1
        page.fill("#filter", "")

        # a shortlisted video's detail: filmstrip loaded, timeline drawn
        top = next(v for v in ranking.videos if v.shortlisted)
        page.locator("#videos tbody tr.row", has_text=Path(top.path).name).first.click()
        strip = page.locator("tr.detail img.strip")
        strip.wait_for()
        page.wait_for_function("document.querySelector('tr.detail img.strip').naturalWidth > 0")
        assert page.locator("tr.detail svg.timeline rect").count() >= 1
        assert page.locator("tr.detail video.preview").count() == 1

        # a caption holding a script tag shows as text (and runs nothing: no dialog below)
        page.fill("#filter", "alert(1)")
        assert page.locator("#videos tbody tr.row").count() == 1
        page.locator("#videos tbody tr.row").first.click()
        assert f"Caption: {XSS}" in page.inner_text("tr.detail")
        page.fill("#filter", "")
        page.locator("#videos tbody tr.row", has_text=Path(top.path).name).first.click()
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    assert not errors, errors
    assert not dialogs, dialogs
    assert _png_pixels_vary(shot.read_bytes())
    keep = os.environ.get("SPARKSCOUT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
