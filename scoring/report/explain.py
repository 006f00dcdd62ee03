"""One explanation of a video, shared by ``report.html`` and ``sparkscout serve``.

Both show the same things for a video: its preview and filmstrip, sub-score bars with
their percentile among every video the team's ledger knows, reasons marked + / − with
their effect on the composite in points, why it sits below the video above it, the
rights note (stitches, duets, re-uploads, music), what was not measured, and the edits
to ask the creator for with their estimated gain (scoring.fixes).

The markup is ``assets/explain.html.j2``, rendered by Jinja2 with autoescape, so everything
from users or models is escaped; the fragment holds no
script, so serve's script-free Content-Security-Policy shows it as the report does. The
report's table rows build the same blocks in the browser from :func:`explanation_data`.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from scoring.scorers import SUBSCORES

ASSETS = Path(__file__).resolve().parent / "assets"  # CSS, JS and the Jinja2 templates

LABELS = {"hook": "hook", "audio_clarity": "audio", "visual_clarity": "visual",
          "product_integration": "product", "engagement": "engagement"}
MIN_REFERENCE = 5  # fewer earlier videos than this make a percentile meaningless

CSS = """
.bars{margin:6px 0}.sb{display:flex;align-items:center;gap:6px;font-size:12px}
.sb span{width:72px;color:#555}.sb i{flex:1;height:7px;background:#eceef2;border-radius:4px;overflow:hidden}
.sb b{display:block;height:100%;background:#4a7dff}.sb em{width:26px;text-align:right;font-style:normal}
.sb small.pct{width:150px;color:#777;font-size:11px}
.reasons{margin:4px 0 0;padding-left:18px;color:#444;font-size:13px;list-style:none}
.reasons .mark{display:inline-block;width:12px}.rpos .mark{color:#0a6b2c}.rneg .mark{color:#b00020}
.reasons small{color:#888}.below{font-size:12px;color:#555;margin:4px 0}
.rights{font-size:12px;background:#fff4e5;border-radius:6px;padding:4px 8px;margin:6px 0}
.fixes{font-size:13px;margin:6px 0}.fixes h4{margin:4px 0;font-size:13px}.fixes ul{margin:0;padding-left:18px}
.fixes small{color:#0a6b2c}.nm,.hint{color:#777;font-size:12px}
.preview{display:block;height:160px;border-radius:6px;margin:6px 0;background:#000}
.strip{display:block;max-width:100%;height:80px;border-radius:6px;margin:6px 0;background:#ddd}
"""


def percentile(value: float, reference: list[float]) -> int:
    """Share (0-100, floored) of ``reference`` (sorted) strictly below ``value``."""
    return int(100 * bisect_left(reference, value) / len(reference)) if reference else 0


def add_percentiles(videos: list[dict[str, Any]], reference: Mapping[str, Mapping[str, float | None]],
                    min_reference: int = MIN_REFERENCE) -> None:
    """Set ``percentiles`` on each scored ``ranking.json`` entry: for the composite (``score``)
    and each sub-score, ``{"better_than": 0-100, "of": N}`` against every other video in
    ``reference`` (video_id -> its recorded score and sub-scores, plain data from the ledger).
    A measure with fewer than ``min_reference`` other videos gets no percentile."""
    keys = ("score", *SUBSCORES)
    values = {k: sorted((vid, float(r[k])) for vid, r in reference.items() if r.get(k) is not None) for k in keys}
    for v in videos:
        if v.get("status") != "ok":
            continue
        out: dict[str, dict[str, int]] = {}
        own = {"score": v.get("score"), **(v.get("subscores") or {})}
        for k in keys:
            x = own.get(k)
            if x is None:
                continue
            others = sorted(val for vid, val in values[k] if vid != v.get("video_id"))
            if len(others) >= min_reference:
                out[k] = {"better_than": percentile(float(x), others), "of": len(others)}
        v["percentiles"] = out


def percentile_text(p: Mapping[str, int] | None) -> str:
    """``better than 80 % of 1,240 scored`` (or '')."""
    if not p:
        return ""
    return f"better than {p['better_than']} % of {p['of']:,} scored"


def sign(r: Mapping[str, Any]) -> str:
    return r.get("sign") or ("+" if (r.get("impact") or 0) > 0 else "-")


def rights_notes(v: Mapping[str, Any]) -> list[str]:
    """Rights risks to check before asking for a code (stitch, duet, re-upload, music)."""
    return list(dict.fromkeys(r["text"] for r in v.get("reasons") or [] if r.get("dimension") == "rights"))


def card_reasons(v: Mapping[str, Any], n: int = 5) -> list[dict[str, Any]]:
    """Positives and negatives apart, so a green card never leads with a problem unmarked;
    the biggest negatives are always shown (rights risks have their own note)."""
    reasons = [r for r in v.get("reasons") or [] if r.get("dimension") != "rights"]
    neg = [r for r in reasons if sign(r) == "-" and r.get("kind") != "shortlist"]
    pos = [r for r in reasons if sign(r) == "+"]
    return pos[: max(1, n - 2)] + neg[:2]


def not_measured(v: Mapping[str, Any]) -> list[str]:
    return [f"{LABELS.get(n['dimension'], n['dimension'])}: {n['text']}" for n in (v.get("not_measured") or [])]


def explanation_data(v: Mapping[str, Any], reasons: list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The explanation as plain data (the report's page script renders the same blocks)."""
    reasons = card_reasons(v, 12) if reasons is None else reasons
    return {
        "subscores": v.get("subscores") or {},
        "percentiles": {k: percentile_text(p) for k, p in (v.get("percentiles") or {}).items()},
        "reasons": [{"text": r["text"], "impact": r.get("impact"), "sign": sign(r), "kind": r.get("kind")}
                    for r in reasons],
        "below_above": (v.get("below_above") or {}).get("text"),
        "rights": rights_notes(v),
        "not_measured": not_measured(v),
        "fixes": [{"text": f["text"], "gain": f.get("gain")} for f in v.get("fixes") or []],
    }


def reason_item(r: Mapping[str, Any]) -> str:
    """One reason as an <li> marked + or − with its effect on the composite in points."""
    return str(_macros().reason_item(r))


def bars(subscores: Mapping[str, Any], percentiles: Mapping[str, Any] | None = None) -> str:
    """Sub-score bars (0-100) with each one's percentile among the team's scored videos."""
    return str(_macros().bars(subscores, percentiles))


def media_tags(media: Mapping[str, str], name: str, prefix: str = "") -> str:
    """Filmstrip, safe-zone frame and hook preview (paths relative to the run folder)."""
    return str(_macros().media_tags(media, name, prefix))


def explanation_html(v: Mapping[str, Any], name: str, *, media_prefix: str = "", n_reasons: int = 5) -> str:
    """The explanation block of one video: media, bars with percentiles, signed reasons,
    why below, rights, what was not measured, fixes to ask for."""
    if v.get("status") != "ok":
        return str(_macros().failed(v.get("error") or {}))
    data = explanation_data(v, card_reasons(v, n_reasons))
    return str(_macros().explanation(v, data, name, media_prefix))


@functools.cache
def environment() -> jinja2.Environment:
    """The report's Jinja2 environment: templates in ``assets/``, HTML autoescaped."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals.update(LABELS=LABELS, SUBSCORES=SUBSCORES, sign=sign, percentile_text=percentile_text)
    return env


def _macros() -> Any:
    """The macros of ``explain.html.j2`` (each returns escaped markup)."""
    return environment().get_template("explain.html.j2").module
