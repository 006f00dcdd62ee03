"""Interpretable rule scorers: a weighted mean of piecewise-linear curves over features.

A rule model is plain JSON (see ``models/*/prior-2/model.json``) so a strategist can
read, and a researcher can edit or retrain, exactly why a video scored as it did.

Three states per term (see :class:`Term`):

- measured-present: the feature has a value, scored through the term's curve;
- measured-absent: the feature is None but the term's ``absent_if`` condition holds
  (the analyzer ran and found nothing: no speech in the whole video, no face), scored
  ``absent_score`` (``null`` there: counted as measured, scored by another term);
- not measured: the feature is None otherwise (profile skipped it, model unavailable):
  the term drops out of the mean and out of the sub-score's ``coverage``; unless the
  term states an ``unmeasured`` prior and the gap is this video's own (its analyzer ran
  but could not read it: speech in a language it cannot read, no audio track), when the
  term counts at that conservative score (never the mean of the others: a missing
  measurement must not look like a good one), said in a reason and the not-measured note.

Severe flaws (``caps``) limit the sub-score, and through ``composite_ceiling`` the
composite in ranking, whatever the other terms say: the score is held just under the
ceiling (:func:`cap_value`), so it never exceeds it and flawed videos keep their order.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.errors import ConfigError
from scoring.scorers.base import Cap, Reason, Scorer, SubScore
from scoring.scorers.derived import derive, derive_sound

NEUTRAL = 70.0  # a term at this score neither helps nor hurts in the reasons
GOOD, BAD = 85.0, 60.0

_OPS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
        "gt": operator.gt, "ge": operator.ge}


@dataclass
class Condition:
    """``features[feature] <op> value``; unknown (None) when the feature is missing/None.

    ``op`` is one of eq, ne, lt, le, gt, ge; ``is_none: true`` instead tests for None
    (a measured feature that holds nothing, e.g. ``speech.onset_s`` with no speech).
    """

    feature: str
    op: str = "eq"
    value: Any = None
    is_none: bool | None = None

    def holds(self, features: Mapping[str, Any]) -> bool | None:
        if self.feature not in features and self.is_none is not None:
            return None
        v = features.get(self.feature)
        if self.is_none is not None:
            return (v is None) == self.is_none
        if v is None:
            return None
        try:
            return bool(_OPS[self.op](v, self.value))
        except TypeError:
            return None


def _conditions(spec: Any) -> list[Condition]:
    if spec is None:
        return []
    items = spec if isinstance(spec, list) else [spec]
    return [Condition(**c) for c in items]


def all_hold(conds: list[Condition], features: Mapping[str, Any]) -> bool | None:
    """True if every condition holds, False if one is known false, else None (unknown)."""
    results = [c.holds(features) for c in conds]
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


NOT_RUN = "not run in this profile"


def _why_missing(feature: str, features: Mapping[str, Any]) -> str:
    """Why a feature has no value: its analyzer did not run, said it is unavailable or why
    it could not measure (its ``<analyzer>.note``, e.g. speech in a language it cannot
    read), or found nothing it could measure."""
    prefix = feature.split(".", 1)[0]
    if not any(k.startswith(prefix + ".") for k in features):
        return NOT_RUN
    note = features.get(f"{prefix}.note")
    if features.get(f"{prefix}.available") is False:
        return str(note) if note else "unavailable"
    if isinstance(note, str) and note:
        return note
    return "nothing to measure"


@dataclass
class Term:
    """One feature mapped to 0-100 through a piecewise-linear curve of (x, score) points.

    ``absent_if`` (conditions, all must hold) marks a None feature as measured-absent,
    scored ``absent_score`` with reason ``absent`` (a text); ``absent_score: null``
    counts the term as measured but leaves its weight to other terms. ``applies_if``
    known false does the same for a value that means nothing in that case (e.g.
    ``packshot.end_card_only`` when the product is never seen).
    """

    feature: str
    curve: list[tuple[float, float]]
    weight: float = 1.0
    low: str | None = None
    high: str | None = None
    ok: str | None = None
    time_feature: str | None = None
    text_feature: str | None = None  # a feature quoted in the templates as {text}
    missing: float | None = None  # score when the feature was measured but is None (e.g. no face); else drops out
    absent_if: list[Condition] = field(default_factory=list)
    applies_if: list[Condition] = field(default_factory=list)
    absent_score: float | None = None
    absent: str | None = None
    label: str | None = None  # what the term measures, for "not measured" notes
    # Score for a video this term could not be measured on, where the run could measure
    # it (not "not run in this profile"): a stated conservative prior instead of dropping
    # out, so the other terms' mean does not stand in for the missing one. None: drop out.
    unmeasured: float | None = None
    # The analyzer (feature prefix) whose run means the term could be measured, when that is
    # not the feature's own (hook phrases need ``asr``, which the fast profile skips).
    measured_by: str | None = None

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
    """A condition that forces the sub-score (e.g. no audio track -> audio clarity None).

    ``score: null`` makes the sub-score not measurable (the ranking gate carries the
    single reason); a number forces that value with ``text`` as its reason (prior-1).
    """

    feature: str
    equals: Any
    score: float | None
    text: str


CAP_SPAN = 0.2  # a capped score keeps this share of the ceiling to order flawed videos by their other merits


def cap_value(value: float, ceiling: float, span: float = CAP_SPAN) -> float:
    """A score (0-100) under a severe flaw: ``ceiling × (1 - span + span × value / 100)``
    (span 0.2: 0.8 + 0.2 × value / 100), so it is at most the ceiling (at least 1 - span
    of it) and two flawed videos keep the order of their uncapped scores instead of tying
    at the ceiling."""
    v = max(0.0, min(100.0, value))
    return min(v, ceiling * (1.0 - span + span * v / 100.0))


@dataclass
class CapRule:
    """A severe flaw: when every condition holds, the sub-score is at most ``ceiling``
    and the composite at most ``composite_ceiling`` (None: the composite is not capped).
    ``text`` may quote ``{value}`` / ``{pct}`` of the first condition's feature."""

    when: list[Condition]
    ceiling: float
    text: str
    composite_ceiling: float | None = None

    def describe(self, features: Mapping[str, Any]) -> str:
        v = features.get(self.when[0].feature) if self.when else None
        try:
            return self.text.format(value=v, pct=(float(v) * 100 if isinstance(v, (int, float)) else v))
        except (TypeError, ValueError, KeyError):
            return self.text


