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
import functools
import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Signals
from scoring.media.clip import Clip
from scoring.services.ocr_scripts import LineReader, garbled, script_of
from scoring.services.text_kinds import (
    TextKindConfig,
    classify,
    on_a_surface,
    on_plate,
    sticker,
    watermark_handle,
)


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
class OnscreenTextConfig:
    """Attributes:
    safe_zone: TikTok safe-zone margins (top 14 %, bottom 35 %, 6 % each side).
    hook_step_s / body_step_s: spacing (s) of candidate frames inside / after the hook.
    max_frames: most frames read per video (hook first).
    det_long_side: long side (px) the text detector works at.
    min_score: recognition confidence (0-1) a line needs.
    min_chars: letters or digits a line needs (single glyphs are mostly shapes).
    max_line_height: a line taller than this share of the frame height is dropped.
    min_stroke_density: share of sharp-edge pixels (0-1) a frame needs to be read at all.
    same_frame_diff: mean grey difference (0-255) below which a candidate repeats the
        last frame read, and its text is reused.
    threads: onnxruntime threads (1 suits one worker process per core).
    kinds: caption / watermark / scene text rules.
    unread_min_width / unread_min_frames: a detected line recognition cannot read counts
        as "text present, not read" when it is at least this wide (share of the frame
        width), centred like a caption, and seen in this many hook frames.
    reread_min_score: confidence (0-1) a second read (Tesseract, per script) needs.
    reread_min_px / reread_min_width / reread_min_aspect: a line is read again only when
        at least this tall (pixels of the analysis frame), this wide (share of the frame
        width) and this many times wider than tall (a word, not an emoji or a logo).
    """

    safe_zone: SafeZone = field(default_factory=SafeZone)
    hook_step_s: float = 0.75
    body_step_s: float = 3.0
    max_frames: int = 8
    det_long_side: int = 400
    min_score: float = 0.75
    min_chars: int = 2
    max_line_height: float = 0.2
    min_stroke_density: float = 0.003
    same_frame_diff: float = 1.5
    threads: int = 1
    kinds: TextKindConfig = field(default_factory=TextKindConfig)
    unread_min_width: float = 0.3
    unread_min_frames: int = 2
    reread_min_score: float = 0.6
    reread_min_px: float = 8.0
    reread_min_width: float = 0.05
    reread_min_aspect: float = 2.0


@dataclass
class TextLine:
    """One line read in one frame; box = (x0, y0, x1, y1) in fractions of the frame;
    kind = caption / watermark / scene (see text_kinds)."""

    text: str
    score: float
    box: tuple[float, float, float, float]
    kind: str = "caption"
    script: str | None = None
    tilt: float = 0.0
    plate: bool = False  # on a flat-coloured plate (text_kinds.on_plate)


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

    @property
    def key(self) -> str:
        return _norm(self.text)


