"""The scorer interface: flat features -> one 0-100 sub-score with reasons."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SUBSCORES = ("hook", "audio_clarity", "visual_clarity", "product_integration", "engagement")


@dataclass
class Reason:
    """One readable cause of a sub-score.

    Attributes:
        dimension: the sub-score it explains (``hook``, ``audio_clarity``, ...).
        text: what a strategist reads ("speech at -31 LUFS: too quiet").
        impact: signed effect on the sub-score in points (negative hurts).
        feature: the feature it rests on, for tracing.
        t: time in seconds the reason refers to, or None.
        kind: ``term`` (a feature's curve), ``cap`` (a severe flaw's ceiling), ``gate``,
            ``must_have``, ``shortlist`` or ``note``.
    """

    dimension: str
    text: str
    impact: float
    feature: str | None = None
    t: float | None = None
    kind: str = "term"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Cap:
    """A severe flaw found by a model: the sub-score is at most ``ceiling`` (0-100) and
    the composite at most ``composite_ceiling`` (None: composite not capped)."""

    dimension: str
    ceiling: float
    composite_ceiling: float | None
    text: str
    feature: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class SubScore:
    """A 0-100 score (None when it cannot be measured) with its reasons and model id.

    ``coverage`` is the share (0-1) of the model's term weight that was measured
    (present or explicitly absent); ``not_measured`` says what was not, and why;
    ``caps`` lists the severe flaws that hold (the lowest ceiling applies).
    """

    name: str
    value: float | None
    reasons: list[Reason] = field(default_factory=list)
    model: str | None = None
    coverage: float | None = None
    not_measured: list[str] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)

    def judgment(self) -> dict[str, Any]:
        """The JSON-able extras ranking needs: coverage, not-measured notes, caps."""
        return {"coverage": self.coverage, "not_measured": list(self.not_measured),
                "caps": [c.to_dict() for c in self.caps]}


class Scorer(abc.ABC):
    """Judges one dimension. ``model_id`` names the registry entry it came from."""

    name: str
    model_id: str

    @abc.abstractmethod
    def score(self, features: Mapping[str, Any]) -> SubScore:
        """Score one video from its flat features (``"<analyzer>.<key>"`` -> scalar)."""
