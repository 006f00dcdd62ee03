"""Batch judgment: engagement, objective-weighted composite, gates, order, shortlist.

The rules themselves (gates, must-haves, caps, signed reasons) live in scoring.judgment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.campaign import Campaign
from scoring.contract import SCHEMA_VERSION
from scoring.engagement import EngagementPrior, fit_prior, score_engagement
from scoring.judgment import (
    GATE_PRIOR,
    Gate,
    MustHave,
    below_above,
    composite,
    composite_cap,
    copy_cost,
    engagement_reason,
    format_notes,
    gates_for,
    hold_below,
    is_download,
    lift_copy_caps,
    merge_flaws,
    missing_priors,
    must_have,
    order_reasons,
    prior_text,
    shares,
    signed,
    split_copy_caps,
    split_copy_gates,
)
from scoring.results import VideoResult
from scoring.scorers import SUBSCORES
from scoring.scorers.rules import cap_value
from scoring.shortlist import Candidate, mark_duplicates, select

__all__ = ["Gate", "composite", "gates_for", "rank_results"]


def _reason(dimension: str, text: str, kind: str, impact: float = 0.0) -> dict[str, Any]:
    return {"dimension": dimension, "text": text, "composite_impact": impact, "feature": None, "t": None,
            "kind": kind}


@dataclass
class _Row:
    r: VideoResult
    gates: list[Gate]
    score: float | None
    raw: float | None
    cap: dict[str, Any] | None
    must: MustHave | None
    warnings: list[Gate]
    held_by: dict[str, Any] | None  # what holds the score under a threshold (gate, must-have, severe flaw, duplicate)
    hold_impact: float = 0.0  # points the gate / must-have hold took off the composite
    priors: dict[str, tuple[float, str, float]] | None = None  # dim -> (prior, why, composite impact)


def rank_results(results: list[VideoResult], campaign: Campaign, run: dict[str, Any],
                 ledger: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Turn per-video results into the ranking.json document.

    Order: videos passing every gate by score (ties by video_id), then gated videos the
    same way, then failed videos by path (rank null). The composite is the objective's
    weighted mean of the sub-scores that exist, limited by the lowest composite ceiling
    a severe flaw declares. A video failing the objective's must-have is ``consider`` at
    best and not shortlisted; one whose must-have could not be confirmed (a channel not
    measured) is never ``request_ad_code``. The shortlist (see scoring.shortlist) skips
    near-duplicates, caps videos per creator and prefers variety.
    ``ledger`` is plain data, video_id -> ``{"status", "summary", "shortlist": bool, ...}``
    (see scoring.ledger): its summary becomes a reason, ``shortlist: False`` (a valid code,
    a rejection) keeps the video off the shortlist, and the entry's ``ledger`` holds it.
    """
    ledger = ledger or {}
    ok = [r for r in results if r.status == "ok"]
    prior = fit_prior([r.ref.counts() for r in ok])
    weights = campaign.resolved_weights()
    facts = campaign.facts()
    rows: list[_Row] = []
    for r in ok:
        eng = score_engagement(r.ref.counts(), prior)
        r.subscores["engagement"] = eng.score
        r.evidence["engagement_rate"] = eng.rate
        r.features.update({"engagement.rate": eng.rate, "engagement.raw_rate": eng.raw_rate,
                           **{f"engagement.{k}_rate": v for k, v in eng.rates.items()}})
        r.reasons.extend(engagement_reason(t, eng.score, first=i == 0) for i, t in enumerate(eng.reasons))
        judgment = _judgment(r)
        judgment["engagement"] = {"coverage": 1.0 if eng.score is not None else 0.0, "caps": [],
                                  "not_measured": [] if eng.score is not None else ["no engagement counts given"]}
        original = r.ref.original if getattr(r.ref, "original", None) is not None else campaign.files_are_originals
        judgment, copy_caps = split_copy_caps(judgment, r.features, bool(original))
        if copy_caps:
            lift_copy_caps(r.subscores, r.reasons, judgment)
        # a scout's copy without a track says nothing of the post's sound: its bounded copy
        # warning is the whole cost (issue 20 item 3), no prior on top
        priors = missing_priors(r.subscores, r.features) if original or not is_download(r.features) else {}
        filled = {**r.subscores, **{d: p for d, (p, _) in priors.items()}}
        raw = composite(filled, weights)
        bare = composite(r.subscores, weights)
        prior_impact = {d: (p, why, round((raw or 0.0) - (bare or 0.0), 1) if weights.get(d, 0) > 0 else 0.0)
                        for d, (p, why) in priors.items()}  # one prior today: its impact is the whole difference
        cap = composite_cap(judgment)
        score = raw
        if raw is not None and cap is not None:
            score = round(cap_value(raw, cap["composite_ceiling"]), 1)
        else:
            cap = None
        must = must_have(r.features, campaign.objective, facts["campaign.names_brand"],
                         facts["campaign.names_product"])
        gates, warnings = split_copy_gates(gates_for(r.features), r.features, bool(original))
        warnings += copy_caps
        if score is not None and warnings:
            score = round(max(0.0, score - copy_cost(warnings)), 1)
        held_by, before = None, score
        if cap is not None:
            held_by = {"kind": "severe", "ceiling": cap["composite_ceiling"], "text": cap["text"]}
        if score is not None and (gates or (must and must.verified)):
            # a gated or must-have-failing video sorts under everything that may be considered
            why = gates[0].text if gates else must.text  # type: ignore[union-attr]
            score = hold_below(score, campaign.consider_min_score)
            held_by = {"kind": "gate" if gates else "must_have", "ceiling": campaign.consider_min_score, "text": why}
        elif score is not None and must is not None:  # unconfirmed must-have: consider at best
            score = min(score, hold_below(score, campaign.request_min_score))
            held_by = held_by or {"kind": "must_have", "ceiling": campaign.request_min_score, "text": must.text}
        hold = round(score - before, 1) if score is not None and before is not None else 0.0
        rows.append(_Row(r, gates, score, raw, cap, must, warnings, held_by, hold, prior_impact))
    rows.sort(key=_order)
    _hold_duplicates(rows, _candidates(rows, campaign, ledger), campaign)
    rows.sort(key=_order)
    candidates = _candidates(rows, campaign, ledger)
    picked = select(candidates, campaign.shortlist_size, campaign.max_per_creator, campaign.diversity_weight)
    chosen = set(picked)
    videos = []
    for cand, x in zip(candidates, rows):
        shortlisted = cand.video_id in chosen
        severe = _severe(x)
        if shortlisted and x.score is not None and x.score >= campaign.request_min_score and not severe \
                and not x.must:
            rec = "request_ad_code"
        elif (cand.eligible or (x.must and not x.gates and x.score is not None
                                and x.score >= campaign.consider_min_score)) and cand.duplicate_of is None:
            rec = "consider"
        else:
            rec = "skip"
        share = shares({**x.r.subscores, **{d: p for d, (p, *_) in (x.priors or {}).items()}}, weights)
        priors = dict(x.priors or {})
        folded = {GATE_PRIOR[g.code]: priors.pop(GATE_PRIOR[g.code])[2] for g in x.gates
                  if GATE_PRIOR.get(g.code) in priors and priors[GATE_PRIOR[g.code]][2] <= 0}
        # one flaw, one line: the gate carries its prior's cost (a prior that lifts stays its own "+" line)
        reasons = [{**signed(_reason("gate", g.text, "gate", (x.hold_impact if i == 0 else 0.0)
                                     + folded.get(GATE_PRIOR.get(g.code, ""), 0.0)), share, sign="-"),
                    "code": g.code} for i, g in enumerate(x.gates)]
        if x.r.video_id in ledger:
            entry_ledger = ledger[x.r.video_id]
            reasons.append(signed(_reason("ledger", entry_ledger["summary"], "ledger"), share,
                                  sign="+" if entry_ledger.get("shortlist", True) else "-"))
        if x.must:
            hold = 0.0 if x.gates else x.hold_impact
            reasons.append(signed(_reason("product_integration", x.must.text, "must_have", hold), share, sign="-"))
        cost = copy_cost(x.warnings) / max(1, len(x.warnings))  # the bounded cost, shared by the warnings
        reasons += [{**signed(_reason("copy", w.text, "copy", -cost), share, sign="-"), "code": w.code}
                    for w in x.warnings]
        if x.cap is not None:
            text = f"{x.cap['text']}: score held under {x.cap['composite_ceiling']:.0f}"
            capped = round(cap_value(x.raw, x.cap["composite_ceiling"]), 1)
            reason = _reason(x.cap["dimension"], text, "cap", capped - x.raw)
            reason["feature"] = x.cap.get("feature")
            reasons.append(signed(reason, share, sign="-"))
        reasons += [signed(_reason(d, prior_text(d, p, why), "prior", imp), share, sign="+" if imp > 0 else "-")
                    for d, (p, why, imp) in priors.items()]
        reasons += [signed(_reason("visual_clarity", t, "note"), share, sign="-") for t in format_notes(x.r.features)]
        dup_hold = x.hold_impact if (x.held_by or {}).get("kind") == "duplicate" else 0.0
        reasons += [signed(_reason("shortlist", note, "shortlist", dup_hold if "near-duplicate" in note else 0.0),
                           share, sign="-") for note in dict.fromkeys(cand.notes)]
        reasons += [signed(r, share) for r in x.r.reasons]
        entry = _video_entry(x.r, cand.rank, x.score, rec, shortlisted, campaign, order_reasons(merge_flaws(reasons)))
        entry["duplicate_of"] = cand.duplicate_of
        entry["ledger"] = ledger.get(x.r.video_id)
        entry["raw_score"] = x.raw
        entry["gates"] = [g.code for g in x.gates]
        entry["copy_warnings"] = [g.code for g in x.warnings]
        entry["held_by"] = x.held_by
        judgment = _judgment(x.r)
        entry["coverage"] = {k: (judgment.get(k) or {}).get("coverage") for k in SUBSCORES}
        entry["coverage"]["engagement"] = 1.0 if x.r.subscores.get("engagement") is not None else 0.0
        entry["not_measured"] = [{"dimension": k, "text": t} for k in SUBSCORES
                                 for t in (judgment.get(k) or {}).get("not_measured", [])]
        if x.r.subscores.get("engagement") is None:
            entry["not_measured"].append({"dimension": "engagement", "text": "no engagement counts given"})
        videos.append(entry)
    for k, this in enumerate(videos):
        above = _nearest_distinct_above(videos, k)
        this["below_above"] = below_above(this, above, weights) if above is not None else None
    failed = sorted((r for r in results if r.status != "ok"), key=lambda r: r.ref.path)
    for r in failed:
        videos.append({**_video_entry(r, None, None, "skip", False, campaign, []), "duplicate_of": None,
                       "raw_score": None, "gates": [], "coverage": dict.fromkeys(SUBSCORES), "not_measured": [],
                       "below_above": None, "ledger": None, "copy_warnings": [], "held_by": None})
    run = {**run, "schema_version": SCHEMA_VERSION, "campaign": campaign.name, "objective": campaign.objective,
           "weights": weights, "engagement_prior": _prior_dict(prior),
           "counts": {"videos": len(results), "ok": len(ok), "failed": len(failed),
                      "shortlisted": sum(v["shortlisted"] for v in videos)},
           **_empty_slots(candidates, picked, campaign.shortlist_size)}
    return {"run": run, "videos": videos}


