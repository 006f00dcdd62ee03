"""Format: duration, display size, aspect, frame rate, audio presence vs TikTok's specs."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
from scoring.media.clip import Clip


@dataclass(frozen=True)
class FormatConfig:
    """TikTok in-feed minimums (short side x long side, pixels) and bitrate (kbit/s)."""

    min_short_side: int = 540
    min_long_side: int = 960
    good_short_side: int = 720
    good_long_side: int = 1280
    min_bitrate_kbps: float = 516.0
    vertical_tolerance: float = 0.03


class FormatAnalyzer(Analyzer):
    """Container facts. Features: ``is_vertical`` (display height > width, ~9:16 or taller
    counts), ``meets_min_resolution`` (≥ 540×960 in display orientation),
    ``resolution_level`` (0 below minimum, 1 minimum, 2 ≥ 720×1280)."""

    name = "format"
    version = "1"
    Config = FormatConfig
    features = (
        Feature("duration_s", "number", "s", "duration"),
        Feature("width", "int", "px", "display width"),
        Feature("height", "int", "px", "display height"),
        Feature("fps", "number", "1/s", "frame rate"),
        Feature("has_audio", "bool", None, "an audio track"),
        Feature("aspect_ratio", "number", None, "display width / height"),
        Feature("is_vertical", "bool", None, "display height > width (about 9:16 or taller)"),
        Feature("is_9_16", "bool", None, "aspect within the tolerance of 9:16"),
        Feature("meets_min_resolution", "bool", None, "at least 540x960 in display orientation"),
        Feature("resolution_level", "int", None, "0 below the minimum, 1 the minimum, 2 at least 720x1280"),
        Feature("bitrate_kbps", "number", "kbit/s", "video bitrate; None when unknown"),
        Feature("bitrate_ok", "bool", None, "bitrate at or above the minimum; None when unknown"),
        Feature("rotation", "int", "degrees", "display rotation of the stream"),
    )
    evidence_keys = ("duration_s", "width", "height", "fps", "has_audio", "aspect_ratio")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: FormatConfig = self.config
        info = clip.info
        short, long_ = min(info.width, info.height), max(info.width, info.height)
        vertical = info.height > info.width
        meets = vertical and short >= cfg.min_short_side and long_ >= cfg.min_long_side
        good = vertical and short >= cfg.good_short_side and long_ >= cfg.good_long_side
        kbps = info.bit_rate / 1000 if info.bit_rate else None
        aspect = round(info.aspect_ratio, 4)
        features = {
            "duration_s": info.duration_s,
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "has_audio": info.has_audio,
            "aspect_ratio": aspect,
            "is_vertical": vertical,
            "is_9_16": abs(aspect - 9 / 16) <= cfg.vertical_tolerance,
            "meets_min_resolution": meets,
            "resolution_level": 2 if good else (1 if meets else 0),
            "bitrate_kbps": round(kbps, 1) if kbps else None,
            "bitrate_ok": (kbps >= cfg.min_bitrate_kbps) if kbps else None,
            "rotation": info.rotation,
        }
        evidence = {k: features[k] for k in self.evidence_keys}
        return self.signals(features, evidence)
