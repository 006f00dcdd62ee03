"""Judgment: features -> 0-100 sub-scores with reasons, from registered models."""

from scoring.scorers.base import SUBSCORES, Cap, Reason, Scorer, SubScore
from scoring.scorers.registry import list_models, load_scorer, load_spec

__all__ = ["SUBSCORES", "Cap", "Reason", "Scorer", "SubScore", "list_models", "load_scorer", "load_spec"]
