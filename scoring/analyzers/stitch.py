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

- **Stitch, seen without the word**: the opening is one shot (the first cut between
  ``min_opening_s`` and ``max_opening_s``, at most ``max_opening_share`` of the video)
  whose colours differ from everything after it (histogram distance of luma, U and V
  over the frame signatures >= ``opening_diff``), and the rest is the creator: one
  scene (each later shot within ``rest_diff`` of the other later shots) with a face in
  at least ``rest_face_share`` of it. An opening shot that merely never comes back is
  ordinary editing (a product shot, then the owner): that is why the rest must be one
  face-led scene. Identity is not compared (no face embeddings): a creator who opens
  with a different room of their own and then talks in one place would be flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip

STITCH_WORD = re.compile(r"st[i1l]tch", re.I)


@dataclass(frozen=True)
class StitchConfig:
    """Attributes: min_opening_s / max_opening_s (s): where the cut ending a stitched
    opening may be; seam_ratio / seam_share: the duet seam rule; max_opening_share,
    opening_diff, rest_diff (histogram distances, 0-1) and rest_face_share (0-1): the
    visual stitch rule (see module doc). On the ugc dev set the three clips whose first
    cut falls in the window are ordinary edits: v_ar_car_talk's opening looks like the
    rest (0.03), v_bakery_owner's and v_skin_treatments' later shots differ from the
    others by up to 0.34 (not one scene)."""

    min_opening_s: float = 1.0
    max_opening_s: float = 15.0
    seam_ratio: float = 2.0
    seam_share: float = 0.8
    max_opening_share: float = 0.5
    opening_diff: float = 0.25
    rest_diff: float = 0.15
    rest_face_share: float = 0.7


def colour_hist(luma: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Normalised 48-bin histogram (16 luma, 16 U, 16 V bins, each third summing to 1/3)
    of frame signatures: luma (N, S, S), chroma (N, 2, S/2, S/2), uint8."""
    parts = [np.histogram(x, bins=16, range=(0, 256))[0].astype(np.float64)
             for x in (luma, chroma[:, 0], chroma[:, 1])]
    return np.concatenate([p / max(p.sum(), 1.0) for p in parts]) / 3


def hist_distance(a: np.ndarray, b: np.ndarray) -> float:
    """1 - histogram intersection of two :func:`colour_hist` (0 same colours, 1 disjoint)."""
    return float(1.0 - np.minimum(a, b).sum())


def face_share(events, start: float, end: float) -> float:
    """Share (0-1) of [start, end] s covered by ``face`` events that are not brief."""
    if end <= start:
        return 0.0
    spans = sorted((max(e.t, start), min(e.end if e.end is not None else e.t, end)) for e in events
                   if e.kind == "face" and "brief" not in e.label)
    covered, reach = 0.0, start
    for a, b in spans:
        a = max(a, reach)
        if b > a:
            covered += b - a
            reach = b
    return covered / (end - start)


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


class StitchAnalyzer(Analyzer):
    """Another creator's footage. Features: ``stitch`` (bool), ``stitch_end_s`` (s, where
    the borrowed opening ends; None without), ``stitch_by`` ("text": the word on screen;
    "visual": an unlike opening shot, then one face-led scene; None), ``duet`` (bool), ``duet_layout``
    (``side_by_side`` / ``top_bottom`` / None), ``measured_text`` (whether on-screen text
    was available to look for the word "stitch"). Events: one ``stitch`` event (t 0, end
    where the borrowed part ends; a duet spans the video) whose label says what to check.
    """

    name = "stitch"
    version = "2"
    Config = StitchConfig
    event_kinds = (EventKind("stitch", "stitch", "#d9480f"),)
    requires = ("cuts",)
    after = ("onscreen_text", "faces")
    features = (
        Feature("stitch", "bool", None, "the video opens on another creator's footage"),
        Feature("stitch_end_s", "number", "s", "where the borrowed opening ends; None without"),
        Feature("stitch_by", "str", None, "'text' (the word on screen) or 'visual'; None"),
        Feature("duet", "bool", None, "a duet: two videos side by side or top and bottom"),
        Feature("duet_layout", "str", None, "side_by_side / top_bottom; None"),
        Feature("measured_text", "bool", None, "on-screen text was available to look for 'stitch'"),
    )

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
        by = "text" if end is not None else None
        sig = clip.signatures
        if end is None and sig is not None and cuts:
            end = self._visual_stitch(sig, cuts, clip.duration_s, ctx.upstream.get("faces"))
            by = "visual" if end is not None else None
        layout = None
        if sig is not None and len(sig) >= 2:
            if seam(sig.luma, 2, cfg.seam_ratio) >= cfg.seam_share:
                layout = "side_by_side"
            elif seam(sig.luma, 1, cfg.seam_ratio) >= cfg.seam_share:
                layout = "top_bottom"
        events = []
        if end is not None:
            events.append(Event(t=0.0, end=end, kind="stitch", source="video",
                                label=f"stitch: the first {end:.1f} s are another creator's footage"
                                      + (" (an opening shot unlike the rest, then one scene with a face)"
                                         if by == "visual" else "")
                                      + ": confirm rights before requesting a code"))
        if layout is not None:
            where = "side by side" if layout == "side_by_side" else "one above the other"
            events.append(Event(t=0.0, end=clip.duration_s, kind="stitch", source="video",
                                label=f"duet: two videos {where}; half the picture is another creator's footage: "
                                      "confirm rights before requesting a code"))
        features = {"stitch": end is not None, "stitch_end_s": end, "stitch_by": by, "duet": layout is not None,
                    "duet_layout": layout, "measured_text": text is not None}
        return self.signals(features, events=events)

    def _visual_stitch(self, sig, cuts: list[float], duration: float, faces) -> float | None:
        """The first cut, if the opening before it is a stitch by the visual rule; else None."""
        cfg: StitchConfig = self.config
        first = min(cuts)
        if faces is None or not (cfg.min_opening_s <= first <= cfg.max_opening_s) \
                or first > cfg.max_opening_share * duration:
            return None
        t = sig.times
        opening, rest = t < first - 0.05, t > first + 0.05
        if opening.sum() < 3 or rest.sum() < 3:
            return None
        rest_hist = colour_hist(sig.luma[rest], sig.chroma[rest])
        if hist_distance(colour_hist(sig.luma[opening], sig.chroma[opening]), rest_hist) < cfg.opening_diff:
            return None
        edges = [first, *sorted(c for c in cuts if c > first), duration + 1.0]
        for a, b in zip(edges[:-1], edges[1:]):  # each later shot against the others after the opening
            shot = (t > a + 0.05) & (t < b - 0.05)
            others = rest & ~((t > a - 0.05) & (t < b + 0.05))
            if shot.sum() >= 3 and others.sum() >= 3 and hist_distance(
                    colour_hist(sig.luma[shot], sig.chroma[shot]),
                    colour_hist(sig.luma[others], sig.chroma[others])) > cfg.rest_diff:
                return None
        if face_share(faces.events, first, duration) < cfg.rest_face_share:
            return None
        return float(first)
