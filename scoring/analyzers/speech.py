"""Speech activity over the whole clip with Silero VAD (ONNX, shipped in the silero-vad wheel; run by
:mod:`scoring.services.vad` without torch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.audio_frames import bed_tonality, frame_stats, level_spread_db, speech_runs, sung
from scoring.services.vad import segments_from_probabilities, speech_probabilities


def speech_segments(samples: np.ndarray, rate: int, *, threshold: float = 0.5, min_speech_ms: int = 250,
                    min_silence_ms: int = 100, pad_ms: int = 30,
                    probs: np.ndarray | None = None) -> list[tuple[float, float]]:
    """Speech segments as (start, end) seconds in mono ``samples`` (shape (n,), 16 kHz);
    ``probs``: Silero's probabilities if already computed (:func:`speech_probabilities`)."""
    if rate != 16000:
        raise ValueError(f"speech_segments needs 16 kHz audio, got {rate} Hz")
    if samples.size < rate // 10:
        return []
    probs = speech_probabilities(samples) if probs is None else probs
    stamps = segments_from_probabilities(probs, samples.size, threshold=threshold, min_speech_ms=min_speech_ms,
                                         min_silence_ms=min_silence_ms, pad_ms=pad_ms)
    return [(round(s / rate, 3), round(e / rate, 3)) for s, e in stamps]


def split_sung(samples: np.ndarray, rate: int, probs: np.ndarray, segments: list[tuple[float, float]],
               max_gap_s: float, **rule: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(spoken, sung) segments: each run of segments (gaps under ``max_gap_s``) that
    :func:`~scoring.services.audio_frames.sung` calls sung goes to the second list."""
    spoken: list[tuple[float, float]] = []
    sung_segs: list[tuple[float, float]] = []
    if not segments:
        return spoken, sung_segs
    stats = frame_stats(samples, rate)
    for group in speech_runs(segments, max_gap_s):
        span = (stats.times >= group[0][0] - 0.5) & (stats.times <= group[-1][1] + 0.5)
        tonal, _ = bed_tonality(stats, span)
        spread = level_spread_db(stats, span)
        (sung_segs if sung(probs, group[0][0], group[-1][1], tonal, spread, **rule) else spoken).extend(group)
    return spoken, sung_segs


def anchored(segments: list[tuple[float, float]], min_anchor_s: float, max_gap_s: float) -> list[tuple[float, float]]:
    """Keep only groups of segments (each less than ``max_gap_s`` from the next) that hold
    at least one segment of ``min_anchor_s`` or more; times in seconds.

    Silero fires on short bursts of music (0.3-0.8 s in a 61 s jazz clip, as confident as a
    spoken "Hello?"), while a short word next to longer speech ("Wait," then the sentence)
    is real: what separates them is whether longer speech is nearby.
    """
    if min_anchor_s <= 0:
        return segments
    groups: list[list[tuple[float, float]]] = []
    for seg in segments:
        if groups and seg[0] - groups[-1][-1][1] < max_gap_s:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    return [s for g in groups if any(e - b >= min_anchor_s for b, e in g) for s in g]


@dataclass(frozen=True)
class SpeechConfig:
    """Silero VAD settings, plus the anchoring rule of :func:`anchored` (``min_anchor_s``,
    ``max_gap_s`` in seconds; ``min_anchor_s`` = 0 turns it off).

    ``threshold`` 0.4 rather than Silero's 0.5: with anchoring, 0.4 still finds no speech
    in 61 s of jazz (0.35 does), and it catches a clipped opening "Wait," that 0.5 misses.
    ``split_singing``: runs of segments that are sung (``sung_*``, see
    :func:`scoring.services.audio_frames.sung`) become ``singing`` events, not speech.
    """

    threshold: float = 0.4
    min_speech_ms: int = 250
    min_silence_ms: int = 100
    pad_ms: int = 30
    min_anchor_s: float = 1.0
    max_gap_s: float = 2.0
    split_singing: bool = True  # sung stretches are not speech (see sound_class.sung)
    sung_confident_p: float = 0.8
    sung_max_confident: float = 0.6
    sung_min_tonality: float = 0.2
    sung_max_spread_db: float = 18.0


class SpeechAnalyzer(Analyzer):
    """Where people speak. Features: ``onset_s`` (first speech, s; None if none),
    ``ratio`` (speech time / duration, 0-1), ``segments`` (count), ``in_hook_s``
    (speech seconds inside the hook), ``early`` (speech starts within 5 s, ABCD),
    ``sung_s`` (seconds of vocals found sung and left out of speech).
    Events: one ``speech`` event per segment (t = start, end = end, seconds) and one
    ``singing`` event per sung segment: lyrics are not speech (no transcript, CTA or hook phrase)."""

    name = "speech"
    version = "3"
    Config = SpeechConfig
    event_kinds = (EventKind("speech", "speech", "#4a7dff"), EventKind("singing", "singing", "#74c0fc"))
    features = (
        Feature("onset_s", "number", "s", "start of the first speech segment (VAD, anchored, sung left out); "
                "None without speech or audio"),
        Feature("ratio", "number", "0-1", "speech segment seconds / clip duration (capped at 1); 0 without audio"),
        Feature("segments", "int", None, "speech segments (anchored, sung left out); 0 without audio"),
        Feature("in_hook_s", "number", "s", "speech seconds before hook_seconds; 0 without audio"),
        Feature("early", "bool", None, "speech starts before 5 s (ABCD); False without speech"),
        Feature("sung_s", "number", "s", "seconds of VAD segments found sung and left out of speech; 0 without audio"),
    )
    evidence_keys = ("speech_onset_s", "speech_ratio")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the VAD model."""
        from scoring.services.vad import vad_session

        vad_session()

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: SpeechConfig = self.config
        audio = clip.audio
        segs: list[tuple[float, float]] = []
        sung_segs: list[tuple[float, float]] = []
        if audio is not None:
            probs = speech_probabilities(audio.samples) if audio.samples.size >= audio.rate // 10 else None
            segs = speech_segments(audio.samples, audio.rate, threshold=cfg.threshold,
                                   min_speech_ms=cfg.min_speech_ms, min_silence_ms=cfg.min_silence_ms,
                                   pad_ms=cfg.pad_ms, probs=probs)
            segs = anchored(segs, cfg.min_anchor_s, cfg.max_gap_s)
            if cfg.split_singing and segs and probs is not None:
                segs, sung_segs = split_sung(audio.samples, audio.rate, probs, segs, cfg.max_gap_s,
                                             confident_p=cfg.sung_confident_p,
                                             max_confident=cfg.sung_max_confident,
                                             min_tonality=cfg.sung_min_tonality,
                                             max_spread_db=cfg.sung_max_spread_db)
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
            "sung_s": round(sum(e - s for s, e in sung_segs), 3),
        }
        events = [Event(t=s, end=e, kind="speech", label=f"speech {s:.1f}–{e:.1f} s", source="audio")
                  for s, e in segs]
        events += [Event(t=s, end=e, kind="singing", label=f"singing {s:.1f}–{e:.1f} s", source="audio")
                   for s, e in sung_segs]
        evidence = {"speech_onset_s": onset, "speech_ratio": features["ratio"]}
        return self.signals(features, evidence, events)
