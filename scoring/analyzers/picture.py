"""Picture basics: sharpness, exposure and noise, measured at a fixed reference size."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Signals
from scoring.analyzers.registry import register_analyzer
from scoring.media.clip import Clip


def to_reference(image: np.ndarray, short_side: int) -> np.ndarray:
    """Grayscale float32 (0-255) resized so the short side is ``short_side`` pixels.

    Measuring every video at one size makes sharpness comparable across resolutions:
    a low-resolution source is upscaled and so measures softer, as a viewer sees it.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = short_side / min(h, w)
    if abs(scale - 1) > 1e-3:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)
    return gray.astype(np.float32)


def laplacian_sharpness(gray: np.ndarray) -> float:
    """log10(1 + variance of the Laplacian) of a grayscale image; higher is sharper."""
    return math.log10(1.0 + float(cv2.Laplacian(gray, cv2.CV_32F).var()))


def noise_sigma(gray: np.ndarray) -> float:
    """Gaussian noise standard deviation in 8-bit levels (Immerkaer 1996, fast estimate)."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    response = np.abs(cv2.filter2D(gray, cv2.CV_32F, kernel)[1:-1, 1:-1])
    return float(response.sum() * math.sqrt(math.pi / 2) / (6.0 * (w - 2) * (h - 2)))


@dataclass(frozen=True)
class PictureConfig:
    reference_short_side: int = 540
    crushed_level: float = 16 / 255
    blown_level: float = 250 / 255


@register_analyzer
class PictureAnalyzer(Analyzer):
    """Sharpness (log Laplacian variance at a 540-px short side, median over stills),
    brightness (mean luma 0-1 over body frames), crushed/blown pixel shares (0-1),
    contrast (luma std 0-1) and noise (sigma, 8-bit levels)."""

    name = "picture"
    version = "1"
    Config = PictureConfig
    feature_keys = ("sharpness", "brightness", "crushed_ratio", "blown_ratio", "contrast", "noise_level")
    evidence_keys = ("sharpness", "brightness", "noise_level")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: PictureConfig = self.config
        stills = [to_reference(img, cfg.reference_short_side) for img in clip.stills.images]
        sharp = float(np.median([laplacian_sharpness(g) for g in stills])) if stills else None
        noise = float(np.median([noise_sigma(g) for g in stills])) if stills else None
        frames = clip.body.images
        if len(frames):
            luma = (frames[..., 0] * 0.299 + frames[..., 1] * 0.587 + frames[..., 2] * 0.114) / 255.0
            brightness = float(luma.mean())
            crushed = float(np.mean(luma < cfg.crushed_level))
            blown = float(np.mean(luma > cfg.blown_level))
            contrast = float(luma.std(axis=(1, 2)).mean())
        else:
            brightness = crushed = blown = contrast = None
        features = {
            "sharpness": _round(sharp, 3),
            "brightness": _round(brightness, 4),
            "crushed_ratio": _round(crushed, 4),
            "blown_ratio": _round(blown, 4),
            "contrast": _round(contrast, 4),
            "noise_level": _round(noise, 3),
        }
        evidence = {"sharpness": features["sharpness"], "brightness": features["brightness"],
                    "noise_level": features["noise_level"]}
        return self.signals(features, evidence)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
