"""On-screen text ("supers"): what the hook says in writing, and whether text sits inside
TikTok's safe zone. RapidOCR (PP-OCR det + rec ONNX models shipped in the wheel).

Every line read is classified (:mod:`scoring.services.text_kinds`) as a caption, a
platform watermark or scene text; only captions count as hook text, supers and safe-zone
violations. The watermark's ``@handle`` is kept (a re-upload of someone's TikTok). The
bundled models read Latin, Chinese and Japanese; lines in other scripts (Vietnamese tone
letters, Cyrillic, Arabic, Devanagari, Thai, Hangul) are read again by Tesseract with the
detected script's model (:mod:`scoring.services.ocr_scripts`). A wide, centred line
neither can read in two or more hook frames is reported as "text present, not read" and
counts as text in the hook.

OCR costs about 50-100 ms a frame whether or not there is text, so it reads only a few
distinct frames: every ``hook_step_s`` in the hook, then what is left of ``max_frames``
spread over the rest of the video (at most one every ``body_step_s``). A frame that repeats
the last one read reuses its text, and a frame without sharp strokes (black, flat,
blurred: :func:`stroke_density`) is skipped.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.ocr import OcrConfig, TextLine, norm_text, ocr_engine, read_text_and_unread, stroke_density
from scoring.services.ocr_scripts import LineReader, script_of
from scoring.services.text_kinds import on_a_surface, overlay_change, printed, sticker, watermark_handle

Box = tuple[float, float, float, float]  # x0, y0, x1, y1: fractions of the frame


@dataclass(frozen=True)
class SafeZone:
    """TikTok's in-feed safe zone on a 9:16 screen, fractions of the frame, as the app draws
    its interface over the video: the top bar ("Following | For You", ``top``), the
    bottom block (creator name, caption, sound, CTA button: ``bottom``), a margin on each
    side (``side``) and the right-hand button column (avatar, like, comment, save, share:
    ``right_column`` wide, from ``right_column_top`` down to the bottom block). Published
    ad guides give 150 px top, 440 px bottom and 150 px right on 1080x1920 (0.08, 0.23,
    0.14); the defaults keep more room (0.14 top, 0.35 bottom: a long caption and a CTA
    card) and the column from 40 % of the height. ``tolerance`` lets a box overhang the
    zone a little: detector boxes are padded. Set per campaign in ``[safe_zone]``.
    """

    top: float = 0.14
    bottom: float = 0.35
    side: float = 0.06
    right_column: float = 0.15
    right_column_top: float = 0.40
    tolerance: float = 0.015

    def contains(self, box: tuple[float, float, float, float]) -> bool:
        """Whether ``box`` (x0, y0, x1, y1 in fractions of the frame) lies inside the zone."""
        return not self.violations(box)

    def violations(self, box: tuple[float, float, float, float]) -> list[str]:
        """The zone's edges that ``box`` crosses: some of "top", "bottom", "left", "right",
        "buttons" (under the right-hand button column)."""
        x0, y0, x1, y1 = box
        tol = self.tolerance
        out = []
        if y0 < self.top - tol:
            out.append("top")
        if y1 > 1 - self.bottom + tol:
            out.append("bottom")
        if x0 < self.side - tol:
            out.append("left")
        if x1 > 1 - self.side + tol:
            out.append("right")
        if x1 > 1 - self.right_column + tol and y1 > self.right_column_top + tol and y0 < 1 - self.bottom:
            out.append("buttons")
        return out

    def drawn(self, width: int, height: int) -> list[tuple[str, tuple[int, int, int, int]]]:
        """The areas the app covers, as (name, (x0, y0, x1, y1) pixels) for drawing the zone
        over a frame of ``width`` x ``height``."""
        def px(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
            return round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height)
        return [("top bar", px(0, 0, 1, self.top)), ("caption, sound and CTA", px(0, 1 - self.bottom, 1, 1)),
                ("buttons", px(1 - self.right_column, self.right_column_top, 1, 1 - self.bottom)),
                ("left margin", px(0, 0, self.side, 1)), ("right margin", px(1 - self.side, 0, 1, 1))]


def safe_zone_from(values: dict | None, base: SafeZone | None = None) -> SafeZone:
    """``base`` (default SafeZone()) with a campaign's ``[safe_zone]`` values applied."""
    base = base or SafeZone()
    if not values:
        return base
    return dataclasses.replace(base, **{k: float(v) for k, v in values.items()})


