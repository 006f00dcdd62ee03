"""OCR: the lines of text in one frame, read by RapidOCR (PP-OCR det + rec ONNX models shipped
in the wheel) and, for scripts its recogniser lacks, by Tesseract per script
(:mod:`scoring.services.ocr_scripts`). A service several analyzers use (on-screen text,
the watermark reader, brand mentions); each line comes with its kind (caption / watermark /
scene: :mod:`scoring.services.text_kinds`) and script.

OCR costs about 50-100 ms a frame whether or not there is text; :func:`stroke_density`
is the cheap guard callers use to skip frames that cannot hold any.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from scoring.services.ocr_scripts import LineReader
    from scoring.services.text_kinds import TextKindConfig

# ocr_scripts and text_kinds move to scoring.services (issue 21 item 2, the house's part);
# until then they are imported where used: importing this module first must not import
# scoring.analyzers (its __init__ imports onscreen_text, which imports this module).


def _kind_config() -> TextKindConfig:
    from scoring.services.text_kinds import TextKindConfig

    return TextKindConfig()


@dataclass(frozen=True)
class OcrConfig:
    """How one frame is read. Attributes:
    det_long_side: long side (px) the text detector works at.
    min_score: recognition confidence (0-1) a line needs.
    min_chars: letters or digits a line needs (single glyphs are mostly shapes).
    max_line_height: a line taller than this share of the frame height is dropped.
    threads: onnxruntime threads (1 suits one worker process per core).
    kinds: caption / watermark / scene text rules.
    unread_min_width: a detected line recognition cannot read is returned as "present, not
        read" when at least this wide (share of the frame width) and centred like a caption.
    reread_min_score: confidence (0-1) a second read (Tesseract, per script) needs.
    reread_min_px / reread_min_width / reread_min_aspect: a line is read again only when
        at least this tall (pixels of the analysis frame), this wide (share of the frame
        width) and this many times wider than tall (a word, not an emoji or a logo).
    """

    det_long_side: int = 400
    min_score: float = 0.75
    min_chars: int = 2
    max_line_height: float = 0.2
    threads: int = 1
    kinds: TextKindConfig = field(default_factory=_kind_config)
    unread_min_width: float = 0.3
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



# RapidOCR keeps per-call state on the engine (use_det/use_rec, the detector's resize op):
# analyzers reading text in two threads (on-screen text, the watermark) take turns on it.
_ENGINE_LOCK = threading.Lock()


@functools.cache
def ocr_engine(det_long_side: int, threads: int):
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


def read_text(image: np.ndarray, cfg: OcrConfig | None = None,
              reader: LineReader | None = None) -> list[TextLine]:
    """Lines of text in one RGB uint8 image (H, W, 3), filtered by ``cfg``'s rules, each
    with its kind (caption / watermark / scene) and script (``TextLine.script``). Pass one
    ``reader`` for all the frames of a video: it remembers the scripts already found and
    the lines already read by the second recogniser."""
    return read_text_and_unread(image, cfg, reader=reader)[0]


def read_text_and_unread(image: np.ndarray, cfg: OcrConfig | None = None, probe: bool = False,
                         reader: LineReader | None = None
                         ) -> tuple[list[TextLine], list[tuple[float, float, float, float]]]:
    """:func:`read_text`, plus the boxes of wide, caption-like lines the detector found but
    neither recogniser could read (a script without its language data, stylised lettering).

    RapidOCR detects the lines, then its recogniser reads each; a line it reads poorly or
    with Vietnamese letters is read again per script (:mod:`scoring.services.ocr_scripts`).
    ``probe`` is kept for callers of the earlier API: every detected line is now checked."""
    from scoring.services.ocr_scripts import LineReader, garbled, script_of
    from scoring.services.text_kinds import classify, on_plate

    del probe
    cfg = cfg or OcrConfig()
    reader = reader if reader is not None else LineReader(min_score=cfg.reread_min_score)
    h, w = image.shape[:2]
    if h < 16 or w < 16:
        return [], []
    lines, unread = [], []
    for quad, text, score in _detect_and_read(np.ascontiguousarray(image[..., ::-1]), cfg, reader.rec_memo):
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
        elif float(score) < cfg.min_score or len(norm_text(text)) < cfg.min_chars or garbled(text):
            if _caption_like(frac, cfg):
                unread.append(frac)
            continue
        else:
            reader.note(text)
        if len(norm_text(text)) < cfg.min_chars:
            continue
        lines.append(TextLine(text, round(float(score), 3), frac, script=script, tilt=_tilt(quad)))
    for line, kind in zip(lines, classify([(ln.text, ln.box) for ln in lines], cfg.kinds)):
        line.kind = kind
        if kind == "scene":  # a sticker off the centre line is told by its plate, over frames
            line.plate = on_plate(image, line.box, cfg.kinds)
    return lines, unread


def _detect_and_read(bgr: np.ndarray, cfg: OcrConfig, memo: dict | None = None) -> list[tuple[np.ndarray, str, float]]:
    """(quad (4, 2) pixels, text, score 0-1) for every line RapidOCR's detector finds,
    including those its recogniser returns empty (``RapidOCR.__call__`` drops them: Arabic,
    Cyrillic, Hangul...). Crops are cut from the full frame as RapidOCR cuts them. ``memo``
    (one per video, kept by the caller) holds the last frame's reads per image size."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    engine = ocr_engine(cfg.det_long_side, cfg.threads)
    # use_* passed every time: RapidOCR keeps them from the previous call
    with _ENGINE_LOCK:
        det = engine(bgr, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(det, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return []
    quads = [np.asarray(b, np.float32) for b in boxes]
    crops = [get_rotate_crop_image(bgr, q.copy()) for q in quads]
    thumbs = [cv2.resize(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), (64, 16), interpolation=cv2.INTER_AREA).astype(np.float32)
              if min(c.shape[:2]) > 0 else None for c in crops]
    before = memo.get(bgr.shape, []) if memo is not None else []
    found: list[tuple[str, float] | None] = [_recall(q, th, before) for q, th in zip(quads, thumbs)]
    todo = [k for k, f in enumerate(found) if f is None]
    if todo:  # recognition is most of the cost: lines that stay on screen are recognised once
        with _ENGINE_LOCK:
            rec = engine.recognize_txt([crops[k] for k in todo])
        for k, t, sc in zip(todo, rec.txts, rec.scores):
            found[k] = (t or "", float(sc))
    if memo is not None:
        memo[bgr.shape] = [(q, th, f) for q, th, f in zip(quads, thumbs, found) if th is not None]
    return [(q, f[0], f[1]) for q, f in zip(quads, found)]


def _recall(quad: np.ndarray, thumb: np.ndarray | None, before: list) -> tuple[str, float] | None:
    """The read of the same line in the previous frame read (same image size): its box
    within 2 px and its 64x16 grey thumbnail within 3 levels on average; else None."""
    if thumb is None:
        return None
    for q, th, read in before:
        if float(np.abs(q - quad).max()) <= 2.0 and float(np.mean(np.abs(th - thumb))) < 3.0:
            return read
    return None


def _tilt(quad: np.ndarray) -> float:
    """Angle (degrees, absolute) of a detected line's top edge from the horizontal."""
    dx, dy = quad[1] - quad[0]
    return round(abs(float(np.degrees(np.arctan2(dy, dx)))), 2)


def _caption_like(frac: tuple[float, float, float, float], cfg: OcrConfig) -> bool:
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


def norm_text(text: str) -> str:
    """Letters and digits of any script, lower case (for comparing reads)."""
    return re.sub(r"[\W_]+", "", text.lower())  # letters and digits of any script
