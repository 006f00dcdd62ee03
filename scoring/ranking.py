"""Batch judgment: engagement, objective-weighted composite, gates, order, shortlist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.campaign import Campaign
from scoring.contract import SCHEMA_VERSION
from scoring.engagement import EngagementPrior, fit_prior, score_engagement
from scoring.pipeline import VideoResult
from scoring.scorers import SUBSCORES
from scoring.shortlist import Candidate, select


@dataclass
class Gate:
    code: str
    text: str


def gates_for(features: dict[str, Any]) -> list[Gate]:
    """Hard problems that keep a video off the shortlist whatever its score."""
    gates = []
    w, h = features.get("format.width"), features.get("format.height")
    if features.get("format.has_audio") is False:
        gates.append(Gate("no_audio", "no audio track: Spark Ads play with sound on"))
    if features.get("format.is_vertical") is False:
        gates.append(Gate("horizontal", f"horizontal {w}×{h}: TikTok in-feed needs vertical 9:16"))
    elif features.get("format.meets_min_resolution") is False:
        gates.append(Gate("low_resolution", f"{w}×{h} is below TikTok's 540×960 in-feed minimum"))
    return gates


def composite(subscores: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the sub-scores that exist (0-100); None if none do."""
    pairs = [(weights.get(k, 0.0), v) for k, v in subscores.items() if v is not None and weights.get(k, 0) > 0]
    total = sum(w for w, _ in pairs)
    return round(sum(w * v for w, v in pairs) / total, 1) if total else None


def _reason(dimension: str, text: str, impact: float = 0.0, t: float | None = None) -> dict[str, Any]:
    return {"dimension": dimension, "text": text, "impact": impact, "feature": None, "t": t}


def rank_results(results: list[VideoResult], campaign: Campaign, run: dict[str, Any],
                 ledger: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Turn per-video results into the ranking.json document.

    Order: videos passing every gate by score (ties by video_id), then gated videos the
    same way, then failed videos by path (rank null). The shortlist (see
    scoring.shortlist) skips near-duplicates, caps videos per creator and prefers variety.
    ``ledger`` is plain data, video_id -> ``{"status", "summary", "shortlist": bool, ...}``
    (see scoring.ledger): its summary becomes a reason, ``shortlist: False`` (a valid code,
    a rejection) keeps the video off the shortlist, and the entry's ``ledger`` holds it.
    """
    ledger = ledger or {}
    ok = [r for r in results if r.status == "ok"]
    prior = fit_prior([r.ref.counts() for r in ok])
    weights = campaign.resolved_weights()
    rows = []
    for r in ok:
        eng = score_engagement(r.ref.counts(), prior)
        r.subscores["engagement"] = eng.score
        r.evidence["engagement_rate"] = eng.rate
        r.features.update({"engagement.rate": eng.rate, "engagement.raw_rate": eng.raw_rate,
                           **{f"engagement.{k}_rate": v for k, v in eng.rates.items()}})
        r.reasons.extend(_reason("engagement", t) for t in eng.reasons)
        gates = gates_for(r.features)
        score = composite(r.subscores, weights)
        rows.append((r, gates, score))
    rows.sort(key=lambda x: (bool(x[1]), -(x[2] if x[2] is not None else -1), x[0].video_id or ""))
    candidates = [
        Candidate(video_id=r.video_id or r.ref.path, rank=rank, score=score, creator=r.ref.creator,
                  features=r.features, eligible=not gates and score is not None and score >= campaign.consider_min_score
                  and ledger.get(r.video_id, {}).get("shortlist", True))
        for rank, (r, gates, score) in enumerate(rows, start=1)
    ]
    chosen = set(select(candidates, campaign.shortlist_size, campaign.max_per_creator, campaign.diversity_weight))
    videos = []
    for cand, (r, gates, score) in zip(candidates, rows):
        shortlisted = cand.video_id in chosen
        reasons = [_reason("ledger", ledger[r.video_id]["summary"])] if r.video_id in ledger else []
        reasons += [_reason("gate", g.text, -100.0) for g in gates]
        reasons += [_reason("shortlist", note) for note in dict.fromkeys(cand.notes)]
        if shortlisted and score is not None and score >= campaign.request_min_score:
            rec = "request_ad_code"
        elif cand.eligible and cand.duplicate_of is None:
            rec = "consider"
        else:
            rec = "skip"
        entry = _video_entry(r, cand.rank, score, rec, shortlisted, campaign, reasons + _sorted(r.reasons))
        entry["duplicate_of"] = cand.duplicate_of
        entry["ledger"] = ledger.get(r.video_id)
        videos.append(entry)
    failed = sorted((r for r in results if r.status != "ok"), key=lambda r: r.ref.path)
    for r in failed:
        videos.append({**_video_entry(r, None, None, "skip", False, campaign, []), "duplicate_of": None, "ledger": None})
    run = {**run, "schema_version": SCHEMA_VERSION, "campaign": campaign.name, "objective": campaign.objective,
           "weights": weights, "engagement_prior": _prior_dict(prior),
           "counts": {"videos": len(results), "ok": len(ok), "failed": len(failed),
                      "shortlisted": sum(v["shortlisted"] for v in videos)}}
    return {"run": run, "videos": videos}


def _sorted(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(reasons, key=lambda x: -abs(x.get("impact") or 0))


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
