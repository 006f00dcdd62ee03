"""Fitting: features (n videos × d features) and a goodness target -> a model.

The default is interpretable: the same JSON rule format as ``scoring/scorers/rules.py``
(a weighted mean of piecewise-linear curves), with each curve an isotonic (monotone)
fit of the target's percentile on one feature, and the weights a non-negative least
squares fit of the target on the curves' scores. The direction of each curve comes
from the current model where it has a term for the feature, else from the training
data. Reasons keep working: a fitted term reuses the prior term's wording.

Alternatives (``kind``): ``linear`` (median imputation + standardisation + ridge) and
``gbm`` (histogram gradient boosting with the same monotone directions), saved with
skops by :mod:`scoring.scorers.skmodel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.scorers.skmodel import feature_matrix, numeric  # noqa: F401  (re-exported)

MAX_KNOTS = 12
SCORE_LOW, SCORE_HIGH = 15.0, 100.0  # curve range: worst percentile -> 15, best -> 100
KINDS = ("rules", "linear", "gbm")


def percentile_ranks(y: np.ndarray) -> np.ndarray:
    """Average ranks scaled to (0, 1]: robust to a heavy-tailed target (CPA, CTR)."""
    from scipy.stats import rankdata

    return rankdata(y) / len(y)


def prior_directions(prior_spec: Mapping[str, Any] | None, X: np.ndarray, features: list[str]) -> dict[str, int]:
    """+1 / -1 per feature whose term in the current rule model is monotone (never falls,
    or never rises). A peaked curve (best in the middle) gives no direction: the data
    decide it, as for features the current model does not score."""
    out: dict[str, int] = {}
    if not prior_spec or prior_spec.get("kind", "rules") != "rules":
        return out
    for term in prior_spec.get("terms", []):
        f = term["feature"]
        if f not in features or f in out:
            continue
        steps = np.diff([p[1] for p in term["curve"]])
        if (steps >= 0).all() and (steps > 0).any():
            out[f] = 1
        elif (steps <= 0).all() and (steps < 0).any():
            out[f] = -1
    return out


def data_direction(x: np.ndarray, y: np.ndarray) -> int:
    from scipy.stats import spearmanr

    if len(np.unique(x)) < 2:
        return 0
    rho = spearmanr(x, y).statistic
    return 0 if not np.isfinite(rho) or rho == 0 else (1 if rho > 0 else -1)


def _generic_texts(feature: str, direction: int) -> dict[str, str]:
    label = feature.replace("_", " ")
    return {"ok": f"{label} {{value:.3g}} (favoured by the fitted model)",
            "low" if direction > 0 else "high": f"{label} {{value:.3g}} (disfavoured by the fitted model)"}


def _binned_isotonic(x: np.ndarray, r: np.ndarray, increasing: bool, bins: int):
    """Monotone fit of r on x through ``bins`` quantile bins (fewer steps than a raw
    isotonic fit, so less noise is learned). Returns (knot x, knot value)."""
    from sklearn.isotonic import IsotonicRegression

    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return np.array([x.min()]), np.array([r.mean()])
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    ks = np.unique(idx)
    cx = np.array([x[idx == k].mean() for k in ks])
    cy = np.array([r[idx == k].mean() for k in ks])
    cw = np.array([(idx == k).sum() for k in ks], dtype=float)
    iso = IsotonicRegression(increasing=increasing, out_of_bounds="clip").fit(cx, cy, sample_weight=cw)
    return cx, iso.predict(cx)


def fit_rules(X: np.ndarray, y: np.ndarray, features: list[str], *, name: str, version: str,
              prior_spec: Mapping[str, Any] | None = None, description: str = "",
              iterations: int = 12, screen: float = 0.2, bins: int = 5, min_range: float = 0.02) -> dict[str, Any]:
    """Fit a rule model (the ``model.json`` dict) from X (n, d) and goodness y (n,).

    An additive monotone model fitted by backfitting: percentile(y) - mean ≈ Σ f_j(x_j).
    Each f_j is an isotonic fit over ``bins`` quantile bins of x_j (direction from the
    current model's term when that term is monotone, else from the data); when a feature
    was measured but absent (no face) for at least 3 videos, f_j also learns a value for
    that (the term's ``missing`` score). Features whose |Spearman| with the target is
    under ``screen`` are left out (with 40 videos, noise alone reaches 0.2 about one time
    in five), as are those with fewer than 5 values or one distinct value.

    Each f_j becomes a term: its curve is f_j at the bin centres rescaled to 15-100, its
    weight f_j's range (largest 1.0), so the rule scorer's weighted mean is an affine map
    of Σ f_j when every term is present.
    """
    from scipy.stats import spearmanr

    n, d = X.shape
    pct = percentile_ranks(np.asarray(y, dtype=float))
    target = pct - pct.mean()
    prior_dirs = prior_directions(prior_spec, X, features)
    prior_terms = {t["feature"]: t for t in (prior_spec or {}).get("terms", [])}
    usable, directions = [], {}
    for j, f in enumerate(features):
        mask = ~np.isnan(X[:, j])
        if mask.sum() < 5 or len(np.unique(X[mask, j])) < 2:
            continue
        rho = spearmanr(X[mask, j], pct[mask]).statistic
        if not np.isfinite(rho) or abs(rho) < screen:
            continue
        direction = prior_dirs.get(f) or (1 if rho > 0 else -1)
        usable.append(j)
        directions[j] = direction
    if not usable:
        raise ValueError(f"no feature's rank correlation with the target reaches {screen}: nothing to fit")
    F = np.zeros((n, d))
    fitted: dict[int, tuple[np.ndarray, np.ndarray, float | None]] = {}
    for _ in range(iterations):
        for j in usable:
            mask = ~np.isnan(X[:, j])
            partial = target - (F.sum(axis=1) - F[:, j])
            kx, ky = _binned_isotonic(X[mask, j], partial[mask], directions[j] > 0, bins)
            col = np.zeros(n)
            col[mask] = np.interp(X[mask, j], kx, ky)
            miss = float(partial[~mask].mean()) if (~mask).sum() >= 3 else None
            col[~mask] = miss if miss is not None else col[mask].mean()
            shift = col.mean()
            F[:, j] = col - shift
            fitted[j] = (kx, ky - shift, None if miss is None else miss - shift)
    terms, spans = [], []
    for j in usable:
        kx, ky, miss = fitted[j]
        lo = min(ky.min(), miss) if miss is not None else ky.min()
        hi = max(ky.max(), miss) if miss is not None else ky.max()
        span = float(hi - lo)
        if len(kx) < 2 or span < min_range:
            continue

        def to_score(v: float, lo: float = lo, span: float = span) -> float:
            return round(SCORE_LOW + (SCORE_HIGH - SCORE_LOW) * (v - lo) / span, 2)

        f = features[j]
        term: dict[str, Any] = {"feature": f, "weight": span,
                                "curve": [[round(float(a), 6), to_score(b)] for a, b in zip(kx, ky)]}
        if miss is not None:
            term["missing"] = to_score(miss)
        prior = prior_terms.get(f)
        for key in ("low", "high", "ok", "time_feature", "text_feature"):
            if prior and prior.get(key):
                term[key] = prior[key]
        if not prior:
            term.update(_generic_texts(f, directions[j]))
        terms.append(term)
        spans.append(span)
    if not terms:
        raise ValueError("no feature's fitted curve rises above noise: nothing to fit")
    top = max(spans)
    for term in terms:
        term["weight"] = round(term["weight"] / top, 3)
    return {"name": name, "version": version, "kind": "rules",
            "description": description or f"Fitted {name} model: additive monotone curves (binned isotonic, "
                                          "backfitting); weights are each curve's share of the target's range.",
            "terms": terms}


def make_estimator(kind: str, directions: list[int]):
    """A fresh scikit-learn estimator for ``kind`` (``linear`` or ``gbm``)."""
    if kind == "linear":
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                         ("scale", StandardScaler()), ("ridge", Ridge(alpha=3.0))])
    if kind == "gbm":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=150, learning_rate=0.08, max_depth=3, min_samples_leaf=4,
                                             l2_regularization=1.0, monotonic_cst=directions, random_state=0)
    raise ValueError(f"unknown model kind {kind!r} (use {', '.join(KINDS)})")


def fit_estimator(kind: str, X: np.ndarray, y: np.ndarray, features: list[str],
                  prior_spec: Mapping[str, Any] | None = None):
    """Fit a scikit-learn alternative on percentile(y); returns (estimator, output quantiles).

    The 21 quantiles of the training predictions map a prediction to 0-100 when scoring.
    """
    pct = percentile_ranks(np.asarray(y, dtype=float))
    dirs = prior_directions(prior_spec, X, features)
    directions = [dirs.get(f, 0) for f in features]
    est = make_estimator(kind, directions).fit(X, pct)
    quantiles = np.quantile(est.predict(X), np.linspace(0, 1, 21))
    return est, [float(q) for q in quantiles]


class MonotoneRuleModel:
    """The default model as a scikit-learn-style estimator (explicit ``__init__`` params,
    ``fit`` returns self, learned attributes end in ``_``): :func:`fit_rules` inside,
    :class:`~scoring.scorers.rules.RuleScorer` to predict 0-100 scores.

    ``X`` is (n, len(features)) with NaN for a feature measured as absent.
    """

    def __init__(self, features: list[str], name: str = "model", version: str = "candidate",
                 prior_spec: Mapping[str, Any] | None = None, screen: float = 0.2, bins: int = 5,
                 iterations: int = 12) -> None:
        self.features = features
        self.name = name
        self.version = version
        self.prior_spec = prior_spec
        self.screen = screen
        self.bins = bins
        self.iterations = iterations

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("features", "name", "version", "prior_spec", "screen", "bins",
                                              "iterations")}

    def set_params(self, **params: Any) -> MonotoneRuleModel:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: np.ndarray, y: np.ndarray) -> MonotoneRuleModel:
        from scoring.scorers.rules import RuleScorer

        self.spec_ = fit_rules(np.asarray(X, dtype=float), np.asarray(y, dtype=float), list(self.features),
                               name=self.name, version=self.version, prior_spec=self.prior_spec,
                               iterations=self.iterations, screen=self.screen, bins=self.bins)
        self.scorer_ = RuleScorer.from_spec(self.spec_)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """0-100 scores (n,); a row with no usable feature gets the median of the others."""
        rows = [{f: (None if np.isnan(v) else float(v)) for f, v in zip(self.features, row)}
                for row in np.asarray(X, dtype=float)]
        vals = np.array([np.nan if (s := self.scorer_.score(r).value) is None else s for r in rows], dtype=float)
        if np.isnan(vals).all():
            return np.zeros(len(vals))
        return np.where(np.isnan(vals), np.nanmedian(vals), vals)
