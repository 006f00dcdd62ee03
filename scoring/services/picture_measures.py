"""Picture measures several analyzers share (``picture``, ``visual_quality``): sharpness at a
fixed reference size, the content box inside black bars, the sharpest tiles (the subject),
noise on flat areas and white flashes. Pure functions of grey or RGB uint8 arrays."""

from __future__ import annotations

import math

import cv2
import numpy as np


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


def content_box(gray: np.ndarray, tol: float = 3.0, max_side: float = 0.4) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) pixel bounds of the picture inside letterbox/pillarbox bars.

    A bar is a run of rows (or columns) from an edge whose luma is uniform (standard
    deviation under ``tol`` 8-bit levels); at most ``max_side`` of the size is cut from
    each side. Bars are flat by design, so leaving them in would read as softness,
    darkness and low quality. A wholly uniform image keeps its full box. Rows and
    columns are sampled about every 1/180 of the short side (bars are large, this is cheap).

    Args:
        gray: luma, shape (H, W), 8-bit levels.
    """
    h, w = gray.shape
    step = max(1, min(h, w) // 180)
    small = gray[::step, ::step]
    flat_rows = small.std(axis=1, dtype=np.float32) < tol
    flat_cols = small.std(axis=0, dtype=np.float32) < tol
    if flat_rows.all() or flat_cols.all():
        return 0, h, 0, w

    def run(flags: np.ndarray, size: int) -> int:
        n = int(np.argmin(flags)) * step  # flags is not all True here
        return min(n, int(max_side * size))

    return run(flat_rows, h), h - run(flat_rows[::-1], h), run(flat_cols, w), w - run(flat_cols[::-1], w)


def crop_content(image: np.ndarray) -> np.ndarray:
    """``image`` (H, W) or (H, W, 3) cut to its :func:`content_box`."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    top, bottom, left, right = content_box(gray.astype(np.float32))
    return image[top:bottom, left:right]


LAPLACIAN_NOISE_GAIN = 20.0  # variance of cv2.Laplacian (ksize 1) on unit white noise: 4^2 + 4 * 1^2
# Median filter size (px, native resolution) used before measuring sharpness, by noise sigma:
# below 2 levels 3 px, below 5 5 px, below 10 7 px, below 16 9 px, else 11 px.
DENOISE_STEPS = ((2.0, 3), (5.0, 5), (10.0, 7), (16.0, 9))


def laplacian_sharpness(gray: np.ndarray, noise: float = 0.0) -> float:
    """log10(1 + variance of the Laplacian) of a grayscale image (H, W), 8-bit levels; higher is sharper.

    ``noise`` (sigma, 8-bit levels) removes what white noise adds to the variance
    (20 sigma^2), so grain does not pass for detail.
    """
    var = float(cv2.Laplacian(gray, cv2.CV_32F).var()) - LAPLACIAN_NOISE_GAIN * noise**2
    return math.log10(1.0 + max(var, 0.0))


def block_phases(gray: np.ndarray, axis: int, block: int = 8, ratio: float = 1.3) -> list[int]:
    """Positions (mod ``block``) along ``axis`` where a codec's block grid puts a step: the
    mean absolute luma step between pixel p and p + 1 is averaged per p mod ``block``; the
    phases whose step is at least ``ratio`` times the median phase's (plus 0.5 levels) are
    grid lines. Nothing for images under two blocks across. ``gray``: (H, W), 8-bit levels."""
    if gray.shape[axis] < 2 * block + 2:
        return []
    steps = np.abs(np.diff(gray, axis=axis)).mean(axis=1 - axis)
    n = steps.size // block * block
    phases = steps[:n].reshape(-1, block).mean(axis=0)
    base = float(np.median(phases))
    return [int(p) for p in np.flatnonzero(phases + 0.5 >= ratio * (base + 0.5))]


def deblock(gray: np.ndarray, block: int = 8) -> np.ndarray:
    """``gray`` (H, W) float32 with the steps across its block grid smoothed out: at each
    grid line found by :func:`block_phases` the two pixels either side are replaced by a
    linear ramp between their outer neighbours (a crude deblocking filter). Block edges
    are steps the codec made, not detail, so sharpness must not count them (a heavily
    compressed picture used to read sharper than a lightly compressed one)."""
    out = gray.astype(np.float32, copy=True)
    for axis in (0, 1):
        view = out if axis == 0 else out.T
        size = view.shape[0]
        for p in block_phases(gray, axis, block):
            rows = np.arange(p, size - 2, block)  # the step lies between rows r and r + 1
            rows = rows[rows >= 1]
            a, b = view[rows - 1], view[rows + 2]
            view[rows] = (2 * a + b) / 3
            view[rows + 1] = (a + 2 * b) / 3
    return out


def edge_sharpness(native: np.ndarray, noise: float, short_side: int) -> float:
    """Sharpness of the picture's edges, not of its grain or its codec's blocks: the
    native-resolution luma (H, W), 8-bit levels, has its block grid smoothed out
    (:func:`deblock`), is median-filtered with a window that grows with the measured
    ``noise`` sigma (DENOISE_STEPS: a median keeps step edges and removes grain), scaled to
    the reference short side, and scored by :func:`laplacian_sharpness` (no noise term).
    Adding noise to a picture therefore no longer raises its sharpness (measured on real
    footage: sigma 8-44 used to raise it by up to 0.9; now it falls or stays)."""
    return laplacian_sharpness(_denoised_reference(native, noise, short_side))


