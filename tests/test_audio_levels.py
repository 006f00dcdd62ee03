"""Loudness, true peak and clipping on the source audio (every channel, source rate).

Known answers: pyloudnorm's integrated loudness of the same samples (BS.1770-4) on the
layouts and spectra creator videos carry, a full-scale sine at -3.01 LUFS, and
clipped vs limited masters after AAC encoding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, sosfilt
from videofactory import solid, write_video

from scoring.analyzers.loudness import integrated_loudness
from scoring.media import decode_clip
from scoring.media.levels import LevelMeter, channel_weights

pyln = pytest.importorskip("pyloudnorm")
RATE = 48000


def voice(seconds: float, seed: int = 0, f0: float = 140.0) -> np.ndarray:
    """Speech-like mono signal, shape (n,): a gliding harmonic voice in syllables with pauses."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    x = sum(np.sin(k * phase + rng.uniform(0, 6.3)) / k for k in range(1, 25))
    syll = np.repeat(rng.uniform(0.2, 1.0, int(seconds * 5) + 1), RATE // 5)[:n]
    gate = np.repeat(rng.uniform(size=int(seconds * 5) + 1) > 0.2, RATE // 5)[:n]
    env = uniform_filter1d(syll * gate, RATE // 50) * np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.05)
    return (x * env / np.abs(x * env).max() * 0.5).astype(np.float64)


def hf_noise(seconds: float, seed: int = 1) -> np.ndarray:
    """Noise with most of its energy above 8 kHz (bright content: sibilants, hi-hats)."""
    rng = np.random.default_rng(seed)
    return sosfilt(butter(6, 8000, "highpass", fs=RATE, output="sos"), rng.normal(0, 0.2, int(seconds * RATE)))


def measure(x: np.ndarray, names: list[str], block: int = 1024) -> float | None:
    """Stream ``x`` (shape (channels, n)) through the decoder's meter in AAC-sized blocks."""
    meter = LevelMeter(RATE, names)
    for start in range(0, x.shape[1], block):
        meter.add(x[:, start:start + block])
    return meter.loudness()


def reference(x: np.ndarray) -> float:
    return float(pyln.Meter(RATE).integrated_loudness(np.ascontiguousarray(x.T)))


LAYOUTS = {
    "mono": lambda v, o: v[None],
    "dual_mono": lambda v, o: np.stack([v, v]),
    "one_channel": lambda v, o: np.stack([v, np.zeros_like(v)]),
    "wide_stereo": lambda v, o: np.stack([v, o]),
    "hf_heavy": lambda v, o: np.stack([0.3 * v + hf_noise(v.size / RATE), 0.3 * o + hf_noise(v.size / RATE, 2)]),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_streamed_loudness_matches_pyloudnorm(layout):
    x = LAYOUTS[layout](voice(6.0, 0), voice(6.0, 5, f0=210.0))
    names = ["FC"] if x.shape[0] == 1 else ["FL", "FR"]
    assert measure(x, names) == pytest.approx(reference(x), abs=0.05)


def test_one_channel_and_hf_content_differ_from_a_mono_downmix():
    # The errors the 16 kHz mono downmix made: one-channel speech read 3 LU low (-19.2 vs
    # -16.1) and bright content 6 LU low. Source channels at the source rate get them right.
    v = voice(6.0)
    one = np.stack([v, np.zeros_like(v)])
    assert measure(one, ["FL", "FR"]) == pytest.approx(measure(np.stack([v, v]), ["FL", "FR"]) - 3.01, abs=0.05)
    bright = np.stack([hf_noise(6.0), hf_noise(6.0, 2)])
    assert measure(bright, ["FL", "FR"]) == pytest.approx(reference(bright), abs=0.05)


def test_known_values_and_weights():
    t = np.arange(5 * RATE) / RATE
    sine = np.sin(2 * np.pi * 997 * t)
    assert integrated_loudness(sine, RATE) == pytest.approx(-3.01, abs=0.05)  # BS.1770's reference
    assert integrated_loudness(0.1 * sine, 16000 * 3) == pytest.approx(-23.01, abs=0.05)
    assert integrated_loudness(np.zeros(RATE), RATE) is None  # silence: under the absolute gate
    assert integrated_loudness(np.ones(RATE // 4) * 0.1, RATE) is None  # under one 400 ms block
    assert channel_weights(["FL", "FR", "FC", "LFE", "SL", "SR"]).tolist() == [1, 1, 1, 0, 1.41, 1.41]


def test_decoded_stereo_loudness_is_measured_on_source_channels(tmp_path):
    v = voice(4.0)
    one = np.stack([v, np.zeros_like(v)]).astype(np.float32)
    path = write_video(tmp_path / "left_only.mp4", solid(64, 128, 90), n_frames=96, size=(64, 128), audio=one,
                       audio_bit_rate=128000)
    audio = decode_clip(str(path)).audio
    assert audio.channels == 2 and audio.source_rate == RATE
    assert audio.loudness_lufs == pytest.approx(reference(one.astype(np.float64)), abs=0.5)


def limited(x: np.ndarray, ceiling_db: float = -0.4, drive_db: float = 12.0) -> np.ndarray:
    """A look-ahead brick-wall limiter: +``drive_db`` of gain, peaks held at ``ceiling_db``."""
    x = x * 10 ** (drive_db / 20)
    ceiling = 10 ** (ceiling_db / 20)
    gain = np.minimum(1.0, ceiling / np.maximum(np.abs(x).max(axis=0), 1e-9))
    look = int(0.005 * RATE)
    gain = uniform_filter1d(minimum_filter1d(gain, 4 * look + 1), 2 * look + 1)
    return x * gain  # the smoothed gain is at or under the needed one around every peak


def clipped(x: np.ndarray, drive_db: float = 12.0) -> np.ndarray:
    return np.clip(x * 10 ** (drive_db / 20), -1.0, 1.0)


def test_clipped_vs_limited_master_after_aac(tmp_path):
    src = np.stack([voice(4.0, 1), voice(4.0, 2, f0=180.0)])
    ratios = {}
    for name, master in (("limited", limited(src)), ("clipped", clipped(src))):
        path = write_video(tmp_path / f"{name}.mp4", solid(64, 128, 90), n_frames=96, size=(64, 128),
                           audio=master.astype(np.float32), audio_bit_rate=128000)
        ratios[name] = decode_clip(str(path)).audio.clipping_ratio
    assert ratios["limited"] < 0.001, ratios
    assert ratios["clipped"] > 0.01, ratios


def test_memory_bounded_on_long_audio():
    # 20 minutes of loud stereo at 8 kHz in 1024-sample blocks: the meter keeps 100 ms sums
    # and at most 30 s of loud frames, and the loudness still matches the known value.
    rate = 8000
    meter = LevelMeter(rate, ["FL", "FR"])
    t = np.arange(1024) / rate
    block = np.stack([0.5 * np.sin(2 * np.pi * 500 * t), 0.5 * np.sin(2 * np.pi * 500 * t)])
    phase_step = 2 * np.pi * 500 * 1024 / rate  # 64 whole cycles: blocks join seamlessly
    assert phase_step % (2 * np.pi) == pytest.approx(0.0, abs=1e-9)
    for _ in range(20 * 60 * rate // 1024):
        meter.add(block)
    kept = sum(b.shape[1] for b in meter.loud)
    assert kept <= 30 * rate + 1024
    assert len(meter.hop_sums) == pytest.approx(20 * 60 * 10, abs=2)
    # two channels of a -6 dBFS 500 Hz sine: -3.01 - 6.02 + 3.01 + K-weighting at 500 Hz (~ -0.0)
    assert meter.loudness() == pytest.approx(float(pyln.Meter(rate).integrated_loudness(np.tile(block, (1, 40)).T)),
                                             abs=0.05)
