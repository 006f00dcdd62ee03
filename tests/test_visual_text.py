"""Captions, platform watermarks and scene text told apart; TikTok's safe zone with the
button column; the watermark's handle fills the creator. Known answers on generated
frames and clips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from videofactory import write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer, SafeZone, safe_zone_from
from scoring.campaign import campaign_from_dict
from scoring.errors import ConfigError
from scoring.inputs import VideoRef
from scoring.media import decode_clip
from scoring.pipeline import VideoResult, _note_watermark
from scoring.services.text_kinds import classify, handle_of, on_a_surface, watermark_handle


def test_kinds_of_lines_in_one_frame():
    lines = [
        ("Me waiting for my refund", (0.12, 0.20, 0.88, 0.25)),  # centred: caption
        ("TikTok", (0.04, 0.05, 0.20, 0.09)),  # platform word, small: watermark
        ("maker.jane", (0.04, 0.09, 0.24, 0.12)),  # handle-like word beside it: watermark
        ("BUCKITS", (0.55, 0.55, 0.80, 0.60)),  # off the centre line: printed in the scene
        ("PRAXIS", (0.30, 0.0, 0.72, 0.08)),  # cut by the top edge: scene
    ]
    assert classify(lines) == ["caption", "watermark", "watermark", "scene", "scene"]
    assert handle_of("TikTok @mr.bigchops69") == "mr.bigchops69"
    assert handle_of("ID:mahiro_fairies") == "mahiro_fairies"
    assert handle_of("Link in bio") is None
    assert watermark_handle([("watermark", "TikTok"), ("watermark", "maker.jane")]) == "maker.jane"
    assert watermark_handle([("watermark", "ahiro_fairies"), ("watermark", "ID:mahiro_fairies")]) == "mahiro_fairies"
    assert watermark_handle([("caption", "@notamark")]) is None


def test_safe_zone_button_column_and_campaign_override():
    zone = SafeZone()
    # a centred caption that reaches under the like / comment / share column
    assert zone.violations((0.10, 0.55, 0.92, 0.60)) == ["buttons"]
    # the same width high up, above the column, is fine
    assert zone.contains((0.10, 0.20, 0.92, 0.25))
    names = [n for n, _ in zone.drawn(1080, 1920)]
    assert names[:3] == ["top bar", "caption, sound and CTA", "buttons"]
    assert dict(zone.drawn(1080, 1920))["buttons"] == (918, 768, 1080, 1248)
    wider = safe_zone_from({"right_column": 0.3})
    assert wider.violations((0.10, 0.55, 0.75, 0.60)) == ["buttons"]
    assert campaign_from_dict({"safe_zone": {"top": 0.08, "bottom": 0.23}}).safe_zone == {"top": 0.08, "bottom": 0.23}
    with pytest.raises(ConfigError, match="safe_zone.middle"):
        campaign_from_dict({"safe_zone": {"middle": 0.2}})
    with pytest.raises(ConfigError, match="safe_zone.top"):
        campaign_from_dict({"safe_zone": {"top": 1.5}})


W, H = 540, 960


def _text(img: np.ndarray, words: str, center: tuple[int, int], scale: float, box: bool = False) -> None:
    (tw, th), _ = cv2.getTextSize(words, cv2.FONT_HERSHEY_DUPLEX, scale, 2)
    x, y = center[0] - tw // 2, center[1] + th // 2
    if box:
        cv2.rectangle(img, (x - 12, y - th - 12), (x + tw + 12, y + 12), (255, 255, 255), -1)
        cv2.putText(img, words, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), 2, cv2.LINE_AA)
    else:
        cv2.putText(img, words, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), 6, cv2.LINE_AA)
        cv2.putText(img, words, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), 2, cv2.LINE_AA)


def mixed_text(i: int, t: float) -> np.ndarray:
    """A caption in a box (centred, stays put), a TikTok watermark with a handle (small,
    top-left, hops to bottom-right at 2 s) and a printed word on a 'T-shirt' that moves
    with the scene (off-centre)."""
    img = np.full((H, W, 3), (90, 110, 130), np.uint8)
    sx = 330 + int(20 * t)  # the shirt pans with the camera
    cv2.rectangle(img, (sx - 110, 430), (sx + 110, 700), (40, 60, 160), -1)
    _text(img, "BUCKITS", (sx, 560), 1.1)
    _text(img, "SALE TODAY", (W // 2, 250), 1.4, box=True)
    if t < 2.0:
        _text(img, "TikTok", (80, 40), 0.8)
        _text(img, "ID:maker.jane", (100, 75), 0.7)
    else:
        _text(img, "TikTok", (W - 90, H - 400), 0.8)
        _text(img, "ID:maker.jane", (W - 110, H - 365), 0.7)
    return img


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    path = write_video(tmp_path_factory.mktemp("text") / "mixed.mp4", mixed_text, n_frames=96, fps=24, size=(W, H))
    return OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())


def test_only_the_caption_is_hook_text(mixed):
    assert mixed.evidence["hook_text"] == "SALE TODAY"
    assert mixed.evidence["text_in_hook"] is True
    assert mixed.evidence["text_boxes_outside_safe_zone"] == 0  # watermark and shirt do not count
    f = mixed.features
    assert f["onscreen_text.items"] == 1
    assert f["onscreen_text.watermark"] is True
    assert f["onscreen_text.watermark_handle"] == "maker.jane"
    assert f["onscreen_text.scene_items"] >= 1


def test_scene_text_still_reaches_mentions(mixed):
    texts = [e.text for e in mixed.events if e.kind == "text"]
    assert any(t and "BUCKITS" in t.upper() for t in texts)
    labels = [e.label for e in mixed.events]
    assert any(lb.startswith("scene text") for lb in labels)
    assert any(lb.startswith("watermark") for lb in labels)


def test_caption_under_the_button_column_is_outside_the_safe_zone(tmp_path):
    def fn(i: int, t: float) -> np.ndarray:
        img = np.full((H, W, 3), (70, 90, 60), np.uint8)
        _text(img, "Tap the link now", (W // 2, 560), 1.5, box=True)  # right edge under the buttons
        return img

    path = write_video(tmp_path / "buttons.mp4", fn, n_frames=48, fps=24, size=(W, H))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.evidence["text_boxes_outside_safe_zone"] == 1
    assert any("buttons" in e.label for e in sig.events), [e.label for e in sig.events]
    # a campaign that narrows the column puts it back inside
    narrow = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext(safe_zone={"right_column": 0.05}))
    assert narrow.evidence["text_boxes_outside_safe_zone"] == 0, [e.label for e in narrow.events]


def test_watermark_handle_fills_creator_and_marks_a_reupload():
    result = VideoResult(ref=VideoRef("a.mp4"), status="ok", features={"onscreen_text.watermark_handle": "maker.jane"})
    _note_watermark(result)
    assert result.ref.creator == "@maker.jane"
    assert "read from the TikTok watermark" in result.reasons[-1]["text"]  # filled, not a rights problem
    known = VideoResult(ref=VideoRef("b.mp4", creator="brandfan"), status="ok",
                        features={"onscreen_text.watermark_handle": "maker.jane"})
    _note_watermark(known)
    assert known.ref.creator == "brandfan" and "@maker.jane" in known.reasons[-1]["text"]
    assert "re-upload" in known.reasons[-1]["text"] and known.reasons[-1]["dimension"] == "rights"
    # the watermark reader's handle wins; the same creator written another way is no re-upload
    same = VideoResult(ref=VideoRef("c.mp4", creator="https://www.tiktok.com/@Maker.Jane"), status="ok",
                       features={"watermark.handle": "maker.jane", "onscreen_text.watermark_handle": "other"})
    _note_watermark(same)
    assert same.reasons == []


def test_report_draws_the_safe_zone_over_a_frame(tmp_path):
    from scoring.media.clip import Frames
    from scoring.report.html import _media_tags
    from scoring.report.media import media_names, safezone_jpeg, write_media

    grey = np.full((5, 640, 360, 3), 128, np.uint8)
    hook = Frames(grey, np.arange(5) / 8)
    zone = SafeZone()
    data = safezone_jpeg(hook, zone)
    img = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert img.shape == (480, 270, 3)
    px = lambda fx, fy: img[int(fy * 480), int(fx * 270)].astype(int)  # noqa: E731
    assert abs(px(0.5, 0.5) - 128).max() <= 6  # the clear middle is left as it was
    top, bottom, buttons = px(0.5, zone.top / 2), px(0.5, 1 - zone.bottom / 2), px(0.93, 0.55)
    assert top[0] > top[2] + 40 and bottom[0] > bottom[2] + 40  # red shade: top bar, caption/CTA block
    assert buttons[0] > buttons[2] + 40 and buttons[1] > top[1] + 20  # orange: the button column
    # one file per video and zone; a campaign's own zone gets its own picture
    names = media_names("sha256:abcdef0123456789ff", zone)
    assert names["safezone"] != media_names("sha256:abcdef0123456789ff", safe_zone_from({"top": 0.2}))["safezone"]
    assert "safezone" not in media_names("sha256:abcdef0123456789ff")
    written = write_media(hook, "sha256:abcdef0123456789ff", tmp_path, zone)
    assert (tmp_path / written["safezone"]).read_bytes() == data
    assert 'class="safezone"' in _media_tags({"safezone": "report_media/x.jpg"}, "a.mp4")


def test_a_caption_in_a_script_without_its_model_is_text_present_not_read(tmp_path, monkeypatch):
    """An Arabic caption (generated) where Tesseract's language data is missing: the
    PP-OCR recogniser reads nothing, the detector sees the line: text present, not read."""
    from script_frames import frame, need_fonts

    from scoring.services import ocr_scripts

    need_fonts("Arabic")
    monkeypatch.setattr(ocr_scripts, "available_scripts", lambda: ())
    img = frame("هعرفك كل اسرار وخطوات التاجير", "Arabic", style="plate", size=20)
    path = write_video(tmp_path / "arabic.mp4", lambda i, t: img, n_frames=72, size=(360, 640))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.features["onscreen_text.unread_in_hook"] is True
    assert sig.evidence["text_in_hook"] is True and sig.evidence["hook_text"] is None
    assert sig.evidence["hook_text_script"] is None
    assert any(e.label.startswith("text present, not read") for e in sig.events)


def test_text_on_a_moving_or_tilted_surface_is_scene_text():
    """A centred product name on a bottle sways and turns between frames; a caption stays
    level and in place (it may grow word by word)."""
    caption = [(0.2, 0.70, 0.8, 0.74), (0.2, 0.70, 0.8, 0.74)]
    growing = [(0.3, 0.70, 0.5, 0.74), (0.3, 0.70, 0.7, 0.74), (0.3, 0.70, 0.9, 0.74)]
    bottle = [(0.35, 0.40, 0.65, 0.45), (0.40, 0.46, 0.70, 0.51)]
    zoomed = [(0.35, 0.40, 0.65, 0.44), (0.30, 0.40, 0.70, 0.46)]
    assert not on_a_surface(caption, 0.0) and not on_a_surface(growing, 0.0)
    assert on_a_surface(bottle, 0.0) and on_a_surface(zoomed, 0.0)
    assert on_a_surface(caption[:1], 12.0)  # tilted label, seen once
    assert not on_a_surface(caption[:1], 0.0)


def test_a_label_drifting_across_frames_is_not_hook_text(tmp_path):
    """A centred word that slides down the frame (a pack carried through the shot) is read
    in several hook frames: scene text, not a caption."""
    plain = np.full((640, 360, 3), (70, 90, 120), np.uint8)

    def draw(i: int, t: float) -> np.ndarray:
        img = plain.copy()
        org = (95, 200 + int(60 * t))
        cv2.putText(img, "OATMILK", org, cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 3, cv2.LINE_AA)
        return img

    path = write_video(tmp_path / "label.mp4", draw, n_frames=96, size=(360, 640))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert sig.evidence["hook_text"] is None
    assert sig.features["onscreen_text.scene_items"] >= 1


def test_a_reply_sticker_is_a_caption_off_the_centre_line():
    """TikTok's "reply to comment" sticker sits wherever the creator drops it; its header
    and the lines below it are captions, other off-centre text is still scene text."""
    lines = [
        ("Reply to Basketball_isLife's comment", (0.20, 0.35, 0.50, 0.39)),
        ("Bro now golden", (0.20, 0.40, 0.48, 0.43)),
        ("state need a center", (0.20, 0.43, 0.50, 0.46)),
        ("BUCKITS", (0.55, 0.75, 0.80, 0.80)),
    ]
    assert classify(lines) == ["caption", "caption", "caption", "scene"]
    vi = [("Trả lời bình luận của @lan.nguyen", (0.10, 0.35, 0.45, 0.39)), ("đẹp quá chị ơi", (0.10, 0.40, 0.40, 0.43))]
    assert classify(vi) == ["caption", "caption"]  # the @handle in the header is no watermark


def test_an_off_centre_sticker_on_a_flat_plate_is_a_caption(tmp_path):
    """A text sticker dragged to the left (dark words on a flat white plate) over moving
    footage is a caption; words printed off-centre on a grainy surface stay scene text."""
    rng = np.random.default_rng(3)

    def draw(i: int, t: float) -> np.ndarray:
        yy = np.linspace(0, 1, 640)[:, None, None]
        img = (60 + 120 * ((yy + t / 3) % 1) * np.array([1.0, 0.7, 0.4])).repeat(360, 1)  # footage: pans
        img = img.clip(0, 255).astype(np.uint8)
        img[140:212, 12:262] = 250  # the sticker's plate, with a margin round the words
        cv2.putText(img, "so good", (35, 186), cv2.FONT_HERSHEY_DUPLEX, 1.0, (20, 20, 20), 2, cv2.LINE_AA)
        surface = img[430:480, 150:350].astype(np.int16) * 0 + rng.integers(90, 170, (50, 200, 3))
        img[430:480, 150:350] = surface.astype(np.uint8)  # a grainy printed surface
        cv2.putText(img, "MATCHA", (170, 466), cv2.FONT_HERSHEY_DUPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
        return img

    path = write_video(tmp_path / "sticker.mp4", draw, n_frames=72, size=(360, 640))
    sig = OnscreenTextAnalyzer().analyze(decode_clip(str(path)), AnalysisContext())
    assert "so good" in (sig.evidence["hook_text"] or "").lower()
    assert "matcha" not in (sig.evidence["hook_text"] or "").lower()
