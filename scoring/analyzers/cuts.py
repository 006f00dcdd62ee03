"""Cuts, pacing and the energy of the opening: cuts and gradual transitions from the
signature of every decoded frame (:mod:`scoring.services.shots`; the file is never opened
again), motion between hook frames, and the soundtrack's attack (spectral-flux onsets).

Clips built without signatures (hand-made in tests) fall back to the sampled-frame rule
below: PySceneDetect's content score on the hook (~8 fps) and body (~2 fps) frames.
A cut can only be placed between the two sampled frames that differ, so its time is the
midpoint of the span where the new shot's first frame can be: (previous sample + one
video frame, next sample]. Its error is at most half that span: about 0.06 s inside the
hook and 0.23 s between 2 fps body frames.

Scores between samples 0.5 s apart are inflated by ordinary motion and by fades, so a cut
must stand out from the scores around it (PySceneDetect's AdaptiveDetector rule) and the
bar rises with the gap: between 2 fps samples a change counts when its score is >= 65 and
3x its neighbours', or >= 30 and 5x (measured: fades and dissolves 32-63 at 1.8-3.4x,
hard cuts between similar photos 34-76 at 5-16x; handheld motion <= 30).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.onsets import onset_times
from scoring.services.shots import ShotsConfig, find_transitions
from scoring.services.shots import find_cuts as find_signature_cuts


@dataclass(frozen=True)
class CutsConfig:
    """Attributes:
    detect_long_side: frames are scaled to this long side (px) before scoring.
    threshold: content score (PySceneDetect scale, 0-255) a cut needs between samples
        ``dense_gap_s`` apart; PySceneDetect's default for consecutive frames is 27.
    sparse_threshold: the score needed between samples ``sparse_gap_s`` or more apart.
    dense_gap_s / sparse_gap_s: gaps (s) between which the thresholds are interpolated.
    adaptive_ratio: a cut's score must be this many times the mean of its neighbours'.
    soft_threshold / soft_ratio: the second way to count between sparse samples: a
        smaller score that stands out more.
    window: neighbours on each side for that mean.
    min_shot_s: cuts closer than this to the previous one are dropped (flashes).
    black_luma / fade_step: a change into a frame darker than ``black_luma`` (0-255) right
        after a sample that darkened by ``fade_step`` (share) is a fade-out, not a cut.
    quick_window_s / quick_shots: ABCD quick pacing (>= 5 shots begin within 5 s).
    pacing_avg_shot_s: ABCD overall pacing (average shot <= 2 s).
    dynamic_start_s: ABCD dynamic start (first shot ends before 3 s).
    shots: the every-frame cut and transition detector's settings (used when the clip
        carries frame signatures; the settings above are the fallback's).
    """

    detect_long_side: int = 160
    threshold: float = 27.0
    sparse_threshold: float = 65.0
    dense_gap_s: float = 0.15
    sparse_gap_s: float = 0.4
    adaptive_ratio: float = 3.0
    soft_threshold: float = 30.0
    soft_ratio: float = 5.0
    window: int = 2
    min_shot_s: float = 0.25
    black_luma: float = 10.0
    fade_step: float = 0.3
    quick_window_s: float = 5.0
    quick_shots: int = 5
    pacing_avg_shot_s: float = 2.0
    dynamic_start_s: float = 3.0
    shots: ShotsConfig = ShotsConfig()


def merged_frames(clip: Clip) -> tuple[np.ndarray, list[np.ndarray]]:
    """Hook and body frames in time order, duplicates (same time) once: times (N,) s and
    N RGB uint8 images (H, W, 3)."""
    items = [(float(t), 0, i) for i, t in enumerate(clip.hook.times)]
    items += [(float(t), 1, i) for i, t in enumerate(clip.body.times)]
    items.sort()
    times: list[float] = []
    images: list[np.ndarray] = []
    for t, src, i in items:
        if times and t - times[-1] < 1e-3:
            continue
        times.append(t)
        images.append((clip.hook if src == 0 else clip.body).images[i])
    return np.asarray(times, np.float64), images


def content_scores(images: list[np.ndarray], long_side: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """PySceneDetect ContentDetector scores (HSV mean absolute difference, 0-255) between
    each image and the one before, shape (N,) with the first 0, and each image's mean
    luma (0-255), shape (N,)."""
    from scenedetect.common import FrameTimecode
    from scenedetect.detectors import ContentDetector
    from scenedetect.stats_manager import StatsManager

    det = ContentDetector(min_scene_len=0)
    det.stats_manager = StatsManager()
    scores, luma = np.zeros(len(images)), np.zeros(len(images))
    for k, img in enumerate(images):
        tc = FrameTimecode(k, 1.0)
        small = _small(img, long_side)
        luma[k] = float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).mean())
        det.process_frame(tc, cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        if k:
            scores[k] = det.stats_manager.get_metrics(tc, [ContentDetector.FRAME_SCORE_KEY])[0] or 0.0
    return scores, luma


def _small(img: np.ndarray, long_side: int) -> np.ndarray:
    h, w = img.shape[:2]
    scale = min(1.0, long_side / max(h, w, 1))
    if scale >= 1.0:
        return np.ascontiguousarray(img)
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def find_cuts(times: np.ndarray, scores: np.ndarray, luma: np.ndarray, fps: float, cfg: CutsConfig) -> list[float]:
    """Cut times (s) from sample ``times`` (N,), ``scores`` (N,) (score k compares sample
    k with k-1) and mean ``luma`` (N,). See the module docstring for the rule and the
    localisation."""
    frame = 1.0 / fps if fps > 0 else 0.0
    cuts: list[float] = []
    for k in range(1, len(times)):
        gap = float(times[k] - times[k - 1])
        if _fading_to_black(luma, k, cfg):
            continue
        lo, hi = max(1, k - cfg.window), min(len(times), k + cfg.window + 1)
        around = [scores[j] for j in range(lo, hi) if j != k]
        level = sum(around) / len(around) if around else 0.0
        strong = scores[k] >= _threshold(gap, cfg, cfg.sparse_threshold) and scores[k] >= cfg.adaptive_ratio * level
        soft = scores[k] >= _threshold(gap, cfg, cfg.soft_threshold) and scores[k] >= cfg.soft_ratio * level
        if not (strong or soft):
            continue
        t = (times[k - 1] + min(frame, gap) + times[k]) / 2
        if cuts and t - cuts[-1] < cfg.min_shot_s:
            continue
        cuts.append(round(float(t), 3))
    return cuts


def _fading_to_black(luma: np.ndarray, k: int, cfg: CutsConfig) -> bool:
    """Sample k is (near) black and the sample before was already darkening: the end of a
    fade-out, which sparse samples would otherwise report as a cut."""
    return (k >= 2 and luma[k] < cfg.black_luma
            and luma[k - 1] < (1.0 - cfg.fade_step) * luma[k - 2])


def _threshold(gap: float, cfg: CutsConfig, sparse: float) -> float:
    """``cfg.threshold`` for dense samples rising linearly to ``sparse`` for sparse ones."""
    span = max(cfg.sparse_gap_s - cfg.dense_gap_s, 1e-6)
    w = min(1.0, max(0.0, (gap - cfg.dense_gap_s) / span))
    return cfg.threshold + w * (sparse - cfg.threshold)


def pacing(cuts: list[float], duration_s: float, cfg: CutsConfig) -> dict[str, float | int | bool]:
    """Shot statistics and ABCD pacing flags from cut times (s) and the duration (s)."""
    starts = [0.0, *cuts]
    n_shots = len(starts)
    quick = any(starts[i + cfg.quick_shots - 1] - starts[i] < cfg.quick_window_s
                for i in range(n_shots - cfg.quick_shots + 1))
    avg = duration_s / n_shots if duration_s > 0 else 0.0
    first_end = cuts[0] if cuts else duration_s
    return {
        "shots": n_shots,
        "avg_shot_s": round(avg, 3),
        "first_shot_end_s": round(first_end, 3),
        "dynamic_start": first_end < cfg.dynamic_start_s,
        "quick_pacing": quick,
        "overall_pacing": 0 < avg <= cfg.pacing_avg_shot_s,
    }


def hook_motion(times: np.ndarray, images: list[np.ndarray], cut_k: set[int], hook_s: float) -> float | None:
    """Mean absolute grey-level change (0-255) between consecutive hook samples, per 1/8 s,
    leaving out pairs across a cut; None with fewer than two hook samples."""
    diffs = []
    prev = None
    for k, (t, img) in enumerate(zip(times, images)):
        if t >= hook_s:
            break
        grey = cv2.cvtColor(_small(img, 96), cv2.COLOR_RGB2GRAY).astype(np.int16)
        if prev is not None and k not in cut_k and prev[1].shape == grey.shape:
            gap = t - prev[0]
            if gap > 0:
                diffs.append(float(np.mean(np.abs(grey - prev[1]))) * (0.125 / gap))
        prev = (t, grey)
    return round(float(np.mean(diffs)), 3) if diffs else None


def audio_attack(samples: np.ndarray, rate: int, hook_s: float) -> dict[str, float | int | None]:
    """The soundtrack's opening, from mono ``samples`` (n,) at ``rate`` Hz.

    Returns ``sound_start_s`` (first 50 ms window within 20 dB of the loudest window and
    above -50 dBFS; None if silent), ``hook_level_db`` (hook RMS minus whole-clip RMS, dB;
    > 0 means the opening is louder than the rest) and ``hook_onsets_per_s`` (spectral-flux
    onsets per second inside the hook, see :mod:`scoring.services.onsets`).
    """
    out: dict[str, float | int | None] = {"sound_start_s": None, "hook_level_db": None, "hook_onsets_per_s": None}
    win = max(1, int(rate * 0.05))
    n = samples.shape[0] // win
    if n < 2:
        return out
    level = 10 * np.log10(np.mean(samples[: n * win].reshape(n, win).astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = level >= max(level.max() - 20.0, -50.0)
    if loud.any():
        out["sound_start_s"] = round(float(np.argmax(loud)) * win / rate, 3)
    hook_n = min(n, max(1, int(round(hook_s / 0.05))))
    hook_rms = np.mean(10 ** (level[:hook_n] / 10))
    all_rms = np.mean(10 ** (level / 10))
    if all_rms > 1e-10:
        out["hook_level_db"] = round(float(10 * np.log10(hook_rms / all_rms)), 2)
    hook = samples[: int(hook_s * rate)].astype(np.float32)
    if hook.shape[0] >= 2048 and float(np.max(np.abs(hook))) > 1e-4:
        found = onset_times(hook, rate)
        out["hook_onsets_per_s"] = round(len(found) / (hook.shape[0] / rate), 3)
    elif hook.shape[0] >= 2048:
        out["hook_onsets_per_s"] = 0.0
    return out


class CutsAnalyzer(Analyzer):
    """Shot cuts and pacing, motion and sound in the hook.

    Features: ``count`` (cuts), ``first_cut_s`` (s; None without a cut), ``first_shot_end_s``
    (first cut, or the duration without one, s), ``shots_in_hook``, ``shots``, ``avg_shot_s``
    (s), ``dynamic_start`` / ``quick_pacing`` / ``overall_pacing`` (ABCD), ``hook_motion``
    (grey levels 0-255 per 1/8 s), ``transitions`` (fades and dissolves; None without
    frame signatures), and from :func:`audio_attack` ``sound_start_s``,
    ``hook_level_db``, ``hook_onsets_per_s``.
    Events: one ``cut`` per cut and one ``transition`` per fade or dissolve (t, end in
    seconds from the file's presentation start).
    """

    name = "cuts"
    version = "4"
    Config = CutsConfig
    event_kinds = (EventKind("cut", "cut", "#222"), EventKind("transition", "transition", "#868e96"))
    features = (
        Feature("count", "int", None, "cuts in the video"),
        Feature("first_cut_s", "number", "s", "first cut; None without a cut"),
        Feature("first_shot_end_s", "number", "s", "end of the first shot: the first cut, or the duration without one"),
        Feature("shots_in_hook", "int", None, "shots that begin within the hook"),
        Feature("shots", "int", None, "shots in the video"),
        Feature("avg_shot_s", "number", "s", "mean shot length"),
        Feature("dynamic_start", "bool", None, "ABCD: the first shot ends within 3 s"),
        Feature("quick_pacing", "bool", None, "ABCD: at least 5 shots begin within 5 s"),
        Feature("overall_pacing", "bool", None, "ABCD: mean shot at most 2 s"),
        Feature("hook_motion", "number", "grey levels per 1/8 s", "picture change in the hook"),
        Feature("sound_start_s", "number", "s", "first 50 ms window within 20 dB of the loudest; None if silent"),
        Feature("hook_level_db", "number", "dB", "hook RMS minus whole-clip RMS (> 0: the opening is louder)"),
        Feature("hook_onsets_per_s", "number", "1/s", "spectral-flux onsets per second in the hook"),
        Feature("transitions", "int", None, "fades and dissolves; None without frame signatures"),
    )
    evidence_keys = ("cuts_s", "first_shot_end_s", "shots_in_hook")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: CutsConfig = self.config
        times, images = merged_frames(clip)
        if len({img.shape for img in images}) > 1:  # never expected; keep the common size
            shape = max({img.shape for img in images}, key=[i.shape for i in images].count)
            keep = [k for k, img in enumerate(images) if img.shape == shape]
            times, images = times[keep], [images[k] for k in keep]
        duration = clip.duration_s or (float(times[-1]) if len(times) else 0.0)
        sig = clip.signatures
        transitions: list[dict] | None = None
        if sig is not None and len(sig) >= 2:
            cuts = [t for t in find_signature_cuts(sig, cfg.shots) if t < duration]
            transitions = find_transitions(sig, cuts, cfg.shots)
        else:
            scores, luma = content_scores(images, cfg.detect_long_side)
            cuts = [t for t in find_cuts(times, scores, luma, clip.info.fps, cfg) if t < duration]
        cut_k = {int(np.searchsorted(times, t)) for t in cuts}
        stats = pacing(cuts, duration, cfg)
        features: dict = {
            "count": len(cuts),
            "first_cut_s": cuts[0] if cuts else None,
            "first_shot_end_s": stats["first_shot_end_s"],
            "shots_in_hook": 1 + sum(t < ctx.hook_seconds for t in cuts),
            **{k: stats[k] for k in ("shots", "avg_shot_s", "dynamic_start", "quick_pacing", "overall_pacing")},
            "hook_motion": hook_motion(times, images, cut_k, ctx.hook_seconds),
            "transitions": len(transitions) if transitions is not None else None,
        }
        audio = clip.audio
        features.update(audio_attack(audio.samples, audio.rate, ctx.hook_seconds) if audio is not None
                        else {"sound_start_s": None, "hook_level_db": None, "hook_onsets_per_s": None})
        evidence = {"cuts_s": cuts, "first_shot_end_s": features["first_shot_end_s"],
                    "shots_in_hook": features["shots_in_hook"]}
        events = [Event(t=t, kind="cut", label=f"cut at {t:.1f} s", source="video") for t in cuts]
        events += [Event(t=tr["start"], end=tr["end"], kind="transition", source="video",
                         label=f"{tr['kind']} {tr['start']:.1f}-{tr['end']:.1f} s") for tr in transitions or []]
        return self.signals(features, evidence, events)
