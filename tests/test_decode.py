"""One-pass decode: rotation, SAR, variable frame rate, audio stats, bounded memory."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from videofactory import moving_pattern, sine, solid, write_video

from scoring.errors import MediaError
from scoring.media import SamplingPlan, decode_clip, probe
from scoring.media.decode import analysis_size, sample_times


def test_sampling_plan_counts(small_clip):
    clip = decode_clip(str(small_clip))
    assert clip.info.duration_s == pytest.approx(2.0, abs=0.05)
    # 8 fps over the first 2 s (clip shorter than the 3 s hook), 2 fps body
    assert len(clip.hook) == 16
    assert np.allclose(clip.hook.times, np.arange(16) / 8, atol=1 / 24 + 1e-6)
    assert len(clip.body) == 4
    assert clip.hook.images.shape[1:] == (320, 180, 3)  # already <= 640 long side
    assert clip.stills.images.shape == (3, 320, 180, 3)


def test_audio_resampled_and_measured(small_clip):
    clip = decode_clip(str(small_clip))
    audio = clip.audio
    assert audio is not None and audio.rate == 16000 and audio.source_rate == 48000
    assert audio.duration_s == pytest.approx(2.0, abs=0.1)
    assert audio.peak_dbfs == pytest.approx(-6.02, abs=1.0)  # sine at 0.5 full scale, AAC overshoot
    assert audio.clipping_ratio < 0.001  # a clean sine has no flat tops
    assert np.sqrt(np.mean(audio.samples[4000:-4000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.08)


def test_clipping_measured_at_source_rate(tmp_path):
    loud = np.clip(sine(2.0, peak=4.0), -1, 1)  # +12 dB into a hard limit
    path = write_video(tmp_path / "clip.mp4", solid(64, 128, 90), n_frames=48, size=(64, 128), audio=loud)
    audio = decode_clip(str(path)).audio
    assert audio.clipping_ratio > 0.3
    assert audio.true_peak_dbfs >= audio.peak_dbfs >= -0.5


def test_no_audio_track(tmp_path):
    path = write_video(tmp_path / "silent.mp4", solid(64, 128), n_frames=10, size=(64, 128))
    clip = decode_clip(str(path))
    assert clip.audio is None and clip.info.has_audio is False


@pytest.mark.parametrize("rotation", [90, -90])
def test_rotation_gives_display_orientation(tmp_path, rotation):
    # The intended display picture is portrait 90x160 with a white block at its top-left.
    display = np.zeros((160, 90, 3), np.uint8)
    display[:20, :20] = 255
    coded = np.ascontiguousarray(np.rot90(display, k=-(rotation // 90)))  # inverse of display rotation
    path = write_video(tmp_path / "rot.mp4", lambda i, t: coded, n_frames=6, size=(160, 90), rotation=rotation)
    info = probe(str(path))
    assert (info.width, info.height, info.rotation) == (90, 160, rotation)
    clip = decode_clip(str(path))
    frame = clip.stills.images[0]
    assert frame.shape == (160, 90, 3)
    assert frame[:15, :15].mean() > 200 and frame[-15:, -15:].mean() < 50


def test_non_square_pixels(tmp_path):
    path = write_video(tmp_path / "sar.mp4", solid(128, 256, 80), n_frames=4, size=(128, 256), sar=Fraction(1, 2))
    info = probe(str(path))
    assert (info.width, info.height) == (64, 256)
    assert decode_clip(str(path)).stills.images.shape[1:3] == (256, 64)


def test_variable_frame_rate_uses_timestamps(tmp_path):
    # 10 fps for 1 s, then a 1 s freeze (one frame), then 10 fps again
    times = [i / 10 for i in range(10)] + [1.0] + [2.0 + i / 10 for i in range(10)]
    brightness = {round(t, 2): int(20 + 10 * i) for i, t in enumerate(times)}
    path = write_video(tmp_path / "vfr.mp4", lambda i, t: np.full((64, 64, 3), brightness[round(t, 2)], np.uint8),
                       n_frames=len(times), fps=10, size=(64, 64), frame_times=times)
    clip = decode_clip(str(path), SamplingPlan(hook_seconds=3.0, hook_fps=4.0))
    # the frame kept for target 1.5 s is the one shown then: the frozen frame from 1.0 s... or the next
    for t, img in zip(clip.hook.times, clip.hook.images):
        assert round(float(t), 2) in brightness
        assert abs(int(img.mean()) - brightness[round(float(t), 2)]) <= 4
    assert 2.0 in [round(float(t), 2) for t in clip.hook.times]


def test_memory_bounded_by_plan_for_long_video(tmp_path):
    path = write_video(tmp_path / "long.mp4", moving_pattern(64, 112), n_frames=10 * 200, fps=10, size=(64, 112))
    plan = SamplingPlan(max_body_frames=50)
    clip = decode_clip(str(path), plan)
    assert clip.info.duration_s == pytest.approx(200, abs=0.2)
    assert len(clip.body) == 50 and len(clip.hook) == 24
    assert clip.body.times[-1] > 190  # spread over the whole video


def test_one_frame_clip(tmp_path):
    path = write_video(tmp_path / "one.mp4", solid(64, 128, 128), n_frames=1, size=(64, 128))
    clip = decode_clip(str(path))
    assert len(clip.hook) == len(clip.body) == 1 and len(clip.stills) >= 1


def test_analysis_size_and_sample_times():
    assert analysis_size(1080, 1920, 640) == (360, 640)
    assert analysis_size(100, 200, 640) == (100, 200)
    hook, body, stills = sample_times(SamplingPlan(), 30.0)
    assert len(hook) == 24 and len(body) == 60 and len(stills) == 3


@pytest.mark.parametrize("content, code", [(b"", "empty_file"), (b"hello, not a video\n" * 10, "not_media")])
def test_unusable_files_raise_media_error(tmp_path, content, code):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError) as err:
        decode_clip(str(path))
    assert err.value.code == code and str(path) in str(err.value)