def _denoised_reference(native: np.ndarray, noise: float, short_side: int) -> np.ndarray:
    """:func:`edge_sharpness`'s picture: deblocked, median-denoised, at the reference size (float32)."""
    k = next((size for limit, size in DENOISE_STEPS if noise < limit), 11)
    smooth = cv2.medianBlur(np.clip(deblock(native), 0, 255).astype(np.uint8), k)
    return to_reference(cv2.cvtColor(smooth, cv2.COLOR_GRAY2RGB), short_side)


def subject_sharpness(native: np.ndarray, noise: float, short_side: int, tiles: int = 4,
                      top_share: float = 0.25) -> float:
    """Sharpness of the sharpest part of the picture: the picture of :func:`edge_sharpness`
    is cut into square tiles (``tiles`` across the short side) and each is scored by
    :func:`laplacian_sharpness`; the result is the mean of the sharpest ``top_share`` of
    the tiles. A crisp subject against a deliberately blurred background (a packshot
    with bokeh) reads as sharp as the subject; a picture blurred all over stays soft.
    ``native``: luma (H, W), 8-bit levels; same scale as :func:`edge_sharpness`."""
    return sharpness_pair(native, noise, short_side, tiles, top_share)[1]


def sharpness_pair(native: np.ndarray, noise: float, short_side: int, tiles: int = 4,
                   top_share: float = 0.25) -> tuple[float, float]:
    """(:func:`edge_sharpness`, :func:`subject_sharpness`) from one denoised picture."""
    ref = _denoised_reference(native, noise, short_side)
    whole = laplacian_sharpness(ref)
    lap = cv2.Laplacian(ref, cv2.CV_32F)
    values = [math.log10(1.0 + float(lap[y:y + side, x:x + side].var()))
              for y, x, side in sharpest_tiles(lap, tiles, top_share)]
    return whole, (float(np.mean(values)) if values else whole)


def sharpest_tiles(lap: np.ndarray, tiles: int = 4, top_share: float = 0.25) -> list[tuple[int, int, int]]:
    """The sharpest ``top_share`` of square tiles (``tiles`` across the short side) of a
    picture, as (top, left, side) px, sharpest first, ranked by the variance of ``lap`` (a
    Laplacian of the picture, shape (H, W)). Empty for pictures under 8 px."""
    side = max(8, min(lap.shape) // tiles)
    boxes = [(y, x) for y in range(0, lap.shape[0] - side + 1, side) for x in range(0, lap.shape[1] - side + 1, side)]
    if not boxes:
        return []
    var = [float(lap[y:y + side, x:x + side].var()) for y, x in boxes]
    order = np.argsort(var)[::-1][:max(1, round(top_share * len(boxes)))]
    return [(boxes[i][0], boxes[i][1], side) for i in order]


def noise_sigma(gray: np.ndarray, edge_percentile: float = 50.0) -> float:
    """Gaussian noise standard deviation in 8-bit levels of a grayscale image (H, W).

    Immerkaer's (1996) fast estimate, averaged only over the flat part of the picture:
    pixels whose Sobel gradient on a 5x5-median-filtered copy (so grain does not make
    flat areas look busy) is below ``edge_percentile`` (Tai & Yang 2008), so edges and
    texture are not read as noise. White noise of sigma 10 on grey reads about 10.
    """
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    response = np.abs(cv2.filter2D(gray, cv2.CV_32F, kernel)[1:-1, 1:-1])
    smooth = cv2.medianBlur(np.clip(gray, 0, 255).astype(np.uint8), 5).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))[1:-1, 1:-1]
    keep = grad <= np.percentile(grad, edge_percentile)
    if not keep.any():
        return 0.0
    return float(response[keep].mean() * math.sqrt(math.pi / 2) / 6.0)


def flashes(times: np.ndarray, luma: np.ndarray, end_s: float | None = None, rise: float = 30.0,
            contrast: float = 0.7, window_s: float = 2.0, max_s: float = 1.0) -> tuple[float, int] | None:
    """Share of the video washed out by flashes or light leaks (0-1 of its frames) and how
    many there were, from every frame's luma signature (``times`` (N,) seconds, ``luma``
    (N, S, S) 0-255). A washed-out frame is brighter than the ``window_s`` around it by at
    least ``rise`` levels (mean luma) while its contrast (luma std) falls to at most
    ``contrast`` of the surrounding frames'; a flash is a run of such frames no longer than
    ``max_s`` (a steady white card or a bright scene is not a flash). Frames from ``end_s``
    on (a platform end card) are left out. None with fewer than 8 frames."""
    times = np.asarray(times, dtype=np.float64)
    keep = times < end_s if end_s is not None else np.ones(times.shape, bool)
    t = times[keep]
    if len(t) < 8 or t[-1] <= t[0]:  # before reshaping: reshape(0, -1) of no frames raises
        return None
    y = np.asarray(luma, dtype=np.float32)[keep].reshape(len(t), -1)
    fps = (len(t) - 1) / float(t[-1] - t[0])
    half = max(1, int(round(window_s * fps / 2)))
    mean, std = y.mean(axis=1), y.std(axis=1)
    pad = lambda v: np.pad(v, half, mode="edge")  # noqa: E731
    local_mean = np.median(np.lib.stride_tricks.sliding_window_view(pad(mean), 2 * half + 1), axis=1)
    local_std = np.median(np.lib.stride_tricks.sliding_window_view(pad(std), 2 * half + 1), axis=1)
    washed = (mean - local_mean >= rise) & (std <= contrast * local_std)
    n_frames, count, i = 0, 0, 0
    while i < len(washed):
        if not washed[i]:
            i += 1
            continue
        j = i
        while j < len(washed) and washed[j]:
            j += 1
        if (j - i) / fps <= max_s:
            n_frames += j - i
            count += 1
        i = j
    return n_frames / len(t), count