def _order(x: _Row) -> tuple[float, str]:
    return -(x.score if x.score is not None else -1), x.r.video_id or ""


def _candidates(rows: list[_Row], campaign: Campaign, ledger: dict[str, dict[str, Any]]) -> list[Candidate]:
    """The shortlist's view of ``rows`` (already in rank order)."""
    return [
        Candidate(video_id=x.r.video_id or x.r.ref.path, rank=rank, score=x.score, creator=x.r.ref.creator,
                  features=x.r.features,
                  eligible=not x.gates and not (x.must and x.must.verified) and x.score is not None
                  and x.score >= campaign.consider_min_score
                  and ledger.get(x.r.video_id, {}).get("shortlist", True),
                  severe=_severe(x))
        for rank, x in enumerate(rows, start=1)
    ]


def _hold_duplicates(rows: list[_Row], candidates: list[Candidate], campaign: Campaign) -> None:
    """A near-duplicate of a higher-ranked video is ``skip``: hold its score under the consider
    threshold like any other hold (order kept), ``held_by`` naming the video it copies, so
    ordering by score stays ordering by rank."""
    mark_duplicates(candidates)
    name = {c.video_id: Path(x.r.ref.path).name for c, x in zip(candidates, rows)}
    for c, x in zip(candidates, rows):
        if c.duplicate_of is None or x.score is None:
            continue
        before = x.score
        x.score = min(x.score, hold_below(x.score, campaign.consider_min_score))
        x.hold_impact = round(x.hold_impact + x.score - before, 1)
        if x.held_by is None or x.held_by["kind"] == "severe":
            x.held_by = {"kind": "duplicate", "ceiling": campaign.consider_min_score,
                         "text": f"near-duplicate of {name[c.duplicate_of]}"}


