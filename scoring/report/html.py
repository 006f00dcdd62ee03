"""Render ``report.html`` from a ranking document.

One HTML file that opens from disk with no network: the shortlist first, a scatter of
hook against product integration, then a sortable, filterable, paged table of every
video whose rows open a detail panel (filmstrip, hook preview, sub-score bars, reasons,
timeline). Per-video media live in ``report_media/`` beside it and load lazily, so the
page stays light with hundreds of videos. The page is ``assets/report.html.j2`` rendered by
Jinja2 with autoescape: every string that comes from users or models is escaped on the
server, or set with ``textContent`` in the browser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from scoring.report.explain import ASSETS, LABELS, environment, explanation_data, explanation_html, media_tags
from scoring.report.explain import CSS as EXPLAIN_CSS
from scoring.scorers import SUBSCORES

# Lanes when the caller gives none (a report rebuilt without the analyzers at hand): one per
# event kind found in the videos, grey. A run passes the analyzers' declared kinds instead
# (``pipeline.report_timeline``); the report never imports the analyzers.
DEFAULT_COLOUR = "#868e96"
MAX_EVENTS = 400  # per video, on the timeline


def _lanes(videos: list[dict[str, Any]], timeline: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Timeline lanes ``{kind, label, colour}``: ``timeline`` as given, else one per kind seen
    (``word`` events, one per spoken word, are too fine for a lane)."""
    if timeline is not None:
        return [{"kind": k["kind"], "label": k.get("label") or k["kind"], "colour": k.get("colour") or DEFAULT_COLOUR}
                for k in timeline]
    seen = sorted({e.get("kind") for v in videos for e in (v.get("events") or []) if e.get("kind")} - {"word"})
    return [{"kind": k, "label": k.replace("_", " "), "colour": DEFAULT_COLOUR} for k in seen]


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' can close the element."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _video_data(v: dict[str, Any], kinds: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """What the page script needs of one video (events of the timeline's ``kinds`` only)."""
    ev = v.get("evidence") or {}
    return {
        "rank": v.get("rank"), "name": Path(v["path"]).name, "path": v["path"], "creator": v.get("creator"),
        "caption": v.get("caption"), "status": v["status"], "error": v.get("error"), "score": v.get("score"),
        "recommendation": v["recommendation"], "shortlisted": v["shortlisted"],
        "duplicate_of": v.get("duplicate_of"),
        **explanation_data(v, [r for r in v.get("reasons") or [] if r.get("dimension") != "rights"][:12]),
        "gates": v.get("gates") or [],
        "events": [e for e in (v.get("events") or []) if e.get("kind") in kinds][:MAX_EVENTS],
        "duration": ev.get("duration_s"), "media": v.get("media") or {},
        "evidence": {k: ev.get(k) for k in ("duration_s", "width", "height", "speech_onset_s", "face_first_s",
                                            "hook_text", "cuts_s", "loudness_lufs", "snr_db", "sound_class", "sharpness",
                                            "product_first_seen_s", "product_visible_ratio", "transcript")},
    }


_media_tags = media_tags  # the name tests and older callers use


def _scatter_data(videos: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of the SVG scatter of two sub-scores (hook vs product integration, else
    visual vs audio): 340 px square, 40 px padding, coordinates as strings with 1 decimal."""
    ok = [v for v in videos if v["status"] == "ok"]
    x_key, y_key = "hook", "product_integration"
    if not any(v["subscores"].get(x_key) is not None and v["subscores"].get(y_key) is not None for v in ok):
        x_key, y_key = "visual_clarity", "audio_clarity"
    size, pad = 340, 40
    span = size - 2 * pad
    dots = []
    for v in ok:
        x, y = v["subscores"].get(x_key), v["subscores"].get(y_key)
        if x is None or y is None:
            continue
        cx, cy = pad + x / 100 * span, size - pad - y / 100 * span
        title = f"#{v['rank']} {Path(v['path']).name}: {LABELS[x_key]} {x:.0f}, {LABELS[y_key]} {y:.0f}"
        dots.append({"rec": v["recommendation"], "cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "title": title})
    ticks = [{"t": t, "x": f"{pad + t / 100 * span:.1f}", "y": f"{size - pad - t / 100 * span:.1f}",
              "y3": f"{size - pad - t / 100 * span + 3:.1f}"} for t in (0, 25, 50, 75, 100)]
    return {"size": size, "pad": pad, "span": span, "x_label": LABELS[x_key], "y_label": LABELS[y_key],
            "ticks": ticks, "dots": dots}


def render_report(ranking: dict[str, Any], timeline: list[dict[str, str]] | None = None) -> str:
    """The report page as a string (``assets/report.html.j2``, autoescaped).

    ``timeline``: the timeline's lanes, ``{kind, label, colour}`` in order (the analyzers'
    declared event kinds, passed down by the run); None: one grey lane per kind seen."""
    run, videos = ranking["run"], ranking["videos"]
    lanes = _lanes(videos, timeline)
    kinds = {k["kind"] for k in lanes}
    data = _json_for_script({"videos": [_video_data(v, kinds) for v in videos], "subscores": list(SUBSCORES),
                             "labels": LABELS, "timeline": lanes})
    columns = [("rank", "rank"), ("name", "video"), ("creator", "creator"), ("score", "score"),
               *((f"sub.{s}", LABELS[s]) for s in SUBSCORES), ("recommendation", "recommendation")]
    return environment().get_template("report.html.j2").render(
        run=run, videos=videos, counts=run.get("counts", {}), shortlist=[v for v in videos if v["shortlisted"]],
        failed=[v for v in videos if v["status"] != "ok"], columns=columns, plot=_scatter_data(videos),
        data=Markup(data),  # already safe inside <script> (see _json_for_script)
        style=Markup((ASSETS / "report.css").read_text() + EXPLAIN_CSS),
        script=Markup((ASSETS / "report.js").read_text()),
        basename=lambda p: Path(p).name,
        explanation_html=lambda v, name: Markup(explanation_html(v, name)))  # escaped inside


def write_report(ranking: dict[str, Any], out_dir: str | Path, timeline: list[dict[str, str]] | None = None) -> Path:
    """Write ``out_dir/report.html`` (see :func:`render_report` for ``timeline``)."""
    path = Path(out_dir) / "report.html"
    path.write_text(render_report(ranking, timeline), encoding="utf-8")
    return path
