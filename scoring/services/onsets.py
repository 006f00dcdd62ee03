"""Audio onsets in plain NumPy/SciPy: spectral flux on a log-frequency spectrogram + peak picking.

Follows librosa's ``onset_detect`` defaults (2048-sample frames, 256 hop, log power,
first-order positive flux averaged over bands, normalised envelope, ``peak_pick`` with
30 ms local-max and 100 ms mean windows, delta 0.07, 30 ms wait). librosa's own
version JIT-compiles with numba into a cache inside the venv, which several cold
worker processes corrupted by compiling into it at once; this one has no JIT.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

N_FFT = 2048
HOP = 256
N_BANDS = 128


def _band_matrix(rate: int, n_fft: int, n_bands: int) -> np.ndarray:
    """Triangular filters (n_bands, n_fft // 2 + 1) spaced on the mel scale, 0 Hz to rate/2."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    mel = 2595.0 * np.log10(1.0 + np.array([0.0, rate / 2.0]) / 700.0)
    edges = 700.0 * (10 ** (np.linspace(mel[0], mel[1], n_bands + 2) / 2595.0) - 1.0)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - freqs[None, :]) / np.maximum(hi - mid, 1e-9)
    return np.maximum(0.0, np.minimum(up, down))


def onset_envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """Onset strength per hop (n_frames,), frame k at ``k * HOP / rate`` seconds."""
    x = np.pad(samples.astype(np.float32), N_FFT // 2, mode="constant")
    if x.shape[0] < N_FFT:
        return np.zeros(0, np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP] * np.hanning(N_FFT).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2                     # (frames, bins)
    bands = power @ _band_matrix(rate, N_FFT, N_BANDS).T                   # (frames, bands)
    log = 10.0 * np.log10(np.maximum(bands, 1e-10))
    log = np.maximum(log, log.max() - 80.0)                                # top_db 80, as power_to_db
    flux = np.maximum(0.0, np.diff(log, axis=0)).mean(axis=1)
    # As librosa with centred frames: shift by the lag plus half a frame, keep the frame
    # count (so the zero padding's splash at the very end is dropped).
    shift = 1 + N_FFT // (2 * HOP)
    return np.concatenate([np.zeros(shift), flux])[: log.shape[0]].astype(np.float32)


def onset_times(samples: np.ndarray, rate: int) -> np.ndarray:
    """Onset times in seconds (k,) of mono ``samples`` (n,) at ``rate`` Hz."""
    env = onset_envelope(samples, rate)
    if env.size < 3 or float(env.max()) <= 0:
        return np.zeros(0)
    env = (env - env.min()) / (env.max() - env.min())
    per_s = rate / HOP
    pre_max, post_max = int(0.03 * per_s), 1
    pre_avg, post_avg = int(0.10 * per_s), int(0.10 * per_s) + 1
    wait = int(0.03 * per_s)
    size_max = pre_max + post_max
    local_max = maximum_filter1d(env, size=size_max, origin=(size_max // 2) - pre_max, mode="constant")
    size_avg = pre_avg + post_avg
    mean = uniform_filter1d(env, size=size_avg, origin=(size_avg // 2) - pre_avg, mode="nearest")
    candidates = np.flatnonzero((env >= local_max) & (env >= mean + 0.07))
    picked: list[int] = []
    for k in candidates:
        if not picked or k > picked[-1] + wait:
            picked.append(int(k))
    return np.asarray(picked, dtype=np.float64) * HOP / rate
