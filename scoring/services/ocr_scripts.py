"""Which writing system a piece of text is in, and a second recogniser for the scripts
the bundled PP-OCR models cannot read.

RapidOCR's PP-OCRv6 recogniser (the ``rapidocr`` wheel) reads Latin (Latin-1 and Latin
Extended-A/B: Turkish, Polish, Spanish, German...), Greek, Chinese and Japanese kana. It
has no Cyrillic, Arabic, Devanagari, Thai or Hangul, and of Vietnamese's stacked tone
letters (ề, ệ, ặ, ụ ...) almost none: it drops them ("về Việt Nam" comes back "v Vit Nam").
Those lines are read again by Tesseract 5 (the ``tesserocr`` wheel bundles the library)
with Debian's language data (``tesseract-ocr-vie``, ``-rus``, ``-ara``, ``-hin``,
``-tha``, ``-kor``; tessdata_fast models, Apache-2.0), installed by ``make install``.

Which model to use is decided per line: a line RapidOCR read well in a script it knows
stays as read; a line with Vietnamese letters is read again with ``vie``; a line it read
poorly (low score, nothing, or letter-digit soup such as "a5anšu5u" for Thai) is read by
each script model RapidOCR lacks, the scripts already seen in the video first, and the
read whose letters are in its model's script with the best confidence wins. Without
``tesserocr`` or the language data, nothing is read again (the caller reports such lines
as "text present, not read").
"""

from __future__ import annotations

import functools
import os
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

# Script names used in evidence (``hook_text_script``) and on every line read.
SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Bengali", "Tamil", "Thai",
           "Han", "Japanese", "Hangul")
# Tesseract model per script it reads for us (Debian package tesseract-ocr-<lang>).
TESS_LANG = {"Latin": "vie", "Cyrillic": "rus", "Arabic": "ara", "Devanagari": "hin", "Thai": "tha",
             "Hangul": "kor"}
# Scripts RapidOCR cannot read: tried on a line it read poorly (Latin/vie only when hinted).
UNREAD_SCRIPTS = ("Cyrillic", "Arabic", "Devanagari", "Thai", "Hangul")
# Confidence (0-1) a read needs, where a model gives confident-looking reads of other
# scripts: Thai's reads Cyrillic, Arabic or Latin lines as Thai at 0.4-0.7 (its real reads
# of Thai captions measured 0.85-0.94); other models stay under 0.6 on foreign lines.
SCRIPT_MIN_SCORE = {"Thai": 0.8}
# Vietnamese-only letters (RapidOCR keeps ă đ ơ ư; the stacked tones are in U+1EA0-1EF9).
VIET_MARKS = set("ăĂđĐơƠưƯ")
VIET_SHARED = set("àáâãèéêìíòóôõùúýĩũ")
VOWELS = set("aeiouy")  # compared without diacritics (ą, ę, ư... are vowels too)
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
Box = tuple[float, float, float, float]


