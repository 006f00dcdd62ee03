"""Is this file the creator's post or a scout's downloaded copy? And whose post is it?

- ``layout`` (every profile, no model): the content box inside letterbox / pillarbox bars,
  the start of a platform end card (both from :mod:`scoring.media.layout`, which already
  cut them from what the other analyzers see), and whether the display size is one that
  platforms hand out on download (9:16 at a short side of 320, 360, 480, 540 or 576 px:
  TikTok's 576×1024, Snapchat's 480×854, Instagram's 360×640...; phones record 720p or more).
- ``watermark`` (full profile: OCR): TikTok's watermark, the logo with "TikTok" and the
  creator's ``@handle`` in a corner, which hops corners during the video, and the
  handle on TikTok's end card. It reads the upper-left and lower-right areas of the uncut
  stills (native resolution, enlarged: the handle is 10-15 px tall on a 576×1024
  download) and a frame of the end card, so a watermark that moves is read wherever it sits.

A download is evidence (``is_download``), not a flaw: ranking turns the copy's own
problems (resolution, missing audio track) into "check the original post" warnings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.media.layout import Layout, find_layout
from scoring.services.text_kinds import HANDLE_LIKE, WATERMARK_WORDS, handle_of

DOWNLOAD_SHORT_SIDES = (320, 360, 480, 540, 576)


def download_size(width: int | None, height: int | None, tolerance: int = 8) -> bool:
    """Whether a display size is a platform's download size: 9:16 (either way round) at a
    short side in DOWNLOAD_SHORT_SIDES, the long side within ``tolerance`` px of 16/9 of it."""
    if not width or not height:
        return False
    short, long_ = min(width, height), max(width, height)
    return short in DOWNLOAD_SHORT_SIDES and abs(long_ - short * 16 / 9) <= tolerance


@dataclass(frozen=True)
class LayoutEvidenceConfig:
    """No settings: the layout itself is found at decode (scoring.media.layout.LayoutConfig)."""


class LayoutAnalyzer(Analyzer):
    """Features: ``content_x0 / y0 / x1 / y1`` (the picture inside bars, fractions of the
    frame), ``bars`` (letterbox or pillarbox bars found), ``end_card_s`` (the platform end
    card's start, s; None without), ``end_card``, ``download_size`` (see module doc),
    ``is_download`` (end card or download size), ``why`` (what says it is a download).
    Evidence: ``content_box`` ([x0, y0, x1, y1]), ``is_download``."""

    name = "layout"
    version = "1"
    Config = LayoutEvidenceConfig
    event_kinds = (EventKind("end_card", "end card", "#5c940d"), EventKind("bars", "bars", "#ced4da"))
    features = (
        Feature("content_x0", "number", "0-1", "left edge of the picture inside any bars / frame width; 0 without bars"),
        Feature("content_y0", "number", "0-1", "top edge of the picture inside any bars / frame height; 0 without bars"),
        Feature("content_x1", "number", "0-1", "right edge of the picture inside any bars / frame width; 1 without bars"),
        Feature("content_y1", "number", "0-1",
                "bottom edge of the picture inside any bars / frame height; 1 without bars"),
        Feature("bars", "bool", None, "letterbox or pillarbox bars found (the content box is not the whole frame)"),
        Feature("end_card_s", "number", "s", "start of a platform end card; None without one"),
        Feature("end_card", "bool", None, "a platform end card found"),
        Feature("download_size", "bool", None,
                "display size is 9:16 at a download's short side (320, 360, 480, 540 or 576 px); False when unknown"),
        Feature("is_download", "bool", None, "an end card or a download size"),
        Feature("why", "str", None, "what says it is a download ('; '-joined); None when nothing does"),
    )
    evidence_keys = ("content_box", "is_download")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        layout = clip.layout if isinstance(clip.layout, Layout) else find_layout(clip)
        w, h = clip.info.width, clip.info.height
        sized = download_size(w, h)
        why = []
        if layout.end_card_s is not None:
            why.append(f"a platform end card from {layout.end_card_s:.1f} s")
        if sized:
            why.append(f"{w}×{h}, a platform's download size")
        box = [round(float(v), 4) for v in layout.content_box]
        features = {"content_x0": box[0], "content_y0": box[1], "content_x1": box[2], "content_y1": box[3],
                    "bars": layout.bars, "end_card_s": layout.end_card_s, "end_card": layout.end_card_s is not None,
                    "download_size": sized, "is_download": bool(why), "why": "; ".join(why) or None}
        events = []
        if layout.end_card_s is not None:
            events.append(Event(t=layout.end_card_s, end=clip.info.duration_s, kind="end_card", source="video",
                                label="platform end card (left out of every measure)"))
        if layout.bars:
            events.append(Event(t=0.0, end=clip.info.duration_s, kind="bars", source="video",
                                label=f"picture inside bars: {box[2] - box[0]:.0%} × {box[3] - box[1]:.0%} of the frame "
                                      f"(bars left out of every measure)"))
        return self.signals(features, {"content_box": box, "is_download": bool(why)}, events)


@dataclass(frozen=True)
class WatermarkConfig:
    """Attributes:
    regions: (x0, y0, x1, y1) areas read for the watermark, fractions of the frame: the
        upper left and the lower right, where TikTok puts it (top-left corner or a quarter
        down the left edge; bottom-right corner or three quarters down the right edge).
    enlarge_to: regions are enlarged so the frame's width reaches this many pixels.
    det_long_side: the text detector's working size (px; one size: one OCR engine per process).
    min_score: recognition confidence (0-1) a line needs.
    enough: stop reading once the handle was read in this many regions (it agrees).
    give_up_after: stop after this many stills without a platform word or a handle (the
        watermark is on screen the whole video: a copy without one in two stills has none).
    static_window_s / min_static_text: a region is read only when, over the body frames
        within ``static_window_s`` of the still, at least ``min_static_text`` of its pixels
        stay bright (luma >= 170 in three quarters of the frames) next to a sharp edge: an overlay's strokes.
        A moving picture without an overlay is skipped (measured: watermark regions
        0.011-0.063; regions the watermark had left and busy footage 0-0.004).
    """

    regions: tuple[tuple[float, float, float, float], ...] = ((0.0, 0.0, 0.5, 0.36), (0.5, 0.62, 1.0, 1.0))
    enlarge_to: int = 1080
    det_long_side: int = 960
    min_score: float = 0.6
    enough: int = 2
    give_up_after: int = 2
    static_window_s: float = 1.0
    min_static_text: float = 0.005


def _corner(top: bool) -> str:
    """The area a handle was read in: the upper-left or the lower-right region."""
    return "upper-left" if top else "lower-right"


def _dotted(text: str) -> str:
    """A watermark line cleaned for :func:`handle_of`: OCR reads a handle's dot as ":" or
    "," now and then ("@maker:jane" -> "@maker.jane"), and runs a lower-case handle into
    an upper-case caption beside it ("@manutdERE'S NOTH" -> "@manutd": TikTok shows
    handles in lower case)."""
    if "@" not in text:
        return text
    head, _, tail = text.partition("@")
    tail = re.sub(r"(?<=\w)[:,;](?=\w)", ".", tail)
    cut = re.search(r"(?<=[a-z0-9._])[A-Z]", tail) if re.search(r"[a-z]", tail) else None
    return head + "@" + (tail[:cut.start()] if cut else tail)


def _under(box: tuple[float, float, float, float], mark: tuple[float, float, float, float]) -> bool:
    """``box`` sits right under (or beside) the platform word's ``mark``: within three of its
    line heights below it and overlapping it across."""
    height = max(mark[3] - mark[1], 1e-3)
    return -height <= box[1] - mark[1] <= 3 * height and min(box[2], mark[2]) > max(box[0], mark[0]) - height


def _best(handles: Counter) -> tuple[str, int] | None:
    """The handle read most often, counting a shorter reading cut at one of its dots or
    underscores (``maker`` read once, ``maker.jane`` once: ``maker.jane``, 2)."""
    if not handles:
        return None
    scored = {h: sum(n for g, n in handles.items() if g == h or (h.startswith(g) and h[len(g)] in "._"))
              for h in handles}
    best = max(scored, key=lambda h: (scored[h], len(h)))
    return best, scored[best]


class WatermarkAnalyzer(Analyzer):
    """A platform watermark on the uncut frames (full profile: OCR).

    Features: ``found`` (the platform's name read in a corner band or on the end card),
    ``handle`` (the creator's handle without the @, lower case; None when not read),
    ``corners`` (distinct corners it was read in: 2 when it moved), ``frames_read``,
    ``is_download`` (a watermark, an end card or a download size).
    Evidence: ``watermark_handle``, ``is_download``."""

    name = "watermark"
    version = "1"
    Config = WatermarkConfig
    event_kinds = (EventKind("watermark", "watermark", "#862e9c"),)
    requires = ("layout",)
    profiles = frozenset({"full"})
    features = (
        Feature("found", "bool", None, "the platform's name read in a corner band or on the end card"),
        Feature("handle", "str", None, "the creator's handle, without the @, lower case; None when not read"),
        Feature("corners", "int", None, "distinct corners it was read in (2 when it moved)"),
        Feature("frames_read", "int", None, "frames OCR read for it"),
        Feature("is_download", "bool", None, "a watermark, an end card or a download size"),
    )
    evidence_keys = ("watermark_handle", "is_download")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        from scoring.services.ocr import OcrConfig, read_text

        cfg: WatermarkConfig = self.config
        ocr = OcrConfig(det_long_side=cfg.det_long_side, min_score=cfg.min_score, min_chars=3)
        marks, handles, corners, read, stills = 0, Counter(), set(), 0, 0
        full = clip.full or clip
        for t, card, image in self._frames(clip):
            if handles and _best(handles)[1] >= cfg.enough:  # type: ignore[index]
                break
            if card and handles:
                break  # the card is read only for a handle not read on the picture
            if not card and stills >= cfg.give_up_after and not (marks or handles):
                continue  # nothing in two stills: no watermark (the end card may still say so)
            stills += not card
            h, w = image.shape[:2]
            scale = max(1.0, cfg.enlarge_to / max(w, 1))
            areas = [(0.0, 0.0, 1.0, 1.0)] if card else list(cfg.regions)
            for x0, y0, x1, y1 in areas:
                if not card and _static_text(full, t, (x0, y0, x1, y1), cfg.static_window_s) < cfg.min_static_text:
                    continue  # nothing stays on screen there: no overlay to read
                band = image[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
                if scale > 1.0:
                    band = cv2.resize(band, (round(band.shape[1] * scale), round(band.shape[0] * scale)),
                                      interpolation=cv2.INTER_CUBIC)
                top = None if card else y0 < 0.5
                lines = read_text(band, ocr)
                read += 1
                platform = [ln for ln in lines if WATERMARK_WORDS.search(ln.text)]
                marks += bool(platform)
                found = {handle_of(_dotted(ln.text)) for ln in lines if handle_of(_dotted(ln.text))}
                if platform and not found:  # the handle without its @ (a person icon), right under the mark
                    found = {ln.text.strip().lower() for ln in lines
                             if HANDLE_LIKE.match(ln.text.strip().lower()) and not WATERMARK_WORDS.search(ln.text)
                             and any(_under(ln.box, m.box) for m in platform)}
                handles.update(found)  # once per region: a word repeated on a sponsor board is not two reads
                if found and top is not None:
                    corners.add(_corner(top))
        up = ctx.upstream.get("layout")
        layout_download = bool(up and up.features.get("layout.is_download"))
        top_handle = _best(handles)
        # an @handle in a corner is the watermark's on a platform's copy, or when read twice
        handle = top_handle[0] if top_handle and (marks or layout_download or top_handle[1] >= 2) else None
        found_mark = marks > 0 or handle is not None
        features = {"found": found_mark, "handle": handle, "corners": len(corners), "frames_read": read,
                    "is_download": found_mark or layout_download}
        events = []
        if found_mark:
            where = " and ".join(sorted(corners)) or "the end card"
            events.append(Event(t=0.0, end=clip.info.duration_s, kind="watermark", source="text",
                                label=f"TikTok watermark{f' @{handle}' if handle else ''} ({where})"))
        return self.signals(features, {"watermark_handle": handle, "is_download": features["is_download"]}, events)

    @staticmethod
    def _frames(clip: Clip) -> list[tuple[float, bool, np.ndarray]]:
        """(time s, is the end card, image): the uncut stills (native size) before any end
        card, and one frame of the card (read whole: the handle sits in its middle)."""
        end = clip.layout.end_card_s if isinstance(clip.layout, Layout) else None
        full = clip.full or clip
        out = [(float(t), False, img) for t, img in zip(full.stills.times, full.stills.images)
               if end is None or t < end]
        if end is not None:
            after = np.flatnonzero(full.body.times >= end + 1.0)
            if len(after):
                k = int(after[0])
                out.append((float(full.body.times[k]), True, full.body.images[k]))
        return out


def _static_text(clip: Clip, t: float, region: tuple[float, float, float, float], window: float) -> float:
    """Share (0-1) of ``region`` (fractions of the frame) where, in three quarters of the body
    frames within ``window`` s of ``t``, the picture stays bright (green >= 170) beside a
    sharp edge of that lower-quartile picture: the strokes of a static overlay. 1.0 (read
    it) with under two frames to compare."""
    near = np.abs(clip.body.times - t) <= window
    if int(near.sum()) < 2:
        return 1.0
    imgs = clip.body.images[near][..., 1]
    h, w = imgs.shape[1:3]
    x0, y0, x1, y1 = region
    crop = imgs[:, int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
    # the lower quartile over time, not the minimum: the watermark may hop corners inside the window
    low = np.ascontiguousarray(np.percentile(crop, 25, axis=0, method="lower").astype(np.uint8))
    if low.size == 0:
        return 0.0
    kernel = np.ones((3, 3), np.uint8)
    edge = cv2.dilate((cv2.morphologyEx(low, cv2.MORPH_GRADIENT, kernel) >= 60).astype(np.uint8), kernel) > 0
    return float(np.mean((low >= 170) & edge))
