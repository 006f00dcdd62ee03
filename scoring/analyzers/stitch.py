"""Stitches and duets: another creator's footage inside the video, a rights risk for a
Spark Ad (the ad would run that footage too).

- **Stitch**: TikTok's stitch puts a clip of someone else's video first, then cuts to the
  creator. Rule: on-screen text in the opening says "stitch" (TikTok's own label, or the
  creator's "Incoming Stitch!!!"), and the first cut at least ``min_opening_s`` into the
  video, no later than ``max_opening_s``, ends the borrowed part.
- **Duet**: two videos side by side (or one above the other) for the whole video. Rule,
  on the frame signatures: the luma grid has a seam down the middle (the step between
  the two centre columns, or rows, is at least ``seam_ratio`` x the larger of the steps
  one cell to each side: a join of two pictures, not an edge in one) in at least
  ``seam_share`` of the frames.

Without the word "stitch" on screen a stitch is not claimed: an opening shot that never
comes back is ordinary editing far more often than a stitch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, Signals
from scoring.analyzers.registry import register_analyzer
from scoring.media.clip import Clip

STITCH_WORD = re.compile(r"st[i1l]tch", re.I)


@dataclass(frozen=True)
class StitchConfig:
    """Attributes: min_opening_s / max_opening_s (s): where the cut ending a stitched
    opening may be; seam_ratio / seam_share: the duet seam rule (see module doc)."""

    min_opening_s: float = 1.0
    max_opening_s: float = 15.0
    seam_ratio: float = 2.0
    seam_share: float = 0.8


def seam(luma: np.ndarray, axis: int, ratio: float) -> float:
    """Share of frames (0-1) whose luma grids (N, S, S) have a seam in the middle: along
    ``axis`` 2 a vertical seam (side by side), along 1 a horizontal one (top / bottom)."""
    if luma.shape[0] == 0:
        return 0.0
    steps = np.abs(np.diff(luma.astype(np.float32), axis=axis)).mean(axis=3 - axis)  # (N, S-1)
    mid = steps.shape[1] // 2
    centre = steps[:, mid]
    beside = np.maximum(steps[:, mid - 2], steps[:, mid + 2])  # one cell away on each side
    return float(np.mean(centre >= ratio * (beside + 1.0)))


@register_analyzer
class StitchAnalyzer(Analyzer):
    """Another creator's footage. Features: ``stitch`` (bool), ``stitch_end_s`` (s, where
    the borrowed opening ends; None without), ``duet`` (bool), ``duet_layout``
    (``side_by_side`` / ``top_bottom`` / None), ``measured_text`` (whether on-screen text
    was available to look for the word "stitch"). Events: one ``stitch`` event (t 0, end
    where the borrowed part ends; a duet spans the video) whose label says what to check.
    """

    name = "stitch"
    version = "1"
    Config = StitchConfig
    requires = ("cuts",)
    after = ("onscreen_text",)
    feature_keys = ("stitch", "stitch_end_s", "duet", "duet_layout", "measured_text")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: StitchConfig = self.config
        cuts = list(ctx.upstream["cuts"].evidence.get("cuts_s") or []) if "cuts" in ctx.upstream else []
        text = ctx.upstream.get("onscreen_text")
        lines = [(e.t, e.text) for e in text.events if e.kind == "text" and e.text] if text is not None else []
        said = [t for t, words in lines if STITCH_WORD.search(words)]
        end = None
        if said:
            after = [c for c in cuts if max(cfg.min_opening_s, min(said)) <= c <= cfg.max_opening_s]
            end = after[0] if after else None
        layout = None
        sig = clip.signatures
        if sig is not None and len(sig) >= 2:
            if seam(sig.luma, 2, cfg.seam_ratio) >= cfg.seam_share:
                layout = "side_by_side"
            elif seam(sig.luma, 1, cfg.seam_ratio) >= cfg.seam_share:
                layout = "top_bottom"
        events = []
        if end is not None:
            events.append(Event(t=0.0, end=end, kind="stitch", source="video",
                                label=f"stitch: the first {end:.1f} s are another creator's footage: "
                                      "confirm rights before requesting a code"))
        if layout is not None:
            where = "side by side" if layout == "side_by_side" else "one above the other"
            events.append(Event(t=0.0, end=clip.duration_s, kind="stitch", source="video",
                                label=f"duet: two videos {where}; half the picture is another creator's footage: "
                                      "confirm rights before requesting a code"))
        features = {"stitch": end is not None, "stitch_end_s": end, "duet": layout is not None,
                    "duet_layout": layout, "measured_text": text is not None}
        return self.signals(features, events=events)
