"""Speech activity over the whole clip with Silero VAD (ONNX, shipped in the silero-vad wheel)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, Signals
from scoring.analyzers.registry import register_analyzer
from scoring.media.clip import Clip


@functools.cache
def _vad_model():
    """Load Silero VAD once per process (about 0.1 s, plus torch's import)."""
    from silero_vad import load_silero_vad

    return load_silero_vad(onnx=True)


def speech_segments(samples: np.ndarray, rate: int, *, threshold: float = 0.5, min_speech_ms: int = 250,
                    min_silence_ms: int = 100, pad_ms: int = 30) -> list[tuple[float, float]]:
    """Speech segments as (start, end) seconds in mono ``samples`` (shape (n,), 16 kHz)."""
    if samples.size < rate // 10:
        return []
    import torch
    from silero_vad import get_speech_timestamps

    stamps = get_speech_timestamps(
        torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)), _vad_model(), threshold=threshold,
        sampling_rate=rate, min_speech_duration_ms=min_speech_ms, min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=pad_ms,
    )
    return [(round(s["start"] / rate, 3), round(s["end"] / rate, 3)) for s in stamps]


@dataclass(frozen=True)
class SpeechConfig:
    threshold: float = 0.5
    min_speech_ms: int = 250
    min_silence_ms: int = 100
    pad_ms: int = 30


@register_analyzer
class SpeechAnalyzer(Analyzer):
    """Where people speak. Features: ``onset_s`` (first speech, s; None if none),
    ``ratio`` (speech time / duration, 0-1), ``segments`` (count), ``in_hook_s``
    (speech seconds inside the hook), ``early`` (speech starts within 5 s, ABCD).
    Events: one ``speech`` event per segment (t = start, end = end, seconds)."""

    name = "speech"
    version = "1"
    Config = SpeechConfig
    feature_keys = ("onset_s", "ratio", "segments", "in_hook_s", "early")
    evidence_keys = ("speech_onset_s", "speech_ratio")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: SpeechConfig = self.config
        audio = clip.audio
        if audio is None:
            segs: list[tuple[float, float]] = []
        else:
            segs = speech_segments(audio.samples, audio.rate, threshold=cfg.threshold,
                                   min_speech_ms=cfg.min_speech_ms, min_silence_ms=cfg.min_silence_ms,
                                   pad_ms=cfg.pad_ms)
        duration = clip.duration_s or (audio.duration_s if audio else 0.0)
        total = sum(e - s for s, e in segs)
        in_hook = sum(max(0.0, min(e, ctx.hook_seconds) - s) for s, e in segs if s < ctx.hook_seconds)
        onset = segs[0][0] if segs else None
        features = {
            "onset_s": onset,
            "ratio": round(min(1.0, total / duration), 4) if duration > 0 else 0.0,
            "segments": len(segs),
            "in_hook_s": round(in_hook, 3),
            "early": onset is not None and onset < 5.0,
        }
        events = [Event(t=s, end=e, kind="speech", label=f"speech {s:.1f}–{e:.1f} s", source="audio")
                  for s, e in segs]
        evidence = {"speech_onset_s": onset, "speech_ratio": features["ratio"]}
        return self.signals(features, evidence, events)
