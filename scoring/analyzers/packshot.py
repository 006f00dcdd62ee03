"""Product on screen: the campaign's packshots found in body frames by local features.

ORB keypoints (rotation- and scale-invariant binary descriptors; the packshot is described
at several sizes), LSH nearest neighbours with Lowe's ratio test, a 2-point similarity
consensus refined into a homography, and sanity checks on the projected outline (convex,
not mirrored, not collapsed, plausible perspective, inliers spread over the packshot).
That holds under scale, in-plane rotation, moderate perspective and partial occlusion.

Cost: ORB plus matching is about 10 ms per 360x640 frame on one core, so not every body
frame is matched: every ``coarse_step``-th frame is, frames that look like the last one
matched reuse its answer, and frames between two coarse frames that disagree are matched
to place the change (0.3 s for a 30 s clip). Packshot descriptors are computed once per
process (cached by path + mtime). OpenCV's RNG is reseeded per frame: same input, same answer.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip


@dataclass(frozen=True)
class PackshotConfig:
    """Attributes:
    n_features / fast_threshold: ORB keypoints per frame and FAST corner threshold (0-255);
        a low threshold keeps small products findable next to high-contrast text.
    packshot_long_side: larger packshots are scaled down to this long side (px) first.
    packshot_sizes: long sides (px of the analysis frame, 640 at most) the packshot is
        described at, up- or down-scaled (ORB with 3 levels at each): a product may fill
        the frame or be a tenth of it.
    packshot_features: ORB keypoints kept per packshot size.
    ratio: Lowe's ratio test (best / second-best Hamming distance).
    ransac_px: homography inlier tolerance, pixels of the analysis frame.
    similarity_px: tolerance of the first, similarity-only consensus (it ignores perspective).
    min_inliers / min_inlier_share: a match needs this many homography inliers, and this
        share of the ratio-test survivors.
    min_spread: inliers must span at least this share of the packshot's area (bounding box).
    min_area / max_area: visible outline area as a share of the frame (0-1).
    max_side_ratio: longest / shortest side of the projected outline (perspective limit).
    coarse_step: match every n-th body frame first (2 = 1 fps at the default 2 fps).
    same_frame_diff: mean grey difference (0-255) of 32x32 thumbnails under which a frame
        reuses the answer of the frame matched before it.
    fill_gaps: a run of at most this many frames without the product between two frames
        with it counts as showing it (a hand or motion blur hides it for a moment).
    end_card_share: first appearance after this share of the duration = end card only.
    face_tolerance_s: a face seen within this many seconds counts as on screen together.
    """

    n_features: int = 1500
    fast_threshold: int = 10
    packshot_long_side: int = 480
    packshot_sizes: tuple[int, ...] = (480, 340, 240, 170, 120, 84)
    packshot_features: int = 400
    ratio: float = 0.8
    ransac_px: float = 5.0
    similarity_px: float = 12.0
    min_inliers: int = 20
    min_inlier_share: float = 0.1
    min_spread: float = 0.08
    min_area: float = 0.003
    max_area: float = 1.5
    max_side_ratio: float = 4.0
    coarse_step: int = 2
    same_frame_diff: float = 1.0
    fill_gaps: int = 1
    end_card_share: float = 0.8
    face_tolerance_s: float = 0.5


@dataclass
class Packshot:
    """Descriptors of one packshot: ``keypoints`` (K, 2) px, ``descriptors`` (K, 32) uint8,
    ``corners`` (4, 2) px outline of the product (the image, or its alpha box), ``size`` (w, h)."""

    name: str
    keypoints: np.ndarray
    descriptors: np.ndarray
    corners: np.ndarray
    size: tuple[int, int]


@dataclass
class Sighting:
    """The product found in one frame: ``share`` of the frame covered (0-1), ``inliers``."""

    name: str
    share: float
    inliers: int


def _orb(cfg: PackshotConfig) -> cv2.ORB:
    return cv2.ORB_create(cfg.n_features, fastThreshold=cfg.fast_threshold)


def _grey(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> grey (H, W), contrast stretched when the picture is dull
    (ORB's FAST threshold is absolute; its binary tests survive monotone changes)."""
    g = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    lo, hi = np.percentile(g[::4, ::4], (1, 99))
    if hi - lo < 96 and hi > lo:
        g = cv2.convertScaleAbs(g, alpha=255.0 / (hi - lo), beta=-lo * 255.0 / (hi - lo))
    return g