def char_script(ch: str) -> str | None:
    """Script of one character (None for digits, punctuation, symbols, emoji)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "Japanese"
    if name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH")):
        return "Han"
    if name.startswith("HANGUL"):
        return "Hangul"
    first = name.split(" ", 1)[0].capitalize()
    if first in ("Fullwidth", "Halfwidth"):
        return "Latin" if "LATIN" in name else ("Japanese" if "KATAKANA" in name else None)
    return first if first in SCRIPTS else None


def script_counts(text: str) -> Counter:
    """Letters per script in ``text``."""
    return Counter(s for s in map(char_script, text) if s)


def script_of(text: str | None) -> str | None:
    """Dominant script of ``text`` (one of :data:`SCRIPTS`), None without letters.

    Han with any kana is Japanese (Japanese mixes kanji and kana; Chinese has no kana)."""
    counts = script_counts(text or "")
    if not counts:
        return None
    if counts.get("Japanese") and counts.get("Han"):
        counts["Japanese"] += counts.pop("Han")
    return counts.most_common(1)[0][0]


def script_share(text: str, script: str) -> float:
    """Share (0-1) of ``text``'s letters and digits that are letters of ``script``; 0 with
    fewer than two such letters (digits count against: a model reading a script it was
    not made for fills the gaps with digits)."""
    counts = script_counts(text)
    mine = counts.get(script, 0) + (counts.get("Han", 0) if script == "Japanese" else 0)
    total = sum(1 for c in text if c.isalnum())
    return mine / total if mine >= 2 and total else 0.0


def vietnamese_hint(text: str) -> bool:
    """Whether a line RapidOCR read looks Vietnamese (its stacked tone letters are then
    likely dropped): a letter only Vietnamese uses, or an accented vowel Vietnamese shares
    with other languages together with a word left without any vowel ("v Vit Nam tìm gp"
    for "về Việt Nam tìm gặp")."""
    if any(ch in VIET_MARKS or 0x1EA0 <= ord(ch) <= 0x1EF9 for ch in text):
        return True
    if not any(ch in VIET_SHARED for ch in text.lower()):
        return False
    return any(w.isalpha() and w.islower() and not any(strip_marks(c) in VOWELS for c in w) for w in text.split())


def garbled(text: str) -> bool:
    """Latin "letter-digit soup" (``a5anšu5u``): what the Chinese/English recogniser makes
    of a script it lacks, sometimes with a confident score. A word with two or more
    letter-digit alternations and a Greek letter among Latin ones both count."""
    counts = script_counts(text)
    if counts.get("Greek") and counts.get("Latin"):
        return True
    for word in text.split():
        kinds = "".join("d" if c.isdigit() else "a" if c.isalpha() else "" for c in word)
        if sum(a != b for a, b in zip(kinds, kinds[1:])) >= 3:
            return True
    return False


def too_short(text: str, box_px: tuple[float, float, float, float]) -> bool:
    """Whether a read has far too few letters for its line: wider than three line heights
    per letter or digit (a Hangul line read as one confident Han glyph). Letters of any
    script are at most about 1.2 heights wide, even spaced out."""
    width, height = box_px[2] - box_px[0], max(1e-6, box_px[3] - box_px[1])
    return width > 3.0 * height * max(1, sum(c.isalnum() for c in text))


def tessdata_dir() -> Path | None:
    """Folder with Tesseract's ``*.traineddata``: ``$TESSDATA_PREFIX``, then Debian's."""
    env = os.environ.get("TESSDATA_PREFIX")
    for d in ([env] if env else []) + list(TESSDATA_DIRS):
        p = Path(d)
        if p.is_dir() and any(p.glob("*.traineddata")):
            return p
    return None


@functools.cache
def available_scripts() -> tuple[str, ...]:
    """Scripts Tesseract can read here (``tesserocr`` importable, language data present)."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return ()
    d = tessdata_dir()
    if d is None:
        return ()
    return tuple(s for s, lang in TESS_LANG.items() if (d / f"{lang}.traineddata").is_file())


_LOCK = threading.Lock()


@functools.cache
def _api(lang: str):
    """One Tesseract engine per language per process (about 0.1 s to load; 2-10 MB)."""
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=str(tessdata_dir()) + os.sep, lang=lang, psm=tesserocr.PSM.SINGLE_LINE,
                                   oem=tesserocr.OEM.LSTM_ONLY)