@functools.cache
def _ocr_engine(det_long_side: int, threads: int):
    """RapidOCR with its default (bundled) models; loaded once per process (about 0.4 s)."""
    from rapidocr import RapidOCR

    return RapidOCR(params={
        "Global.log_level": "critical",
        "Global.use_cls": False,  # upright overlays; the angle model costs time for nothing
        "Det.limit_type": "max",
        "Det.limit_side_len": det_long_side,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


def read_text(image: np.ndarray, cfg: OnscreenTextConfig | None = None,
              reader: LineReader | None = None) -> list[TextLine]:
    """Lines of text in one RGB uint8 image (H, W, 3), filtered by ``cfg``'s rules, each
    with its kind (caption / watermark / scene) and script (``TextLine.script``). Pass one
    ``reader`` for all the frames of a video: it remembers the scripts already found and
    the lines already read by the second recogniser."""
    return read_text_and_unread(image, cfg, reader=reader)[0]


def read_text_and_unread(image: np.ndarray, cfg: OnscreenTextConfig | None = None, probe: bool = False,
                         reader: LineReader | None = None
                         ) -> tuple[list[TextLine], list[tuple[float, float, float, float]]]:
    """:func:`read_text`, plus the boxes of wide, caption-like lines the detector found but
    neither recogniser could read (a script without its language data, stylised lettering).

    RapidOCR detects the lines, then its recogniser reads each; a line it reads poorly or
    with Vietnamese letters is read again per script (:mod:`scoring.services.ocr_scripts`).
    ``probe`` is kept for callers of the earlier API: every detected line is now checked."""
    del probe
    cfg = cfg or OnscreenTextConfig()
    reader = reader if reader is not None else LineReader(min_score=cfg.reread_min_score)
    h, w = image.shape[:2]
    if h < 16 or w < 16:
        return [], []
    lines, unread = [], []
    for quad, text, score in _detect_and_read(np.ascontiguousarray(image[..., ::-1]), cfg):
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        frac = (max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, x1 / w), min(1.0, y1 / h))
        frac = tuple(round(float(v), 4) for v in frac)
        text = " ".join(str(text).split())
        if frac[3] - frac[1] > cfg.max_line_height:
            continue
        script = script_of(text)
        big_enough = ((y1 - y0) >= cfg.reread_min_px and frac[2] - frac[0] >= cfg.reread_min_width
                      and (x1 - x0) >= cfg.reread_min_aspect * (y1 - y0))  # not an emoji or a logo
        centred = abs((frac[0] + frac[2]) / 2 - 0.5) <= cfg.kinds.centre_tolerance
        again = reader.reread(image, (x0, y0, x1, y1), frac, text, float(score), centred) if big_enough else None
        if again is not None:
            text, score, script = again.text, again.score, again.script
        elif float(score) < cfg.min_score or len(_norm(text)) < cfg.min_chars or garbled(text):
            if _caption_like(frac, cfg):
                unread.append(frac)
            continue
        else:
            reader.note(text)
        if len(_norm(text)) < cfg.min_chars:
            continue
        lines.append(TextLine(text, round(float(score), 3), frac, script=script, tilt=_tilt(quad)))
    for line, kind in zip(lines, classify([(ln.text, ln.box) for ln in lines], cfg.kinds)):
        line.kind = kind
        if kind == "scene":  # a sticker off the centre line is told by its plate, over frames
            line.plate = on_plate(image, line.box, cfg.kinds)
    return lines, unread


def _detect_and_read(bgr: np.ndarray, cfg: OnscreenTextConfig) -> list[tuple[np.ndarray, str, float]]:
    """(quad (4, 2) pixels, text, score 0-1) for every line RapidOCR's detector finds,
    including those its recogniser returns empty (``RapidOCR.__call__`` drops them: Arabic,
    Cyrillic, Hangul...). Crops are cut from the full frame as RapidOCR cuts them."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    engine = _ocr_engine(cfg.det_long_side, cfg.threads)
    # use_* passed every time: RapidOCR keeps them from the previous call
    det = engine(bgr, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(det, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return []
    quads = [np.asarray(b, np.float32) for b in boxes]
    crops = [get_rotate_crop_image(bgr, q.copy()) for q in quads]
    rec = engine.recognize_txt(crops)
    return [(q, t or "", float(s)) for q, t, s in zip(quads, rec.txts, rec.scores)]


def _tilt(quad: np.ndarray) -> float:
    """Angle (degrees, absolute) of a detected line's top edge from the horizontal."""
    dx, dy = quad[1] - quad[0]
    return round(abs(float(np.degrees(np.arctan2(dy, dx)))), 2)


def _caption_like(frac: tuple[float, float, float, float], cfg: OnscreenTextConfig) -> bool:
    """Wide (``unread_min_width``), centred like a caption, and not taller than a line."""
    return (frac[2] - frac[0] >= cfg.unread_min_width and frac[3] - frac[1] <= cfg.max_line_height
            and abs((frac[0] + frac[2]) / 2 - 0.5) <= cfg.kinds.centre_tolerance)


def stroke_density(image: np.ndarray, long_side: int = 320) -> float:
    """Share of pixels (0-1) on a sharp edge in an RGB uint8 image (H, W, 3).

    A guard, not a text detector: legible text needs sharp strokes, so a frame below
    ``min_stroke_density`` (black, flat, blurred) cannot hold any and is not read. An edge
    is a 3x3 grey-level range of at least 20 and at least 60 % of the frame's strongest
    edges (99.5th percentile), so text in a dark frame still counts. Text frames measured
    1-6 %; textured photos without text reach the same range. About 0.5 ms a frame.
    """
    h, w = image.shape[:2]
    scale = min(1.0, long_side / max(h, w, 1))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    level = max(20.0, 0.6 * float(np.percentile(grad, 99.5)))
    return float(np.mean(grad >= level))


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())  # letters and digits of any script


