"""Render ``report.html`` from a ranking document: one file, no network, all text escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from scoring.scorers import SUBSCORES

STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#1d1d1f;background:#fafafa}
h1{font-size:22px} h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:6px 8px;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f0f0f0;position:sticky;top:0}
.bar{display:inline-block;height:8px;background:#4a7dff;border-radius:4px;vertical-align:middle}
.rec-request_ad_code{color:#0a7d32;font-weight:600}.rec-consider{color:#a86b00}.rec-skip{color:#888}
.failed{color:#b00020} .reasons{color:#555;font-size:12px;margin:0;padding-left:16px}
.card{background:#fff;border:1px solid #e5e5e5;border-radius:8px;padding:12px 16px;margin:10px 0}
"""

SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var tbody = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    rows.sort(function(a, b){
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function(r){ tbody.appendChild(r); });
  });
});
"""


def _num(value: Any) -> str:
    return "" if value is None else f"{value:.0f}"


def _bar(value: float | None) -> str:
    if value is None:
        return '<td data-v="-1">–</td>'
    return f'<td data-v="{value}"><span class="bar" style="width:{value * 0.6:.0f}px"></span> {value:.0f}</td>'


def _shortlist_card(v: dict[str, Any]) -> str:
    reasons = "".join(f"<li>{escape(r['text'])}</li>" for r in v["reasons"][:5])
    who = escape(v.get("creator") or "unknown creator")
    return (f'<div class="card"><b>#{v["rank"]} {escape(Path(v["path"]).name)}</b> — {who} — score '
            f'{_num(v["score"])} — <span class="rec-{v["recommendation"]}">{v["recommendation"]}</span>'
            f'<ul class="reasons">{reasons}</ul></div>')


def render_report(ranking: dict[str, Any]) -> str:
    """The report page as a string. Every user- or model-supplied string is escaped."""
    run, videos = ranking["run"], ranking["videos"]
    shortlist = [v for v in videos if v["shortlisted"]]
    rows = []
    for v in videos:
        name = escape(Path(v["path"]).name)
        if v["status"] != "ok":
            err = escape(v["error"]["message"] if v.get("error") else "failed")
            rows.append(f'<tr><td data-v="99999">–</td><td>{name}</td><td>{escape(v.get("creator") or "")}</td>'
                        f'<td data-v="-1">–</td>' + '<td data-v="-1">–</td>' * len(SUBSCORES)
                        + f'<td class="failed">failed: {err}</td></tr>')
            continue
        top = "".join(f"<li>{escape(r['text'])}</li>" for r in v["reasons"][:3])
        rows.append(
            f'<tr><td data-v="{v["rank"]}">{v["rank"]}</td><td title="{escape(v["path"])}">{name}</td>'
            f'<td>{escape(v.get("creator") or "")}</td>{_bar(v["score"])}'
            + "".join(_bar(v["subscores"].get(s)) for s in SUBSCORES)
            + f'<td><span class="rec-{v["recommendation"]}">{v["recommendation"]}</span>'
            f'<ul class="reasons">{top}</ul></td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("rank", "video", "creator", "score", *SUBSCORES, "recommendation"))
    counts = run.get("counts", {})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SparkScout — {escape(str(run.get('campaign', '')))}</title>
<style>{STYLE}</style></head><body>
<h1>SparkScout — {escape(str(run.get('campaign', '')))} ({escape(str(run.get('objective', '')))})</h1>
<p>{counts.get('videos', len(videos))} videos · {counts.get('ok', 0)} scored · {counts.get('failed', 0)} failed ·
generated {escape(str(run.get('finished_at', '')))}</p>
<h2>Shortlist: ask these creators for ad codes</h2>
{''.join(_shortlist_card(v) for v in shortlist) or '<p>No video passed the gates and thresholds.</p>'}
<h2>All videos</h2>
<table class="sortable"><thead><tr>{head}</tr></thead><tbody>
{''.join(rows)}
</tbody></table>
<script>{SORT_JS}</script>
</body></html>
"""


def write_report(ranking: dict[str, Any], out_dir: str | Path) -> Path:
    path = Path(out_dir) / "report.html"
    path.write_text(render_report(ranking), encoding="utf-8")
    return path
