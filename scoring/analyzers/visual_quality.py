"""Picture artefacts: block compression, camera shake, and a no-reference quality model (BRISQUE).

Compression is measured as blocking: steps on the codec's 8-px grid against the steps
inside blocks, and the share of grid segments that are visible seams between flattened
blocks. Banding (false contours) and smearing are measured on the middle still
(:mod:`scoring.services.artefacts`) and reported, not weighted. The sharpness in
``picture`` ignores the block grid (``picture.deblock``), so smeared, blocky pictures no
longer read as sharp.

BRISQUE (Mittal, Moorthy & Bovik 2012) is computed here with OpenCV filters and a NumPy
RBF support-vector regression; the trained SVM is the original LIVE-IQA model as shipped
(as text) in the ``brisque`` wheel (Apache-2.0). The wheel's own ``score()`` is not used:
it takes ~1.1 s per 1080x1920 frame, needs libsvm, and loads its scaling from a pickle.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.special import gamma as gamma_fn

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.artefacts import banding, smearing
from scoring.services.picture_measures import content_box, crop_content, sharpest_tiles

# Feature scaling of the original BRISQUE release ("allrange", LIVE IQA); identical to
# brisque 0.2.0's models/normalize.pickle. Order: per scale, mscn (alpha, var) then
# 4 pair products (alpha, mean, left var, right var).
_FEATURE_MIN = np.array([
    0.336999, 0.019667, 0.23, -0.125959, 0.000167, 0.000616, 0.231, -0.125873, 0.000165, 0.0006, 0.241,
    -0.128814, 0.000179, 0.000386, 0.243, -0.13308, 0.000182, 0.000421, 0.436998, 0.016929, 0.247, -0.200231,
    0.000104, 0.000834, 0.257, -0.200017, 0.000112, 0.000876, 0.257, -0.155072, 0.000112, 0.000356, 0.258,
    -0.154374, 0.000117, 0.000351])
_FEATURE_MAX = np.array([
    9.999411, 0.807472, 1.644021, 0.202917, 0.712384, 0.468672, 1.644021, 0.169548, 0.713132, 0.467896,
    1.553016, 0.101368, 0.687324, 0.533087, 1.554016, 0.101, 0.689177, 0.533133, 3.639918, 0.800955, 1.096995,
    0.175286, 0.755547, 0.39927, 1.095995, 0.155928, 0.751488, 0.402398, 1.041992, 0.093209, 0.623516, 0.532925,
    1.042992, 0.093714, 0.621958, 0.534484])
# Shape parameter lookup for the generalised Gaussian moment-ratio fit (as in the original code).
_ALPHAS = np.arange(0.2, 10.0, 0.001)
_RHO = gamma_fn(2 / _ALPHAS) ** 2 / (gamma_fn(1 / _ALPHAS) * gamma_fn(3 / _ALPHAS))


@dataclass(frozen=True)
class SvrModel:
    """An RBF epsilon-SVR: f(x) = sum_i coef_i * exp(-gamma * |x - sv_i|^2) - rho.

    Attributes:
        support: support vectors, shape (n_sv, n_features); coef: dual coefficients, shape (n_sv,).
    """

    support: np.ndarray
    coef: np.ndarray
    gamma: float
    rho: float

    def predict(self, x: np.ndarray) -> float:
        d2 = np.sum((self.support - x[None, :]) ** 2, axis=1)
        return float(self.coef @ np.exp(-self.gamma * d2) - self.rho)


def parse_libsvm_model(text: str, n_features: int = 36) -> SvrModel:
    """Read a libsvm text model (RBF kernel, regression) into an :class:`SvrModel`."""
    header, _, body = text.partition("\nSV\n")
    params = dict(line.split(" ", 1) for line in header.splitlines() if " " in line)
    if params.get("kernel_type") != "rbf":
        raise ValueError(f"unsupported libsvm kernel {params.get('kernel_type')!r}")
    rows = [line.split() for line in body.splitlines() if line.strip()]
    coef = np.array([float(r[0]) for r in rows])
    support = np.zeros((len(rows), n_features))
    for i, r in enumerate(rows):
        for item in r[1:]:
            k, v = item.split(":")
            support[i, int(k) - 1] = float(v)
    return SvrModel(support, coef, float(params["gamma"]), float(params["rho"]))


@functools.cache
def brisque_model() -> SvrModel | None:
    """The LIVE-IQA BRISQUE SVM from the ``brisque`` wheel, or None (with a warning) if it is missing."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("brisque")
    path = Path(spec.origin).parent / "models" / "svm.txt" if spec and spec.origin else None
    if path is None or not path.is_file():
        warnings.warn("brisque==0.2.0 is not installed: visual quality is measured without BRISQUE",
                      RuntimeWarning, stacklevel=2)
        return None
    return parse_libsvm_model(path.read_text())


