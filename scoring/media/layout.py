"""What of the decoded frame is the creator's picture: letterbox / pillarbox bars and a
platform end card (TikTok's closing card on a downloaded copy) are not.

:func:`find_layout` measures both on a decoded Clip; :func:`apply_layout` returns the Clip
every analyzer sees: frames cut to the content box, frames, signatures and audio cut at
the end card's start, so cuts, text, product, duration ratios and picture quality are
measured on the post's own picture and time. The uncut Clip stays on ``clip.full`` (the
watermark reader needs the bars and the card: that is where the platform writes; on-screen
text reads captions editors put in the bars).

Measured on real downloads (tuned on v_tt_dance_endcard, v_tt_office_skit and t_studio_3;
checked on the other TikTok downloads): TikTok's end card is a near-black (luma ~15-30)
flat frame with a logo or the creator's avatar and handle in the middle, 2.5-4 s long;
letterbox bars are black (luma < 20) and may carry the editor's captions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from scoring.media.clip import Clip, Frames, FrameSignatures


@dataclass(frozen=True)
class LayoutConfig:
    """Attributes:
    dark: a pixel (8-bit luma) below this is bar black.
    content_row: a row (column) whose share of non-black pixels reaches this in at least
        10 % of the sampled frames belongs to the picture; caption rows in a bar stay below.
    min_bar: a bar thinner than this share of the frame is ignored (encoder edges).
    bar_lit: a bar has at most this share of lit pixels in the median frame (captions).
    edge / edge_lit: the ``edge`` share of rows just outside the picture has at most
        ``edge_lit`` lit pixels in the median frame (a bar's edge is sharp).
    min_content: a content box under this share of the frame is not believed (a dark video).
    card_dark: an end-card frame's mean luma is under this, and ``card_flat`` of its
        signature cells sit within 12 levels of its median (a flat background).
    card_flat: see ``card_dark``.
    card_centre: luma a centre cell must exceed in some card frames (the logo / avatar / handle).
    min_card_s / max_card_s: an end card lasts this long (s); it starts after ``min_card_start``
        of the video.
    """

    dark: int = 24
    content_row: float = 0.55
    min_bar: float = 0.04
    bar_lit: float = 0.12
    edge: float = 0.015
    edge_lit: float = 0.02
    min_content: float = 0.3
    card_dark: float = 45.0
    card_flat: float = 0.8
    card_centre: float = 90.0
    min_card_s: float = 1.0
    max_card_s: float = 8.0
    min_card_start: float = 0.3


@dataclass(frozen=True)
class Layout:
    """``content_box``: (x0, y0, x1, y1), fractions of the display frame (0-1) holding the
    picture; ``end_card_s``: the end card's start in seconds (None without one)."""

    content_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    end_card_s: float | None = None

    @property
    def bars(self) -> bool:
        return self.content_box != (0.0, 0.0, 1.0, 1.0)


FULL = Layout()


def _is_card(luma: np.ndarray, cfg: LayoutConfig) -> tuple[bool, bool]:
    """(flat dark frame, with something bright in the middle) for a signature grid (S, S)."""
    s = luma.shape[0]
    mean = float(luma.mean())
    if mean >= cfg.card_dark:
        return False, False
    flat = float(np.mean(np.abs(luma.astype(np.int16) - np.median(luma)) <= 12)) >= cfg.card_flat
    c0, c1 = s // 4, s - s // 4
    centre = float(luma[c0:c1, c0:c1].max()) > cfg.card_centre
    return flat, centre


def find_end_card(sig: FrameSignatures | None, duration_s: float, cfg: LayoutConfig | None = None) -> float | None:
    """Start (s) of a platform end card closing the video, from every frame's signature, or None.

    The card is the video's last run of flat dark frames, ``min_card_s``-``max_card_s`` long,
    starting after ``min_card_start`` of the video, with a bright mark in the middle in at
    least a quarter of its frames (a plain fade to black is not a card)."""
    cfg = cfg or LayoutConfig()
    if sig is None or len(sig) < 3 or duration_s <= 0:
        return None
    flags = [_is_card(y, cfg) for y in sig.luma]
    k = _flat_run_start(flags)
    if k == len(flags) or k == 0:
        return None
    start, end = float(sig.times[k]), float(sig.times[-1])
    length = max(end - start, duration_s - start)
    marked = np.mean([c for _, c in flags[k:]])
    if not cfg.min_card_s <= length <= cfg.max_card_s or start < cfg.min_card_start * duration_s or marked < 0.25:
        return None
    return round(start, 3)


def _flat_run_start(flags: list[tuple[bool, bool]]) -> int:
    """Index of the first frame of the trailing run of flat dark frames (len: none)."""
    k = len(flags)
    while k > 0 and flags[k - 1][0]:
        k -= 1
    return k


def end_card_from_tail(tail: Callable[[float], FrameSignatures | None], duration_s: float,
                       cfg: LayoutConfig | None = None,
                       last_keyframe: Callable[[], np.ndarray | None] | None = None) -> tuple[bool, float | None]:
    """(known, start) of the end card :func:`find_end_card` finds, from the video's last
    seconds only: ``tail(from_s)`` gives the signatures of the frames from about ``from_s``
    to the end, as the full decode has them (None: it cannot tell). The last frames are read
    first: a last frame that is not flat and dark means no card; else the run's start is
    looked for in the last 5 s (TikTok's card lasts 2.5-4 s), then in the last
    ``max_card_s`` + 1 s (a longer run is not a card). ``known`` is False where the tail
    cannot tell.

    ``last_keyframe()``: the luma grid (S, S) of the video's last keyframe, read before
    any of that (one frame to decode, against up to a GOP). Where it is not flat and dark
    the answer is (False, None) without a look at the tail: a card starts on a keyframe (a
    scene cut) or runs through one on the encodes seen (TikTok: a keyframe every 1-8 s),
    and one that does neither is not known, as a tail that cannot tell."""
    cfg = cfg or LayoutConfig()
    if duration_s <= 0:
        return False, None
    if last_keyframe is not None:
        luma = last_keyframe()
        if luma is not None and not _is_card(luma, cfg)[0]:
            return False, None
    backs = (0.25, 5.0, cfg.max_card_s + 1.0)
    for i, back in enumerate(backs):
        from_s = max(0.0, duration_s - back)
        sig = tail(from_s)
        if sig is None or not len(sig):
            if i == 0 or i == len(backs) - 1:
                return False, None
            continue  # a keyframe too far back: the longest window may have a nearer one
        k = _flat_run_start([_is_card(y, cfg) for y in sig.luma])
        if k == len(sig):
            return True, None  # the video does not end on flat dark frames
        if from_s == 0.0:
            return True, find_end_card(sig, duration_s, cfg)  # the tail is the whole video
        if k > 0:  # the frame before the run is in the tail: the run is what the full decode sees
            return (True, find_end_card(sig, duration_s, cfg)) if len(sig) >= 3 else (False, None)
    return True, None  # flat and dark for longer than max_card_s + 1 s: not a card


def _span(share: np.ndarray, median: np.ndarray, cfg: LayoutConfig) -> tuple[float, float]:
    """(start, end) fractions of the rows (or columns) holding the picture.

    ``share``: each row's share of lit pixels in a bright 10 % of the frames; ``median``: in
    the median frame. A row reaching ``content_row`` is picture; a bar is what lies outside
    the first and last such rows, kept only when it is at least ``min_bar`` thick, black
    (at most ``bar_lit`` of its pixels lit: captions may sit in it) and cut sharply (the
    ``edge`` rows just outside the picture are black in the median frame): a dark floor
    or wall fades into the picture, an editor's bar does not."""
    n = len(share)
    rows = np.flatnonzero(share >= cfg.content_row)
    if not len(rows):
        return 0.0, 1.0
    a, b = int(rows[0]), int(rows[-1]) + 1
    edge = max(1, int(round(cfg.edge * n)))

    def is_bar(lo: int, hi: int, inner: slice) -> bool:
        return (hi - lo) >= cfg.min_bar * n and float(median[lo:hi].mean()) <= cfg.bar_lit \
            and float(median[inner].max(initial=0.0)) <= cfg.edge_lit

    start = a / n if a and is_bar(0, a, slice(max(0, a - edge), a)) else 0.0
    end = b / n if b < n and is_bar(b, n, slice(b, min(n, b + edge))) else 1.0
    return round(float(start), 4), round(float(end), 4)


def find_content_box(images: np.ndarray, cfg: LayoutConfig | None = None) -> tuple[float, float, float, float]:
    """The picture inside black letterbox / pillarbox bars, (x0, y0, x1, y1) fractions, from
    RGB frames (N, H, W, 3) uint8; the whole frame when there are no bars (or the picture
    itself is too dark to tell). Reads the green channel of at most 24 frames at half size
    (a few ms)."""
    cfg = cfg or LayoutConfig()
    if images.ndim != 4 or not len(images):
        return FULL.content_box
    step = max(1, int(np.ceil(len(images) / 24)))  # bars do not move: a few frames suffice
    lit = images[::step, ::2, ::2, 1] >= cfg.dark  # (N, H/2, W/2); green is most of luma
    by_row, by_col = lit.mean(axis=2), lit.mean(axis=1)  # (N, H/2), (N, W/2)
    y0, y1 = _span(np.percentile(by_row, 90, axis=0), np.median(by_row, axis=0), cfg)
    x0, x1 = _span(np.percentile(by_col, 90, axis=0), np.median(by_col, axis=0), cfg)
    if (x1 - x0) * (y1 - y0) < cfg.min_content:
        return FULL.content_box
    return (x0, y0, x1, y1)


def find_layout(clip: Clip, cfg: LayoutConfig | None = None) -> Layout:
    """The end card (from every frame's signature) and the content box (from the body
    frames before the card) of a decoded Clip."""
    cfg = cfg or LayoutConfig()
    end = find_end_card(clip.signatures, clip.info.duration_s, cfg)
    body = clip.body.images if end is None else clip.body.images[clip.body.times < end]
    if not len(body):
        body = clip.body.images
    return Layout(find_content_box(body, cfg), end)


def _crop(frames: Frames, box: tuple[float, float, float, float], end: float | None) -> Frames:
    keep = slice(None) if end is None else slice(0, max(1, int(np.searchsorted(frames.times, end))))
    images, times = frames.images[keep], frames.times[keep]
    if box != FULL.content_box and images.ndim == 4 and len(images):
        h, w = images.shape[1:3]
        x0, y0, x1, y1 = (int(round(box[0] * w)), int(round(box[1] * h)), int(round(box[2] * w)),
                          int(round(box[3] * h)))
        images = np.ascontiguousarray(images[:, y0:max(y1, y0 + 2), x0:max(x1, x0 + 2)])  # analyzers want contiguous
    return Frames(images, times)


def _crop_signatures(sig: FrameSignatures | None, box: tuple[float, float, float, float], end: float | None
                     ) -> FrameSignatures | None:
    """Signatures cut at the card and resampled from the content box to the same grid."""
    if sig is None:
        return None
    keep = slice(None) if end is None else slice(0, max(1, int(np.searchsorted(sig.times, end))))
    luma, chroma = sig.luma[keep], sig.chroma[keep]
    if box != FULL.content_box:
        def resample(grid: np.ndarray) -> np.ndarray:  # (S, S) -> the box's cells, back to (S, S)
            s = grid.shape[0]
            y0, y1 = int(box[1] * s), max(int(np.ceil(box[3] * s)), int(box[1] * s) + 1)
            x0, x1 = int(box[0] * s), max(int(np.ceil(box[2] * s)), int(box[0] * s) + 1)
            return cv2.resize(np.ascontiguousarray(grid[y0:y1, x0:x1]), (s, s), interpolation=cv2.INTER_LINEAR)
        luma = np.stack([resample(y) for y in luma]) if len(luma) else luma
        chroma = np.stack([np.stack([resample(c) for c in uv]) for uv in chroma]) if len(chroma) else chroma
    return FrameSignatures(sig.times[keep], luma, chroma, sig.all_frames)


def apply_layout(clip: Clip, layout: Layout) -> Clip:
    """The Clip analyzers see: cut to ``layout``'s content box and before its end card (the
    audio too); ``clip.full`` keeps the uncut Clip and ``clip.layout`` the layout. A
    layout with neither bars nor card returns ``clip`` itself (with ``layout`` set)."""
    if not layout.bars and layout.end_card_s is None:
        clip.layout = layout
        return clip
    end, box = layout.end_card_s, layout.content_box
    audio = clip.audio
    if audio is not None and end is not None:
        audio = audio.cut(end)  # levels too: the card's jingle is not the creator's loudness
    return dataclasses.replace(
        clip, hook=_crop(clip.hook, box, end), body=_crop(clip.body, box, end), stills=_crop(clip.stills, box, end),
        audio=audio, signatures=_crop_signatures(clip.signatures, box, end), layout=layout, full=clip,
        content_end_s=end)
