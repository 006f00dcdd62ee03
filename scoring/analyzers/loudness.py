"""Audio level: integrated loudness (ITU-R BS.1770-4), true peak, clipping, silence."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from scoring.analyzers.base import AnalysisContext, Analyzer, Signals
from scoring.analyzers.registry import register_analyzer
from scoring.media.clip import Clip

BLOCK_S, STEP_S = 0.4, 0.1  # BS.1770 gating blocks: 400 ms, 75 % overlap
ABSOLUTE_GATE_LUFS = -70.0


def _biquad(kind: str, gain_db: float, q: float, fc: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """RBJ-cookbook biquad coefficients (b, a) for the K-weighting stages."""
    a_gain = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * fc / rate
    alpha = math.sin(w0) / (2 * q)
    cw = math.cos(w0)
    if kind == "high_shelf":
        sq = 2 * math.sqrt(a_gain) * alpha
        b = [a_gain * ((a_gain + 1) + (a_gain - 1) * cw + sq), -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cw),
             a_gain * ((a_gain + 1) + (a_gain - 1) * cw - sq)]
        a = [(a_gain + 1) - (a_gain - 1) * cw + sq, 2 * ((a_gain - 1) - (a_gain + 1) * cw),
             (a_gain + 1) - (a_gain - 1) * cw - sq]
    else:  # high_pass
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    return np.asarray(b) / a[0], np.asarray(a) / a[0]


def k_weight(samples: np.ndarray, rate: int) -> np.ndarray:
    """Apply BS.1770 K-weighting (shelf + high-pass) to mono ``samples`` (shape (n,))."""
    b1, a1 = _biquad("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0, rate)
    b2, a2 = _biquad("high_pass", 0.0, 0.5, 38.0, rate)
    return lfilter(b2, a2, lfilter(b1, a1, samples.astype(np.float64)))


def block_loudness(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of K-weighted 400 ms blocks every 100 ms; shape (n_blocks,)."""
    block, step = int(round(BLOCK_S * rate)), int(round(STEP_S * rate))
    if samples.shape[0] < block:
        return np.zeros(0)
    weighted = k_weight(samples, rate)
    csum = np.concatenate([[0.0], np.cumsum(weighted**2)])
    starts = np.arange(0, samples.shape[0] - block + 1, step)
    return (csum[starts + block] - csum[starts]) / block


def integrated_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Gated integrated loudness of mono audio in LUFS; None for < 0.4 s or silence."""
    z = block_loudness(samples, rate)
    if z.size == 0:
        return None
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(z)
    above = z[lk > ABSOLUTE_GATE_LUFS]
    if above.size == 0:
        return None
    relative_gate = -0.691 + 10 * math.log10(above.mean()) - 10
    kept = z[(lk > ABSOLUTE_GATE_LUFS) & (lk > relative_gate)]
    return round(-0.691 + 10 * math.log10(kept.mean()), 2)


@dataclass(frozen=True)
class LoudnessConfig:
    silence_dbfs: float = -50.0
    window_s: float = 0.1


@register_analyzer
class LoudnessAnalyzer(Analyzer):
    """Loudness (LUFS), sample and true peak (dBFS/dBTP at the source rate), clipping ratio
    (share of source samples within 1 dB of full scale), RMS level (dBFS) and the share
    of 100 ms windows quieter than ``silence_dbfs``. All None without an audio track."""

    name = "loudness"
    version = "1"
    Config = LoudnessConfig
    feature_keys = ("lufs", "true_peak_dbfs", "sample_peak_dbfs", "clipping_ratio", "rms_dbfs", "silence_ratio")
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
        lufs = integrated_loudness(x, audio.rate)
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