def _severe(x: _Row) -> bool:
    """A severe flaw: a composite cap (a download's copy problems are warnings, not flaws)."""
    return x.cap is not None


def _nearest_distinct_above(videos: list[dict[str, Any]], k: int) -> dict[str, Any] | None:
    """The nearest ranked video above ``videos[k]`` that is not a near-duplicate: neither the
    video it duplicates nor any near-duplicate of a higher-ranked video (a copy is not a
    contender of its own)."""
    this = videos[k]
    for above in reversed(videos[:k]):
        if above["video_id"] == this.get("duplicate_of") or above.get("duplicate_of") is not None:
            continue
        return above
    return None


def _empty_slots(candidates: list[Candidate], picked: list[str], size: int) -> dict[str, Any]:
    """``shortlist_empty_slots`` and a ``shortlist_note`` saying why slots stayed empty."""
    empty = max(0, size - len(picked))
    if not empty:
        return {"shortlist_empty_slots": 0, "shortlist_note": None}
    severe = [c for c in candidates if c.severe and c.video_id not in picked and c.eligible_but_severe]
    why = (f"; {len(severe)} other candidate(s) above the consider threshold have a severe flaw and were left out"
           if severe else "; no other candidate passes the gates and the consider threshold")
    return {"shortlist_empty_slots": empty,
            "shortlist_note": f"{len(picked)} of {size} shortlist slots filled, {empty} left empty{why}"}


