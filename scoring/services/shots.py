"""Hard cuts, jump cuts and gradual transitions from the signature of every decoded frame.

Works on :class:`~scoring.media.clip.FrameSignatures` (a 32 x 32 luma grid and 16 x 16
chroma grids per frame, taken during the one decode pass), never on the file.

Score of a frame pair (PySceneDetect's ContentDetector idea, on YUV grids): the mean
absolute difference of the two grids after each grid's own mean is taken away, luma plus
chroma (0-255 scale). Taking the mean away makes a flash, a light leak or an exposure
step cheap; a new shot, or the jump of a jump cut, changes the picture's layout and
scores high.

Rule (PySceneDetect's AdaptiveDetector, widened to a group of frames): a frame pair is a
cut when its score is the peak of the frames within ``group_gap_s`` around it (a flash,
a whip or a zoom blur on a cut spans two to four frames), it is >= ``min_score`` and at
least ``adaptive_ratio`` x the mean score of the ``window`` frames on each side outside
that group, and the frame after the group differs from the frame before it
(``min_across``): a flash over an unchanged shot comes back to the same picture; and it
changes at least ``min_area`` of the picture (a caption or a graphic popping in does not). A change that is mostly a uniform brightness step (the mean moves more than the
layout does) and keeps the layout (structure correlation loss < ``flash_structure``) is
a flash or a light leak, not a cut. The cut time is the first frame of the group's peak
pair: the first frame of the new shot (within the gap between decoded frames).

Gradual transitions (fades and dissolves): a run of at least ``gradual_min_s`` where the
frame ``gradual_span_s`` ahead differs by >= ``gradual_min_across`` while no single step
is a cut; fades are the ones that pass through black or white. They are listed as
transitions (start, end, kind), not as cuts, and count as shot changes for pacing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.media.clip import FrameSignatures

AREA_STEP = 6  # grey levels: a grid cell "changed" (compression noise stays below)


@dataclass(frozen=True)
class ShotsConfig:
    """Attributes (scores on the 0-255 scale of :func:`pair_scores`):
    min_score: a pair scoring below this is never part of a cut.
    adaptive_ratio: a cut's peak must be this many times its surroundings' mean score.
    strong_score / strong_ratio: a peak this large needs only this smaller ratio (a cut
        next to another quick change, e.g. a pop-in graphic).
    step_ratio: a peak below ``strong_score`` must be this many times both adjacent scores.
    window: frames on each side of a group that set its surroundings.
    group_gap_s: half-width (s) of the group a cut's peak must dominate.
    min_across: the score between the frames before and after a group a cut needs.
    flash_structure: brightness-led changes whose structure loss (1 - correlation) is
        below this are flashes or light leaks.
    min_area: share of the picture a cut must change (see ``area`` in :func:`pair_scores`);
        measured: real cuts 0.28-1.0, a product popping in over a still shot 0.09.
    min_shot_s: a cut closer than this to the previous one is dropped.
    gradual_span_s / gradual_min_across / gradual_min_s / gradual_max_step: see module doc.
    gradual_gap_s: frames in a transition closer than this (s) make one transition.
    gradual_min_layout: the mean-removed score between the two ends a dissolve needs (a
        light leak or an exposure drift keeps the layout); fades (an end at
        ``dark_luma`` / ``bright_luma``) are exempt.
    blend_residual: see :func:`_is_blend`.
    dark_luma / bright_luma: a transition passing through a frame this dark / bright is a fade.
    """

    min_score: float = 10.0
    adaptive_ratio: float = 3.0
    strong_score: float = 30.0
    strong_ratio: float = 2.5
    step_ratio: float = 2.0
    window: int = 4
    group_gap_s: float = 0.09
    min_across: float = 10.0
    flash_structure: float = 0.3
    min_area: float = 0.2
    min_shot_s: float = 0.2
    gradual_span_s: float = 0.5
    gradual_min_across: float = 25.0
    gradual_min_s: float = 0.2
    gradual_gap_s: float = 0.15
    gradual_max_step: float = 15.0
    gradual_min_layout: float = 15.0
    blend_residual: float = 0.3
    dark_luma: float = 25.0
    bright_luma: float = 225.0


def _centred(sig: FrameSignatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Luma (N, S*S) and chroma (N, 2*(S/2)^2) grids as float32 with each frame's own mean
    removed, and each frame's mean luma (N,)."""
    n = len(sig)
    y = sig.luma.reshape(n, -1).astype(np.float32)
    c = sig.chroma.reshape(n, 2, -1).astype(np.float32)
    mean = y.mean(axis=1)
    y -= mean[:, None]
    c -= c.mean(axis=2, keepdims=True)
    return y, c.reshape(n, -1), mean


