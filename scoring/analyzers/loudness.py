"""Audio level: integrated loudness (ITU-R BS.1770-4), true peak, clipping, silence.

Loudness, peaks and clipping are measured by the decoder on the source audio (every
channel at the source rate, ``scoring.media.levels``); this analyzer reports them and adds
the RMS level and the share of silent windows from the 16 kHz analysis track."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
from scoring.media.clip import Clip
from scoring.media.levels import LevelMeter


def integrated_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Gated integrated loudness (ITU-R BS.1770-4, pyloudnorm's K-weighting) of ``samples``,
    LUFS. ``samples``: shape (n,) mono or (channels, n) front channels, float in [-1, 1].
    None for under 0.4 s or silence."""
    x = np.atleast_2d(np.asarray(samples, np.float64))
    meter = LevelMeter(rate, ["FC"] if x.shape[0] == 1 else ["FL", "FR", "FC"][: x.shape[0]])
    meter.add(x)
    return meter.loudness()


@dataclass(frozen=True)
class LoudnessConfig:
    silence_dbfs: float = -50.0
    window_s: float = 0.1


class LoudnessAnalyzer(Analyzer):
    """Loudness (LUFS, BS.1770-4 on every source channel at the source rate), sample and
    true peak (dBFS/dBTP at the source rate), clipping ratio (share of source samples on
    flat tops: hard clipping, 0-1), RMS level (dBFS, 16 kHz mono) and the share of 100 ms
    windows quieter than ``silence_dbfs``. All None without an audio track; ``lufs`` is
    None for silence. A platform end card is cut off the clip, and its audio's levels
    with it (v3: loudness and peaks were read on the whole source track)."""

    name = "loudness"
    version = "3"
    Config = LoudnessConfig
    features = (
        Feature("lufs", "number", "LUFS",
                "integrated loudness (BS.1770-4, gated) of every source channel at the source rate, end card "
                "cut off; None without audio, under 0.4 s or silent"),
        Feature("true_peak_dbfs", "number", "dBTP",
                "peak of the 4x oversampled source (at least the sample peak), floor -120; None without audio"),
        Feature("sample_peak_dbfs", "number", "dBFS",
                "sample peak over every source channel at the source rate, floor -120; None without audio"),
        Feature("clipping_ratio", "number", "0-1",
                "share of source samples on flat tops (hard clipping); None without audio"),
        Feature("rms_dbfs", "number", "dBFS",
                "RMS level of the 16 kHz mono analysis track, floor -120; None without audio"),
        Feature("silence_ratio", "number", "0-1",
                "share of 100 ms windows of the analysis track under -50 dBFS RMS (1 under one window); "
                "None without audio"),
    )
    evidence_keys = ("loudness_lufs", "true_peak_dbfs", "clipping_ratio")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        audio = clip.audio
        if audio is None or audio.samples.size == 0:
            features = dict.fromkeys(self.feature_keys)
            return self.signals(features, dict.fromkeys(self.evidence_keys))
        x = audio.samples
        rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
        win = max(1, int(self.config.window_s * audio.rate))
        n = x.shape[0] // win
        if n:
            w_rms = np.sqrt(np.mean(x[: n * win].reshape(n, win).astype(np.float64) ** 2, axis=1))
            silence = float(np.mean(w_rms < 10 ** (self.config.silence_dbfs / 20)))
        else:
            silence = 1.0
        lufs = audio.loudness_lufs
        features = {
            "lufs": lufs,
            "true_peak_dbfs": audio.true_peak_dbfs,
            "sample_peak_dbfs": audio.peak_dbfs,
            "clipping_ratio": round(audio.clipping_ratio, 6),
            "rms_dbfs": round(20 * math.log10(rms), 2) if rms > 1e-6 else -120.0,
            "silence_ratio": round(silence, 4),
        }
        evidence = {
            "loudness_lufs": lufs,
            "true_peak_dbfs": audio.true_peak_dbfs,
            "clipping_ratio": round(audio.clipping_ratio, 6),
        }
        return self.signals(features, evidence)