def _judgment(r: VideoResult) -> dict[str, dict[str, Any]]:
    """The scorers' per-sub-score extras (coverage, not_measured, caps); {} for old results."""
    return dict(getattr(r, "judgment", None) or {})


def _prior_dict(prior: EngagementPrior) -> dict[str, Any]:
    return {"rates": prior.rates, "strength_views": prior.strength, "fitted_on_videos": prior.fitted_on}


def _video_entry(r: VideoResult, rank: int | None, score: float | None, rec: str, shortlisted: bool,
                 campaign: Campaign, reasons: list[dict[str, Any]]) -> dict[str, Any]:
    subs = {k: r.subscores.get(k) for k in SUBSCORES} if r.status == "ok" else dict.fromkeys(SUBSCORES)
    return {
        "rank": rank,
        "video_id": r.video_id,
        "path": r.ref.path,
        "creator": r.ref.creator,
        "post_url": r.ref.post_url,
        "caption": r.ref.caption,
        "status": r.status,
        "error": r.error,
        "score": score,
        "recommendation": rec,
        "shortlisted": shortlisted,
        "suggested_authorization_days": campaign.authorization_days if rec == "request_ad_code" else None,
        "subscores": subs,
        "reasons": reasons,
        "evidence": r.evidence,
        "models": r.models,
        "events": r.events,
        "warnings": [w for w in r.warnings if not w.startswith("Traceback")],
        "seconds": r.seconds,
    }
