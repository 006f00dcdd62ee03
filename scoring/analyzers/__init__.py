"""Perception: Clip -> Signals. Importing this package registers the built-in analyzers."""

from scoring.analyzers import (  # noqa: F401  (registration)
    abcd,
    asr,  # product integration (issue 6)
    audio_quality,
    clip_zero_shot,
    cuts,
    download,
    faces,
    fingerprint,
    format,
    hook_phrases,
    loudness,
    mentions,
    onscreen_text,
    packshot,
    picture,
    sound_class,  # speech, singing, music, ambience (issue 20)
    speech,
    stitch,
    visual_quality,
)
from scoring.analyzers.base import AnalysisContext, Analyzer, Event, Signals
from scoring.analyzers.registry import analyzer_names, build_analyzers, get_analyzer_class, register_analyzer

__all__ = [
    "AnalysisContext", "Analyzer", "Event", "Signals",
    "analyzer_names", "build_analyzers", "get_analyzer_class", "register_analyzer",
]