def _same(a: TextItem, line: TextLine) -> bool:
    """Same text (fuzzy) at about the same place."""
    if difflib.SequenceMatcher(None, a.key, _norm(line.text)).ratio() < 0.75:
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
    version = "7"
    Config = OnscreenTextConfig
    event_kinds = (EventKind("text", "text", "#7048e8"),)
    profiles = frozenset({"full"})
    feature_keys = (
        "in_hook", "hook_text", "hook_words", "first_s", "anytime", "items", "outside_safe_zone",
        "outside_share", "max_line_height", "frames_read", "unread_in_hook", "watermark",
        "watermark_handle", "scene_items", "hook_text_script", "second_reads",
    )
    context_fields = ("safe_zone",)
    evidence_keys = ("text_in_hook", "hook_text", "text_boxes_outside_safe_zone", "hook_text_script")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the OCR engine."""
        _ocr_engine(a.config.det_long_side, a.config.threads)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: OnscreenTextConfig = self.config
        items: list[TextItem] = []
        state: dict = {"read": 0, "last": None, "unread": 0, "hook_s": ctx.hook_seconds,
                       "reader": LineReader(min_score=cfg.reread_min_score)}
        self._zone = safe_zone_from(getattr(ctx, "safe_zone", None), cfg.safe_zone)
        for t, img in _every(clip.hook.times, clip.hook.images, cfg.hook_step_s, 0.0, ctx.hook_seconds):
            self._read(t, img, items, state)
        later = clip.body.times >= ctx.hook_seconds
        span = float(clip.body.times[later][-1] - ctx.hook_seconds) if later.any() else 0.0
        want = min(cfg.max_frames - state["read"], int(span // cfg.body_step_s) + 1) if later.any() else 0
        if want > 0:
            idx = np.flatnonzero(later)
            for k in np.unique(((np.arange(want) + 0.5) * len(idx) / want).astype(int)):  # centred spread
                self._read(float(clip.body.times[idx[k]]), clip.body.images[idx[k]], items, state)
        return self._summarise(items, state["read"], ctx.hook_seconds, state["unread"] >= cfg.unread_min_frames,
                               second_reads=state["reader"].reads)

    def _read(self, t: float, img: np.ndarray, items: list[TextItem], state: dict) -> None:
        """Read one candidate frame unless it repeats the last one read, cannot hold text or
        the budget is spent; merge its lines into ``items``."""
        cfg: OnscreenTextConfig = self.config
        small = cv2.cvtColor(cv2.resize(img, (48, 48), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        small = small.astype(np.int16)
        last = state["last"]
        if last is not None and float(np.mean(np.abs(small - last[0]))) < cfg.same_frame_diff:
            lines, unread = last[1], last[2]
        elif state["read"] < cfg.max_frames and stroke_density(img) >= cfg.min_stroke_density:
            lines, unread = read_text_and_unread(img, cfg, reader=state["reader"])
            state["read"] += 1
            state["last"] = (small, lines, unread)
        else:
            return
        if unread and t < state["hook_s"]:
            state["unread"] += 1
        _merge(items, lines, t)

    def _summarise(self, items: list[TextItem], read: int, hook_s: float, unread: bool = False,
                   second_reads: int = 0) -> Signals:
        zone = getattr(self, "_zone", None) or self.config.safe_zone
        for i in items:
            if i.kind == "caption" and on_a_surface(i.boxes, i.tilt, self.config.kinds):
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


def _merge(items: list[TextItem], lines: list[TextLine], t: float) -> None:
    """Add one frame's lines to the running items (same text at the same place = one item)."""
    for line in lines:
        match = next((i for i in items if _same(i, line)), None)
        if match is None:
            items.append(TextItem(line.text, line.score, line.box, round(t, 3), round(t, 3), line.kind, line.script,
                                  line.tilt, [line.box], int(line.plate)))
            continue
        match.end = round(t, 3)
        match.boxes.append(line.box)
        match.plates += int(line.plate)
        match.tilt = max(match.tilt, line.tilt)
        if line.score > match.score:
            match.text, match.score, match.box, match.script = line.text, line.score, line.box, line.script
