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
    """

    dimension: str
    text: str
    impact: float
    feature: str | None = None
    t: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class SubScore:
    """A 0-100 score (None when it cannot be measured) with its reasons and model id."""

    name: str
    value: float | None
    reasons: list[Reason] = field(default_factory=list)
    model: str | None = None


class Scorer(abc.ABC):
    """Judges one dimension. ``model_id`` names the registry entry it came from."""

    name: str
    model_id: str

    @abc.abstractmethod
    def score(self, features: Mapping[str, Any]) -> SubScore:
        """Score one video from its flat features (``"<analyzer>.<key>"`` -> scalar)."""