@dataclass(frozen=True)
class OnscreenTextConfig(OcrConfig):
    """How frames are read (:class:`scoring.services.ocr.OcrConfig`), plus:
    safe_zone: TikTok safe-zone margins (top 14 %, bottom 35 %, 6 % each side).
    hook_step_s / body_step_s: spacing (s) of candidate frames inside / after the hook.
    max_frames: most frames read per video (hook first).
    max_hook_frames: most hook frames read: every ``hook_step_s``, and between those a frame
        whose captions changed (subtitles, text drawn word by word) once fully drawn.
    caption_change: share (0-1) of the caption band's strong strokes that must differ from
        the last frame read for the captions to count as changed (1 - IoU of stroke maps).
    min_stroke_density: share of sharp-edge pixels (0-1) a frame needs to be read at all.
    same_frame_diff: mean grey difference (0-255) below which a candidate repeats the
        last frame read, and its text is reused, if its strong strokes also differ by less
        than ``same_frame_strokes`` (0-1; a small caption appearing changes little else).
    unread_min_frames: a line nothing can read counts as "text present, not read" when seen
        in this many hook frames.
    """

    safe_zone: SafeZone = field(default_factory=SafeZone)
    hook_step_s: float = 0.75
    body_step_s: float = 3.0
    max_frames: int = 12
    max_hook_frames: int = 8
    caption_change: float = 0.35
    min_stroke_density: float = 0.003
    same_frame_diff: float = 1.5
    same_frame_strokes: float = 0.03
    unread_min_frames: int = 2


@dataclass
class TextItem:
    """One piece of text followed across frames (first seen ``t``, last seen ``end``, s)."""

    text: str
    score: float
    box: tuple[float, float, float, float]
    t: float
    end: float
    kind: str = "caption"
    script: str | None = None
    tilt: float = 0.0
    boxes: list = field(default_factory=list)  # every box it was seen at (motion: text_kinds.on_a_surface)
    plates: int = 0  # sightings on a flat plate (text_kinds.sticker)
    ref: tuple | None = None  # (box, grey pixels there) when first seen: an overlay stays pixel-still
    unstill: list = field(default_factory=list)  # later sightings' change at that box (overlay_change)

    @property
    def key(self) -> str:
        return norm_text(self.text)


def _same(a: TextItem, line: TextLine) -> bool:
    """Same text (fuzzy) at about the same place."""
    if difflib.SequenceMatcher(None, a.key, norm_text(line.text)).ratio() < 0.75:
        return False
    ax, ay = (a.box[0] + a.box[2]) / 2, (a.box[1] + a.box[3]) / 2
    bx, by = (line.box[0] + line.box[2]) / 2, (line.box[1] + line.box[3]) / 2
    return abs(ax - bx) < 0.15 and abs(ay - by) < 0.1


