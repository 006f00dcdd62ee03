"""Batch-level judgment: gates, the objective's must-haves, severe-flaw caps on the
composite, signed reasons with their effect on the composite, and why each video sits
below the one above it.

Works on features, sub-scores and the scorers' judgment extras only (no pipeline or
analyzer imports), so ranking can run on stored results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring.scorers.derived import MIN_LONG, MIN_SHORT, derive

NEUTRAL = {"engagement": 50.0}  # a sub-score's neutral point; rule models use 70
RULE_NEUTRAL = 70.0


@dataclass
class Gate:
    code: str
    text: str


def gates_for(features: Mapping[str, Any]) -> list[Gate]:
    """Hard problems that keep a video off the shortlist whatever its score.

    Orientation (display aspect) and resolution (short side ≥ 540 and long side ≥ 960,
    whatever the orientation) are separate gates; a square video is not horizontal.
    """
    gates = []
    d = derive(features)
    w, h = features.get("format.width"), features.get("format.height")
    if features.get("format.has_audio") is False:
        gates.append(Gate("no_audio", "no audio track: Spark Ads play with sound on"))
    if d.get("format.orientation") == "horizontal":
        gates.append(Gate("horizontal", f"horizontal {w}×{h}: TikTok in-feed needs vertical 9:16"))
    if d and not d["format.resolution_ok"]:
        gates.append(Gate("low_resolution",
                          f"{w}×{h} is below TikTok's {MIN_SHORT}×{MIN_LONG} in-feed minimum "
                          f"(short side {d['format.short_side']} px, long side {d['format.long_side']} px)"))
    return gates


def format_notes(features: Mapping[str, Any]) -> list[str]:
    """Soft format problems (not gates): a square video shows with bars in the 9:16 feed."""
    d = derive(features)
    if d.get("format.orientation") == "square":
        w, h = features.get("format.width"), features.get("format.height")
        return [f"square {w}×{h}: plays with bars in TikTok's 9:16 feed"]
    return []


def _channel(value: Any) -> bool | None:
    """A count or share: True if > 0, False if 0, None if not measured."""
    if value is None or isinstance(value, str):
        return None
    return float(value) > 0


@dataclass
class MustHave:
    """A must-have the video does not meet: ``verified`` when every channel was measured
    and none found it (consider at best, off the shortlist); else it could not be
    confirmed (some channel not measured): never ``request_ad_code``, still shortlistable."""

    verified: bool
    text: str


def must_have(features: Mapping[str, Any], objective: str, brand: bool, product: bool) -> MustHave | None:
    """The objective's must-have, if the video does not meet it, else None.

    Conversions: the product is shown (packshot or CLIP) or named (speech or on-screen
    text); a campaign naming only a brand accepts the brand named. Awareness: the brand
    is shown or named when the campaign gives one. Fails only when every channel was
    measured and none found it (``verified``); when some were not measured (fast
    profile, no packshot) and the others found nothing, it is unconfirmed.
    """
    shown = {"on screen (packshot)": _channel(features.get("packshot.visible_ratio"))}
    if features.get("clip_zero_shot.available"):
        shown["on screen (CLIP)"] = _channel(features.get("clip_zero_shot.visible_ratio"))
    if objective == "conversions" and (product or brand):
        what = "product" if product else "brand"
        named_key = "mentions.product_count" if product else "mentions.brand_count"
        channels = {**shown, "named (speech or on-screen text)": _channel(features.get(named_key))}
        if not product:
            channels = {"named (speech or on-screen text)": channels["named (speech or on-screen text)"]}
        verdict = "consider at best for a conversions campaign"
    elif objective == "awareness" and brand:
        what = "brand"
        channels = {**shown, "named (speech or on-screen text)": _channel(features.get("mentions.brand_count"))}
        verdict = "consider at best for an awareness campaign"
    else:
        return None
    if any(v is True for v in channels.values()) or not any(v is False for v in channels.values()):
        return None
    unchecked = [k for k, v in channels.items() if v is None]
    if unchecked:  # not measured is not absent: say so; only the request waits for a person
        seen = ", ".join(k for k, v in channels.items() if v is False)
        return MustHave(False, f"could not confirm the {what} is shown or named (not {seen}; "
                               f"{', '.join(unchecked)}: not checked): consider until someone checks")
    return MustHave(True, f"the {what} is never shown or named: {verdict}")


def composite(subscores: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean of the sub-scores that exist (0-100); None if none do."""
    pairs = [(weights.get(k, 0.0), v) for k, v in subscores.items() if v is not None and weights.get(k, 0) > 0]
    total = sum(w for w, _ in pairs)
    return round(sum(w * v for w, v in pairs) / total, 1) if total else None