@functools.lru_cache(maxsize=32)
def _load_packshot(path: str, mtime_ns: int, cfg: PackshotConfig) -> Packshot | None:
    """Read, scale and describe one packshot; None if unreadable or featureless.
    ``mtime_ns`` is part of the cache key only: an edited file is described again."""
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        return None
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGRA)
    elif img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    if img.dtype != np.uint8:
        img = cv2.convertScaleAbs(img, alpha=255.0 / max(float(img.max()), 1.0))
    h, w = img.shape[:2]
    scale = min(1.0, cfg.packshot_long_side / max(h, w))
    if scale < 1.0:
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    alpha = img[..., 3]
    mask = (alpha > 127).astype(np.uint8) * 255 if alpha.min() < 128 else np.full((h, w), 255, np.uint8)
    grey = _grey(cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2RGB))
    pts, descs = _describe_scales(grey, mask, cfg)
    if len(pts) < cfg.min_inliers:
        return None
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    corners = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    name = os.path.splitext(os.path.basename(path))[0]
    return Packshot(name, pts, descs, corners, (int(x1 - x0), int(y1 - y0)))


def _describe_scales(grey: np.ndarray, mask: np.ndarray, cfg: PackshotConfig) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints (K, 2) in ``grey``'s pixels and descriptors (K, 32) at several scales.

    Products on screen range from a tenth of the frame to all of it, and ORB's own pyramid
    on either side leaves few keypoints at the extremes; each scale is padded so that ORB's
    31 px border margin does not drop the product's edges.
    """
    pad = 32
    orb = cv2.ORB_create(cfg.packshot_features, fastThreshold=cfg.fast_threshold, nlevels=3)
    all_pts, all_desc = [], []
    h, w = grey.shape
    for long_side in cfg.packshot_sizes:
        s = long_side / max(h, w)
        size = (round(w * s), round(h * s))
        if min(size) < 24:
            continue
        g = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC) if s != 1.0 else grey
        m = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST) if s != 1.0 else mask
        fill = int(np.median(g[m > 0])) if (m > 0).any() else 128
        g = cv2.copyMakeBorder(g, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=fill)
        m = cv2.copyMakeBorder(cv2.erode(m, np.ones((3, 3), np.uint8)), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        kps, desc = orb.detectAndCompute(g, m)
        if desc is None:
            continue
        all_pts.append((np.float32([k.pt for k in kps]) - pad) / s)
        all_desc.append(desc)
    if not all_desc:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.concatenate(all_pts), np.concatenate(all_desc)


def load_packshots(paths: list[str], cfg: PackshotConfig) -> list[Packshot]:
    """Described packshots for the readable ``paths`` (cached per process by path + mtime)."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        shot = _load_packshot(os.path.abspath(p), st.st_mtime_ns, cfg)
        if shot is not None:
            out.append(shot)
    return out