def distance(y: np.ndarray, c: np.ndarray, i: int, j: int) -> float:
    """Score between frames i and j of centred grids (see :func:`pair_scores`)."""
    return float(np.abs(y[i] - y[j]).mean() + np.abs(c[i] - c[j]).mean())


def pair_scores(sig: FrameSignatures) -> dict[str, np.ndarray]:
    """Per-frame change against the previous decoded frame, each shape (N,), first 0:
    ``score`` (mean-removed luma + chroma difference, 0-255), ``brightness`` (absolute
    change of mean luma), ``structure`` (1 - correlation of the luma grids, 0-2),
    ``luma`` (mean luma of the frame, 0-255) and ``area`` (share of grid cells whose luma
    moved by more than AREA_STEP grey levels, 0-1)."""
    y, c, mean = _centred(sig)
    n = len(sig)
    score, bright, struct, area = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    if n > 1:
        score[1:] = np.abs(y[1:] - y[:-1]).mean(axis=1) + np.abs(c[1:] - c[:-1]).mean(axis=1)
        bright[1:] = np.abs(np.diff(mean))
        norm = y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-6)
        struct[1:] = 1.0 - np.einsum("ij,ij->i", norm[1:], norm[:-1])
        raw = sig.luma.reshape(n, -1).astype(np.int16)
        area[1:] = (np.abs(np.diff(raw, axis=0)) > AREA_STEP).mean(axis=1)
    return {"score": score, "brightness": bright, "structure": struct, "luma": mean, "area": area}


def _groups(times: np.ndarray, hot: np.ndarray, gap: float) -> list[tuple[int, int]]:
    """Runs of frames flagged ``hot`` whose times are at most ``gap`` apart: (first, last)."""
    out: list[tuple[int, int]] = []
    for k in np.flatnonzero(hot):
        if out and times[k] - times[out[-1][1]] <= gap:
            out[-1] = (out[-1][0], int(k))
        else:
            out.append((int(k), int(k)))
    return out


def find_cuts(sig: FrameSignatures, cfg: ShotsConfig | None = None) -> list[float]:
    """Hard and jump cut times in seconds (first frame of the new shot), ascending."""
    cfg = cfg or ShotsConfig()
    n = len(sig)
    if n < 2:
        return []
    times = sig.times
    s = pair_scores(sig)
    score = s["score"]
    y, c, _ = _centred(sig)
    cuts: list[float] = []
    for k in range(1, n):
        peak = float(score[k])
        if peak < cfg.min_score:
            continue
        # the group: frames within group_gap_s of k; k must be its peak
        a = int(np.searchsorted(times, times[k] - cfg.group_gap_s, "left"))
        b = int(np.searchsorted(times, times[k] + cfg.group_gap_s, "right")) - 1
        a = max(a, 1)
        if float(score[a : b + 1].max()) > peak or (score[a:k] == peak).any():
            continue
        around = np.concatenate([score[max(1, a - cfg.window) : a], score[b + 1 : b + 1 + cfg.window]])
        level = float(around.mean()) if around.size else 0.0
        strong = peak >= cfg.strong_score
        if peak < (cfg.strong_ratio if strong else cfg.adaptive_ratio) * level:
            continue
        if not strong and peak < cfg.step_ratio * max(score[k - 1] if k > 1 else 0.0, score[k + 1] if k + 1 < n else 0.0):
            continue  # a burst of motion ramps up and down; a cut is one step
        if distance(y, c, a - 1, b) < cfg.min_across:  # a flash that comes back to the same shot
            continue
        if s["brightness"][k] > peak and s["structure"][k] < cfg.flash_structure:
            continue
        if s["area"][k] < cfg.min_area:  # a graphic or a product popping in, a caption change
            continue
        t = round(float(times[k]), 3)
        if cuts and t - cuts[-1] < cfg.min_shot_s:
            continue
        cuts.append(t)
    return cuts


