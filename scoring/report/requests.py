"""``requests.md``: a ready-to-send ad-code request for each shortlisted creator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CREATOR_STEPS = """\
How to generate the ad code (TikTok app, creator side):
1. Make sure the account can authorise ads (a Business account, or Settings and privacy → Creator tools / Business suite → Ad settings → turn on "Ad authorization").
2. Open the video → tap "…" (More) → "Ad settings" → turn on "Ad authorization".
3. Tap "Generate code", choose {days} days, accept the terms and tap "Generate".
4. Tap "Copy code" and send it back to us. We paste it into TikTok Ads Manager; the post runs from your account and keeps its likes, comments and shares."""


def _positive(r: dict[str, Any]) -> bool:
    sign = r.get("sign")
    return sign == "+" if sign else (r.get("impact") or 0) > 0


def _why(video: dict[str, Any], n: int = 3) -> list[str]:
    """The strongest positive reasons, the real ones the scores rest on (may be empty)."""
    return [r["text"] for r in video["reasons"] if _positive(r) and r.get("kind") not in ("shortlist", "gate")][:n]


def _risk(video: dict[str, Any]) -> dict[str, Any] | None:
    """The biggest negative (largest cost on the composite), for the strategist only."""
    neg = [r for r in video["reasons"] if not _positive(r) and r.get("kind") != "shortlist"]
    return min(neg, key=lambda r: (r.get("kind") not in ("gate", "must_have", "cap"), r.get("impact") or 0.0),
               default=None)


def render_requests(ranking: dict[str, Any], *, brand: str = "", days: int = 30) -> str:
    """Markdown with one section per shortlisted video, in rank order."""
    run = ranking["run"]
    shortlisted = [v for v in ranking["videos"] if v["shortlisted"]]
    asked = [v for v in shortlisted if (v.get("ledger") or {}).get("requested")]  # the team's ledger says so
    shortlisted = [v for v in shortlisted if v not in asked]
    lines = [f"# Ad-code requests — {run.get('campaign', '')}", ""]
    if asked:
        lines += [f"Left out, already requested (see `sparkscout ledger list`): "
                  f"{', '.join(Path(v['path']).name for v in asked)}.", ""]
    if not shortlisted:
        lines.append("Every shortlisted video was already requested." if asked else
                     "No video passed the gates and thresholds, so there is nobody to ask yet.")
        return "\n".join(lines) + "\n"
    lines.append(f"{len(shortlisted)} shortlisted video(s). Ask each creator for a {days}-day ad code "
                 "(TikTok offers 7, 30, 60 or 365 days).")
    for v in shortlisted:
        creator = v.get("creator") or "unknown creator (add a `creator` column to the manifest)"
        name = Path(v["path"]).name
        window = v.get("suggested_authorization_days") or days
        post = v.get("post_url") or v["path"]
        lines += [
            "", f"## #{v['rank']} {creator} — {name}", "",
            f"- Post: {post}",
            f"- Score: {v['score']:.0f} / 100 ({v['recommendation'].replace('_', ' ')})",
            f"- Authorization window asked for: {window} days",
            "- Why we chose it:",
            *([f"  - {text}" for text in _why(v)] or ["  - its overall score; no single strength stands out"]),
            f"- Internal note (do not send): biggest risk: {_risk_text(v)}",
            *_not_measured(v),
            *[f"- Rights: {r['text']}" for r in v["reasons"] if r.get("dimension") == "rights"],
            "", "Message to send:", "",
            f"> Hi {v.get('creator') or 'there'}! We love your video{_caption(v)} and would like to run it as a "
            f"Spark Ad{' for ' + brand if brand else ''} for {window} days: it stays on your account with your "
            f"likes and comments, and we add a call-to-action button.{_because(v)} Could you send us an ad code for it? "
            f"The steps are below. Thank you!",
            "", CREATOR_STEPS.format(days=window),
        ]
    return "\n".join(lines) + "\n"


def _because(video: dict[str, Any]) -> str:
    """The creator-facing why: the real strengths the score rests on (or nothing)."""
    why = _why(video, 2)
    return f" What stood out to us: {'; '.join(why)}." if why else ""


def _not_measured(video: dict[str, Any]) -> list[str]:
    notes = [f"{n['dimension'].replace('_', ' ')}: {n['text']}" for n in video.get("not_measured") or []]
    return [f"- Not measured: {'; '.join(notes)}"] if notes else []


def _risk_text(video: dict[str, Any]) -> str:
    risk = _risk(video)
    if risk is None:
        return "none found"
    impact = risk.get("impact")
    return risk["text"] + (f" ({impact:+.1f} points on the score)" if impact else "")


def _caption(video: dict[str, Any]) -> str:
    caption = (video.get("caption") or "").strip()
    return f' "{caption[:80]}"' if caption else ""


def write_requests(ranking: dict[str, Any], out_dir: str | Path, *, brand: str = "", days: int = 30) -> Path:
    path = Path(out_dir) / "requests.md"
    path.write_text(render_requests(ranking, brand=brand, days=days), encoding="utf-8")
    return path
