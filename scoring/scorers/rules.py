"""Interpretable rule scorers: a weighted mean of piecewise-linear curves over features.

A rule model is plain JSON (see ``models/*/prior-1/model.json``) so a strategist can
read, and a researcher can edit or retrain, exactly why a video scored as it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.scorers.base import Reason, Scorer, SubScore

NEUTRAL = 70.0  # a term at this score neither helps nor hurts in the reasons
GOOD, BAD = 85.0, 60.0


@dataclass
class Term:
    """One feature mapped to 0-100 through a piecewise-linear curve of (x, score) points."""

    feature: str
    curve: list[tuple[float, float]]
    weight: float = 1.0
    low: str | None = None
    high: str | None = None
    ok: str | None = None
    time_feature: str | None = None
    text_feature: str | None = None  # a feature quoted in the templates as {text}
    missing: float | None = None  # score when the feature was measured but is None (e.g. no face); else drops out

    def value_score(self, value: float) -> float:
        xs, ys = zip(*self.curve)
        return float(np.interp(float(value), xs, ys))

    def text(self, value: Any, score: float, quote: Any = None) -> str | None:
        if score >= GOOD:
            template = self.ok
        elif score < BAD:
            xs, ys = zip(*self.curve)
            best_x = xs[int(np.argmax(ys))]
            template = self.low if float(value) < best_x else self.high
        else:
            return None
        if not template:
            return None
        number = float(value)
        return template.format(value=number, pct=number * 100, text="" if quote is None else quote)


@dataclass
class Gate:
    """A condition that forces the sub-score (e.g. no audio track -> audio clarity 0)."""

    feature: str
    equals: Any
    score: float
    text: str


@dataclass
class RuleScorer(Scorer):
    """Weighted mean of :class:`Term` scores over the features present.

    Missing features (None) drop out of the mean; with none present the score is None.
    """

    name: str
    version: str
    terms: list[Term]
    gates: list[Gate] = field(default_factory=list)
    description: str = ""

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return f"{self.name}@{self.version}"

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> RuleScorer:
        terms = [Term(**{**t, "curve": [tuple(p) for p in t["curve"]]}) for t in spec["terms"]]
        gates = [Gate(**g) for g in spec.get("gates", [])]
        return cls(spec["name"], spec["version"], terms, gates, spec.get("description", ""))

    def score(self, features: Mapping[str, Any]) -> SubScore:
        for gate in self.gates:
            if features.get(gate.feature) == gate.equals:
                reason = Reason(self.name, gate.text, gate.score - NEUTRAL, gate.feature)
                return SubScore(self.name, float(gate.score), [reason], self.model_id)
        scored = []
        for term in self.terms:
            value = features.get(term.feature)
            if value is None:
                if term.missing is not None and term.feature in features:  # measured, found absent
                    scored.append((term, None, float(term.missing)))
                continue
            scored.append((term, value, term.value_score(value)))
        if not scored:
            return SubScore(self.name, None, [], self.model_id)
        total_w = sum(t.weight for t, _, _ in scored)
        value = sum(t.weight * s for t, _, s in scored) / total_w
        reasons = []
        for term, raw, s in scored:
            if raw is None:
                continue  # a fitted score for "not measured": no value to quote
            text = term.text(raw, s, features.get(term.text_feature) if term.text_feature else None)
            if text:
                t = features.get(term.time_feature) if term.time_feature else None
                impact = round(term.weight * (s - NEUTRAL) / total_w, 1)
                reasons.append(Reason(self.name, text, impact, term.feature, t))
        reasons.sort(key=lambda r: -abs(r.impact))
        return SubScore(self.name, round(float(value), 1), reasons, self.model_id)
