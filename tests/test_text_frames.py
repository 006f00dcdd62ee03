"""On-screen text read over frames: subtitles that change between the regular hook reads,
a product label held still in the middle of the frame (scene text, not a caption), and
captions in letterbox bars (cut off the picture analyzers see, still read)."""

from __future__ import annotations

import cv2
import numpy as np
from videofactory import write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer
from scoring.media import decode_clip
from scoring.services.text_kinds import overlay_change, printed

W, H = 360, 640


def _caption(img: np.ndarray, words: str, y: float, scale: float = 1.1) -> np.ndarray:
    """White letters with a black outline, centred at height ``y`` (fraction)."""
    (tw, th), _ = cv2.getTextSize(words, cv2.FONT_HERSHEY_DUPLEX, scale, 3)
    org = ((img.shape[1] - tw) // 2, int(y * img.shape[0]) + th // 2)
    cv2.putText(img, words, org, cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), 8, cv2.LINE_AA)
    cv2.putText(img, words, org, cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), 3, cv2.LINE_AA)
    return img


def _scene(i: int, height: int = H) -> np.ndarray:
    """A textured, slowly panning picture (W x ``height``)."""
    rng = np.random.default_rng(7)
    big = cv2.resize(rng.integers(40, 200, (height // 16 + 4, W // 16 + 4, 3), dtype=np.uint8), None, fx=16, fy=16,
                     interpolation=cv2.INTER_CUBIC)
    dx = i % 48
    return np.ascontiguousarray(big[:height, dx:dx + W])


def _words(sig) -> str:
    return (sig.evidence["hook_text"] or "").lower()


def test_subtitles_that_change_between_regular_reads_are_all_read(tmp_path):
    """Three subtitles in the hook, the second on screen for only half a second between two
    regular reads (every 0.75 s): it is read when the band changes and has settled."""
    subs = [(0.0, 0.9, "Three reasons"), (0.9, 1.4, "nobody tells"), (1.4, 9.0, "about skincare")]

    def draw(i: int, t: float) -> np.ndarray:
        img = np.full((H, W, 3), (90, 110, 130), np.uint8)
        text = next(s for a, b, s in subs if a <= t < b)
        return _caption(img, text, 0.7)

    path = write_video(tmp_path / "subs.mp4", draw, n_frames=96, size=(W, H))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    words = _words(sig)
    assert "three" in words and "skincare" in words
    assert "nobody" in words, words


def test_overlay_change_and_printed():
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 255, (20, 80)).astype(np.float32)
    assert overlay_change(ref, ref + 3) < 10  # the same pixels, recompressed
    assert overlay_change(ref, np.roll(ref, 2, axis=1)) > 40  # shifted by two pixels
    assert printed([60.0, 55.0]) and not printed([2.0, 30.0, 4.0]) and not printed([])


def test_a_product_label_held_still_in_the_middle_is_not_a_caption(tmp_path):
    """A bottle held in the middle of the frame: its label stays centred and level (no
    drift a box would show) but shakes by a pixel or two with the hand; the caption above
    stays at the same pixels. Only the caption is hook text."""
    def draw(i: int, t: float) -> np.ndarray:
        img = _scene(i)
        dx, dy = round(2 * np.sin(1.3 * i)), round(2 * np.cos(0.9 * i))  # hand shake, pixels
        x0, y0 = 110 + dx, 300 + dy
        shade = np.linspace(150, 235, 140).astype(np.uint8)  # a lit, curved surface
        img[y0:y0 + 200, x0:x0 + 140] = np.stack([shade, shade, shade - 10], axis=-1)[None]
        cv2.putText(img, "OATLY", (x0 + 14, y0 + 90), cv2.FONT_HERSHEY_DUPLEX, 1.2, (30, 40, 90), 3, cv2.LINE_AA)
        return _caption(img, "Try this today", 0.25)

    path = write_video(tmp_path / "bottle.mp4", draw, n_frames=96, size=(W, H))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    words = _words(sig)
    assert "today" in words
    assert "oatly" not in words, words
    assert sig.features["onscreen_text.scene_items"] >= 1


def test_a_caption_in_a_letterbox_bar_is_read(tmp_path):
    """A wide picture letterboxed in a 9:16 frame, the caption in the black top bar: the
    layout cuts the bars off the picture analyzers see, on-screen text still reads it."""
    top, pic = 190, 260

    def draw(i: int, t: float) -> np.ndarray:
        img = np.zeros((H, W, 3), np.uint8)
        img[top:top + pic] = _scene(i, pic)
        return _caption(img, "Wait for it", 0.15)

    path = write_video(tmp_path / "letterbox.mp4", draw, n_frames=96, size=(W, H))
    clip = decode_clip(str(path))
    assert clip.layout is not None and clip.layout.bars  # the picture analyzers see is cut
    sig = OnscreenTextAnalyzer().analyze(clip, AnalysisContext())
    assert "wait" in _words(sig)
    assert sig.evidence["text_in_hook"] is True


def test_a_read_with_far_too_few_letters_for_its_line_is_read_again():
    """PP-OCR reads a Hangul line as one confident Han glyph: one letter cannot fill a line
    six heights wide, so the line goes to the per-script recogniser."""
    from scoring.services.ocr_scripts import too_short

    assert too_short("丛", (74, 353, 284, 387))
    assert not too_short("LUXE", (0, 0, 100, 30)) and not too_short("매일 쓰는 화장품 추천", (74, 353, 284, 387))


def test_a_line_that_stays_on_screen_is_recognised_once(monkeypatch):
    """Recognition is most of OCR's cost: a caption at the same pixels in the next frame read
    reuses its read; a changed caption is recognised again."""
    from scoring.services import ocr
    from scoring.services.ocr_scripts import LineReader

    engine = ocr.ocr_engine(ocr.OcrConfig().det_long_side, ocr.OcrConfig().threads)
    seen: list[int] = []
    real = engine.recognize_txt

    def counting(crops):
        seen.append(len(crops))
        return real(crops)

    monkeypatch.setattr(engine, "recognize_txt", counting)
    reader = LineReader()
    a = _caption(np.full((H, W, 3), (90, 110, 130), np.uint8), "Three reasons", 0.7)
    b = _caption(np.full((H, W, 3), (90, 110, 130), np.uint8), "About skincare", 0.7)
    first = ocr.read_text(a, reader=reader)
    again = ocr.read_text(a, reader=reader)
    assert [ln.text for ln in first] == [ln.text for ln in again] and first
    assert seen[0] >= 1 and len(seen) == 1  # nothing new to recognise in the repeat
    assert "skincare" in " ".join(ln.text for ln in ocr.read_text(b, reader=reader)).lower()
    assert len(seen) == 2


def test_a_word_sliding_across_a_flat_dark_wall_is_not_a_sticker():
    """A logo on a sponsor wall sits on flat black like a sticker's plate, but slides with
    the camera; a sticker stays where the creator dropped it."""
    from scoring.services.text_kinds import sticker

    pinned = [(0.60, 0.47, 0.80, 0.52), (0.60, 0.47, 0.81, 0.52)]
    sliding = [(0.658, 0.467, 0.828, 0.522), (0.586, 0.467, 0.783, 0.53)]
    assert sticker(pinned, 2, 0.0)
    assert not sticker(sliding, 2, 0.0)