def find_transitions(sig: FrameSignatures, cuts: list[float], cfg: ShotsConfig | None = None) -> list[dict]:
    """Gradual transitions: ``[{"start": s, "end": s, "kind": "fade" | "dissolve"}]``.

    A frame k is in a transition when the frame ``gradual_span_s`` later differs from it
    by >= ``gradual_min_across`` while every step between them is below
    ``gradual_max_step`` (no cut carries the change) and no cut lies between them.
    """
    cfg = cfg or ShotsConfig()
    n = len(sig)
    if n < 3:
        return []
    times = sig.times
    y, c, mean = _centred(sig)
    score = pair_scores(sig)["score"]
    luma = sig.luma.reshape(n, -1).astype(np.float32)
    cut_arr = np.asarray(cuts, np.float64)
    hot = np.zeros(n, bool)
    j = 0
    for k in range(n):
        j = max(j, k + 1)
        while j < n and times[j] - times[k] < cfg.gradual_span_s:
            j += 1
        if j >= n:
            break
        if np.any((cut_arr > times[k]) & (cut_arr <= times[j])):
            continue
        if float(score[k + 1 : j + 1].max()) >= cfg.gradual_max_step:
            continue
        across = float(np.abs(luma[j] - luma[k]).mean()) + float(np.abs(c[j] - c[k]).mean())
        ends_flat = min(mean[k], mean[j]) <= cfg.dark_luma or max(mean[k], mean[j]) >= cfg.bright_luma
        if (across >= cfg.gradual_min_across and _is_blend(luma, k, j, cfg)
                and (ends_flat or distance(y, c, k, j) >= cfg.gradual_min_layout)):
            hot[k : j + 1] = True
    out = []
    for a, b in _groups(times, hot, cfg.gradual_gap_s):
        if times[b] - times[a] < cfg.gradual_min_s:
            continue
        dark = bool(np.any(mean[a : b + 1] <= cfg.dark_luma))
        bright = bool(np.any(mean[a : b + 1] >= cfg.bright_luma))
        kind = "fade" if dark or bright else "dissolve"
        moving = np.flatnonzero(score[a : b + 1] >= 0.5 * float(score[a : b + 1].max()))
        a, b = max(0, a + int(moving[0]) - 1), a + int(moving[-1])  # where the picture changes
        out.append({"start": round(float(times[a]), 3), "end": round(float(times[b]), 3), "kind": kind})
    return out


def _is_blend(luma: np.ndarray, k: int, j: int, cfg: ShotsConfig) -> bool:
    """The frame midway between k and j is a mix of frames k and j (what a dissolve or a
    fade is, and camera or subject motion is not): luma grids (N, S*S), residual of the
    least-squares mix below ``blend_residual`` x the k-j difference, mix weight inside
    (0.1, 0.9)."""
    m = (k + j) // 2
    if m in (k, j):
        return False
    a, b, x = luma[k], luma[j], luma[m]
    diff = a - b
    norm = float(diff @ diff)
    if norm <= 0:
        return False
    w = float((x - b) @ diff) / norm
    resid = float(np.abs(x - (b + w * diff)).mean())
    return 0.1 < w < 0.9 and resid <= cfg.blend_residual * float(np.abs(diff).mean())
