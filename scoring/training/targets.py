"""Training targets derived from ad delivery numbers, shrunk for ads with few impressions.

A rate measured on 150 impressions says little: each rate is shrunk toward the pooled
rate of the export (empirical Bayes with a fixed prior strength), exactly like the
engagement sub-score: ``(count + pooled_rate × k) / (base + k)``.

| target | count / base | k (pseudo-units of base) | better |
|---|---|---|---|
| ``ctr`` | clicks (destination) / impressions | 2000 impressions | higher |
| ``view_rate_2s`` | 2-second views / impressions | 500 impressions | higher |
| ``view_rate_6s`` | 6-second views / impressions | 500 impressions | higher |
| ``completion_rate`` | views at 100 % / video views (else impressions) | 200 views | higher |
| ``cpa`` | cost / conversions | 5 conversions | lower |

For ``cpa`` the shrunk value is ``(cost + pooled_cpa × 5) / (conversions + 5)``; an ad
with no conversions gets the pooled CPA pulled up by its spend. Training always
maximises the target's *goodness*: :func:`goodness` negates lower-is-better targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.errors import ConfigError
from scoring.training.labels import LabelSet


@dataclass(frozen=True)
class TargetSpec:
    """How one derived target is computed. ``count``/``base`` name LabelRow value keys;
    ``alt_base`` is used when ``base`` is missing; ``k`` is the prior strength in base units."""

    name: str
    count: str
    base: str
    k: float
    higher_is_better: bool = True
    alt_base: str | None = None
    description: str = ""


TARGETS: dict[str, TargetSpec] = {
    "ctr": TargetSpec("ctr", "clicks", "impressions", 2000.0, description="destination clicks per impression"),
    "view_rate_2s": TargetSpec("view_rate_2s", "views_2s", "impressions", 500.0,
                               description="2-second video views per impression"),
    "view_rate_6s": TargetSpec("view_rate_6s", "views_6s", "impressions", 500.0,
                               description="6-second video views per impression"),
    "completion_rate": TargetSpec("completion_rate", "views_100", "video_views", 200.0, alt_base="impressions",
                                  description="views to 100 % per video view"),
    "cpa": TargetSpec("cpa", "cost", "conversions", 5.0, higher_is_better=False,
                      description="cost per conversion (lower is better)"),
}


@dataclass
class TargetValues:
    """Per-row target values (None where the row lacks the inputs) and how they were made.

    Attributes:
        values: by row index in the LabelSet.
        raw: unshrunk values, same indexing (for the report).
        pooled: the pooled rate (or CPA) shrunk toward.
        higher_is_better: False for CPA.
        shrunk_rows: rows whose base was below ``k`` (the prior outweighs the data).
    """

    name: str
    values: list[float | None]
    raw: list[float | None]
    pooled: float | None
    higher_is_better: bool
    shrunk_rows: int = 0


def derive_target(labels: LabelSet, name: str) -> TargetValues:
    """Compute target ``name`` for every row: a derived target (see TARGETS) or, for
    ratings files, any numeric column as it is (higher is better).

    Raises:
        ConfigError: unknown target, or no row has the inputs it needs.
    """
    if name not in TARGETS:
        cols = labels.numeric_columns()
        if name not in cols:
            raise ConfigError(f"{labels.source}: unknown target {name!r}; derived targets: "
                              f"{', '.join(TARGETS)}; numeric columns: {', '.join(cols) or 'none'}")
        vals = [r.values.get(name) for r in labels.rows]
        return TargetValues(name, vals, list(vals), None, True)
    spec = TARGETS[name]
    counts: list[float | None] = []
    bases: list[float | None] = []
    for r in labels.rows:
        base = r.values.get(spec.base)
        if base is None and spec.alt_base:
            base = r.values.get(spec.alt_base)
        count = r.values.get(spec.count)
        if spec.name == "cpa" and count is None and base and r.values.get("cpa_reported") is not None:
            count = r.values["cpa_reported"] * base
        if spec.name == "ctr" and count is None and r.values.get("ctr_reported") is not None and base:
            count = r.values["ctr_reported"] * base
        counts.append(count)
        bases.append(base)
    usable = [(c, b) for c, b in zip(counts, bases) if c is not None and b is not None and (b > 0 or spec.name == "cpa")]
    if not usable:
        raise ConfigError(f"{labels.source}: target {name!r} needs columns for {spec.count!r} and {spec.base!r} "
                          "(e.g. Ads Manager's 'Impressions' and 'Clicks (destination)'); none of the rows has both")
    total_b = sum(b for _, b in usable)
    pooled = sum(c for c, _ in usable) / total_b if total_b > 0 else None
    if pooled is None:
        raise ConfigError(f"{labels.source}: target {name!r}: no {spec.base} at all, cannot pool")
    values: list[float | None] = []
    raw: list[float | None] = []
    shrunk = 0
    for c, b in zip(counts, bases):
        if c is None or b is None or (b <= 0 and spec.name != "cpa") or b < 0:
            values.append(None)
            raw.append(None)
            continue
        raw.append(c / b if b > 0 else None)
        values.append((c + pooled * spec.k) / (b + spec.k))
        shrunk += b < spec.k
    return TargetValues(name, values, raw, pooled, spec.higher_is_better, shrunk)


def goodness(value: float, higher_is_better: bool) -> float:
    """The number training maximises: the value, or its negative for lower-is-better."""
    return value if higher_is_better else -value


def bradley_terry(pairs: list[tuple[str, str]], iterations: int = 200, prior: float = 1.0) -> dict[str, float]:
    """Strength per item from ``(better, worse)`` pairs (Bradley-Terry, MM updates).

    ``prior`` adds that many virtual wins and losses against an average item, so an item
    seen once is not infinitely strong. Returns log-strengths centred on 0.
    """
    import math

    items = sorted({x for p in pairs for x in p})
    if not items:
        return {}
    wins = {i: prior for i in items}
    for better, _ in pairs:
        wins[better] += 1
    strength = dict.fromkeys(items, 1.0)
    for _ in range(iterations):
        denom = {i: 2 * prior / (strength[i] + 1.0) for i in items}
        for better, worse in pairs:
            s = 1.0 / (strength[better] + strength[worse])
            denom[better] += s
            denom[worse] += s
        strength = {i: wins[i] / denom[i] for i in items}
    logs = {i: math.log(v) for i, v in strength.items()}
    mean = sum(logs.values()) / len(logs)
    return {i: v - mean for i, v in logs.items()}
