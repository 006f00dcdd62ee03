"""Compact fingerprints for near-duplicate detection: perceptual hashes of hook frames and
an audio fingerprint (Haitsma–Kalker style band-energy difference bits)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
from scoring.bits import pack_bits, unpack_bits  # noqa: F401  (re-exported)
from scoring.media.clip import Clip


def dhash(image: np.ndarray) -> int:
    """64-bit difference hash of an RGB image (H, W, 3): robust to re-encoding and scaling."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).reshape(-1)
    return int("".join("1" if b else "0" for b in bits), 2)


def audio_bits(samples: np.ndarray, rate: int, *, seconds: float = 12.0, hop_s: float = 0.064,
               n_bands: int = 17, fmin: float = 300.0, fmax: float = 3000.0) -> np.ndarray | None:
    """Fingerprint bits, shape (frames, n_bands - 1) bool, of the first ``seconds`` of mono audio.

    Bit (n, m) is the sign of the band-energy difference between bands m and m+1, minus
    the same difference one frame earlier. None when the audio is too short or silent.
    """
    x = samples[: int(seconds * rate)].astype(np.float32)
    win, hop = int(0.37 * rate) // 2 * 2, int(hop_s * rate)
    if x.size < win + 2 * hop or float(np.sqrt(np.mean(x**2))) < 1e-3:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hanning(win).astype(np.float32)
    spec = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(win, 1.0 / rate)
    edges = np.geomspace(fmin, fmax, n_bands + 1)
    bands = np.stack([spec[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) for lo, hi in zip(edges[:-1], edges[1:])],
                     axis=1)
    diff = bands[:, :-1] - bands[:, 1:]
    return (diff[1:] - diff[:-1]) > 0


@dataclass(frozen=True)
class FingerprintConfig:
    hook_frames: int = 8
    audio_seconds: float = 12.0
    audio_bands: int = 17


class FingerprintAnalyzer(Analyzer):
    """Features: ``hook_dhash`` (hex, 16 characters per hook frame, up to ``hook_frames``
    frames spread over the hook) and ``audio`` (hex bits of :func:`audio_bits`, None when
    silent or absent), plus ``audio_width`` (bits per frame)."""

    name = "fingerprint"
    version = "1"
    Config = FingerprintConfig
    features = (
        Feature("hook_dhash", "str", "hex", "16 hex characters per hook frame (difference hash)"),
        Feature("audio", "str", "hex", "audio fingerprint bits; None when silent or absent"),
        Feature("audio_width", "int", "bits", "bits per audio fingerprint frame"),
    )

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: FingerprintConfig = self.config
        n = len(clip.hook)
        picks = np.unique(np.linspace(0, n - 1, min(cfg.hook_frames, n)).round().astype(int)) if n else []
        hashes = "".join(f"{dhash(clip.hook.images[i]):016x}" for i in picks)
        bits = None
        if clip.audio is not None:
            bits = audio_bits(clip.audio.samples, clip.audio.rate, seconds=cfg.audio_seconds, n_bands=cfg.audio_bands)
        features = {"hook_dhash": hashes or None, "audio": pack_bits(bits) if bits is not None else None,
                    "audio_width": cfg.audio_bands - 1}
        return self.signals(features)
