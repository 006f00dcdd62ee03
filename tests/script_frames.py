"""Frames with a caption in any script, drawn by Pillow in Debian's Noto fonts
(fonts-noto-core, fonts-noto-cjk: installed by ``make install``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

NOTO = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FONT = {"Latin": NOTO / "NotoSans-Bold.ttf", "Cyrillic": NOTO / "NotoSans-Bold.ttf",
        "Arabic": NOTO / "NotoSansArabic-Bold.ttf", "Devanagari": NOTO / "NotoSansDevanagari-Bold.ttf",
        "Thai": NOTO / "NotoSansThai-Bold.ttf", "Han": CJK, "Japanese": CJK, "Hangul": CJK}
# (language, script, caption, words of which one must be read)
LINES = [
    ("vi", "Latin", "Khi về Việt Nam tìm gặp", {"việt", "gặp", "về"}),
    ("tr", "Latin", "Güzel bir gün için şimdi", {"güzel", "için", "şimdi"}),
    ("pl", "Latin", "Zażółć gęślą jaźń dziś", {"zażółć", "gęślą", "dziś"}),
    ("ru", "Cyrillic", "Привет друзья смотрите", {"привет", "друзья", "смотрите"}),
    ("ar", "Arabic", "مرحبا بكم في قناتي", {"مرحبا", "بكم", "قناتي"}),
    ("hi", "Devanagari", "नमस्ते दोस्तों आज हम", {"नमस्ते", "दोस्तों", "आज"}),
    ("th", "Thai", "สวัสดีครับวันนี้", {"สวัสดี", "วันนี้"}),
    ("zh", "Han", "今天我们去买东西", {"今天", "东西"}),
    ("ja", "Japanese", "今日はとても楽しいです", {"今日", "楽しい"}),
    ("ko", "Hangul", "안녕하세요 여러분 오늘은", {"안녕하세요", "여러분", "오늘은"}),
]


def need_fonts(script: str) -> None:
    if not FONT[script].is_file():
        pytest.skip(f"{FONT[script]} missing: run `make install` (installs fonts-noto-core, fonts-noto-cjk)")


def frame(text: str, script: str, style: str = "outline", size: int = 22, y: float = 0.7,
          hw: tuple[int, int] = (640, 360)) -> np.ndarray:
    """A 9:16 RGB frame (gradient and noise) with one centred caption: white with a black
    outline, black on a white plate, or yellow with a thin shadow over pale footage."""
    h, w = hw
    rng = np.random.default_rng(len(text))
    yy, xx = np.linspace(0, 1, h)[:, None, None], np.linspace(0, 1, w)[None, :, None]
    bg = 60 + 120 * yy * np.array([1, 0.6, 0.3]) + 60 * xx * np.array([0.2, 0.5, 1]) + rng.normal(0, 8, (h, w, 3))
    im = Image.fromarray(bg.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(str(FONT[script]), size, index=1 if FONT[script].suffix == ".ttc" else 0)
    left, top, right, bottom = d.textbbox((0, 0), text, font=font)
    x, ty = (w - (right - left)) / 2 - left, y * h
    if style == "yellow":  # yellow letters, a thin shadow, over pale footage (a white cape, a wall)
        pale = rng.normal(205, 10, (h // 3, w, 1)).clip(0, 255) * np.ones((1, 1, 3))
        im.paste(Image.fromarray(pale.astype(np.uint8)), (0, int(y * h) - h // 8))
        d.text((x + 1, ty + 1), text, font=font, fill=(60, 50, 20))
        d.text((x, ty), text, font=font, fill=(255, 220, 40))
        return np.asarray(im)
    if style == "plate":
        d.rectangle((x + left - 10, ty + top - 8, x + right + 10, ty + bottom + 8), fill=(250, 250, 250))
        d.text((x, ty), text, font=font, fill=(20, 20, 20))
    else:
        d.text((x, ty), text, font=font, fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(im)
