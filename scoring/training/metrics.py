"""Ranking metrics, k-fold cross-validation and bootstrap intervals.

All metrics compare predicted scores with a goodness target (higher is better):

- ``spearman``: rank correlation, -1..1.
- ``ndcg@5``: normalised DCG of the top 5 by prediction, gains = the target's percentile
  rank (0..1], so it rewards putting the best videos first; 0..1.
- ``pairwise``: share of pairs ordered like the target (ties in prediction count half);
  over the given preference pairs when the labels were pairwise picks, else over all
  pairs of videos whose targets differ; 0..1.

Cross-validation fits the candidate on k-1 folds and scores the held-out fold with
both the candidate and the current model (same folds). Intervals: 95 % percentile
bootstrap of the mean over folds, resampling videos inside each held-out fold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

METRICS = ("spearman", "ndcg@5", "pairwise")


def spearman(pred: np.ndarray, y: np.ndarray) -> float:
    if len(y) < 3:
        return float("nan")
    a, b = rankdata(pred), rankdata(y)
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def ndcg_at(pred: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    if len(y) == 0:
        return float("nan")
    gains = rankdata(y) / len(y)
    discounts = 1.0 / np.log2(np.arange(2, min(k, len(y)) + 2))
    order = np.lexsort((np.arange(len(pred)), -pred))[:k]  # ties: input order
    ideal = np.sort(gains)[::-1][:k]
    return float((gains[order] * discounts).sum() / (ideal * discounts).sum())


def pairwise_accuracy(pred: np.ndarray, y: np.ndarray, pairs: list[tuple[int, int]] | None = None) -> float:
    if pairs is not None:
        if not pairs:
            return float("nan")
        b = np.array([p[0] for p in pairs])
        w = np.array([p[1] for p in pairs])
    else:
        i, j = np.triu_indices(len(y), 1)
        keep = y[i] != y[j]
        i, j = i[keep], j[keep]
        if len(i) == 0:
            return float("nan")
        flip = y[i] < y[j]
        b, w = np.where(flip, j, i), np.where(flip, i, j)
    d = pred[b] - pred[w]
    return float(((d > 0) + 0.5 * (d == 0)).mean())


def all_metrics(pred: np.ndarray, y: np.ndarray, pairs: list[tuple[int, int]] | None = None) -> dict[str, float]:
    return {"spearman": spearman(pred, y), "ndcg@5": ndcg_at(pred, y, 5), "pairwise": pairwise_accuracy(pred, y, pairs)}


@dataclass
class CVResult:
    """Per-fold and summary metrics for a candidate and the current model.

    ``summary[model][metric] = {"mean", "low", "high"}``; ``diff[metric]`` is the same for
    candidate minus current (paired: same bootstrap resamples).
    """

    folds: int
    per_fold: list[dict[str, dict[str, float]]] = field(default_factory=list)
    summary: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    diff: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "summary": self.summary, "candidate_minus_current": self.diff,
                "per_fold": self.per_fold}

    def table(self, names: tuple[str, str] = ("candidate", "current")) -> str:
        lines = [f"{'metric':<10} {names[0]:>26} {names[1]:>26} {'difference':>26}"]
        for m in METRICS:
            cells = []
            for s in (self.summary["candidate"][m], self.summary["current"][m], self.diff[m]):
                cells.append(f"{s['mean']:+.3f} [{s['low']:+.3f}, {s['high']:+.3f}]")
            lines.append(f"{m:<10} {cells[0]:>26} {cells[1]:>26} {cells[2]:>26}")
        lines.append(f"({self.folds}-fold CV, mean over folds, 95 % bootstrap interval)")
        return "\n".join(lines)


def fold_indices(n: int, k: int, seed: int = 0) -> list[np.ndarray]:
    """Test indices of each of k folds (shuffled once with ``seed``)."""
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[i::k]) for i in range(k)]


def cross_validate(n: int, y: np.ndarray, fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   current: np.ndarray, *, k: int = 5, pairs: list[tuple[int, int]] | None = None,
                   n_boot: int = 400, seed: int = 0) -> CVResult:
    """k-fold CV of a candidate against the current model's fixed predictions.

    Args:
        n: number of videos; y: goodness (n,); current: current model's scores (n,).
        fit_predict: ``(train_idx, test_idx) -> predictions for test_idx``.
        pairs: preference pairs over video indices (pairwise accuracy uses those in a fold).
    """
    k = max(2, min(k, n // 3))
    folds = fold_indices(n, k, seed)
    preds: list[tuple[np.ndarray, np.ndarray, np.ndarray, list | None]] = []
    result = CVResult(k)
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        cand = np.asarray(fit_predict(train, test), dtype=float)
        pos = {int(v): i for i, v in enumerate(test)}
        fold_pairs = None if pairs is None else [(pos[b], pos[w]) for b, w in pairs if b in pos and w in pos]
        preds.append((cand, current[test], y[test], fold_pairs))
        result.per_fold.append({"candidate": all_metrics(cand, y[test], fold_pairs),
                                "current": all_metrics(current[test], y[test], fold_pairs), "n": len(test)})
    rng = np.random.default_rng(seed + 1)
    boots: dict[str, dict[str, list[float]]] = {m: {"candidate": [], "current": [], "diff": []} for m in METRICS}
    for _ in range(n_boot):
        sums = {m: {"candidate": [], "current": []} for m in METRICS}
        for cand, cur, yt, fp in preds:
            idx = rng.integers(0, len(yt), len(yt))
            if fp is not None:  # resample pairs instead of videos
                sel = [fp[i] for i in rng.integers(0, len(fp), len(fp))] if fp else []
                mc, mu = all_metrics(cand, yt, sel), all_metrics(cur, yt, sel)
            else:
                mc, mu = all_metrics(cand[idx], yt[idx]), all_metrics(cur[idx], yt[idx])
            for m in METRICS:
                sums[m]["candidate"].append(mc[m])
                sums[m]["current"].append(mu[m])
        for m in METRICS:
            c, u = np.nanmean(sums[m]["candidate"]), np.nanmean(sums[m]["current"])
            boots[m]["candidate"].append(c)
            boots[m]["current"].append(u)
            boots[m]["diff"].append(c - u)
    result.summary = {"candidate": {}, "current": {}}
    for m in METRICS:
        for who in ("candidate", "current"):
            mean = float(np.nanmean([f[who][m] for f in result.per_fold]))
            lo, hi = np.nanpercentile(boots[m][who], [2.5, 97.5])
            result.summary[who][m] = {"mean": round(mean, 4), "low": round(float(lo), 4), "high": round(float(hi), 4)}
        d_mean = result.summary["candidate"][m]["mean"] - result.summary["current"][m]["mean"]
        lo, hi = np.nanpercentile(boots[m]["diff"], [2.5, 97.5])
        result.diff[m] = {"mean": round(d_mean, 4), "low": round(float(lo), 4), "high": round(float(hi), 4)}
    return result
