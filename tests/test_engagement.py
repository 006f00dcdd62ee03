"""Engagement: per-view rates shrunk toward a prior (known answers)."""

from __future__ import annotations

import pytest

from scoring.engagement import DEFAULT_PRIOR, EngagementPrior, fit_prior, score_engagement


def test_no_counts_is_none():
    assert score_engagement({"views": None, "likes": 10}, EngagementPrior()).score is None
    assert score_engagement({"views": 1000}, EngagementPrior()).score is None


def test_shrinkage_known_answer():
    prior = EngagementPrior(rates={"likes": 0.05, "comments": 0.0, "shares": 0.0, "saves": 0.0}, strength=1000)
    # 100 likes on 1000 views (10 %) with 1000 pseudo-views at 5 % -> (100 + 50) / 2000 = 7.5 %
    r = score_engagement({"views": 1000, "likes": 100}, prior)
    assert r.rates["likes"] == pytest.approx(0.075)
    assert r.raw_rate == pytest.approx(0.10)
    # 2x the prior rate after shrinkage would score 70; 1.5x scores 50 + 20*log2(1.5)
    assert r.score == pytest.approx(50 + 20 * 0.5849625, abs=0.1)


def test_small_samples_move_toward_prior_large_ones_keep_their_rate():
    prior = EngagementPrior()
    small = score_engagement({"views": 200, "likes": 40}, prior)      # 20 % on 200 views
    large = score_engagement({"views": 200_000, "likes": 40_000}, prior)  # 20 % on 200k views
    assert large.rate == pytest.approx(0.2, rel=0.02)
    assert small.rate < 0.06
    assert large.score > small.score


def test_prior_fitted_from_batch_pools_rates():
    rows = [{"views": 1000, "likes": 100, "comments": 10, "shares": 5, "saves": 5}] * 10
    prior = fit_prior(rows)
    assert prior.rates["likes"] == pytest.approx(0.1) and prior.fitted_on == 10
    assert fit_prior(rows[:3]).rates == DEFAULT_PRIOR  # too few: defaults
