"""Compression artefacts besides blocking: banding and smearing (no reference picture).

Both are measured on a still's luma at its coded resolution and reported by the
``visual_quality`` analyzer; neither is weighted into ``visual_clarity`` yet (there is
no viewer judgment here to weigh them against). On H.264 CRF 18 -> 51 ladders of 8 real
sources, measured on the middle still as the analyzer does (parameters not fitted to
them), banding rose for 6 (Spearman four +1.0, two +0.9; a selfie +0.4, a KoNViD clip
-0.4) and smearing for 5 (three +1.0, two +0.9; the others +0.7, +0.1, +0.1). Darkening
raised banding on all 8 (+0.4 to +1.0); added noise dithers it away (0). notes/lead.md.
"""

from __future__ import annotations

import cv2
import numpy as np


def _shrink(x: np.ndarray, factor: int) -> np.ndarray:
    """``x`` averaged over ``factor`` x ``factor`` cells (INTER_AREA), float32."""
    h, w = x.shape
    return cv2.resize(x.astype(np.float32), (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)


def banding(gray: np.ndarray, *, window: int = 5, sigma: float = 8.0, min_slope: float = 0.04,
            max_slope: float = 1.5, min_ramp_share: float = 0.01, cell: int = 4) -> float | None:
    """Share (0-1) of a picture's smooth gradients that are flat steps: false contours.

    A natural gradient (sky, wall, skin) carries sensor noise, so neighbouring pixels
    differ by a level or two; compression (and crushing into few levels in the dark)
    removes that dither and leaves plateaus of one value separated by steps. Ramps are
    where the picture blurred with ``sigma`` px rises by ``min_slope``-``max_slope``
    levels per pixel (found on ``cell`` x ``cell`` px cells, to keep it cheap); a pixel is
    flat when its ``window`` x ``window`` neighbourhood holds one value. Noise-dithered
    gradients read ~0, clean footage 0.05-0.25, H.264 at CRF 51 0.2-0.35. None when under
    ``min_ramp_share`` of the picture is a gradient.

    Args:
        gray: luma (H, W), 8-bit levels (uint8 or integer-valued float).
    """
    g8 = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    if min(g8.shape) < 4 * window * cell:
        return None
    kernel = np.ones((window, window), np.uint8)
    flat = _shrink(cv2.dilate(g8, kernel) == cv2.erode(g8, kernel), cell)  # flat share of each cell
    smooth = cv2.GaussianBlur(_shrink(g8, cell), (0, 0), sigma / cell)
    gy, gx = np.gradient(smooth)
    slope = np.hypot(gx, gy) / cell  # levels per original pixel
    ramp = (slope >= min_slope) & (slope <= max_slope)
    n = int(np.count_nonzero(ramp))
    if n < min_ramp_share * ramp.size:
        return None
    return float(flat[ramp].mean())


def smearing(gray: np.ndarray, *, fine_sigma: float = 1.0, mid_sigma: float = 3.0,
             textured_share: float = 0.5, cell: int = 4) -> float | None:
    """How much of the finest detail is missing where a picture has texture (0-1).

    In the most textured ``textured_share`` of the picture (by mid-scale detail, on
    ``cell`` x ``cell`` px cells), the finest band (the picture minus its ``fine_sigma``
    blur) is compared with the next band (``fine_sigma`` to ``mid_sigma`` blur): encoders
    drop the finest detail first and smear hair, grass and fabric into flat patches while
    larger shapes stay, so the ratio falls. Returns ``1 - fine / mid`` clipped to 0-1
    (grain or noise add fine energy and read as less smearing). None for pictures under
    32 px or without texture.

    Args:
        gray: luma (H, W), 8-bit levels.
    """
    g = np.asarray(gray, dtype=np.float32)
    if min(g.shape) < 32:
        return None
    b1 = cv2.GaussianBlur(g, (0, 0), fine_sigma)
    b3 = cv2.GaussianBlur(g, (0, 0), mid_sigma)
    fine, mid = _shrink(np.abs(g - b1), cell), _shrink(np.abs(b1 - b3), cell)  # cell means
    activity = cv2.GaussianBlur(mid, (0, 0), 4.0 / cell)
    textured = activity > np.quantile(activity, 1.0 - textured_share)
    mid_energy = float(mid[textured].mean()) if textured.any() else 0.0
    if mid_energy < 1e-3:
        return None  # no texture at all: nothing to smear
    return float(np.clip(1.0 - float(fine[textured].mean()) / mid_energy, 0.0, 1.0))
