"""Letterbox bars and a platform end card are not the creator's picture: the Clip every
analyzer sees leaves them out (scoring.media.layout)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.media import SamplingPlan, decode_clip
from scoring.media.clip import FrameSignatures
from scoring.media.layout import find_content_box
from tests.videofactory import letterboxed, moving_pattern, sine, with_end_card, write_video

FPS = 12


@pytest.fixture(scope="module")
def letterbox_card(tmp_path_factory):
    """288x512, picture 288x162 between bars (caption in the top bar), end card from 6.0 s of 8 s."""
    path = tmp_path_factory.mktemp("layout") / "lb.mp4"
    fn = with_end_card(letterboxed(moving_pattern(288, 162), 288, 512, 162, caption="WAIT FOR IT"), 6.0, "maker")
    return write_video(path, fn, n_frames=8 * FPS, fps=FPS, size=(288, 512), audio=sine(8.0))


def test_bars_and_card_are_cut_from_what_analyzers_see(letterbox_card):
    clip = decode_clip(str(letterbox_card))
    x0, y0, x1, y1 = clip.layout.content_box
    assert (x0, x1) == (0.0, 1.0)
    assert y0 == pytest.approx(175 / 512, abs=0.03) and y1 == pytest.approx(337 / 512, abs=0.03)
    assert clip.layout.end_card_s == pytest.approx(6.0, abs=0.2)
    assert clip.duration_s == pytest.approx(6.0, abs=0.2) and clip.info.duration_s == pytest.approx(8.0, abs=0.2)
    h = clip.body.images.shape[1]
    assert h / clip.body.images.shape[2] == pytest.approx(162 / 288, abs=0.06)  # picture only
    assert clip.body.times.max() < 6.1 and clip.signatures.times.max() < 6.1
    assert clip.audio.duration_s == pytest.approx(6.0, abs=0.1)
    assert clip.signatures.luma.shape[1:] == (32, 32)
    assert clip.full is not None and clip.full.info.duration_s == clip.info.duration_s
    assert clip.full.body.times.max() > 7.0  # the uncut clip keeps the card for the watermark reader
    assert float(clip.stills.images.mean()) > 60  # no bar black, no card in the stills


def test_plain_video_is_untouched(tmp_path):
    path = write_video(tmp_path / "p.mp4", moving_pattern(180, 320), n_frames=3 * FPS, fps=FPS, size=(180, 320))
    clip = decode_clip(str(path))
    assert not clip.layout.bars and clip.layout.end_card_s is None and clip.full is None
    assert clip.body.images.shape[1:3] == (320, 180)


def test_a_fade_to_black_is_not_an_end_card(tmp_path):
    pattern = moving_pattern(180, 320)

    def fade(i: int, t: float) -> np.ndarray:
        return pattern(i, t) if t < 3.0 else np.zeros((320, 180, 3), np.uint8)

    clip = decode_clip(str(write_video(tmp_path / "f.mp4", fade, n_frames=5 * FPS, fps=FPS, size=(180, 320))))
    assert clip.layout.end_card_s is None


def test_dark_picture_without_bars_keeps_the_whole_frame():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 60, (10, 320, 180, 3), dtype=np.uint8)  # a dim, noisy scene
    frames[:, 250:] = rng.integers(0, 18, (10, 70, 180, 3), dtype=np.uint8)  # a dark floor, no sharp edge
    frames[:, 240:250] = rng.integers(0, 30, (10, 10, 180, 3), dtype=np.uint8)
    assert find_content_box(frames) == (0.0, 0.0, 1.0, 1.0)


def test_layout_can_be_switched_off(letterbox_card):
    clip = decode_clip(str(letterbox_card), SamplingPlan(exclude_layout=False))
    assert clip.layout is None and clip.duration_s == pytest.approx(8.0, abs=0.2)


def test_the_end_cards_jingle_is_not_the_clips_loudness(tmp_path):
    # issue 20: loudness, peaks and clipping were measured on the whole source track, the
    # platform end card's loud jingle included, although the audio analyzers see was cut
    voice, jingle = sine(6.0, peak=0.1), sine(1.7, freq=440.0, peak=0.9)
    fn = with_end_card(moving_pattern(180, 320), 6.0, "maker")
    gap = np.zeros(int(0.3 * 48000), np.float32)  # the card is found to within a frame or two
    path = write_video(tmp_path / "card.mp4", fn, n_frames=8 * FPS, fps=FPS, size=(180, 320),
                       audio=np.concatenate([voice, gap, jingle]))
    clip = decode_clip(str(path))
    assert clip.layout.end_card_s == pytest.approx(6.0, abs=0.2)
    assert clip.full.audio.loudness_lufs > -10 and clip.full.audio.peak_dbfs > -3  # the jingle is there
    import pyloudnorm

    expected = pyloudnorm.Meter(48000).integrated_loudness(voice.astype(np.float64))  # about -23 LUFS
    assert clip.audio.loudness_lufs == pytest.approx(expected, abs=1.0)
    assert clip.audio.peak_dbfs < -16 and clip.audio.true_peak_dbfs < -16  # the voice's -20 dBFS, not the card's
    assert clip.audio.clipping_ratio == 0.0


@pytest.mark.parametrize("kind", ["card", "fade", "plain", "card_at_4s", "card_late"])
def test_the_audio_only_decode_cuts_at_the_card_as_the_full_decode_does(tmp_path, kind):
    """decode_audio finds the end card from the video's last seconds (issue 23): its soundtrack
    is the full Clip's, so the soundtrack's analyzers need not wait for the picture."""
    from scoring.media.decode import decode_audio, same_audio

    pattern = moving_pattern(180, 320)
    fn = {"card": with_end_card(pattern, 6.0, "maker"), "card_at_4s": with_end_card(pattern, 4.0, "maker"),
          "fade": lambda i, t: pattern(i, t) if t < 6.0 else np.zeros((320, 180, 3), np.uint8),
          "plain": pattern, "card_late": with_end_card(pattern, 10.0, "maker")}[kind]
    seconds = 14 if kind == "card_late" else 8  # its card starts after the tail's first 9 s window opens
    path = write_video(tmp_path / f"{kind}.mp4", fn, n_frames=seconds * FPS, fps=FPS, size=(180, 320),
                       audio=sine(seconds), options={"g": str(FPS)})
    clip, audio = decode_clip(str(path)), decode_audio(str(path))
    assert audio.content_end_s == clip.layout.end_card_s
    assert (clip.layout.end_card_s is not None) is kind.startswith("card")
    assert same_audio(audio, clip)


def _signatures(times: np.ndarray, card_from: float) -> FrameSignatures:
    """Signatures of frames at ``times`` (s): a textured picture, then from ``card_from`` s a
    flat dark card with a bright mark in the middle."""
    rng = np.random.default_rng(1)
    luma = rng.integers(40, 220, (len(times), 32, 32)).astype(np.uint8)
    card = np.full((32, 32), 20, np.uint8)
    card[14:18, 14:18] = 230
    luma[times >= card_from] = card
    return FrameSignatures(times, luma, np.full((len(times), 2, 16, 16), 128, np.uint8))


def test_the_end_card_is_found_from_the_tail_as_from_every_frame():
    """end_card_from_tail reads as little of the end as it can and says when it cannot tell."""
    from scoring.media.layout import end_card_from_tail, find_end_card

    times = np.round(np.arange(0, 20.0, 0.1), 4)  # 10 fps, 20 s, a keyframe each second

    def windows(sig, asked, refuse=()):
        def tail(from_s):
            asked.append(from_s)
            if len(asked) in refuse:
                return None  # its keyframe is too far back
            keep = sig.times >= np.floor(from_s)
            return type(sig)(sig.times[keep], sig.luma[keep], sig.chroma[keep])
        return tail

    for card_from, reads in ((16.0, 2), (13.5, 3), (12.5, 3), (99.0, 1)):  # 4, 6.5, 7.5 s of card; none
        every, asked = _signatures(times, card_from), []
        found = find_end_card(every, 20.0)
        assert found == (None if card_from > 20 else card_from)
        assert end_card_from_tail(windows(every, asked), 20.0) == (True, found) and len(asked) == reads
    flat, asked = _signatures(times, 5.0), []  # 15 s of card: too long to be one
    assert end_card_from_tail(windows(flat, asked), 20.0) == (True, None) and len(asked) == 3
    assert find_end_card(flat, 20.0) is None
    carded, asked = _signatures(times, 16.0), []
    assert end_card_from_tail(windows(carded, asked, refuse=(2,)), 20.0) == (True, 16.0) and len(asked) == 3
    assert end_card_from_tail(windows(carded, [], refuse=(1,)), 20.0) == (False, None)  # the lane checks the Clip
    # the last keyframe is read first: one that is not flat and dark leaves the tail unread
    asked = []
    keyframe = _signatures(np.array([19.0]), 99.0).luma[0]
    assert end_card_from_tail(windows(carded, asked), 20.0, last_keyframe=lambda: keyframe) == (False, None)
    assert asked == []
    card_key = _signatures(np.array([19.0]), 0.0).luma[0]
    assert end_card_from_tail(windows(carded, asked), 20.0, last_keyframe=lambda: card_key) == (True, 16.0)
