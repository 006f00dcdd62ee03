"""Captions in every major script: script detection (pure) and reading generated frames
with text drawn by Pillow in Debian's Noto fonts (fonts-noto-core, fonts-noto-cjk; both
installed by ``make install`` / .ci/run with the Tesseract language data). Assertions are
tolerant: one of the line's words is read and the script is named."""

from __future__ import annotations

import numpy as np
import pytest
from script_frames import LINES, frame, need_fonts
from videofactory import write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer
from scoring.media import decode_clip
from scoring.services.ocr import read_text
from scoring.services.ocr_scripts import (
    TESS_LANG,
    LineReader,
    available_scripts,
    garbled,
    script_of,
    script_share,
    vietnamese_hint,
)


def _words(text: str) -> str:
    return text.lower().replace(" ", "")


def test_script_of_names_the_writing_system():
    assert script_of("Link in bio") == "Latin"
    assert script_of("về Việt Nam") == "Latin"
    assert script_of("Привет, друзья!") == "Cyrillic"
    assert script_of("10 الاف جنيه الشهر ده من Airbnb !!") == "Arabic"
    assert script_of("नमस्ते दोस्तों") == "Devanagari"
    assert script_of("สวัสดีครับ") == "Thai"
    assert script_of("今天我们去买东西") == "Han"
    assert script_of("今日はとても楽しい") == "Japanese"  # kana among the kanji
    assert script_of("안녕하세요") == "Hangul"
    assert script_of("123 !!") is None and script_of(None) is None


def test_poor_first_reads_are_recognised():
    assert vietnamese_hint("v Vit Nam tìm gp thánh nhây")  # tone letters dropped: "gp"
    assert vietnamese_hint("chp b ành cưi")
    assert not vietnamese_hint("Güzel bir gün için şimdi")
    assert not vietnamese_hint("Zażółć gęślą jaźń dziś")
    assert not vietnamese_hint("Me waiting for my check")
    assert garbled("a5anšu5u") and not garbled("COVID19 $1200")
    assert script_share("Привет 2024", "Cyrillic") == pytest.approx(6 / 10)
    assert script_share("1234", "Thai") == 0.0


@pytest.mark.parametrize("lang,script,text,words", LINES, ids=[x[0] for x in LINES])
def test_caption_read_in_its_script(lang, script, text, words):
    need_fonts(script)
    needs = "Latin" if lang == "vi" else script  # read again by Tesseract (vie, rus, ara...)
    if needs in TESS_LANG and needs not in available_scripts():
        pytest.skip("Tesseract language data missing: run `make install`")
    for style in ("outline", "plate"):
        lines = read_text(frame(text, script, style), reader=LineReader())
        caption = [ln for ln in lines if ln.kind == "caption"]
        assert caption, f"{lang} {style}: nothing read as a caption ({lines})"
        got = _words(" ".join(ln.text for ln in caption))
        assert any(_words(w) in got for w in words), f"{lang} {style}: {got!r}"
        assert caption[0].script == script


@pytest.mark.parametrize("lang", ["ru", "th"])
def test_yellow_caption_over_pale_footage_is_read(lang):
    """Yellow letters over a white cape have little grey contrast: the line is read again
    from its colour."""
    _, script, text, words = next(x for x in LINES if x[0] == lang)
    need_fonts(script)
    if script not in available_scripts():
        pytest.skip("Tesseract language data missing: run `make install`")
    lines = read_text(frame(text, script, "yellow", size=24), reader=LineReader())
    got = _words(" ".join(ln.text for ln in lines if ln.kind == "caption"))
    assert any(_words(w) in got for w in words), f"{lang} yellow: {got!r}"


def test_off_centre_text_stays_scene_text_in_any_script():
    """Read again for its Vietnamese tone letters, a line off the centre line is still
    scene text (printed in the picture), not a caption."""
    need_fonts("Latin")
    if "Latin" not in available_scripts():
        pytest.skip("Tesseract language data missing: run `make install`")
    img = frame("Khi về Việt Nam tìm gặp", "Latin", size=18)
    shifted = np.roll(img, -60, axis=1)  # the line now sits left of the centre line
    lines = read_text(shifted, reader=LineReader())
    assert lines and all(ln.kind == "scene" for ln in lines)
    assert any("việt" in ln.text.lower() for ln in lines)


def test_hook_text_script_evidence(tmp_path):
    need_fonts("Cyrillic")
    if "Cyrillic" not in available_scripts():
        pytest.skip("Tesseract language data missing: run `make install`")
    img = frame("Привет друзья смотрите", "Cyrillic", size=22)
    path = write_video(tmp_path / "ru.mp4", lambda i, t: img, n_frames=96, size=(360, 640))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.evidence["text_in_hook"] is True
    assert sig.evidence["hook_text_script"] == "Cyrillic"
    assert "друзья" in sig.evidence["hook_text"].lower()
