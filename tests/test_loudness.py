"""BS.1770 loudness against known answers and pyloudnorm."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analyzers.loudness import integrated_loudness


def _sine(db: float, seconds: float = 5.0, rate: int = 16000, freq: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 10 ** (db / 20) * np.sin(2 * np.pi * freq * t)


def test_full_scale_sine_is_minus_3_lufs():
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS.
    assert integrated_loudness(_sine(0.0), 16000) == pytest.approx(-3.01, abs=0.1)
    assert integrated_loudness(_sine(-20.0), 16000) == pytest.approx(-23.01, abs=0.1)
    assert integrated_loudness(_sine(-20.0, rate=48000), 48000) == pytest.approx(-23.01, abs=0.1)


def test_matches_pyloudnorm_on_noise():
    pyln = pytest.importorskip("pyloudnorm")
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.05, 16000 * 6) * np.repeat(rng.uniform(0.2, 1.0, 60), 1600)
    assert integrated_loudness(x, 16000) == pytest.approx(pyln.Meter(16000).integrated_loudness(x), abs=0.3)


def test_short_and_silent_audio():
    assert integrated_loudness(np.zeros(3000), 16000) is None  # shorter than a 400 ms block
    assert integrated_loudness(np.zeros(32000), 16000) is None  # below the absolute gate
