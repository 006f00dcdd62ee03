"""Render ``report.html`` from a ranking document.

One HTML file that opens from disk with no network: the shortlist first, a scatter of
hook against product integration, then a sortable, filterable, paged table of every
video whose rows open a detail panel (filmstrip, hook preview, sub-score bars, reasons,
timeline). Per-video media live in ``report_media/`` beside it and load lazily, so the
page stays light with hundreds of videos. Every string that comes from users or models
is escaped on the server (``html.escape``) or set with ``textContent`` in the browser.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from scoring.report.explain import CSS as EXPLAIN_CSS
from scoring.report.explain import LABELS, explanation_data, explanation_html, media_tags
from scoring.scorers import SUBSCORES

ASSETS = Path(__file__).resolve().parent / "assets"
TIMELINE_KINDS = ("speech", "face", "text", "product", "mention", "cta", "cut")


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' can close the element."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _video_data(v: dict[str, Any]) -> dict[str, Any]:
    """What the page script needs of one video (word-level events are left out)."""
    ev = v.get("evidence") or {}
    return {
        "rank": v.get("rank"), "name": Path(v["path"]).name, "path": v["path"], "creator": v.get("creator"),
        "caption": v.get("caption"), "status": v["status"], "error": v.get("error"), "score": v.get("score"),
        "recommendation": v["recommendation"], "shortlisted": v["shortlisted"],
        "duplicate_of": v.get("duplicate_of"),
        **explanation_data(v, [r for r in v.get("reasons") or [] if r.get("dimension") != "rights"][:12]),
        "gates": v.get("gates") or [],
        "events": [e for e in (v.get("events") or []) if e.get("kind") in TIMELINE_KINDS][:400],
        "duration": ev.get("duration_s"), "media": v.get("media") or {},
        "evidence": {k: ev.get(k) for k in ("duration_s", "width", "height", "speech_onset_s", "face_first_s",
                                            "hook_text", "cuts_s", "loudness_lufs", "snr_db", "sound_class", "sharpness",
                                            "product_first_seen_s", "product_visible_ratio", "transcript")},
    }


_media_tags = media_tags  # the name tests and older callers use


def _shortlist_card(v: dict[str, Any]) -> str:
    name = Path(v["path"]).name
    who = escape(v.get("creator") or "unknown creator")
    days = v.get("suggested_authorization_days")
    ask = f" · ask for a {days}-day code" if days else ""
    return (f'<article class="card"><h3>#{v["rank"]} {escape(name)} <small>{who}</small></h3>'
            f'<p><b class="score">{v["score"]:.0f}</b> <span class="rec rec-{v["recommendation"]}">'
            f'{v["recommendation"].replace("_", " ")}</span>{ask}</p>{explanation_html(v, name)}</article>')


def _scatter(videos: list[dict[str, Any]]) -> str:
    """SVG scatter of two sub-scores (hook vs product integration, else visual vs audio)."""
    ok = [v for v in videos if v["status"] == "ok"]
    x_key, y_key = "hook", "product_integration"
    if not any(v["subscores"].get(x_key) is not None and v["subscores"].get(y_key) is not None for v in ok):
        x_key, y_key = "visual_clarity", "audio_clarity"
    size, pad = 340, 40
    dots = []
    for v in ok:
        x, y = v["subscores"].get(x_key), v["subscores"].get(y_key)
        if x is None or y is None:
            continue
        cx, cy = pad + x / 100 * (size - 2 * pad), size - pad - y / 100 * (size - 2 * pad)
        title = f"#{v['rank']} {Path(v['path']).name}: {LABELS[x_key]} {x:.0f}, {LABELS[y_key]} {y:.0f}"
        dots.append(f'<circle class="dot rec-{v["recommendation"]}" cx="{cx:.1f}" cy="{cy:.1f}" r="6">'
                    f"<title>{escape(title)}</title></circle>")
    span = size - 2 * pad
    ticks = []
    for t in (0, 25, 50, 75, 100):
        x, y = pad + t / 100 * span, size - pad - t / 100 * span
        ticks.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{pad}" y2="{size - pad}"/>'
                     f'<line class="grid" x1="{pad}" x2="{size - pad}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{x:.1f}" y="{size - pad + 12}">{t}</text>'
                     f'<text class="tick ty" x="{pad - 4}" y="{y + 3:.1f}">{t}</text>')
    return (f'<svg class="scatter" viewBox="0 0 {size} {size}" role="img" '
            f'aria-label="{LABELS[x_key]} against {LABELS[y_key]}">'
            f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" class="frame"/>{"".join(ticks)}'
            f'<text x="{size / 2}" y="{size - 6}" class="axis">{LABELS[x_key]} (0–100) →</text>'
            f'<text x="10" y="{size / 2}" class="axis" transform="rotate(-90 10 {size / 2})">'
            f'{LABELS[y_key]} (0–100) →</text>'
            f'{"".join(dots)}</svg>')


def _failed(videos: list[dict[str, Any]]) -> str:
    failed = [v for v in videos if v["status"] != "ok"]
    if not failed:
        return ""
    items = "".join(f'<li><b>{escape(Path(v["path"]).name)}</b>: <code>{escape(v["error"]["code"])}</code> '
                    f'{escape(v["error"]["message"])}</li>' for v in failed)
    return f'<section id="failed"><h2>Could not be scored ({len(failed)})</h2><ul class="failed">{items}</ul></section>'


def render_report(ranking: dict[str, Any]) -> str:
    """The report page as a string."""
    run, videos = ranking["run"], ranking["videos"]
    shortlist = [v for v in videos if v["shortlisted"]]
    counts = run.get("counts", {})
    campaign = escape(str(run.get("campaign", "")))
    cards = "".join(_shortlist_card(v) for v in shortlist) or "<p>No video passed the gates and thresholds.</p>"
    head = "".join(f'<th data-key="{k}" scope="col">{escape(label)}</th>' for k, label in (
        ("rank", "rank"), ("name", "video"), ("creator", "creator"), ("score", "score"),
        *((f"sub.{s}", LABELS[s]) for s in SUBSCORES), ("recommendation", "recommendation")))
    data = _json_for_script({"videos": [_video_data(v) for v in videos], "subscores": list(SUBSCORES),
                             "labels": LABELS})
    style = (ASSETS / "report.css").read_text() + EXPLAIN_CSS
    script = (ASSETS / "report.js").read_text()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>SparkScout — {campaign}</title><style>{style}</style></head><body>
<header><h1>SparkScout — {campaign} <small>{escape(str(run.get('objective', '')))}</small></h1>
<p>{counts.get('videos', len(videos))} videos · {counts.get('ok', 0)} scored · {counts.get('failed', 0)} failed ·
{counts.get('shortlisted', len(shortlist))} shortlisted · profile {escape(str(run.get('profile', '')))} ·
{escape(str(run.get('finished_at', '')))}</p></header>
<section id="shortlist"><h2>Shortlist: ask these creators for ad codes</h2><div class="cards">{cards}</div></section>
<section id="overview"><h2>Where the candidates stand</h2>{_scatter(videos)}
<p class="hint">Each dot is a scored video; hover for its name. Green: request an ad code, amber: consider, grey: skip.</p></section>
<section id="all"><h2>All videos</h2>
<div class="controls"><input id="filter" type="search" placeholder="filter by name, creator, caption or reason">
<select id="recfilter"><option value="">every recommendation</option><option>request_ad_code</option>
<option>consider</option><option>skip</option><option value="failed">failed</option></select>
<span id="pageinfo"></span> <button id="prev" type="button">‹ prev</button> <button id="next" type="button">next ›</button></div>
<table id="videos" class="sortable"><thead><tr>{head}</tr></thead><tbody></tbody></table>
<p class="hint">Click a column header to sort, a row to see its filmstrip, hook preview, reasons and timeline.</p></section>
{_failed(videos)}
<script id="report-data" type="application/json">{data}</script>
<script>{script}</script>
</body></html>
"""


def write_report(ranking: dict[str, Any], out_dir: str | Path) -> Path:
    path = Path(out_dir) / "report.html"
    path.write_text(render_report(ranking), encoding="utf-8")
    return path
