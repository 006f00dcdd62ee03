"""Picture basics: sharpness, exposure and noise, measured at a fixed reference size."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
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


@dataclass(frozen=True)
class PictureConfig:
    reference_short_side: int = 540
    crushed_level: float = 16 / 255
    blown_level: float = 250 / 255
    exposure_median_px: int = 5  # median filter size for crushed/blown shares, at analysis size
    noise_margin: float = 1.5  # noise sigmas (beyond the invisible part) added to the crushed/blown limits
    invisible_noise: float = 1.5  # grain under this sigma (8-bit levels, 540-px size) is not seen
    # The subject counts when it is this much sharper than the whole picture: on real
    # footage the sharpest quarter reads 0-0.5 above the whole (CRF ladders of 13 sources),
    # so only a subject set clearly apart from its background (bokeh) changes the judgment.
    subject_margin: float = 0.5
    # A flash or light leak: a frame at least this much brighter (mean luma, 0-255) than the
    # 2 s around it with its contrast down to 70 % of theirs, in runs of at most 1 s. On 17
    # real clips: white-flash and light-leak transitions read 1-15 % of the frames, a steady
    # white logo card, bright selfies and sunny scenes 0.
    flash_rise: float = 30.0


class PictureAnalyzer(Analyzer):
    """Sharpness (:func:`edge_sharpness`: log10 of 1 + Laplacian variance of the
    median-denoised picture at a 540-px short side, median over stills), subject sharpness
    (:func:`subject_sharpness`: the same on the sharpest quarter of the picture), focus
    sharpness (the sharpness judged: the whole picture's, or the subject's less
    ``subject_margin`` when that is higher, so deliberate background blur is not soft
    focus), brightness (mean
    luma 0-1 over body frames), crushed/blown pixel shares (0-1, on a 5x5 median-filtered
    picture; limits moved in by 1.5 sigmas of visible noise), contrast (luma std 0-1) and
    noise (sigma, 8-bit levels, Immerkaer on the flattest half of the stills at their
    native resolution). Letterbox/pillarbox bars are cut off first (:func:`content_box`).
    ``flash_share`` / ``flashes``: the share of frames (0-1) washed out by flashes or light
    leaks and their count (:func:`flashes`, on every frame's signature; None without
    signatures)."""

    name = "picture"
    version = "7"
    Config = PictureConfig
    features = (
        Feature("sharpness", "number", None,
                "log10(1 + Laplacian variance) of the deblocked, denoised picture at a 540-px short side, "
                "median over stills; None without stills"),
        Feature("subject_sharpness", "number", None,
                "as sharpness, on the sharpest quarter of tiles, median over stills; None without stills"),
        Feature("focus_sharpness", "number", None,
                "the sharpness judged: max(sharpness, subject_sharpness - subject_margin); None without stills"),
        Feature("brightness", "number", "0-1",
                "mean luma over body frames (bars cut off); None without body frames"),
        Feature("crushed_ratio", "number", "0-1",
                "share of body pixels (5x5 median) below level 16 (of 255) plus a noise margin; "
                "None without body frames"),
        Feature("blown_ratio", "number", "0-1",
                "share of body pixels (5x5 median) above level 250 (of 255) less a noise margin; "
                "None without body frames"),
        Feature("contrast", "number", "0-1",
                "mean over body frames of the luma standard deviation; None without body frames"),
        Feature("noise_level", "number", "8-bit levels",
                "noise sigma (Immerkaer, flattest half, native size), median over stills; None without stills"),
        Feature("flash_share", "number", "0-1",
                "share of frames before the end card washed out by flashes or light leaks; "
                "None without signatures or under 8 frames"),
        Feature("flashes", "int", None,
                "flashes or light leaks (washed-out runs of at most 1 s); None without signatures or under 8 frames"),
    )
    evidence_keys = ("sharpness", "brightness", "noise_level")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: PictureConfig = self.config
        natives = [cv2.cvtColor(crop_content(img), cv2.COLOR_RGB2GRAY).astype(np.float32) for img in clip.stills.images]
        noises = [noise_sigma(g) for g in natives]
        pairs = [sharpness_pair(g, n, cfg.reference_short_side) for g, n in zip(natives, noises)]
        sharp = float(np.median([p[0] for p in pairs])) if pairs else None
        subject = float(np.median([p[1] for p in pairs])) if pairs else None
        noise = float(np.median(noises)) if natives else None
        lumas = [crop_content(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)) for f in clip.body.images]
        if lumas:
            # Clipping is judged on a median-filtered picture, with the limits moved in by
            # the grain: detail within a few noise sigmas of black or white is lost, and
            # grain lifting pixels out of a crushed shadow does not bring its detail back.
            margin = cfg.noise_margin * max(0.0, (noise or 0.0) - cfg.invisible_noise)
            low, high = cfg.crushed_level * 255 + margin, cfg.blown_level * 255 - margin
            n = total = n_crushed = n_blown = 0
            for y in lumas:
                smooth = cv2.medianBlur(y, cfg.exposure_median_px)
                n += y.size
                total += int(y.sum(dtype=np.uint64))
                n_crushed += int(np.count_nonzero(smooth < low))
                n_blown += int(np.count_nonzero(smooth > high))
            brightness = total / n / 255.0
            crushed, blown = n_crushed / n, n_blown / n
            contrast = float(np.mean([y.std(dtype=np.float32) for y in lumas])) / 255.0
        else:
            brightness = crushed = blown = contrast = None
        sig = clip.signatures
        flash = flashes(sig.times, sig.luma, clip.content_end_s, cfg.flash_rise) if sig is not None else None
        features = {
            "flash_share": None if flash is None else round(flash[0], 4),
            "flashes": None if flash is None else flash[1],
            "sharpness": _round(sharp, 3),
            "subject_sharpness": _round(subject, 3),
            "focus_sharpness": _round(None if sharp is None else max(sharp, (subject or 0.0) - cfg.subject_margin), 3),
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
