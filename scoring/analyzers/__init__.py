"""Perception: Clip -> Signals.

``BUILTIN`` is the one list of built-in analyzers: importing this package registers exactly
these (``tests/test_analyzer_declarations.py`` fails when an ``Analyzer`` subclass under
``scoring/`` is missing from it). Plugins register their own with ``@register_analyzer``.
"""

from scoring.analyzers import (
    abcd,
    asr,
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
    sound_class,
    speech,
    stitch,
    visual_quality,
)
from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.analyzers.registry import (
    analyzer_names,
    build_analyzers,
    declared_evidence_keys,
    declared_features,
    get_analyzer_class,
    register_analyzer,
    registered,
    timeline_kinds,
)

BUILTIN: tuple[type[Analyzer], ...] = (
    abcd.AbcdAnalyzer,
    asr.AsrAnalyzer,
    audio_quality.AudioQualityAnalyzer,
    audio_quality.DnsmosAnalyzer,
    clip_zero_shot.ClipZeroShotAnalyzer,
    cuts.CutsAnalyzer,
    download.LayoutAnalyzer,
    download.WatermarkAnalyzer,
    faces.FacesAnalyzer,
    fingerprint.FingerprintAnalyzer,
    format.FormatAnalyzer,
    hook_phrases.HookPhrasesAnalyzer,
    loudness.LoudnessAnalyzer,
    mentions.MentionsAnalyzer,
    onscreen_text.OnscreenTextAnalyzer,
    packshot.PackshotAnalyzer,
    picture.PictureAnalyzer,
    sound_class.SoundClassAnalyzer,
    speech.SpeechAnalyzer,
    stitch.StitchAnalyzer,
    visual_quality.VisualQualityAnalyzer,
)
for _cls in BUILTIN:
    register_analyzer(_cls)

__all__ = [
    "BUILTIN", "AnalysisContext", "Analyzer", "Event", "EventKind", "Feature", "Signals",
    "analyzer_names", "build_analyzers", "declared_evidence_keys", "declared_features", "get_analyzer_class",
    "register_analyzer", "registered", "timeline_kinds",
]