@dataclass
class RuleScorer(Scorer):
    """Weighted mean of :class:`Term` scores over the terms measured (present or absent).

    Not-measured terms drop out; with none measured the score is None. ``requires``
    (conditions) known false makes the sub-score None with ``requires_text`` as the note
    (e.g. "the campaign names no product"); unknown (feature missing) does not block.
    """

    name: str
    version: str
    terms: list[Term]
    gates: list[Gate] = field(default_factory=list)
    description: str = ""
    caps: list[CapRule] = field(default_factory=list)
    requires: list[Condition] = field(default_factory=list)
    requires_text: str = ""
    cap_span: float = CAP_SPAN  # share of a capped sub-score that still follows the other terms

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return f"{self.name}@{self.version}"

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> RuleScorer:
        terms = []
        for t in spec["terms"]:
            t = dict(t)
            t["curve"] = [tuple(p) for p in t["curve"]]
            t["absent_if"] = _conditions(t.get("absent_if"))
            t["applies_if"] = _conditions(t.get("applies_if"))
            terms.append(Term(**t))
        gates = [Gate(**g) for g in spec.get("gates", [])]
        caps = [CapRule(**{**c, "when": _conditions(c["when"])}) for c in spec.get("caps", [])]
        req = spec.get("requires") or {}
        span = spec.get("cap_span", CAP_SPAN)
        if isinstance(span, bool) or not isinstance(span, int | float) or not 0.0 <= span <= 1.0:
            raise ConfigError(f"model {spec['name']}@{spec['version']}: cap_span must be a number from 0 to 1, "
                              f"got {span!r}")
        return cls(spec["name"], spec["version"], terms, gates, spec.get("description", ""), caps,
                   _conditions(req.get("when")), req.get("text", ""), float(span))

    def _not_measured(self, text: str) -> SubScore:
        return SubScore(self.name, None, [], self.model_id, coverage=0.0, not_measured=[text])

    def score(self, features: Mapping[str, Any]) -> SubScore:
        features = {**derive(features), **derive_sound(features), **features}
        if self.requires and all_hold(self.requires, features) is False:
            return self._not_measured(self.requires_text or "nothing to measure")
        for gate in self.gates:
            if features.get(gate.feature) == gate.equals:
                if gate.score is None:
                    return self._not_measured(gate.text)
                reason = Reason(self.name, gate.text, gate.score - NEUTRAL, gate.feature)
                return SubScore(self.name, float(gate.score), [reason], self.model_id, coverage=1.0)
        scored: list[tuple[Term, Any, float, bool]] = []  # term, raw value, score, absent?
        covered_w = 0.0
        missing: list[str] = []
        prior_text: dict[int, str] = {}  # id(term) -> reason for a term counted at its unmeasured prior
        for term in self.terms:
            value = features.get(term.feature)
            if term.applies_if and all_hold(term.applies_if, features) is False:
                covered_w += term.weight  # measured, but says nothing here
            elif value is not None:
                scored.append((term, value, term.value_score(value), False))
                covered_w += term.weight
            elif term.absent_if and all_hold(term.absent_if, features):
                covered_w += term.weight
                if term.absent_score is not None:
                    scored.append((term, None, float(term.absent_score), True))
            elif term.missing is not None and term.feature in features:  # fitted models: measured, found absent
                covered_w += term.weight
                scored.append((term, None, float(term.missing), True))
            else:
                why = _why_missing(term.feature, features)
                if term.measured_by and not any(k.startswith(term.measured_by + ".") for k in features):
                    why = NOT_RUN
                label = term.label or term.feature
                if term.unmeasured is not None and why != NOT_RUN:
                    missing.append(f"{label} ({why}; counted at {term.unmeasured:.0f})")
                    scored.append((term, None, float(term.unmeasured), True))
                    prior_text[id(term)] = f"{label} not measured ({why}): counted at {term.unmeasured:.0f}"
                else:
                    missing.append(f"{label} ({why})")
        total_all = sum(t.weight for t in self.terms) or 1.0
        coverage = round(covered_w / total_all, 3)
        if not scored:
            notes = list(dict.fromkeys(missing))
            return SubScore(self.name, None, [], self.model_id, coverage=coverage, not_measured=notes)
        total_w = sum(t.weight for t, *_ in scored)
        value = sum(t.weight * s for t, _, s, _ in scored) / total_w
        reasons = []
        for term, raw, s, absent in scored:
            if absent and id(term) in prior_text:
                text = prior_text[id(term)] if s < BAD else None
            elif absent:
                text = term.absent if s < BAD or s >= GOOD else None
            else:
                text = term.text(raw, s, features.get(term.text_feature) if term.text_feature else None)
            if text:
                t = features.get(term.time_feature) if term.time_feature else None
                impact = round(term.weight * (s - NEUTRAL) / total_w, 1)
                reasons.append(Reason(self.name, text, impact, term.feature, t))
        caps = []
        for cap in self.caps:
            if all_hold(cap.when, features):
                caps.append(Cap(self.name, cap.ceiling, cap.composite_ceiling, cap.describe(features),
                                cap.when[0].feature if cap.when else None))
        if caps:  # the lowest ceiling wins; cap_value keeps flawed videos in order
            worst = min(caps, key=lambda c: c.ceiling)
            capped = cap_value(value, worst.ceiling, self.cap_span)
            reasons.append(Reason(self.name, worst.text, round(capped - value, 1), worst.feature, kind="cap"))
            value = capped
        reasons.sort(key=lambda r: (r.kind != "cap", -abs(r.impact)))  # a severe flaw first
        notes = list(dict.fromkeys(missing))
        return SubScore(self.name, round(float(value), 1), reasons, self.model_id, coverage=coverage,
                        not_measured=notes, caps=caps)
