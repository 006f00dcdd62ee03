"""Silero VAD without torch: the ``silero_vad.onnx`` model of the silero-vad wheel, run
with ONNX Runtime on NumPy arrays.

The silero-vad package wraps the same ONNX file in torch tensors, and importing it
imports torch (about 220 MB per worker process). This module feeds the model the same
way (512-sample windows at 16 kHz, each preceded by the previous window's last 64
samples, the recurrent state carried along) and turns the per-window probabilities
into segments with the package's rules (enter at ``threshold``, leave below
``threshold - 0.15`` held for ``min_silence_ms``, drop segments shorter than
``min_speech_ms``, pad by ``pad_ms``), so results match ``silero_vad.get_speech_timestamps``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

RATE = 16000
WINDOW = 512  # samples per probability at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous window the model sees before each window


@functools.cache
def vad_session(threads: int = 1):
    """ONNX Runtime session for the wheel's ``silero_vad.onnx`` (loaded once per process)."""
    import importlib.util

    import onnxruntime as ort

    spec = importlib.util.find_spec("silero_vad")  # locate the file without importing the package (torch)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("silero-vad is not installed (its wheel ships the VAD model)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # tiny tensors: an arena only holds memory
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def speech_probabilities(samples: np.ndarray, *, threads: int = 1) -> np.ndarray:
    """Speech probability of each 32 ms window of mono 16 kHz ``samples`` (shape (n,));
    returns shape (ceil(n / 512),), float32 in 0-1. The last window is zero-padded."""
    session = vad_session(threads)
    audio = np.ascontiguousarray(samples, dtype=np.float32)
    count = -(-audio.size // WINDOW)
    padded = np.zeros(count * WINDOW + CONTEXT, dtype=np.float32)
    padded[CONTEXT:CONTEXT + audio.size] = audio
    state = np.zeros((2, 1, 128), dtype=np.float32)
    rate = np.array(RATE, dtype=np.int64)
    probs = np.empty(count, dtype=np.float32)
    for i in range(count):
        start = i * WINDOW  # the window plus the CONTEXT samples before it
        out, state = session.run(None, {"input": padded[None, start:start + CONTEXT + WINDOW], "state": state,
                                        "sr": rate})
        probs[i] = out[0, 0]
    return probs


def segments_from_probabilities(probs: np.ndarray, n_samples: int, *, threshold: float = 0.5,
                                min_speech_ms: int = 250, min_silence_ms: int = 100,
                                pad_ms: int = 30) -> list[tuple[int, int]]:
    """Speech segments as (start, end) sample indices at 16 kHz from per-window ``probs``.

    ``n_samples`` is the audio length (segments never run past it).
    """
    neg_threshold = max(threshold - 0.15, 0.01)
    min_speech = RATE * min_speech_ms / 1000
    min_silence = RATE * min_silence_ms / 1000
    pad = RATE * pad_ms / 1000
    found: list[list[int]] = []
    start: int | None = None
    silence_from = 0  # first sample of the current run of low probability (0: none)
    for i, p in enumerate(probs):
        at = i * WINDOW
        if p >= threshold:
            silence_from = 0
            if start is None:
                start = at
                continue
        if start is not None and p < neg_threshold:
            if not silence_from:
                silence_from = at
            if at - silence_from >= min_silence:
                if silence_from - start > min_speech:
                    found.append([start, silence_from])
                start, silence_from = None, 0
    if start is not None and n_samples - start > min_speech:
        found.append([start, n_samples])
    for k, seg in enumerate(found):  # pad each side, splitting short gaps between neighbours
        if k == 0:
            seg[0] = int(max(0, seg[0] - pad))
        if k == len(found) - 1:
            seg[1] = int(min(n_samples, seg[1] + pad))
            continue
        nxt = found[k + 1]
        gap = nxt[0] - seg[1]
        if gap < 2 * pad:
            seg[1] += int(gap // 2)
            nxt[0] = int(max(0, nxt[0] - gap // 2))
        else:
            seg[1] = int(min(n_samples, seg[1] + pad))
            nxt[0] = int(max(0, nxt[0] - pad))
    return [(s, e) for s, e in found]
