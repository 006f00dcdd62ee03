"""``sparkscout eval --labels``: two registered model versions on the same labelled videos.

Neither model is fitted here: both score the stored features of the labelled videos, and
the metrics (Spearman, NDCG@5, pairwise accuracy; see ``metrics``) get 95 % bootstrap
intervals over videos (over pairs for pairwise labels), paired for the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.training.dataset import build_dataset, load_runs
from scoring.training.labels import read_labels
from scoring.training.metrics import METRICS, all_metrics


def _scores(scorer, rows) -> np.ndarray:
    vals = [scorer.score(r).value for r in rows]
    arr = np.array([np.nan if v is None else v for v in vals], dtype=float)
    return np.where(np.isnan(arr), np.nanmedian(arr) if not np.isnan(arr).all() else 0.0, arr)


def compare_models(labels_path: str, runs: list[str], refs: list[str], *, target: str | None = None,
                   models_dir: str | None = None, n_boot: int = 1000, seed: int = 0, log=print) -> dict[str, Any]:
    """Metrics of ``refs[0]`` and ``refs[1]`` on the labelled videos, and their difference.

    Returns ``{"models", "rows", "target", "metrics": {ref: {metric: {mean, low, high}}},
    "difference": {metric: ...} (second minus first), "join", "table"}``.
    """
    from scoring.scorers.registry import load_scorer
    from scoring.training.registry import model_roots

    roots = model_roots(models_dir)
    scorers = [load_scorer(r, roots) for r in refs]
    videos, notes = load_runs(runs)
    ds = build_dataset(read_labels(labels_path), videos, target)
    ds.report.notes.extend(notes)
    log(ds.report.summary())
    rows = [v.features for v in ds.videos]
    y = np.asarray(ds.y, dtype=float)
    preds = [_scores(s, rows) for s in scorers]
    pairs = ds.pairs or None
    point = [all_metrics(p, y, pairs) for p in preds]
    rng = np.random.default_rng(seed)
    boots: dict[str, list[list[float]]] = {m: [[], [], []] for m in METRICS}
    for _ in range(n_boot):
        if pairs:
            sel = [pairs[i] for i in rng.integers(0, len(pairs), len(pairs))]
            ms = [all_metrics(p, y, sel) for p in preds]
        else:
            idx = rng.integers(0, len(y), len(y))
            ms = [all_metrics(p[idx], y[idx]) for p in preds]
        for m in METRICS:
            boots[m][0].append(ms[0][m])
            boots[m][1].append(ms[1][m])
            boots[m][2].append(ms[1][m] - ms[0][m])

    def interval(values: list[float], mean: float) -> dict[str, float]:
        lo, hi = np.nanpercentile(values, [2.5, 97.5])
        return {"mean": round(float(mean), 4), "low": round(float(lo), 4), "high": round(float(hi), 4)}

    ids = [s.model_id for s in scorers]
    metrics = {ids[i]: {m: interval(boots[m][i], point[i][m]) for m in METRICS} for i in range(2)}
    diff = {m: interval(boots[m][2], point[1][m] - point[0][m]) for m in METRICS}
    lines = [f"{len(y)} labelled videos, target {ds.target}", f"{'metric':<10} {ids[0]:>28} {ids[1]:>28} {'second - first':>28}"]
    for m in METRICS:
        cells = [metrics[ids[0]][m], metrics[ids[1]][m], diff[m]]
        lines.append(f"{m:<10} " + " ".join(f"{c['mean']:+.3f} [{c['low']:+.3f}, {c['high']:+.3f}]".rjust(28) for c in cells))
    lines.append("(95 % bootstrap intervals)")
    return {"models": ids, "rows": len(y), "target": ds.target, "metrics": metrics, "difference": diff,
            "join": ds.report.to_dict(), "table": "\n".join(lines)}
