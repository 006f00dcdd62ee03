"""Organic engagement: per-view rates shrunk toward a prior (empirical Bayes).

A post with 40 likes on 200 views is not "20 % engagement" with any confidence; a post
with 40,000 on 200,000 views is. Each rate is estimated as
``(count + prior_rate * prior_views) / (views + prior_views)``: small samples move
toward the prior, large ones keep their own rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PARTS = ("likes", "comments", "shares", "saves")
# Typical TikTok per-view rates; used when the batch is too small to estimate its own.
DEFAULT_PRIOR = {"likes": 0.045, "comments": 0.0015, "shares": 0.002, "saves": 0.003}
MIN_BATCH_FOR_PRIOR = 8


@dataclass
class EngagementPrior:
    """Prior mean rate per part and its strength in pseudo-views."""

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PRIOR))
    strength: float = 2000.0
    fitted_on: int = 0

    @property
    def total_rate(self) -> float:
        return sum(self.rates.values())


def fit_prior(rows: list[dict[str, int | None]], strength: float = 2000.0) -> EngagementPrior:
    """Estimate prior rates from a batch (pooled rates), else fall back to the defaults.

    Args:
        rows: count dicts with ``views`` and any of ``likes/comments/shares/saves``.
    """
    usable = [r for r in rows if r.get("views")]
    if len(usable) < MIN_BATCH_FOR_PRIOR:
        return EngagementPrior(strength=strength)
    rates = {}
    for part in PARTS:
        with_part = [r for r in usable if r.get(part) is not None]
        views = sum(r["views"] for r in with_part)
        rates[part] = (sum(r[part] for r in with_part) / views) if views else DEFAULT_PRIOR[part]
    return EngagementPrior(rates=rates, strength=strength, fitted_on=len(usable))


@dataclass
class EngagementScore:
    """Shrunk rates (0-1 per view), the total, and a 0-100 score; None without views."""

    score: float | None
    rate: float | None
    rates: dict[str, float | None]
    raw_rate: float | None
    reasons: list[str]


def score_engagement(counts: dict[str, int | None], prior: EngagementPrior) -> EngagementScore:
    """Score one post's counts. 50 = the prior's rate; each doubling adds 20 points."""
    views = counts.get("views")
    present = [p for p in PARTS if counts.get(p) is not None]
    if not views or not present:
        return EngagementScore(None, None, dict.fromkeys(PARTS), None, [])
    rates: dict[str, float | None] = {}
    for part in PARTS:
        if counts.get(part) is None:
            rates[part] = None
            continue
        rates[part] = (counts[part] + prior.rates[part] * prior.strength) / (views + prior.strength)
    total = sum(r for r in rates.values() if r is not None)
    ref = sum(prior.rates[p] for p in present)
    raw = sum(counts[p] or 0 for p in present) / views
    score = max(0.0, min(100.0, 50 + 20 * math.log2(total / ref)))
    shrink = prior.strength / (views + prior.strength)
    reasons = [f"engagement {raw * 100:.1f} % per view on {views:,} views"
               + (f" (shrunk to {total * 100:.1f} %: few views)" if shrink > 0.2 else "")]
    best = max(present, key=lambda p: (rates[p] or 0) / prior.rates[p])
    if (rates[best] or 0) > 1.5 * prior.rates[best]:
        reasons.append(f"strong {best}: {(rates[best] or 0) * 100:.2f} % per view")
    return EngagementScore(round(score, 1), round(total, 5), rates, round(raw, 5), reasons)