def _outline_ok(quad: np.ndarray, frame_wh: tuple[int, int], cfg: PackshotConfig) -> float | None:
    """Share of the frame (0-1) the projected outline ``quad`` (4, 2) covers, or None when the
    outline is implausible: concave, mirrored, collapsed, too small or too skewed."""
    if not np.all(np.isfinite(quad)) or not cv2.isContourConvex(quad.astype(np.float32)):
        return None
    edges = np.roll(quad, -1, axis=0) - quad
    if edges[0, 0] * edges[1, 1] - edges[0, 1] * edges[1, 0] <= 0:  # corners turn the other way: a mirror image
        return None
    sides = np.linalg.norm(edges, axis=1)
    if sides.min() < 8 or max(sides[0] / sides[2], sides[2] / sides[0], sides[1] / sides[3],
                              sides[3] / sides[1]) > cfg.max_side_ratio:
        return None
    w, h = frame_wh
    frame = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inside, _ = cv2.intersectConvexConvex(quad.astype(np.float32), frame)
    total = abs(cv2.contourArea(quad.astype(np.float32)))
    if total / (w * h) > cfg.max_area or inside / (w * h) < cfg.min_area or inside < 0.3 * total:
        return None
    return float(inside / (w * h))


def _matcher(descriptors: np.ndarray) -> cv2.FlannBasedMatcher:
    """Locality-sensitive hashing index over one frame's ORB descriptors (K, 32) uint8.

    Querying the packshots' few thousand descriptors against it costs about 1.5 ms, against
    20 ms for brute force; recall stays ample for a homography.
    """
    index = {"algorithm": 6, "table_number": 4, "key_size": 16, "multi_probe_level": 1}  # 6 = FLANN LSH
    matcher = cv2.FlannBasedMatcher(index, {"checks": 16})
    matcher.add([descriptors])
    matcher.train()
    return matcher


