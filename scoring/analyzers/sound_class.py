"""What the soundtrack is: speech, singing, music, speech over music, ambience or silence.

Light, offline and checkable: Silero VAD (the ``speech`` analyzer) plus two spectral
measures of :mod:`scoring.analyzers.audio_quality`:

* **tonality** (:func:`~scoring.services.audio_frames.peak_persistence`): the share of
  spectral peaks still there 32 ms later. Music keeps its notes (0.25-0.6 measured on
  the loud half of 14 real music-led clips), crowd, handling and room noise do not
  (0.05-0.12 on three real ambient clips);
* **beat** (:func:`beat_strength`): the autocorrelation of the onset envelope at 0.25-1.5 s
  lags; a steady beat reads 0.35-0.7, speech and ambience under 0.25.

Sung vocals are voiced and harmonic like speech, but Silero is rarely sure of them: on
real songs whose vocals it marks as speech, only 4-46 % of the marked windows reach a
probability of 0.8, against 71-99 % for real speech, voice-overs on a music bed included
(:func:`~scoring.services.audio_frames.sung`). A vocal stretch the VAD doubts, over a tonal bed, is singing: lyrics,
not speech. Rap it is sure of stays speech over music (a known limit).

The ``speech`` analyzer applies :func:`~scoring.services.audio_frames.sung` itself, so sung stretches never reach ASR,
hook phrases or CTA detection; this module's analyzer labels the whole track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.audio_frames import FrameStats, bed_tonality, frame_stats, speech_runs

SEGMENT_CLASSES = ("speech", "singing", "music", "speech_over_music", "ambience", "silence")
VIDEO_CLASSES = ("speech_led", "music_led", "mixed", "ambient", "silent", "no_track")


def spectral_peaks(stats: FrameStats, peak_db: float = 8.0, lo_hz: float = 100.0, hi_hz: float = 4000.0) -> np.ndarray:
    """Boolean peaks, shape (n_frames, n_bins in ``lo_hz``-``hi_hz``): bins ``peak_db`` over
    the median of their 9 neighbours (as :func:`~scoring.services.audio_frames.peak_persistence`)."""
    band = (stats.freqs >= lo_hz) & (stats.freqs < hi_hz)
    db = 10 * np.log10(stats.spectrum[:, band] + 1e-20)
    return db - median_filter(db, size=(1, 9), mode="nearest") > peak_db


def persistence(peaks: np.ndarray, usable: np.ndarray, lag: int = 2) -> float | None:
    """Share of the ``peaks`` (:func:`spectral_peaks`) in ``usable`` frames still there
    ``lag`` frames later (0-1); None with fewer than 10 frame pairs."""
    pairs = usable[:-lag] & usable[lag:] if usable.size > lag else np.zeros(0, bool)
    if pairs.sum() < 10:
        return None
    first, later = peaks[:-lag][pairs], peaks[lag:][pairs]
    total = int(first.sum())
    return float((first & later).sum() / total) if total else 0.0


def beat_strength(stats: FrameStats, mask: np.ndarray | None = None, lo_s: float = 0.25, hi_s: float = 1.5,
                  hop_s: float = 0.016) -> float | None:
    """Peak autocorrelation (0-1) of the positive spectral flux at lags ``lo_s``-``hi_s``
    over the frames in ``mask`` (default all; taken as one run). None under 4 s of frames."""
    spec = stats.spectrum if mask is None else stats.spectrum[mask]
    if spec.shape[0] < int(4.0 / hop_s):
        return None
    flux = np.maximum(np.diff(np.log(spec + 1e-10), axis=0), 0.0).sum(axis=1)
    flux = np.maximum(flux - np.convolve(flux, np.ones(31) / 31, mode="same"), 0.0)
    flux -= flux.mean()
    ac = np.correlate(flux, flux, mode="full")[flux.size - 1:]
    if ac[0] <= 0:
        return 0.0
    lags = np.arange(int(lo_s / hop_s), min(int(hi_s / hop_s), ac.size))
    return float(np.clip(ac[lags].max() / ac[0], 0.0, 1.0))


def balance_db(stats: FrameStats, floor_dbfs: float = -60.0) -> float | None:
    """Bass (60-250 Hz) over mids (250-4000 Hz) energy of the audible frames, dB; None without them.
    A boomy mix reads high, a thin phone speaker recording low."""
    audible = stats.power > 10 ** (floor_dbfs / 10)
    if audible.sum() < 10:
        return None
    ltas = stats.spectrum[audible].mean(axis=0)
    bass = ltas[(stats.freqs >= 60) & (stats.freqs < 250)].sum()
    mids = ltas[(stats.freqs >= 250) & (stats.freqs < 4000)].sum()
    return 10 * math.log10(max(bass, 1e-20) / max(mids, 1e-20))


def noise_flatness(stats: FrameStats, percentile: float = 20.0, floor_dbfs: float = -60.0) -> float | None:
    """Median spectral flatness (geometric over arithmetic mean, 300-7500 Hz; 0-1) of the
    quietest ``percentile`` % of audible frames: hiss, wind and hum-free noise under music
    read flat (white noise 0.56 here), the music itself peaky. None under 10 frames."""
    audible = stats.power > 10 ** (floor_dbfs / 10)
    if audible.sum() < 10:
        return None
    quiet = audible & (stats.power <= np.percentile(stats.power[audible], percentile))
    band = (stats.freqs >= 300) & (stats.freqs < 7500)
    spec = stats.spectrum[quiet][:, band] + 1e-20
    flat = np.exp(np.log(spec).mean(axis=1)) / spec.mean(axis=1)
    return float(np.median(flat))


def video_class(shares: dict[str, float], cfg: SoundClassConfig) -> str:
    """The video's class from the share of its duration in each segment class (0-1)."""
    silence = shares.get("silence", 0.0)
    if silence >= cfg.silent_share:
        return "silent"
    audible = max(1e-9, 1.0 - silence)
    speech = (shares.get("speech", 0.0) + shares.get("speech_over_music", 0.0)) / audible
    music = (shares.get("music", 0.0) + shares.get("singing", 0.0)) / audible
    ambience = shares.get("ambience", 0.0) / audible
    if speech >= cfg.led_share:
        return "speech_led"
    if music >= cfg.led_share and speech < cfg.minor_share:
        return "music_led"
    if ambience >= cfg.led_share and speech < cfg.minor_share:
        return "ambient"
    return "mixed"