class OnscreenTextAnalyzer(Analyzer):
    """Text on screen (full profile only: OCR is the costly part).

    Features: ``in_hook`` (a caption read in the hook, or text present there that OCR
    cannot read), ``hook_text`` (the hook's captions in reading order, joined by " / ";
    None without), ``hook_words``, ``first_s`` (first caption seen, s), ``anytime`` (ABCD
    supers: any caption), ``items`` (distinct caption lines), ``outside_safe_zone``
    (caption lines leaving the safe zone), ``outside_share`` (their share of the caption
    lines, 0-1; None without), ``max_line_height`` (tallest caption line / frame height,
    0-1: legibility on a phone), ``frames_read`` (frames OCR ran on), ``unread_in_hook``
    (text present in the hook that OCR cannot read), ``watermark`` (a platform watermark
    seen), ``watermark_handle`` (its ``@handle`` without the @, None without),
    ``scene_items`` (distinct lines of scene text), ``hook_text_script`` (the writing
    system of most of the hook captions' letters: Latin, Cyrillic, Arabic, Devanagari,
    Thai, Han, Japanese (kana, with or without kanji), Hangul...; None without hook text),
    ``second_reads`` (Tesseract line reads done for the video: the second recogniser's cost).
    Events: one ``text`` event per distinct line of any kind (t first seen, end last seen,
    seconds); labels of watermarks and scene text say so.
    """

    name = "onscreen_text"
    version = "8"
    Config = OnscreenTextConfig
    event_kinds = (EventKind("text", "text", "#7048e8"),)
    profiles = frozenset({"full"})
    features = (
        Feature("in_hook", "bool", None,
                "a caption first seen before hook_seconds, or unread_in_hook"),
        Feature("hook_text", "str", None,
                "the hook's captions in reading order (rows joined by ' / '); None without hook captions"),
        Feature("hook_words", "int", None, "whitespace-separated words in the hook's captions; 0 without"),
        Feature("first_s", "number", "s", "first read frame a caption is seen in; None without captions"),
        Feature("anytime", "bool", None, "any caption read in the video (ABCD supers)"),
        Feature("items", "int", None, "distinct caption lines (watermarks and scene text left out)"),
        Feature("outside_safe_zone", "int", None, "caption lines whose box leaves the (campaign's) safe zone"),
        Feature("outside_share", "number", "0-1",
                "outside_safe_zone / items; None without captions"),
        Feature("max_line_height", "number", "0-1",
                "tallest caption line's height / displayed frame height (legibility); 0 without captions"),
        Feature("frames_read", "int", None, "frames OCR ran on (repeats reusing the last read not counted)"),
        Feature("unread_in_hook", "bool", None,
                "a wide caption-like line neither recogniser reads, in at least unread_min_frames hook frames"),
        Feature("watermark", "bool", None, "a line classified as a platform watermark"),
        Feature("watermark_handle", "str", None,
                "the handle in the watermark lines, without the @; None when none is read"),
        Feature("scene_items", "int", None, "distinct lines of scene text (printed on things in the picture: packs, signs, shirts)"),
        Feature("hook_text_script", "str", None,
                "writing system of most of the hook captions' letters (Latin, Cyrillic, Han, Japanese...); "
                "None without hook captions or letters"),
        Feature("second_reads", "int", None, "Tesseract line reads done for the video (the second recogniser's cost)"),
    )
    context_fields = ("safe_zone",)
    evidence_keys = ("text_in_hook", "hook_text", "text_boxes_outside_safe_zone", "hook_text_script")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the OCR engine."""
        ocr_engine(a.config.det_long_side, a.config.threads)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: OnscreenTextConfig = self.config
        items: list[TextItem] = []
        state: dict = {"read": 0, "last": None, "unread": 0, "hook_s": ctx.hook_seconds, "hook_read": 0,
                       "reader": LineReader(min_score=cfg.reread_min_score), "band": None}
        self._zone = safe_zone_from(getattr(ctx, "safe_zone", None), cfg.safe_zone)
        # boxes are fractions of the displayed frame: with letterbox bars cut off the Clip
        # (scoring.media.layout), the bars are read too (editors put captions there)
        full = clip.full if clip.full is not None and getattr(clip.layout, "bars", False) else None
        box = clip.layout.content_box if full is not None else None
        hook = [k for k, t in enumerate(clip.hook.times) if t < ctx.hook_seconds]
        timed = {k for _, k in _every(clip.hook.times[hook], hook, cfg.hook_step_s, 0.0, ctx.hook_seconds)}
        timed |= set(hook[-1:])  # the hook's last frame: text drawn progressively is complete there
        for n, k in enumerate(hook):
            view = full.hook.images[k] if full is not None else clip.hook.images[k]
            after = None
            if n + 1 < len(hook):
                after = full.hook.images[hook[n + 1]] if full is not None else clip.hook.images[hook[n + 1]]
            if k in timed or (state["hook_read"] < cfg.max_hook_frames and self._caption_changed(view, after, state)):
                self._read(float(clip.hook.times[k]), clip.hook.images[k], items, state, view, box)
        later = clip.body.times >= ctx.hook_seconds
        span = float(clip.body.times[later][-1] - ctx.hook_seconds) if later.any() else 0.0
        want = min(cfg.max_frames - state["read"], int(span // cfg.body_step_s) + 1) if later.any() else 0
        if want > 0:
            idx = np.flatnonzero(later)
            for k in np.unique(((np.arange(want) + 0.5) * len(idx) / want).astype(int)):  # centred spread
                j = idx[k]
                view = full.body.images[j] if full is not None else clip.body.images[j]
                self._read(float(clip.body.times[j]), clip.body.images[j], items, state, view, box)
        return self._summarise(items, state["read"], ctx.hook_seconds, state["unread"] >= cfg.unread_min_frames,
                               second_reads=state["reader"].reads)

    def _caption_changed(self, view: np.ndarray, after: np.ndarray | None, state: dict) -> bool:
        """Whether the captions last read have changed in ``view`` and the new ones are fully
        drawn: the strokes in the caption band differ from the last read's and ``after`` (the
        next hook frame) shows the same strokes (an animation has finished)."""
        band = state["band"]
        if band is None:
            return False
        area, strokes = band
        now = _band_strokes(view, area)
        if _stroke_change(now, strokes) < self.config.caption_change:
            return False
        return after is None or _stroke_change(_band_strokes(after, area), now) < self.config.caption_change / 2

    def _read(self, t: float, img: np.ndarray, items: list[TextItem], state: dict,
              view: np.ndarray | None = None, box: tuple[float, float, float, float] | None = None) -> None:
        """Read one candidate frame unless it repeats the last one read, cannot hold text or
        the budget is spent; merge its lines into ``items``. ``img`` is the picture analyzers
        see; ``view`` the displayed frame it was cut from at ``box`` (fractions) when the
        layout cut letterbox / pillarbox bars off: the bars are read too, and every box is
        given in fractions of ``view``."""
        cfg: OnscreenTextConfig = self.config
        view = img if view is None else view
        small = cv2.cvtColor(cv2.resize(view, (48, 48), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        small = small.astype(np.int16)
        strokes = _band_strokes(view, (0.0, 0.0, 1.0, 1.0), height=256)
        last = state["last"]
        if (last is not None and float(np.mean(np.abs(small - last[0]))) < cfg.same_frame_diff
                and _stroke_change(strokes, last[3]) < cfg.same_frame_strokes):  # small text can change alone
            lines, unread = last[1], last[2]
        elif state["read"] < cfg.max_frames and stroke_density(img) >= cfg.min_stroke_density:
            lines, unread = read_text_and_unread(img, cfg, reader=state["reader"])
            if box is not None:
                lines, unread = _in_view(lines, unread, box)
                for bar in _bars(box):
                    strip = _cut(view, bar)
                    if min(strip.shape[:2]) < 16 or stroke_density(strip) < cfg.min_stroke_density:
                        continue
                    marks = _band_strokes(strip, (0.0, 0.0, 1.0, 1.0), height=128)
                    seen = state.setdefault("bars", {}).get(bar)
                    if seen is not None and _stroke_change(marks, seen[0]) < cfg.same_frame_strokes:
                        more, more_unread = seen[1], seen[2]  # bars do not move: their text rarely changes
                    else:
                        # a line's height limit is a share of the displayed frame, not of the bar
                        tall = dataclasses.replace(cfg, max_line_height=cfg.max_line_height / max(bar[3] - bar[1], 0.01))
                        more, more_unread = _in_view(*read_text_and_unread(strip, tall, reader=state["reader"]), bar)
                        state["bars"][bar] = (marks, more, more_unread)
                    lines, unread = lines + more, unread + more_unread
            state["read"] += 1
            state["hook_read"] += t < state["hook_s"]
            state["last"] = (small, lines, unread, strokes)
            captions = [ln.box for ln in lines if ln.kind == "caption"]
            area = (0.0, 0.0, 1.0, 1.0)  # without captions yet, text may appear anywhere
            if captions:
                area = (max(0.0, min(b[0] for b in captions) - 0.05), max(0.0, min(b[1] for b in captions) - 0.02),
                        min(1.0, max(b[2] for b in captions) + 0.05), min(1.0, max(b[3] for b in captions) + 0.02))
            state["band"] = (area, _band_strokes(view, area))
        else:
            return
        if unread and t < state["hook_s"]:
            state["unread"] += 1
        _merge(items, lines, t, cv2.cvtColor(np.ascontiguousarray(view), cv2.COLOR_RGB2GRAY))

    def _summarise(self, items: list[TextItem], read: int, hook_s: float, unread: bool = False,
                   second_reads: int = 0) -> Signals:
        zone = getattr(self, "_zone", None) or self.config.safe_zone
        for i in items:
            if i.kind == "caption" and (on_a_surface(i.boxes, i.tilt, self.config.kinds)
                                        or printed(i.unstill, self.config.kinds)):
                i.kind = "scene"
            elif i.kind == "scene" and sticker(i.boxes, i.plates, i.tilt, self.config.kinds):
                i.kind = "caption"
        captions = [i for i in items if i.kind == "caption"]
        hook = [i for i in captions if i.t < hook_s]
        hook_text = reading_order(hook) or None
        hook_script = script_of(" ".join(i.text for i in hook)) if hook else None
        outside = [i for i in captions if not zone.contains(i.box)]
        handle = watermark_handle([(i.kind, i.text) for i in items])
        features = {
            "in_hook": bool(hook) or unread,
            "hook_text": hook_text,
            "hook_words": sum(len(i.text.split()) for i in hook),
            "first_s": min((i.t for i in captions), default=None),
            "anytime": bool(captions),
            "items": len(captions),
            "outside_safe_zone": len(outside),
            "outside_share": round(len(outside) / len(captions), 4) if captions else None,
            "max_line_height": round(max((i.box[3] - i.box[1] for i in captions), default=0.0), 4),
            "frames_read": read,
            "unread_in_hook": unread,
            "watermark": any(i.kind == "watermark" for i in items),
            "watermark_handle": handle,
            "scene_items": sum(i.kind == "scene" for i in items),
            "hook_text_script": hook_script,
            "second_reads": second_reads,
        }
        evidence = {"text_in_hook": features["in_hook"], "hook_text": hook_text,
                    "text_boxes_outside_safe_zone": len(outside), "hook_text_script": hook_script}
        events = []
        if unread:
            events.append(Event(t=0.0, end=hook_s, kind="text", source="text",
                                label="text present, not read (a script the OCR models do not read)"))
        for i in sorted(items, key=lambda i: i.t):
            if i.kind == "caption":
                edges = zone.violations(i.box)
                where = f" (outside the safe zone: {', '.join(edges)})" if edges else ""
                label = f'"{i.text}"{where}'
            else:
                label = f'{"watermark" if i.kind == "watermark" else "scene text"} "{i.text}"'
            events.append(Event(t=i.t, end=i.end, kind="text", source="text", label=label, text=i.text))
        return self.signals(features, evidence, events)


def reading_order(items: list[TextItem]) -> str:
    """Texts top to bottom; pieces on the same row (centres within half a line height) are
    joined left to right with spaces, rows with " / "."""
    rows: list[list[TextItem]] = []
    for item in sorted(items, key=lambda i: (i.box[1] + i.box[3]) / 2):
        yc, h = (item.box[1] + item.box[3]) / 2, item.box[3] - item.box[1]
        if rows:
            last = rows[-1][-1]
            if abs(yc - (last.box[1] + last.box[3]) / 2) < 0.5 * max(h, last.box[3] - last.box[1]):
                rows[-1].append(item)
                continue
        rows.append([item])
    return " / ".join(" ".join(i.text for i in sorted(row, key=lambda i: i.box[0])) for row in rows)


def _every(times: np.ndarray, images: np.ndarray, step: float, start: float, stop: float):
    """(time s, image) pairs from ``start`` to before ``stop``, at least ``step`` s apart."""
    nxt = start
    for t, img in zip(times, images):
        if t >= stop:
            break
        if t + 1e-6 >= nxt:
            yield float(t), img
            nxt = t + step


def _merge(items: list[TextItem], lines: list[TextLine], t: float, grey: np.ndarray | None = None) -> None:
    """Add one frame's lines to the running items (same text at the same place = one item).
    ``grey``: the frame (H, W uint8), to tell an overlay (pixel-still) from printed text."""
    for line in lines:
        match = next((i for i in items if _same(i, line)), None)
        if match is None:
            ref = (line.box, _patch(grey, line.box)) if grey is not None else None
            items.append(TextItem(line.text, line.score, line.box, round(t, 3), round(t, 3), line.kind, line.script,
                                  line.tilt, [line.box], int(line.plate), ref))
            continue
        if (grey is not None and match.ref is not None and round(t, 3) != match.end and norm_text(line.text) == match.key
                and abs((line.box[2] - line.box[0]) - (match.ref[0][2] - match.ref[0][0])) <= 0.01
                and abs((line.box[3] - line.box[1]) - (match.ref[0][3] - match.ref[0][1])) <= 0.01):
            # same text, same size (a caption zooming in changes size; a label held up does not)
            match.unstill.append(overlay_change(match.ref[1], _patch(grey, match.ref[0])))
        match.end = round(t, 3)
        match.boxes.append(line.box)
        match.plates += int(line.plate)
        match.tilt = max(match.tilt, line.tilt)
        longer = len(norm_text(line.text)) - len(norm_text(match.text))
        if longer > 0 or (longer == 0 and line.score > match.score):  # text drawn word by word grows
            match.text, match.score, match.box, match.script = line.text, line.score, line.box, line.script


def _patch(grey: np.ndarray, box: Box) -> np.ndarray:
    h, w = grey.shape[:2]
    return grey[int(box[1] * h):int(np.ceil(box[3] * h)), int(box[0] * w):int(np.ceil(box[2] * w))].astype(np.float32)


def _band_strokes(image: np.ndarray, area: Box, height: int = 64) -> np.ndarray:
    """Strong-stroke map (bool) of ``area`` (x0, y0, x1, y1 fractions) of an RGB uint8 image,
    resized to ``height`` rows (at most 256 columns): the 3x3 grey-level range at least 60 %
    of the area's 99.5th percentile (text strokes are a caption band's strongest edges)."""
    region = _cut(image, area)
    if min(region.shape[:2]) < 2:
        return np.zeros((2, 2), bool)
    scale = min(height / region.shape[0], 256 / region.shape[1])
    size = (max(2, round(region.shape[1] * scale)), max(2, round(region.shape[0] * scale)))
    grey = cv2.cvtColor(cv2.resize(region, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return grad >= max(40.0, 0.6 * float(np.percentile(grad, 99.5)))


def _stroke_change(a: np.ndarray, b: np.ndarray) -> float:
    """1 - IoU of two stroke maps (0 same strokes, 1 nothing shared)."""
    if a.shape != b.shape:
        return 1.0
    union = int(np.sum(a | b))
    return 1.0 - int(np.sum(a & b)) / union if union else 0.0



def _bars(box: Box) -> list[Box]:
    """The bars around the content ``box`` (fractions of the displayed frame): top, bottom,
    left, right, those present."""
    x0, y0, x1, y1 = box
    out = [(0.0, 0.0, 1.0, y0), (0.0, y1, 1.0, 1.0), (0.0, y0, x0, y1), (x1, y0, 1.0, y1)]
    return [b for b in out if b[2] - b[0] > 0.01 and b[3] - b[1] > 0.01]


def _cut(image: np.ndarray, box: Box) -> np.ndarray:
    h, w = image.shape[:2]
    return np.ascontiguousarray(image[int(round(box[1] * h)):int(round(box[3] * h)),
                                      int(round(box[0] * w)):int(round(box[2] * w))])


def _in_view(lines: list[TextLine], unread: list[Box], region: Box) -> tuple[list[TextLine], list[Box]]:
    """Lines and boxes read in ``region`` (fractions of the displayed frame), their boxes
    turned from fractions of the region into fractions of the displayed frame."""
    x0, y0, x1, y1 = region

    def to_view(b: Box) -> Box:
        return (round(x0 + b[0] * (x1 - x0), 4), round(y0 + b[1] * (y1 - y0), 4),
                round(x0 + b[2] * (x1 - x0), 4), round(y0 + b[3] * (y1 - y0), 4))

    return [dataclasses.replace(ln, box=to_view(ln.box)) for ln in lines], [to_view(b) for b in unread]
