"""What a piece of on-screen text is: a caption the editor put on, a platform watermark, or
text that belongs to the scene. Pure functions on OCR boxes (fractions of the frame).

- **watermark**: the platform's mark: "TikTok", "CapCut", an ``@handle`` or ``ID:handle``,
  or a short handle-like word right beside one of those (TikTok's mark is the logo plus
  the handle, small, and hops between corners during the video).
- **scene**: printed in the picture (T-shirts, packs, banners, signs, price tags): a line
  cut by the frame's edge (a centred title as wide as the frame is not: :func:`title`),
  or one off the frame's vertical centre line. Editors centre
  captions; measured on the ugc dev set, every caption line's centre was within 0.03 of
  the middle, while scene text sat 0.1-0.4 away (one centred exception: a product label).
- **caption** too, wherever it sits: the lines of TikTok's "reply to comment" sticker
  (:func:`reply_sticker`).
- **caption** too: off-centre text on a flat-coloured plate that stays in place over two or
  more frames (:func:`sticker`): an app's text sticker dragged aside.
- **scene** too: a centred line that is tilted or moves between the frames it is read in
  (:func:`on_a_surface`): a product name printed on a bottle held up to the camera sits
  on a surface that turns and sways, while an editor's caption is level and stays put.
- **scene** too: a centred line that stays in place but whose letters do not stay at the
  same pixels (:func:`printed`): a label on a product held still shifts with the hand and
  the camera by a pixel or more; an editor's caption is drawn at fixed pixels.
- **caption**: everything else (titles, subtitles, supers), in any script.

Only captions count as hook text, supers and safe-zone violations; every kind still goes
to the mentions analyzer (a brand printed on the pack is a brand mention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

WATERMARK_WORDS = re.compile(r"tik\s*t\s*o\s*k|capcut|douyin|\binshot\b|\bkinemaster\b", re.I)
HANDLE = re.compile(r"(?:^|\s)(?:@\s?|id\s*[:：]\s*)([a-z0-9][a-z0-9._]{2,29})", re.I)
# "reply to ... comment" headers of TikTok's comment-reply sticker in the app's languages
REPLY_WORDS = re.compile(r"\brepl(?:y|ying)\b|trả lời|respon|respuesta|antwort|répon|balas|yanıt|返信|回复|답장|الرد|ответ",
                         re.I)
COMMENT_WORDS = re.compile(r"comment|bình luận|comentario|comentário|kommentar|komentar|yorum|コメント|评论|댓글|تعليق|коммент",
                           re.I)
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
    plate_tolerance / plate_share: text sits on a flat plate when this share of the
        background inside its box is within this many levels (each channel) of its median.
    sticker_gap: lines of a reply sticker follow its header within this distance (below,
        and sideways from its left edge).
    max_overlay_change: a caption's letters stay at the same pixels: a centred line whose
        letters change more than this (mean grey levels 0-255 on its strokes, median over
        its later sightings) is printed on something that moves (:func:`printed`).
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
    sticker_gap: float = 0.06
    plate_tolerance: int = 6
    plate_share: float = 0.93
    max_overlay_change: float = 40.0


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
    sticker = reply_sticker(lines, cfg)
    marks = [k for k, (text, box) in enumerate(lines) if k not in sticker
             and (WATERMARK_WORDS.search(text) or handle_of(text)) and box[3] - box[1] <= cfg.watermark_max_height]
    for k, (text, box) in enumerate(lines):
        cx, cy = _centre(box)
        if k in sticker:
            kinds.append("caption")
            continue
        if k in marks:
            kinds.append("watermark")
            continue
        word = text.strip().lower()
        near_mark = any(abs(cx - _centre(lines[m][1])[0]) < cfg.beside * 2 and abs(cy - _centre(lines[m][1])[1]) < cfg.beside
                        for m in marks)
        if near_mark and HANDLE_LIKE.match(word) and box[3] - box[1] <= cfg.watermark_max_height:
            kinds.append("watermark")
            continue
        cut = min(box[1], 1 - box[3]) <= cfg.edge or (min(box[0], 1 - box[2]) <= cfg.edge and not title(box, cfg))
        off_centre = abs(cx - 0.5) > cfg.centre_tolerance
        kinds.append("scene" if cut or off_centre else "caption")
    return kinds


def title(box: Box, cfg: TextKindConfig | None = None) -> bool:
    """Whether a line is a title as wide as the frame: centred (within ``edge`` x 5) and
    reaching both side edges or nearly (a big word the editor fitted to the width; scene
    text cut by the frame is cut on one side)."""
    cfg = cfg or TextKindConfig()
    return abs((box[0] + box[2]) / 2 - 0.5) <= 5 * cfg.edge and box[2] - box[0] >= 1 - 10 * cfg.edge


def reply_sticker(lines: list[tuple[str, Box]], cfg: TextKindConfig | None = None) -> set[int]:
    """Indices of the lines of a TikTok "reply to comment" sticker: its header ("Reply to
    @name's comment", "Trả lời bình luận của ...", ...) and the lines just below it, in its
    column. The creator places it anywhere, so it is a caption even off the centre line."""
    cfg = cfg or TextKindConfig()
    found: set[int] = set()
    for k, (text, box) in enumerate(lines):
        if not (REPLY_WORDS.search(text) and COMMENT_WORDS.search(text)):
            continue
        found.add(k)
        bottom = box[3]
        for j, (_, other) in sorted(enumerate(lines), key=lambda jb: jb[1][1][1]):
            if j == k or other[1] < box[1] or other[1] - bottom > cfg.sticker_gap:
                continue
            if other[0] >= box[0] - cfg.sticker_gap and other[2] <= box[2] + 2 * cfg.sticker_gap:
                found.add(j)
                bottom = max(bottom, other[3])
    return found


def on_plate(image: np.ndarray, box: Box, cfg: TextKindConfig | None = None) -> bool:
    """Whether the line at ``box`` (fractions) of the RGB uint8 ``image`` (H, W, 3) sits on
    a flat-coloured plate, as an app's text sticker does: inside the box (inset by 15 % of
    its height), at least
    ``plate_share`` of the background (the Otsu majority, a pixel away from any stroke) is
    within ``plate_tolerance`` (0-255, each channel) of its median colour. Measured on
    real frames: a white reply sticker 0.96-0.97; product packs, a name tag, signs
    0.03-0.87 (grain, light falloff, print texture)."""
    import cv2

    cfg = cfg or TextKindConfig()
    h, w = image.shape[:2]
    inset = 0.15 * (box[3] - box[1]) * h  # the detector pads its boxes, past a tight plate's edge
    x0, y0 = int(box[0] * w + inset), int(box[1] * h + inset)
    x1, y1 = int(np.ceil(box[2] * w - inset)), int(np.ceil(box[3] * h - inset))
    region = np.ascontiguousarray(image[y0:y1, x0:x1])
    if region.shape[0] < 6 or region.shape[1] < 6:
        return False
    grey = cv2.cvtColor(region, cv2.COLOR_RGB2GRAY)
    _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    major = bw > 0 if np.mean(bw > 0) >= 0.5 else bw == 0
    away = cv2.dilate((~major).astype(np.uint8), np.ones((3, 3), np.uint8)) == 0
    pixels = region[major & away].astype(np.int16)
    if len(pixels) < 16:
        return False
    near = np.all(np.abs(pixels - np.median(pixels, axis=0)) <= cfg.plate_tolerance, axis=1)
    return float(np.mean(near)) >= cfg.plate_share


def sticker(boxes: list[Box], plates: int, tilt_deg: float, cfg: TextKindConfig | None = None) -> bool:
    """Whether off-centre text is an app's sticker (a caption the creator dragged aside, a
    "reply to comment" card): on a flat plate in most of at least two sightings, level and
    staying in place (:func:`on_plate`, :func:`on_a_surface`)."""
    cfg = cfg or TextKindConfig()
    if len(boxes) < 2 or plates * 2 <= len(boxes) or on_a_surface(boxes, tilt_deg, cfg):
        return False
    # pinned where the creator dropped it: its centre stays put (a logo on a sponsor wall,
    # flat black behind it, slides with the camera)
    cx = [(b[0] + b[2]) / 2 for b in boxes]
    cy = [(b[1] + b[3]) / 2 for b in boxes]
    return max(max(cx) - min(cx), max(cy) - min(cy)) <= cfg.max_drift


def on_a_surface(boxes: list[Box], tilt_deg: float, cfg: TextKindConfig | None = None) -> bool:
    """Whether a line read as a caption is printed on something in the scene: tilted more
    than ``max_tilt_deg``, or, over the ``boxes`` it was seen at (one per frame read),
    drifting more than ``max_drift`` or changing height by more than ``max_height_change``
    times (half or more of the sightings away from the median box by half that). Captions
    pop in and grow word by word, but stay level and in place."""
    cfg = cfg or TextKindConfig()
    if tilt_deg > cfg.max_tilt_deg:
        return True
    if len(boxes) < 2:
        return False
    med = [float(np.median([b[k] for b in boxes])) for k in range(4)]
    mid_y, height = (med[1] + med[3]) / 2, max(1e-4, med[3] - med[1])

    def moved(b: Box) -> bool:
        sideways = min(abs(b[0] - med[0]), abs(b[2] - med[2])) > cfg.max_drift  # both ends: not growing text
        ratio = max(1e-4, b[3] - b[1]) / height
        return (sideways or abs((b[1] + b[3]) / 2 - mid_y) > cfg.max_drift / 2
                or max(ratio, 1 / ratio) > cfg.max_height_change ** 0.5)

    # most sightings away from the median place: one jittery detector box is not motion
    return sum(map(moved, boxes)) * 2 >= len(boxes)


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


def overlay_change(ref: np.ndarray, now: np.ndarray) -> float:
    """How much a line's letters changed between two sightings at the same place: the mean
    absolute grey difference (0-255) over the strongest strokes of ``ref`` (its top 20 %
    3x3 grey-level ranges). An editor's caption is drawn over the picture at fixed pixels
    (about 0-10 after compression); letters printed on a product shift with the camera and
    the hand by a pixel or more, and the difference on their strokes is large."""
    if ref.shape != now.shape or ref.size < 16:
        return 0.0
    import cv2

    grad = cv2.morphologyEx(ref, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    strokes = grad >= np.percentile(grad, 80)
    return round(float(np.mean(np.abs(ref - now)[strokes])), 2) if strokes.any() else 0.0


def printed(changes: list[float], cfg: TextKindConfig | None = None) -> bool:
    """Whether a centred line is printed on something in the scene (a product label held
    still in the middle of the frame) rather than drawn over it: over its later sightings
    at the place it was first read, its letters changed (:func:`overlay_change`) by more
    than ``max_overlay_change`` in the median. Measured on real clips: captions 0-20
    (one fading caption 33); a box's print 51, a name tag 70-93, a T-shirt print 92."""
    cfg = cfg or TextKindConfig()
    return bool(changes) and float(np.median(changes)) > cfg.max_overlay_change
