"""Perception: Clip -> Signals. Importing this package registers the built-in analyzers."""

from scoring.analyzers import fingerprint, format, loudness, picture, speech  # noqa: F401  (registration)
from scoring.analyzers.base import AnalysisContext, Analyzer, Event, Signals
from scoring.analyzers.registry import analyzer_names, build_analyzers, get_analyzer_class, register_analyzer

__all__ = [
    "AnalysisContext", "Analyzer", "Event", "Signals",
    "analyzer_names", "build_analyzers", "get_analyzer_class", "register_analyzer",
]