def _band(mapped: np.ndarray, height: int) -> np.ndarray | None:
    """The rows of ``mapped`` (float, text dark on 255) that hold text, scaled to ``height``
    and given a white margin; None without text."""
    rows = np.flatnonzero(np.mean(mapped < 128, axis=1) > 0.004)
    if rows.size == 0:
        return None
    band = mapped[max(0, rows[0] - 2):rows[-1] + 3]
    s = height / band.shape[0]
    band = cv2.resize(band, (max(1, round(band.shape[1] * s)), height), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(band.astype(np.uint8), 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


def line_images(image: np.ndarray, box_px: tuple[float, float, float, float], height: int = 40
                ) -> dict[str, np.ndarray]:
    """One detected line prepared for Tesseract in up to four ways, each black text on
    white, uint8 (about ``height`` + 24 px tall), keyed ``fill`` / ``likely`` / ``other`` /
    ``colour`` (coloured letters: :func:`_colour_band`),
    in the order to try them. ``box_px`` = (x0, y0, x1, y1) pixels of the RGB frame
    ``image`` (H, W, 3).

    The detector's boxes are tight, so the crop is widened sideways only (a taller one
    takes in the neighbouring lines); it is worked on at twice ``height``, then the rows
    holding text are scaled to ``height`` (Tesseract reads best at 30-40 px).

    - ``likely`` / ``other``: the text is the brighter or the darker extreme against the
      background level (the median of the box's top and bottom rows: the detector pads its
      boxes; inside a caption plate they are the plate). Text maps to black, the
      background and anything beyond it to white, keeping anti-aliased edges. The likely
      polarity is the extreme with more pixels.
    - ``fill``: for the commonest TikTok caption, white letters with a dark outline over
      busy footage: the bright pixels within an outline's width of dark ones. Tried first
      when most bright pixels sit next to dark ones."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box_px
    pad = 0.3 * (y1 - y0)
    crop = image[max(0, int(y0)):min(h, int(np.ceil(y1))), max(0, int(x0 - pad)):min(w, int(np.ceil(x1 + pad)))]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return {}
    grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY).astype(np.float32)
    scale = 2 * height / grey.shape[0]  # work at twice the target: the text band is shorter than the box
    grey = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), 2 * height), interpolation=cv2.INTER_CUBIC)
    edge = max(1, round(0.06 * grey.shape[0]))
    bg = float(np.median(np.concatenate([grey[:edge].ravel(), grey[-edge:].ravel()])))
    hi, lo = float(np.percentile(grey, 99)), float(np.percentile(grey, 1))
    n_hi = int(np.sum(grey > bg + 0.5 * (hi - bg)))
    n_lo = int(np.sum(grey < bg - 0.5 * (bg - lo)))
    out: dict[str, np.ndarray] = {}
    for name, text_level in zip(("likely", "other"), (hi, lo) if n_hi >= n_lo else (lo, hi)):
        if abs(bg - text_level) >= 20:  # else no contrast on this side
            band = _band(np.clip((grey - text_level) / (bg - text_level), 0.0, 1.0) * 255.0, height)
            if band is not None:
                out[name] = band
    colour = _colour_band(crop, grey.shape, edge, height)
    if colour is not None:  # coloured letters on a pale or grey ground (yellow on white)
        out = {"colour": colour[0], **out} if colour[1] > abs(hi - bg) else {**out, "colour": colour[0]}
    bright, dark = grey > lo + 0.75 * (hi - lo), grey < lo + 0.35 * (hi - lo)
    k = max(3, round(0.24 * height))  # an outline's width at the working scale, and some
    near = cv2.dilate(dark.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    fill = bright & near
    band = _band(np.where(fill, 0.0, 255.0), height) if hi - lo >= 60 else None
    if band is None:
        return out
    # outlined: most bright pixels border dark ones, and the background is not itself that
    # dark (white words on a black bar map cleanly as "likely", keeping their accents)
    outlined = fill.sum() >= 0.5 * max(1, bright.sum()) and bg - lo > 0.3 * (hi - lo)
    return {"fill": band, **out} if outlined else {**out, "fill": band}


def _colour_band(crop: np.ndarray, shape: tuple[int, int], edge: int, height: int
                 ) -> tuple[np.ndarray, float] | None:
    """(line image, contrast) from colourfulness (max - min channel, 0-255) instead of grey:
    yellow or pink letters over white or grey footage have little grey contrast (a yellow
    caption on a white cape: 210 against 200) but a lot of colour. None when the letters
    are not coloured (99th percentile under 100) or the ground is (its median over 50)."""
    rgb = cv2.resize(np.ascontiguousarray(crop), (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    sat = rgb.max(axis=2) - rgb.min(axis=2)
    ground = float(np.median(np.concatenate([sat[:edge].ravel(), sat[-edge:].ravel()])))
    top = float(np.percentile(sat, 99))
    if top < 100 or ground > 50:
        return None
    band = _band(np.clip((sat - top) / (ground - top), 0.0, 1.0) * 255.0, height)
    return (band, top - ground) if band is not None else None


def tesseract_line(grey: np.ndarray, script: str) -> tuple[str, float]:
    """(text, mean confidence 0-1) of one line image (uint8 grey) with ``script``'s model."""
    from PIL import Image

    with _LOCK:  # one engine per language per process: keep threads off each other's
        api = _api(TESS_LANG[script])
        api.SetImage(Image.fromarray(grey))
        # without bidi marks (U+200E/F...) Tesseract puts round right-to-left runs
        text = " ".join("".join(c for c in api.GetUTF8Text() if unicodedata.category(c) != "Cf").split())
        confs = api.AllWordConfidences()
        conf = float(np.mean(confs)) / 100.0 if confs else 0.0
    return text, conf


@dataclass
class Reread:
    """A line read again: text, confidence (0-1), the script of its letters."""

    text: str
    score: float
    script: str | None


@dataclass
class LineReader:
    """Second reads for one video: remembers the scripts found (tried first on the next
    poor line) and the lines already read again (a caption that stays on screen while the
    picture behind it changes is read once).

    Attributes:
        min_score: confidence (0-1) a second read needs.
        accept: confidence that stops trying further scripts.
        max_reads: Tesseract reads per video at most (the cost guard: one read of a caption
            line measured 0.1-0.25 of a RapidOCR frame's det + rec; the hook is read first).
        reads: Tesseract reads done so far.
        vietnamese: a Vietnamese line was seen (poor lines are then tried with ``vie`` too).
        prefer: the :func:`line_images` preparation that won last in this video (tried first).
    """

    min_score: float = 0.6
    accept: float = 0.85
    max_reads: int = 40
    reads: int = 0
    vietnamese: bool = False
    prefer: str | None = None
    seen: Counter = field(default_factory=Counter)
    _cache: list = field(default_factory=list)
    rec_memo: dict = field(default_factory=dict)  # the first recogniser's last reads (scoring.services.ocr)

    def _cached(self, box: Box, thumb: np.ndarray) -> tuple[bool, Reread | None]:
        for cbox, cthumb, result in self._cache:
            if (max(abs(a - b) for a, b in zip(cbox, box)) < 0.02
                    and float(np.mean(np.abs(cthumb - thumb))) < 12.0):
                return True, result
        return False, None

    def reread(self, image: np.ndarray, box_px: tuple[float, float, float, float], box: Box,
               first: str, first_score: float, centred: bool = True) -> Reread | None:
        """A better read of the line at ``box_px`` (pixels; ``box`` the same in fractions)
        than RapidOCR's ``first`` (score ``first_score``), or None (keep the first read /
        nothing readable). Decides whether a second read is needed at all: a poor first
        read is tried with every script model (up to 11 reads), so only when ``centred``
        (where captions sit: the hook text); a Vietnamese one with ``vie`` alone."""
        scripts = available_scripts()
        if not scripts:
            return None
        poor = not first.strip() or first_score < 0.75 or garbled(first) or too_short(first, box_px)
        if poor and not centred:
            return None
        if poor:
            order = [s for s, _ in self.seen.most_common() if s in UNREAD_SCRIPTS and s in scripts]
            order += [s for s in UNREAD_SCRIPTS if s in scripts and s not in order]
            if self.vietnamese and "Latin" in scripts:
                order.append("Latin")
        elif "Latin" in scripts and (vietnamese_hint(first) or (self.vietnamese and not first.isascii())):
            self.vietnamese = True
            order = ["Latin"]
        else:
            return None
        prepared = line_images(image, box_px)
        if not prepared:
            return None
        key = next(prepared[n] for n in ("likely", "other", "fill", "colour") if n in prepared)
        thumb = cv2.resize(key, (48, 12), interpolation=cv2.INTER_AREA).astype(np.float32)
        if self.prefer in prepared:  # the way that won last time in this video first
            prepared = {self.prefer: prepared[self.prefer], **prepared}
        names, images = list(prepared), list(prepared.values())
        hit, result = self._cached(box, thumb)
        if hit:
            return result
        best: Reread | None = None
        won = None
        ranked: dict[str, float] = {}
        for k, grey in enumerate(images):
            # every script on the first preparation; the other preparations only with the
            # three scripts that read best so far (a new line costs 5 + 3 + 3 reads at most)
            tries = order if k == 0 else sorted(ranked, key=ranked.get, reverse=True)[:3]
            for script in tries:
                if self.reads >= self.max_reads:
                    break
                text, conf = tesseract_line(grey, script)
                self.reads += 1
                score = conf * script_share(text, script)
                ranked[script] = max(ranked.get(script, 0.0), score)
                if score < SCRIPT_MIN_SCORE.get(script, 0.0):
                    score = 0.0
                if script == "Latin" and not poor and not _same_skeleton(first, text):
                    continue  # the second read must be the same line, with its accents back
                if score > 0 and (best is None or score > best.score):
                    best, won = Reread(text, round(score, 3), script), k
                # a script already found in this video needs only min_score (Thai's model,
                # for one, reads Arabic as confident-looking Thai)
                if score >= (self.min_score if self.seen.get(script) else self.accept):
                    break
            if best is not None and best.score >= (self.min_score if self.seen.get(best.script) else self.accept):
                break
        if best is not None and best.score < self.min_score:
            best = None
        if best is not None:
            self.seen[best.script] += 1
            self.prefer = names[won]
        self._cache.append((box, thumb, best))
        return best

    def note(self, text: str) -> None:
        """Count a line read by RapidOCR (its script becomes a prior)."""
        s = script_of(text)
        self.vietnamese = self.vietnamese or vietnamese_hint(text)
        if s:
            self.seen[s] += 1


def strip_marks(text: str) -> str:
    """Lower-case letters and digits without diacritics (đ -> d)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if c.isalnum())


def _same_skeleton(a: str, b: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, strip_marks(a), strip_marks(b)).ratio() >= 0.6