def _aggd_fit(x: np.ndarray) -> tuple[float, float, float, float]:
    """Asymmetric generalised Gaussian fit: (alpha, mean, left variance, right variance)."""
    x = x.ravel()
    sq = x * x
    neg = x < 0
    n_left = int(np.count_nonzero(neg))
    n_right = x.size - n_left
    left_sq = float(np.sum(sq, where=neg, dtype=np.float64))
    total_sq = float(np.sum(sq, dtype=np.float64))
    sl = math.sqrt(left_sq / n_left) if n_left else 0.0
    sr = math.sqrt((total_sq - left_sq) / n_right) if n_right else 0.0
    mean_sq = total_sq / max(x.size, 1)
    if sl == 0 or sr == 0 or mean_sq == 0:
        return 10.0, 0.0, sl**2, sr**2
    gam = sl / sr
    r_hat = (float(np.sum(np.abs(x), dtype=np.float64)) / x.size) ** 2 / mean_sq
    r_norm = r_hat * (gam**3 + 1) * (gam + 1) / (gam**2 + 1) ** 2
    alpha = float(_ALPHAS[np.argmin((_RHO - r_norm) ** 2)])
    const = math.sqrt(gamma_fn(1 / alpha) / gamma_fn(3 / alpha))
    mean = (sr - sl) * const * gamma_fn(2 / alpha) / gamma_fn(1 / alpha)
    return alpha, mean, sl**2, sr**2


_KERNEL = cv2.getGaussianKernel(7, 7 / 6) @ cv2.getGaussianKernel(7, 7 / 6).T


def _scale_features(gray: np.ndarray) -> list[float]:
    """18 BRISQUE features of one scale of a float32 grayscale image in [0, 1]."""
    mu = cv2.filter2D(gray, -1, _KERNEL, borderType=cv2.BORDER_CONSTANT)
    sigma = np.sqrt(np.abs(mu**2 - cv2.filter2D(gray * gray, -1, _KERNEL, borderType=cv2.BORDER_CONSTANT)))
    m = (gray - mu) / (sigma + 1 / 255)
    alpha, _, vl, vr = _aggd_fit(m)
    feats = [alpha, (vl + vr) / 2]
    for prod in (m[:, :-1] * m[:, 1:], m[:-1, :] * m[1:, :], m[:-1, :-1] * m[1:, 1:], m[1:, :-1] * m[:-1, 1:]):
        feats.extend(_aggd_fit(prod))
    return feats


def brisque_features(gray: np.ndarray) -> np.ndarray:
    """36 BRISQUE features (two scales) of a grayscale image (H, W), float in [0, 1]."""
    gray = gray.astype(np.float32)
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
    return np.array(_scale_features(gray) + _scale_features(half))


def brisque_score(gray: np.ndarray) -> float | None:
    """BRISQUE of a grayscale image (H, W) in [0, 1]: about 0 (pristine) to 100+ (very distorted)."""
    model = brisque_model()
    if model is None or min(gray.shape) < 16:
        return None
    f = brisque_features(gray)
    scaled = -1 + 2 * (f - _FEATURE_MIN) / (_FEATURE_MAX - _FEATURE_MIN)
    return model.predict(scaled)