def composite_cap(judgment: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The lowest composite ceiling any sub-score's severe flaw declares, or None."""
    caps = [c for j in judgment.values() for c in (j.get("caps") or []) if c.get("composite_ceiling") is not None]
    return min(caps, key=lambda c: c["composite_ceiling"]) if caps else None


def shares(subscores: Mapping[str, float | None], weights: Mapping[str, float]) -> dict[str, float]:
    """Each existing sub-score's share (0-1) of the composite."""
    present = {k: weights.get(k, 0.0) for k, v in subscores.items() if v is not None and weights.get(k, 0) > 0}
    total = sum(present.values())
    return {k: w / total for k, w in present.items()} if total else {}


def signed(reason: Mapping[str, Any], share: Mapping[str, float], kind: str | None = None,
           sign: str | None = None) -> dict[str, Any]:
    """A reason for ranking.json: ``sign`` (+/-), ``impact`` on the composite (points),
    ``subscore_impact`` (points on its own sub-score, None for batch-level reasons)."""
    sub_impact = reason.get("impact")
    dim = reason.get("dimension")
    kind = kind or reason.get("kind") or "term"
    if kind in ("term", "cap") and dim in share and sub_impact is not None:
        impact = round(float(sub_impact) * share[dim], 1)
    else:
        impact = round(float(reason.get("composite_impact") or 0.0), 1)
        sub_impact = sub_impact if kind in ("term", "cap") else None
    sign = sign or reason.get("sign")
    if sign is None:
        base = sub_impact if sub_impact is not None else impact
        sign = "+" if (base or 0) > 0 else "-"
    return {"dimension": dim, "text": reason.get("text"), "sign": sign, "impact": impact,
            "subscore_impact": sub_impact, "kind": kind, "feature": reason.get("feature"), "t": reason.get("t")}


def engagement_reason(text: str, score: float | None, first: bool = True) -> dict[str, Any]:
    """Engagement reasons: the first carries the engagement sub-score's distance from its
    neutral 50 (points), the others only its sign (so the effect is not counted twice)."""
    delta = None if score is None else round(score - NEUTRAL["engagement"], 1)
    return {"dimension": "engagement", "text": text, "impact": delta if first else 0.0,
            "sign": "+" if (delta or 0) > 0 else "-", "feature": "engagement.rate", "t": None}


def order_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gates, then must-haves, the ledger's word, shortlist notes, then the rest by the size of their
    effect on the composite."""
    first = {"gate": 0, "must_have": 1, "ledger": 2, "shortlist": 3}
    return sorted(reasons, key=lambda r: (first.get(r["kind"], 4), -abs(r.get("impact") or 0.0)))


def below_above(this: Mapping[str, Any], above: Mapping[str, Any], weights: Mapping[str, float]) -> dict[str, Any]:
    """Why ``this`` ranks right below ``above`` (ranking.json entries): the gate, the
    composite cap, or the sub-score that costs it most relative to ``above``."""
    out: dict[str, Any] = {"rank_above": above["rank"], "dimension": None, "this": None, "above": None, "text": ""}
    gate = next((r for r in this["reasons"] if r["kind"] == "gate"), None)
    if gate and not any(r["kind"] == "gate" for r in above["reasons"]):
        out.update(dimension="gate", text=f"below #{above['rank']}: {gate['text']}")
        return out
    s, a = this["subscores"], above["subscores"]
    diffs = {k: weights.get(k, 0.0) * (a[k] - s[k]) for k in s if s.get(k) is not None and a.get(k) is not None}
    cap = next((r for r in this["reasons"] if r["kind"] == "cap" and r.get("subscore_impact") is None), None)
    if cap and (this["score"] or 0) < (above["score"] or 0):
        out.update(dimension="composite", this=this["score"], above=above["score"],
                   text=f"below #{above['rank']}: severe flaw, {cap['text']}")
        return out
    if not diffs or max(diffs.values()) <= 0 or this["score"] == above["score"]:
        out["text"] = f"level with #{above['rank']} on score; ordered by video id"
        return out
    dim = max(diffs, key=lambda k: diffs[k])
    worst = min((r for r in this["reasons"] if r["dimension"] == dim and r["sign"] == "-"),
                key=lambda r: r["impact"], default=None)
    why = f": {worst['text']}" if worst else ""
    out.update(dimension=dim, this=s[dim], above=a[dim],
               text=f"below #{above['rank']} mainly on {dim.replace('_', ' ')}, {s[dim]:.0f} vs {a[dim]:.0f}{why}")
    return out