@dataclass(frozen=True)
class SoundClassConfig:
    """Attributes:
    window_s: the labelling step, seconds.
    silence_dbfs: a window quieter than this (mean power) is silence.
    music_tonality: a window without voice whose surroundings (``context_s`` each side)
        reach this tonality (all audible frames) is music, else ambience.
    music_beat: a clip whose non-vocal part has a beat this strong (:func:`beat_strength`)
        makes its non-vocal, non-silent windows music.
    bed_tonality / bed_min_dbfs: speech over a bed this tonal and loud is speech over music
        (real voice-overs on a music bed 0.30-0.44, clean lapel speech 0.07-0.21).
    led_share: share of the audible time that makes a class lead the video (0-1);
        minor_share: speech under this share leaves a video music-led or ambient.
    silent_share: a track silent this share of the time is silent.
    """

    window_s: float = 0.5
    silence_dbfs: float = -60.0
    context_s: float = 1.0
    music_tonality: float = 0.18
    music_beat: float = 0.35
    bed_tonality: float = 0.25
    bed_min_dbfs: float = -60.0
    max_gap_s: float = 2.0
    led_share: float = 0.5
    minor_share: float = 0.25
    silent_share: float = 0.9


class SoundClassAnalyzer(Analyzer):
    """Labels every ``window_s`` of the track with one of :data:`SEGMENT_CLASSES` and the
    video with one of :data:`VIDEO_CLASSES`.

    Features: ``class`` (video class; ``no_track`` without audio), ``<segment class>_share``
    (share of the duration, 0-1, None without audio), ``music_led`` (bool), ``judge_speech``
    (speech is there to judge for clarity: speech-led or mixed with speech), ``beat``
    (:func:`beat_strength` of the whole track; None under 4 s), ``balance_db``
    (:func:`balance_db`), ``noise_flatness`` (:func:`noise_flatness`): what a music-led
    track is judged on besides loudness and clipping.
    Events: one ``sound`` event per run of one class (t, end in seconds; label "music 0.0-4.5 s").
    Evidence: ``sound_class`` (the video class).
    """

    name = "sound_class"
    version = "1"
    Config = SoundClassConfig
    event_kinds = (EventKind("sound", "sound", "#66a80f"),)
    requires = ("speech",)
    features = (
        Feature("class", "str", None, "video class, one of VIDEO_CLASSES from the window shares; no_track without audio"),
        *(Feature(f"{c}_share", "number", "0-1",
                  f"share of the window_s (0.5 s) windows labelled {c}; None without audio") for c in SEGMENT_CLASSES),
        Feature("music_led", "bool", None, "class is music_led; False without audio"),
        Feature("judge_speech", "bool", None,
                "speech to judge for clarity: class speech_led, or mixed with speech or speech over music; "
                "False without audio"),
        Feature("beat", "number", "0-1",
                "peak autocorrelation of the onset envelope at 0.25-1.5 s lags over the whole track; "
                "None under 4 s or without audio"),
        Feature("balance_db", "number", "dB",
                "bass (60-250 Hz) over mids (250-4000 Hz) energy of the frames above -60 dBFS; "
                "None under 10 such frames or without audio"),
        Feature("noise_flatness", "number", "0-1",
                "median spectral flatness (300-7500 Hz) of the quietest 20 % of frames above -60 dBFS; "
                "None under 10 such frames or without audio"),
    )
    evidence_keys = ("sound_class",)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: SoundClassConfig = self.config
        audio = clip.audio
        if audio is None or audio.samples.size == 0:
            features = dict.fromkeys(self.feature_keys)
            features.update({"class": "no_track", "music_led": False, "judge_speech": False})
            return self.signals(features, {"sound_class": "no_track"})
        stats = frame_stats(audio.samples, audio.rate)
        labels = self.label_windows(stats, audio.samples.size / audio.rate, ctx)
        n = len(labels)
        shares = {c: labels.count(c) / n for c in SEGMENT_CLASSES} if n else {"silence": 1.0}
        klass = video_class(shares, cfg)
        beat = beat_strength(stats)
        features = {"class": klass, **{f"{c}_share": round(shares.get(c, 0.0), 3) for c in SEGMENT_CLASSES},
                    "music_led": klass == "music_led",
                    "judge_speech": klass == "speech_led" or (klass == "mixed" and shares.get("speech", 0.0)
                                                              + shares.get("speech_over_music", 0.0) > 0),
                    "beat": None if beat is None else round(beat, 3)}
        bal, flat = balance_db(stats), noise_flatness(stats)
        features["balance_db"] = None if bal is None else round(bal, 2)
        features["noise_flatness"] = None if flat is None else round(flat, 3)
        events = []
        start = 0
        for i in range(1, n + 1):
            if i == n or labels[i] != labels[start]:
                t0, t1 = start * cfg.window_s, min(i * cfg.window_s, audio.duration_s)
                events.append(Event(t=round(t0, 3), end=round(t1, 3), kind="sound", source="audio",
                                    label=f"{labels[start].replace('_', ' ')} {t0:.1f}–{t1:.1f} s"))
                start = i
        return self.signals(features, {"sound_class": klass}, events)

    def label_windows(self, stats: FrameStats, duration_s: float, ctx: AnalysisContext) -> list[str]:
        """One class of :data:`SEGMENT_CLASSES` per ``window_s`` of a track of ``duration_s``
        seconds framed as ``stats`` (:func:`~scoring.services.audio_frames.frame_stats`)."""
        cfg: SoundClassConfig = self.config
        if stats.power.size == 0:
            return []
        speech_sig = ctx.upstream.get("speech")
        vocal = {"speech": [], "singing": []}
        for e in speech_sig.events if speech_sig else []:
            if e.kind in vocal and e.end is not None:
                vocal[e.kind].append((e.t, e.end))
        n = max(1, int(math.ceil(duration_s / cfg.window_s)))
        win = np.minimum((stats.times / cfg.window_s).astype(int), n - 1)
        power = np.bincount(win, stats.power, n) / np.maximum(np.bincount(win, minlength=n), 1)
        labels = ["silence" if 10 * math.log10(p + 1e-20) < cfg.silence_dbfs else "" for p in power]
        centres = (np.arange(n) + 0.5) * cfg.window_s
        for group in speech_runs(vocal["speech"], cfg.max_gap_s):  # speech, over a music bed or not
            span = (stats.times >= group[0][0] - 0.5) & (stats.times <= group[-1][1] + 0.5)
            tonal, level = bed_tonality(stats, span)
            kind = ("speech_over_music" if tonal is not None and tonal >= cfg.bed_tonality
                    and level >= cfg.bed_min_dbfs else "speech")
            for s, e in group:
                for i in np.flatnonzero((centres >= s) & (centres < e)):
                    labels[i] = kind
        for s, e in vocal["singing"]:
            for i in np.flatnonzero((centres >= s) & (centres < e)):
                labels[i] = "singing"
        rest = np.array([lab == "" for lab in labels])
        if rest.any():
            peaks = spectral_peaks(stats)
            frames_rest = rest[win] & (stats.power > 10 ** (cfg.silence_dbfs / 10))
            beat = beat_strength(stats, frames_rest)
            steady = beat is not None and beat >= cfg.music_beat
            for i in np.flatnonzero(rest):
                near = (np.abs(stats.times - centres[i]) <= cfg.window_s / 2 + cfg.context_s)
                near &= stats.power > 10 ** (cfg.silence_dbfs / 10)
                tonal = persistence(peaks, near)
                labels[i] = "music" if steady or (tonal is not None and tonal >= cfg.music_tonality) else "ambience"
        return labels