def subject_brisque(gray: np.ndarray, tiles: int = 4, top_share: float = 0.25) -> float | None:
    """BRISQUE of the subject: the mean of :func:`brisque_score` over the sharpest
    ``top_share`` of square tiles (``tiles`` across the short side; ranked by Laplacian
    variance after a 3-px median, so grain does not pick the tiles). ``gray``: (H, W) in
    [0, 1] at the reference size. None without the model or for pictures under 64 px."""
    if brisque_model() is None or min(gray.shape) < 64:
        return None
    g8 = np.clip(gray * 255, 0, 255).astype(np.uint8)
    lap = cv2.Laplacian(cv2.medianBlur(g8, 3).astype(np.float32), cv2.CV_32F)
    scores = [brisque_score(gray[y:y + side, x:x + side]) for y, x, side in sharpest_tiles(lap, tiles, top_share)]
    scores = [s for s in scores if s is not None]
    return float(np.mean(scores)) if scores else None


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB uint8 image (H, W, 3) as float32 in 8-bit levels, shape (H, W)."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def blockiness(gray: np.ndarray, block: int = 8, eps: float = 0.5, cap: float = 3.0) -> float | None:
    """How much stronger luma steps are across a block grid than inside blocks (0 = none).

    For each axis, the mean absolute step between neighbouring pixels is averaged per
    position modulo ``block``; the strongest phase (where a codec's block edges fall,
    whatever the crop) is compared with the median of the others. Measured on frames at
    their coded resolution. Returns the mean of both axes' ratios minus 1, at most
    ``cap`` (flat blocks make the ratio unbounded), or None for images under two blocks across.

    Args:
        gray: luma, float (H, W), 8-bit levels.
    """
    if min(gray.shape) < 2 * block + 1:
        return None
    ratios = []
    for steps in (np.abs(np.diff(gray, axis=1)).mean(axis=0), np.abs(np.diff(gray, axis=0)).mean(axis=1)):
        n = steps.size // block * block
        phases = steps[:n].reshape(-1, block).mean(axis=0)
        best = int(np.argmax(phases))
        ratios.append((phases[best] + eps) / (float(np.median(np.delete(phases, best))) + eps))
    return float(min(np.mean(ratios) - 1.0, cap))


def block_edge_share(gray: np.ndarray, block: int = 8, contrast: float = 1.5, floor: float = 0.5) -> float | None:
    """Share of block-grid segments that are visible block edges (0-1).

    The grid phase on each axis is the position (mod ``block``) with the largest mean
    step. Each grid line is cut into ``block``-pixel segments; a segment is a block edge
    when the mean step across it exceeds ``contrast`` times the larger mean step just
    inside either neighbouring block, plus ``floor`` levels: the codec flattened the
    blocks and left a seam. Unlike the step ratio of :func:`blockiness` this keeps
    rising at the heaviest compression (blocks flat inside, seams everywhere), and blur,
    noise and darkness do not raise it. Clean footage ≈ 0.03-0.12. None under 3 blocks.

    Args:
        gray: luma, float (H, W), 8-bit levels, at coded resolution.
    """
    if min(gray.shape) < 3 * block + 2:
        return None
    shares = []
    for x in (gray, gray.T):
        steps = np.abs(np.diff(x, axis=1))  # (H, W-1): step between columns c and c + 1
        n = steps.shape[1] // block * block
        phase = int(np.argmax(steps[:, :n].reshape(steps.shape[0], -1, block).mean(axis=(0, 1))))
        cols = np.arange(phase, steps.shape[1] - 1, block)
        cols = cols[cols >= 1]
        rows = steps.shape[0] // block * block

        def seg(c: np.ndarray, steps: np.ndarray = steps, rows: int = rows) -> np.ndarray:
            return steps[:rows, c].reshape(-1, block, len(c)).mean(axis=1)

        across, inside = seg(cols), np.maximum(seg(cols - 1), seg(cols + 1))
        shares.append(float(np.mean(across > contrast * inside + floor)))
    return float(np.mean(shares))