def _fit(src: np.ndarray, dst: np.ndarray, corners: np.ndarray,
         cfg: PackshotConfig) -> tuple[np.ndarray | None, np.ndarray]:
    """Homography (3, 3) packshot -> frame from matched points (N, 2), and inlier flags (N,).

    Under occlusion most matches are wrong, and 4-point RANSAC rarely draws four good
    ones in 500 tries; a 2-point similarity (rotation, scale, shift) with a loose tolerance
    finds the consensus first, the homography is fitted to that consensus, then refined by
    least squares on its own inliers. A homography that disagrees with the similarity
    about the size of the packshot's outline ``corners`` (4, 2) (area ratio outside 1/2-2)
    is rejected as a degenerate fit.
    """
    none = np.zeros(len(src), bool)
    sim, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=cfg.similarity_px,
                                            maxIters=1000, confidence=0.995)
    if sim is None or mask is None or int(mask.sum()) < max(8, cfg.min_inliers // 2):
        return None, none
    pick = mask.ravel().astype(bool)
    hom, _ = cv2.findHomography(src[pick], dst[pick], cv2.RANSAC, cfg.ransac_px)
    if hom is None:
        return None, none
    keep = _residuals(hom, src, dst) < cfg.ransac_px
    if keep.sum() >= 8:
        refined, _ = cv2.findHomography(src[keep], dst[keep], 0)
        if refined is not None:
            hom, keep = refined, _residuals(refined, src, dst) < cfg.ransac_px
    sim_area = abs(cv2.contourArea((corners @ sim[:, :2].T + sim[:, 2]).astype(np.float32)))
    hom_area = abs(cv2.contourArea(cv2.perspectiveTransform(corners[None], hom)[0].astype(np.float32)))
    if not 0.5 <= hom_area / max(sim_area, 1e-9) <= 2.0:
        return None, none
    return hom, keep


def _residuals(hom: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Reprojection error (N,) px of ``src`` (N, 2) mapped by ``hom`` against ``dst``."""
    return np.linalg.norm(cv2.perspectiveTransform(src[None], hom)[0] - dst, axis=1)


def match_frame(image: np.ndarray, shots: list[Packshot], cfg: PackshotConfig) -> Sighting | None:
    """The best-supported packshot in one RGB uint8 frame (H, W, 3), or None."""
    grey = _grey(image)
    cv2.setRNGSeed(0)  # FLANN's LSH tables and RANSAC draw from OpenCV's RNG: same frame, same answer
    kps, desc = _orb(cfg).detectAndCompute(grey, None)
    if desc is None or len(kps) < cfg.min_inliers:
        return None
    pts = np.float32([k.pt for k in kps])
    matcher = _matcher(desc)
    best: Sighting | None = None
    for shot in shots:
        pairs = [p for p in matcher.knnMatch(shot.descriptors, k=2) if len(p) == 2]
        if not pairs:
            continue
        q = np.array([(a.queryIdx, a.trainIdx, a.distance, b.distance) for a, b in pairs], np.float32)
        good = q[q[:, 2] < cfg.ratio * q[:, 3]]
        if len(good) < cfg.min_inliers:
            continue
        src = shot.keypoints[good[:, 0].astype(np.int64)]
        dst = pts[good[:, 1].astype(np.int64)]
        hom, keep = _fit(src, dst, shot.corners, cfg)
        if hom is None:
            continue
        n_in = int(keep.sum())
        if n_in < cfg.min_inliers or n_in < cfg.min_inlier_share * len(good):
            continue
        span = np.ptp(src[keep], axis=0)
        if span[0] * span[1] < cfg.min_spread * shot.size[0] * shot.size[1]:
            continue
        quad = cv2.perspectiveTransform(shot.corners[None], hom)[0]
        share = _outline_ok(quad, (grey.shape[1], grey.shape[0]), cfg)
        if share is not None and (best is None or n_in > best.inliers):
            best = Sighting(shot.name, round(share, 4), n_in)
    return best


def _thumb(image: np.ndarray) -> np.ndarray:
    small = cv2.resize(image, (32, 32), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.int16)


def scan(images: np.ndarray, shots: list[Packshot], cfg: PackshotConfig) -> tuple[list[Sighting | None], int]:
    """Per-frame sightings for frames (N, H, W, 3) in time order, and how many were matched.

    Coarse frames first; an unmatched frame between two coarse frames that agree takes
    their answer (the nearer one's share), otherwise it is matched too. Short gaps between
    sightings are filled (``fill_gaps``).
    """
    n = len(images)
    found: dict[int, Sighting | None] = {}
    thumbs = [_thumb(img) for img in images]
    last: int | None = None  # the frame matched last: compare with it, not with copies (no drift)
    matched = 0

    def check(i: int) -> Sighting | None:
        nonlocal last, matched
        if i not in found:
            if last is not None and float(np.mean(np.abs(thumbs[i] - thumbs[last]))) < cfg.same_frame_diff:
                found[i] = found[last]
            else:
                found[i] = match_frame(images[i], shots, cfg)
                matched += 1
                last = i
        return found[i]

    step = max(1, cfg.coarse_step)
    coarse = sorted(set(range(0, n, step)) | ({n - 1} if n else set()))
    for i in coarse:
        check(i)
    for a, b in zip(coarse, coarse[1:]):
        if (found[a] is None) != (found[b] is None):
            for i in range(a + 1, b):
                check(i)
        else:
            for i in range(a + 1, b):
                found[i] = found[a] if i - a <= b - i else found[b]
    seen = [found[i] for i in range(n)]
    hits = [i for i, x in enumerate(seen) if x is not None]
    for a, b in zip(hits, hits[1:]):
        if 1 < b - a <= cfg.fill_gaps + 1:
            for i in range(a + 1, b):
                seen[i] = seen[a]
    return seen, matched


def _runs(times: np.ndarray, seen: list[Sighting | None]) -> list[tuple[float, float, float]]:
    """(first s, last s, max share) of each run of frames showing the product."""
    runs: list[tuple[float, float, float]] = []
    start = None
    for i, s in enumerate([*seen, None]):
        if s is not None and start is None:
            start = i
        elif s is None and start is not None:
            share = max(x.share for x in seen[start:i] if x is not None)
            runs.append((float(times[start]), float(times[i - 1]), share))
            start = None
    return runs


class PackshotAnalyzer(Analyzer):
    """Where the campaign's product is on screen (its packshots, ``product_images``).

    Features: ``available`` (packshots given and readable), ``first_s`` (first body frame
    showing it, s; None), ``visible_ratio`` (share of body frames showing it, 0-1; None
    without packshots), ``max_share`` / ``mean_share`` (largest / mean share of the frame it
    covers when seen, 0-1), ``in_hook`` (seen within ``hook_seconds``), ``end_card_only``
    (first seen after 80 % of the video), ``with_face_ratio`` (share of the frames showing it
    where a face is on screen too, 0-1; None without the ``faces`` analyzer or sightings),
    ``frames_matched`` (frames run through the matcher).
    Evidence: ``product_first_seen_s``, ``product_visible_ratio`` (None when never seen).
    Events: one ``product`` event per run of frames showing it (t, end in seconds).
    """

    name = "packshot"
    version = "1"
    Config = PackshotConfig
    event_kinds = (EventKind("product", "product", "#2b8a3e"),)
    after = ("faces",)
    context_fields = ("product_images", "hook_seconds")
    features = (
        Feature("available", "bool", None, "packshots given and readable"),
        Feature("first_s", "number", "s", "first body frame showing the product; None"),
        Feature("visible_ratio", "number", "0-1", "share of body frames showing it; None without packshots"),
        Feature("max_share", "number", "0-1", "largest share of the frame it covers when seen"),
        Feature("mean_share", "number", "0-1", "mean share of the frame it covers when seen"),
        Feature("in_hook", "bool", None, "seen within the hook"),
        Feature("end_card_only", "bool", None, "first seen after 80 % of the video"),
        Feature("with_face_ratio", "number", "0-1", "share of its frames with a face on screen too; None without faces"),
        Feature("frames_matched", "int", None, "frames run through the matcher"),
    )
    evidence_keys = ("product_first_seen_s", "product_visible_ratio")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: PackshotConfig = self.config
        shots = load_packshots(ctx.product_images, cfg)
        times, images = clip.body.times, clip.body.images
        empty = dict.fromkeys(self.feature_keys)
        if not shots or len(times) == 0:
            return self.signals({**empty, "available": bool(shots), "frames_matched": 0},
                                {"product_first_seen_s": None, "product_visible_ratio": None})
        seen, matched = scan(images, shots, cfg)
        hits = [i for i, s in enumerate(seen) if s is not None]
        shares = [seen[i].share for i in hits]
        first = round(float(times[hits[0]]), 3) if hits else None
        duration = clip.duration_s or float(times[-1])
        faces = ctx.upstream.get("faces")
        with_face = None
        if faces is not None and hits:
            spans = [(e.t - cfg.face_tolerance_s, (e.end if e.end is not None else e.t) + cfg.face_tolerance_s)
                     for e in faces.events if e.kind == "face"]
            both = sum(any(a <= times[i] <= b for a, b in spans) for i in hits)
            with_face = round(both / len(hits), 4)
        features = {
            "available": True,
            "first_s": first,
            "visible_ratio": round(len(hits) / len(times), 4),
            "max_share": round(max(shares), 4) if hits else None,
            "mean_share": round(float(np.mean(shares)), 4) if hits else None,
            "in_hook": first is not None and first < ctx.hook_seconds,
            "end_card_only": first is not None and duration > 0 and first >= cfg.end_card_share * duration,
            "with_face_ratio": with_face,
            "frames_matched": matched,
        }
        events = [Event(t=round(a, 3), end=round(b, 3), kind="product", source="video",
                        label=f"product on screen, up to {share * 100:.0f} % of frame")
                  for a, b, share in _runs(times, seen)]
        evidence = {"product_first_seen_s": first,
                    "product_visible_ratio": features["visible_ratio"] if hits else None}
        return self.signals(features, evidence, events)
