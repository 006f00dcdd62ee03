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


# Gates that describe the scout's copy rather than the creator's post: on a downloaded copy
# they become "check the original post" warnings (see copy_warnings).
COPY_GATES = ("no_audio", "low_resolution")
COPY_WARNING_COST = 2.0      # composite points per copy warning
COPY_WARNING_MAX_COST = 4.0  # at most this many points for all of them together


def gates_for(features: Mapping[str, Any]) -> list[Gate]:
    """Hard problems that keep a video off the shortlist whatever its score.

    Orientation (display aspect) and resolution (short side ≥ 540 and long side ≥ 960,
    whatever the orientation) are separate gates; a square video is not horizontal.
    On a downloaded copy, :func:`split_copy_gates` turns the copy's own problems into warnings.
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


def split_copy_gates(gates: list[Gate], features: Mapping[str, Any], original: bool
                     ) -> tuple[list[Gate], list[Gate]]:
    """(gates that still gate, copy warnings). A download (``download.is_download``) that is
    not declared an original (campaign ``files_are_originals`` / manifest ``original``) is a
    scout's copy: its resolution and missing audio track say little about the creator's
    post, so they become "check the original post" warnings; orientation stays a gate."""
    if original or not is_download(features):
        return gates, []
    keep = [g for g in gates if g.code not in COPY_GATES]
    warn = [Gate(g.code, f"check the original post: this downloaded copy has {_copy_problem(g)}")
            for g in gates if g.code in COPY_GATES]
    return keep, warn


def is_download(features: Mapping[str, Any]) -> bool:
    """A platform watermark, end card or download size says the file is a scout's copy
    (``watermark.is_download`` in the full profile, ``layout.is_download`` in both)."""
    return features.get("watermark.is_download") is True or features.get("layout.is_download") is True


# Severe-flaw caps on these features describe the copy (its size, its re-encoding): on a
# download they become copy warnings instead of holding the composite.
COPY_CAP_FEATURES = ("format.", "visual_quality.blockiness", "artefacts.")


def split_copy_caps(judgment: Mapping[str, Mapping[str, Any]], features: Mapping[str, Any], original: bool
                    ) -> tuple[dict[str, dict[str, Any]], list[Gate]]:
    """(judgment without the copy's composite caps, their copy warnings); unchanged for an
    original or a file not recognised as a download."""
    out = {k: dict(v) for k, v in judgment.items()}
    if original or not is_download(features):
        return out, []
    warnings = []
    for j in out.values():
        keep = []
        for c in j.get("caps") or []:
            if str(c.get("feature") or "").startswith(COPY_CAP_FEATURES):
                warnings.append(Gate("copy_quality", f"check the original post: this downloaded copy shows {c['text']}"))
                j.setdefault("lifted", []).append(c)
            else:
                keep.append(c)
        j["caps"] = keep
    return out, warnings


def lift_copy_caps(subscores: dict[str, float | None], reasons: list[dict[str, Any]],
                   judgment: Mapping[str, Mapping[str, Any]]) -> None:
    """Undo, in place, a sub-score cap that :func:`split_copy_caps` lifted off a download:
    the sub-score gets back what the cap took (its cap reason's impact, sub-score points)
    and the cap reason goes (the copy warning says it). Only where no other cap holds that
    sub-score (the scorer applied the lowest; another would still apply)."""
    for dim, j in judgment.items():
        lifted = j.get("lifted") or []
        if not lifted or j.get("caps") or subscores.get(dim) is None:
            continue
        features = {c.get("feature") for c in lifted}
        for r in [r for r in reasons if r.get("kind") == "cap" and r.get("dimension") == dim
                  and r.get("feature") in features]:
            subscores[dim] = round(min(100.0, float(subscores[dim]) - float(r.get("impact") or 0.0)), 1)
            reasons.remove(r)


def _copy_problem(gate: Gate) -> str:
    if gate.code == "no_audio":
        return "no audio track (the post itself may have sound)"
    return gate.text.split(" (short side")[0].replace(" is below", " pixels, below")


def copy_cost(warnings: list[Gate]) -> float:
    """Composite points the copy warnings cost together (bounded: COPY_WARNING_MAX_COST)."""
    return min(COPY_WARNING_MAX_COST, COPY_WARNING_COST * len(warnings))


def hold_below(score: float, threshold: float) -> float:
    """``score`` held under ``threshold`` (0-100) keeping order (:func:`cap_value` with a
    ceiling one point under): a gated or must-have-failing video then sorts below every
    video that may be considered, so ordering by score is ordering by rank."""
    from scoring.scorers.rules import cap_value

    return round(cap_value(score, max(0.0, threshold - 1.0)), 1)


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
    and none found it (score held below the consider threshold: skip); else it could not
    be confirmed (some channel not measured): held below the request threshold, never
    ``request_ad_code``, still shortlistable."""

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
        verdict = "a conversions campaign needs it (held below the consider threshold)"
    elif objective == "awareness" and brand:
        what = "brand"
        channels = {**shown, "named (speech or on-screen text)": _channel(features.get("mentions.brand_count"))}
        verdict = "an awareness campaign needs it (held below the consider threshold)"
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


# A content sub-score the video itself gives nothing to judge on (measured absent, not merely
# unmeasured by the profile) enters the composite at a stated conservative prior instead of
# leaving its weight to the others: a missing measurement must never look like a good one.
# (dimension, feature, value meaning "measured absent", prior 0-100, why)
MISSING_PRIORS = (
    ("audio_clarity", "format.has_audio", False, 50.0, "no audio track"),
)
# The gate that names the same flaw as a prior: its reason line carries the prior's impact.
GATE_PRIOR = {"no_audio": "audio_clarity"}


def missing_priors(subscores: Mapping[str, float | None], features: Mapping[str, Any]
                   ) -> dict[str, tuple[float, str]]:
    """{dimension: (prior, why)} for each sub-score that is None because the video has nothing
    to judge on that dimension (:data:`MISSING_PRIORS`; 50 is below every rule model's
    neutral 70 and at the score of a poor track). A sub-score that exists, or that is None
    for another reason (profile, campaign), is left alone."""
    return {dim: (prior, why) for dim, feature, absent, prior, why in MISSING_PRIORS
            if subscores.get(dim) is None and dim in subscores and features.get(feature) is absent}


def prior_text(dim: str, prior: float, why: str) -> str:
    return (f"{dim.replace('_', ' ')} not measured ({why}): counted at {prior:.0f}, a conservative prior, "
            f"not left to the other sub-scores")


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


# A gate or copy warning (by code) and the model terms / caps on the same flaw.
GATE_FEATURES = {"low_resolution": ("format.short_side", "format.resolution_class", "format.resolution_level"),
                 "copy_quality": ("format.short_side",)}


def merge_flaws(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per flaw: a severe-flaw cap, the composite hold it causes and the term on the
    same feature (same dimension) become one reason with their total impact (points on the
    composite; ``subscore_impact`` summed where given); a gate or copy warning absorbs the
    terms and caps on its own flaw (``GATE_FEATURES``, keyed by the reason's ``code``).
    Other reasons pass unchanged."""
    out: list[dict[str, Any]] = []
    for r in reasons:
        gate = next((o for o in out if r["sign"] == "-" and r.get("feature") and r["kind"] in ("cap", "term")
                     and r.get("feature") in GATE_FEATURES.get(o.get("code") or "", ())), None)
        if gate is not None:
            gate["impact"] = round((gate.get("impact") or 0.0) + (r.get("impact") or 0.0), 1)
            continue
        key = (r.get("dimension"), r.get("feature"))
        host = next((o for o in out if r["sign"] == "-" and o["sign"] == "-" and (o.get("dimension"), o.get("feature"))
                     == key and r.get("feature") and "cap" in (r["kind"], o["kind"])
                     and r["kind"] in ("cap", "term") and o["kind"] in ("cap", "term")), None)
        if host is None:
            out.append(dict(r))
            continue
        cap, term = (host, r) if host["kind"] == "cap" else (r, host)
        text = _merged_text(cap["text"], term["text"]) if cap is not term else cap["text"]
        subs = [x for x in (host.get("subscore_impact"), r.get("subscore_impact")) if x is not None]
        host.update(text=text, kind="cap", impact=round((host.get("impact") or 0.0) + (r.get("impact") or 0.0), 1),
                    subscore_impact=round(sum(subs), 1) if subs else None,
                    t=host.get("t") if host.get("t") is not None else r.get("t"))
    return out


def _merged_text(cap: str, other: str) -> str:
    """The cap's text, with what the other line adds (its own words, or the hold's ceiling)."""
    if other == cap or other in cap:
        return cap
    if other.startswith(cap):
        return other
    if cap.startswith(other):
        return cap
    return f"{cap} ({other})"


def order_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gates, then must-haves, the ledger's word, shortlist notes, a download's copy warnings,
    then the rest by the size of their effect on the composite."""
    first = {"gate": 0, "must_have": 1, "ledger": 2, "shortlist": 3, "copy": 4}
    return sorted(reasons, key=lambda r: (first.get(r["kind"], 5), -abs(r.get("impact") or 0.0)))


def below_above(this: Mapping[str, Any], above: Mapping[str, Any], weights: Mapping[str, float]) -> dict[str, Any]:
    """Why ``this`` ranks below ``above`` (ranking.json entries; ranking passes the nearest
    video above that is not a near-duplicate of it): the gate, the must-have or severe flaw
    that holds its score, or the sub-score that costs it most relative to ``above``."""
    out: dict[str, Any] = {"rank_above": above["rank"], "dimension": None, "this": None, "above": None, "text": ""}
    n = above["rank"]
    gate = next((r for r in this["reasons"] if r["kind"] == "gate"), None)
    if gate and not any(r["kind"] == "gate" for r in above["reasons"]):
        out.update(dimension="gate", text=f"below #{n}: {gate['text']}")
        return out
    held = this.get("held_by")
    if held and held["kind"] == "must_have" and not above.get("held_by") and (this["score"] or 0) < (above["score"] or 0):
        out.update(dimension="must_have", this=this["score"], above=above["score"], text=f"below #{n}: {held['text']}")
        return out
    if held and held["kind"] == "duplicate" and (this["score"] or 0) < (above["score"] or 0):
        out.update(dimension="duplicate", this=this["score"], above=above["score"],
                   text=f"below #{n}: {held['text']}, skipped: score held under {held['ceiling']:.0f}")
        return out
    s, a = this["subscores"], above["subscores"]
    diffs = {k: weights.get(k, 0.0) * (a[k] - s[k]) for k in s if s.get(k) is not None and a.get(k) is not None}
    if held and held["kind"] == "severe" and (this["score"] or 0) < (above["score"] or 0):
        out.update(dimension="composite", this=this["score"], above=above["score"],
                   text=f"below #{n}: severe flaw, {held['text']}: score held under {held['ceiling']:.0f}")
        return out
    if not diffs or max(diffs.values()) <= 0 or this["score"] == above["score"]:
        out["text"] = f"level with #{n} on score; ordered by video id" if this["score"] == above["score"] \
            else f"below #{n} on score, {this['score']} vs {above['score']}"
        return out
    dim = max(diffs, key=lambda k: diffs[k])
    worst = min((r for r in this["reasons"] if r["dimension"] == dim and r["sign"] == "-"),
                key=lambda r: r["impact"], default=None)
    why = f": {worst['text']}" if worst else ""
    out.update(dimension=dim, this=s[dim], above=a[dim],
               text=f"below #{n} mainly on {dim.replace('_', ' ')}, {s[dim]:.0f} vs {a[dim]:.0f}{why}")
    return out