def frame_shifts(frames: np.ndarray, short_side: int = 180,
                 min_response: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    """Global translation between consecutive frames by phase correlation.

    Args:
        frames: RGB uint8, shape (N, H, W, 3).
    Returns:
        (shifts (N-1, 2) as (dx, dy) in fractions of the frame's short side,
        valid (N-1,) bool: the correlation peak was clear, so not a cut or a flat frame).
    """
    n = frames.shape[0]
    if n < 2:
        return np.zeros((0, 2)), np.zeros(0, bool)
    h, w = frames.shape[1:3]
    scale = short_side / min(h, w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    window = cv2.createHanningWindow(size, cv2.CV_32F)
    grays = [cv2.resize(luma(f), size, interpolation=cv2.INTER_AREA) for f in frames]
    shifts, valid = np.zeros((n - 1, 2)), np.zeros(n - 1, bool)
    for i in range(n - 1):
        a, b = grays[i], grays[i + 1]
        if a.std() < 2 or b.std() < 2:
            continue
        (dx, dy), response = cv2.phaseCorrelate(a, b, window)
        shifts[i] = (dx / min(size), dy / min(size))
        valid[i] = response >= min_response
    return shifts, valid


def shake_level(shifts: np.ndarray, valid: np.ndarray) -> float | None:
    """Camera jitter: RMS change of frame-to-frame motion, % of the frame's short side.

    A steady pan moves by the same step each frame and scores near 0; a handheld shake
    changes direction every frame. The largest 10 % are dropped (occasional misses).
    Returns None with fewer than 2 usable motion changes.
    """
    ok = valid[1:] & valid[:-1]
    if ok.sum() < 2:
        return None
    accel = np.linalg.norm(np.diff(shifts, axis=0)[ok], axis=1) * 100
    kept = np.sort(accel)[: max(2, int(math.ceil(0.9 * accel.size)))]
    return float(np.sqrt(np.mean(kept**2)))


def combine_quality(brisque: float | None, block: float | None, shake: float | None) -> float | None:
    """One 0-100 picture-quality number: BRISQUE quality (100 - BRISQUE) discounted for
    visible block edges and camera shake, which BRISQUE on single stills misses."""
    if brisque is None:
        return None
    q = float(np.clip(100.0 - brisque, 0.0, 100.0))
    if block is not None:
        q *= float(np.interp(block, [0.15, 0.6, 1.5], [1.0, 0.8, 0.5]))
    if shake is not None:
        q *= float(np.interp(shake, [0.5, 2.0, 5.0], [1.0, 0.8, 0.5]))
    return q


@dataclass(frozen=True)
class VisualQualityConfig:
    """Attributes (besides sizes): block_edge_base / block_edge_gain: blockiness adds
    ``gain x (block_edge_share - base)`` when the share of visible block-edge segments
    is above ``base`` (clean footage and re-encoded UGC measured 0.03-0.18; x264 CRF 44-51
    0.15-0.32). Tuned on ladders of 4 sources, checked on 4 others (notes/visual.md)."""

    reference_short_side: int = 540  # BRISQUE runs at this size; blockiness is scaled to it
    shake_short_side: int = 180
    min_response: float = 0.08
    block_edge_base: float = 0.16
    block_edge_gain: float = 6.0
    # The subject's BRISQUE counts when it is this much better than the whole picture's
    # (real footage: within ~15 either way; a crisp cup over a blurred table: 36 vs 77).
    subject_brisque_margin: float = 20.0


class VisualQualityAnalyzer(Analyzer):
    """Compression, shake and a learned picture-quality model.

    Features:
        ``blockiness``: 8x8 block-edge step over in-block step, minus 1 (:func:`blockiness`),
            plus ``block_edge_gain`` x the share of block-edge segments above
            ``block_edge_base`` (:func:`block_edge_share`: keeps rising at the heaviest
            compression, where the step ratio saturates), measured on stills at coded
            resolution and scaled by 540 / short side (clipped to 0.5-2) for how large the
            blocks look; the larger of the 8-px and 16-px grids' values (at CRF 45-51 x264
            codes whole 16-px macroblocks and the 8-px measure fell: on 2 of 13 real
            CRF ladders CRF 51 read less blocky than CRF 45); median over stills. Clean ≈ 0-0.1, heavy H.264 > 0.5.
        ``block_edges``: median :func:`block_edge_share` of the stills (0-1).
        ``shake``: camera jitter over the hook frames, % of the short side per frame (8 fps).
        ``brisque``: BRISQUE at a 540-px short side (0 pristine, ~100 very distorted).
        ``subject_brisque``: BRISQUE of the picture's sharpest quarter (:func:`subject_brisque`):
            a blurred background is no distortion when the subject is crisp.
        ``focus_brisque``: the BRISQUE judged: the whole picture's, or the subject's plus
            ``subject_brisque_margin`` when that is lower (a packshot with bokeh).
        ``quality``: 0-100 combination (100 - ``focus_brisque``, discounted for blocks and shake);
            also the ``visual_quality`` evidence.
        ``banding``: share of the middle still's smooth gradients that are flat steps
            (:func:`scoring.services.artefacts.banding`; None without gradients).
        ``smearing``: missing share of the finest detail where the middle still has
            texture (:func:`scoring.services.artefacts.smearing`). Banding and smearing
            are reported, not yet weighted into ``visual_clarity``.
    """

    name = "visual_quality"
    version = "5"
    Config = VisualQualityConfig
    features = (
        Feature("blockiness", "number", None,
                "median over stills of block-grid step / in-block step - 1 plus the block-edge term, larger of "
                "the 8/16-px grids, scaled for block size (clean ~0-0.1, heavy H.264 > 0.5); None without stills"),
        Feature("block_edges", "number", "0-1",
                "median over stills of the share of 8-px grid segments that are visible seams; None without stills"),
        Feature("shake", "number", "% of short side per frame",
                "camera jitter over the hook frames (RMS change of motion); None under 2 usable motion changes"),
        Feature("brisque", "number", None,
                "BRISQUE at a 540-px short side (0 pristine, ~100 very distorted), median over stills; "
                "None without the model or stills"),
        Feature("subject_brisque", "number", None,
                "BRISQUE of the sharpest quarter of tiles, median over stills; None without the model or under 64 px"),
        Feature("focus_brisque", "number", None,
                "the BRISQUE judged: min(brisque, subject_brisque + margin), or brisque; None without brisque"),
        Feature("quality", "number", "0-100",
                "100 - focus_brisque, discounted for blocks and shake; None without brisque"),
        Feature("banding", "number", "0-1", "share of the middle still's smooth gradients that are flat steps; "
                                            "None without gradients (under 1 % of the picture) or stills"),
        Feature("smearing", "number", "0-1", "missing share of the finest detail in the middle still's textured half; "
                                             "None without texture, under 32 px or without stills"),
    )
    evidence_keys = ("visual_quality",)

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: BRISQUE."""
        brisque_model()

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: VisualQualityConfig = self.config
        grays = [crop_content(luma(img)) for img in clip.stills.images]
        # Blocks are as large on screen as they are against the picture: 8-px blocks in a
        # 1080-px frame look half as big as in a 540-px one.
        blocks, shares = [], []
        for g in grays:
            per_grid = []
            for size in (8, 16):  # 16: at the heaviest compression H.264 codes whole macroblocks
                b, share = blockiness(g, block=size), block_edge_share(g, block=size)
                if b is None:
                    continue
                if share is not None:
                    if size == 8:
                        shares.append(share)
                    b = min(3.0, b + cfg.block_edge_gain * max(0.0, share - cfg.block_edge_base))
                per_grid.append(b)
            if per_grid:
                blocks.append(max(per_grid) * float(np.clip(cfg.reference_short_side / min(g.shape), 0.5, 2.0)))
        middle = grays[len(grays) // 2] if grays else None  # one still: all three cost ~5 % of a fast run
        band = banding(middle) if middle is not None else None
        smear = smearing(middle) if middle is not None else None
        block = float(np.median(blocks)) if blocks else None
        block_edges = float(np.median(shares)) if shares else None
        refs = [_resize_short(g, cfg.reference_short_side) / 255.0 for g in grays]
        scores = [s for s in (brisque_score(r) for r in refs) if s is not None]
        brisque = float(np.median(scores)) if scores else None
        subject = [s for s in (subject_brisque(r) for r in refs) if s is not None]
        subject_bq = float(np.median(subject)) if subject else None
        hook = clip.hook.images
        if len(hook):
            top, bottom, left, right = content_box(luma(hook[0]))
            hook = hook[:, top:bottom, left:right]
        shifts, valid = frame_shifts(hook, cfg.shake_short_side, cfg.min_response)
        shake = shake_level(shifts, valid)
        focus_bq = brisque if brisque is None or subject_bq is None else min(brisque, subject_bq + cfg.subject_brisque_margin)
        quality = combine_quality(focus_bq, block, shake)
        features = {
            "blockiness": _round(block, 4),
            "block_edges": _round(block_edges, 4),
            "shake": _round(shake, 3),
            "brisque": _round(brisque, 2),
            "subject_brisque": _round(subject_bq, 2),
            "focus_brisque": _round(focus_bq, 2),
            "quality": _round(quality, 1),
            "banding": _round(band, 4),
            "smearing": _round(smear, 4),
        }
        return self.signals(features, {"visual_quality": features["quality"]})


def _resize_short(gray: np.ndarray, short_side: int) -> np.ndarray:
    h, w = gray.shape
    scale = short_side / min(h, w)
    if abs(scale - 1) < 1e-3:
        return gray
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
