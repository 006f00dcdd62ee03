"""What a piece of on-screen text is: a caption the editor put on, a platform watermark, or
text that belongs to the scene. Pure functions on OCR boxes (fractions of the frame).

- **watermark**: the platform's mark: "TikTok", "CapCut", an ``@handle`` or ``ID:handle``,
  or a short handle-like word right beside one of those (TikTok's mark is the logo plus
  the handle, small, and hops between corners during the video).
- **scene**: printed in the picture (T-shirts, packs, banners, signs, price tags): a line
  cut by the frame's edge, or one off the frame's vertical centre line. Editors centre
  captions; measured on the ugc dev set, every caption line's centre was within 0.03 of
  the middle, while scene text sat 0.1-0.4 away (one centred exception: a product label).
- **scene** too: a centred line that is tilted or moves between the frames it is read in
  (:func:`on_a_surface`): a product name printed on a bottle held up to the camera sits
  on a surface that turns and sways, while an editor's caption is level and stays put.
- **caption**: everything else (titles, subtitles, supers), in any script.

Only captions count as hook text, supers and safe-zone violations; every kind still goes
to the mentions analyzer (a brand printed on the pack is a brand mention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WATERMARK_WORDS = re.compile(r"tik\s*t\s*o\s*k|capcut|douyin|\binshot\b|\bkinemaster\b", re.I)
HANDLE = re.compile(r"(?:^|\s)(?:@\s?|id\s*[:：]\s*)([a-z0-9][a-z0-9._]{2,29})", re.I)
HANDLE_LIKE = re.compile(r"^[a-z0-9][a-z0-9._]{3,29}$")
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextKindConfig:
    """Attributes (fractions of the frame):
    centre_tolerance: a caption's centre may sit this far from the vertical centre line.
    edge: a box this close to the frame's edge is cut by it (scene text).
    watermark_max_height: a watermark line is at most this tall.
    beside: a handle-like word this close (centre to centre) to a platform word is the
        watermark's handle.
    max_tilt_deg: a caption's top edge is at most this far (degrees) from level.
    max_drift / max_height_change: a caption seen in several frames keeps its centre
        within this distance (fractions of the frame, each axis) and its height within
        this ratio; text that moves more is on a surface in the scene.
    """

    centre_tolerance: float = 0.08
    edge: float = 0.004
    watermark_max_height: float = 0.07
    beside: float = 0.12
    max_tilt_deg: float = 5.0
    max_drift: float = 0.025
    max_height_change: float = 1.3


def handle_of(text: str) -> str | None:
    """The ``@handle`` / ``ID:handle`` in a line, lower case without the ``@``; else None."""
    m = HANDLE.search(" " + text.strip())
    return m.group(1).rstrip("._").lower() if m else None


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def classify(lines: list[tuple[str, Box]], cfg: TextKindConfig | None = None) -> list[str]:
    """Kind of each (text, box) read in one frame: ``caption``, ``watermark`` or ``scene``.

    Lines are judged together because a watermark's handle is recognised by the platform
    word beside it."""
    cfg = cfg or TextKindConfig()
    kinds: list[str] = []
    marks = [k for k, (text, box) in enumerate(lines)
             if (WATERMARK_WORDS.search(text) or handle_of(text)) and box[3] - box[1] <= cfg.watermark_max_height]
    for k, (text, box) in enumerate(lines):
        cx, cy = _centre(box)
        if k in marks:
            kinds.append("watermark")
            continue
        word = text.strip().lower()
        near_mark = any(abs(cx - _centre(lines[m][1])[0]) < cfg.beside * 2 and abs(cy - _centre(lines[m][1])[1]) < cfg.beside
                        for m in marks)
        if near_mark and HANDLE_LIKE.match(word) and box[3] - box[1] <= cfg.watermark_max_height:
            kinds.append("watermark")
            continue
        cut = min(box[0], box[1], 1 - box[2], 1 - box[3]) <= cfg.edge
        off_centre = abs(cx - 0.5) > cfg.centre_tolerance
        kinds.append("scene" if cut or off_centre else "caption")
    return kinds


def on_a_surface(boxes: list[Box], tilt_deg: float, cfg: TextKindConfig | None = None) -> bool:
    """Whether a line read as a caption is printed on something in the scene: tilted more
    than ``max_tilt_deg``, or, over the ``boxes`` it was seen at (one per frame read),
    drifting more than ``max_drift`` or changing height by more than ``max_height_change``
    times. Captions pop in and grow word by word, but stay level and in place."""
    cfg = cfg or TextKindConfig()
    if tilt_deg > cfg.max_tilt_deg:
        return True
    if len(boxes) < 2:
        return False
    def spread(values: list[float]) -> float:
        return max(values) - min(values)

    # sideways: both ends move (a caption growing word by word keeps one end or its centre)
    sideways = min(spread([b[0] for b in boxes]), spread([b[2] for b in boxes])) > 2 * cfg.max_drift
    cy = [(b[1] + b[3]) / 2 for b in boxes]
    hs = [max(1e-4, b[3] - b[1]) for b in boxes]
    return sideways or spread(cy) > cfg.max_drift or max(hs) / min(hs) > cfg.max_height_change


def watermark_handle(lines: list[tuple[str, str]]) -> str | None:
    """The creator handle in watermark lines ((kind, text) pairs): an ``@handle`` or
    ``ID:handle``, else a handle-like watermark word that is not the platform's name."""
    texts = [text for kind, text in lines if kind == "watermark"]
    for text in texts:
        h = handle_of(text)
        if h:
            return h
    for text in texts:
        word = text.strip().lower()
        if HANDLE_LIKE.match(word) and not WATERMARK_WORDS.search(word):
            return word
    return None
