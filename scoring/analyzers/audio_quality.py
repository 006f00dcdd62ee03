"""Speech clarity: SNR from VAD segments, muffled speech, music under the voice, DNSMOS.

Two analyzers share this module:

* ``audio_quality`` (every profile): cheap spectral measures over 32 ms frames of the
  16 kHz analysis audio, split into speech and background by the ``speech`` analyzer's
  Silero VAD segments.
* ``dnsmos`` (full profile): Microsoft's DNSMOS P.835 model (MIT) as shipped in the
  ``speechmos`` wheel, run directly with onnxruntime on at most a few 9 s windows.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import binary_dilation

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.audio_frames import FrameStats, frame_stats, peak_persistence, speech_runs

MIN_AUDIO_S = 0.4  # shorter tracks carry too little to judge (same floor as BS.1770 gating)
SNR_RANGE_DB = (-20.0, 60.0)


def speech_mask(times: np.ndarray, segments: list[tuple[float, float]], pad_s: float = 0.0) -> np.ndarray:
    """Boolean mask (shape like ``times``) of frames inside any (start, end) segment widened by ``pad_s``."""
    mask = np.zeros(times.shape, bool)
    for start, end in segments:
        mask |= (times >= start - pad_s) & (times <= end + pad_s)
    return mask


def estimate_snr(power: np.ndarray, is_speech: np.ndarray, near_speech: np.ndarray, min_noise_frames: int,
                 quiet_percentile: float = 10.0) -> tuple[float | None, float, np.ndarray]:
    """Speech-to-background ratio in dB from frame powers.

    Background power is the median over frames away from speech (``~near_speech``) when
    there are at least ``min_noise_frames`` of them (the median ignores speech that leaks
    past the VAD's edges); otherwise (speech all the way through) the mean of the quietest
    ``quiet_percentile`` % of speech frames, which are the pauses between words. Speech
    power is the speech frames' mean minus the background.

    Returns:
        (SNR in dB clamped to ``SNR_RANGE_DB``, or None without speech frames;
        background power (mean square, full scale = 1); boolean mask of the frames used
        as background, shape like ``power``).
    """
    background = ~near_speech
    if not is_speech.any():
        return None, 0.0, background
    if background.sum() < min_noise_frames:
        speech_power = power[is_speech]
        cut = np.percentile(speech_power, quiet_percentile)
        background = is_speech & (power <= cut)
        noise = float(power[background].mean())
    else:
        noise = float(np.median(power[background]))
    signal = float(power[is_speech].mean()) - noise
    lo, hi = SNR_RANGE_DB
    if signal <= 0:
        return lo, noise, background
    if noise <= signal * 10 ** (-hi / 10):
        return hi, noise, background
    return float(np.clip(10 * math.log10(signal / noise), lo, hi)), noise, background


def band_ratio_db(spectrum: np.ndarray, freqs: np.ndarray, split_hz: float, lo_hz: float = 100.0,
                  hi_hz: float = 7500.0) -> float | None:
    """Energy above ``split_hz`` over energy below it (within ``lo_hz``-``hi_hz``), dB; None if empty."""
    high = spectrum[(freqs >= split_hz) & (freqs < hi_hz)].sum()
    low = spectrum[(freqs >= lo_hz) & (freqs < split_hz)].sum()
    if low <= 0:
        return None
    return 10 * math.log10(max(high, low * 1e-8) / low)


def dynamics_db(stats: FrameStats, lo_hz: float = 300.0, hi_hz: float = 4000.0, low_pct: float = 10.0,
                high_pct: float = 95.0, cap_db: float = 60.0, mask: np.ndarray | None = None) -> float | None:
    """Spread of 300-4000 Hz frame energy over the frames in ``mask`` (default: all), 95th over
    10th percentile, dB.

    Speech alone swings 35-46 dB between syllables and pauses (4 real recordings); noise
    or a second talker fills the troughs (pink noise at 20/10/5/0 dB SNR: about 30/21/16/11
    dB; babble falls more slowly). Capped at ``cap_db``. None without frames.
    """
    keep = np.ones(stats.power.shape, bool) if mask is None else mask
    if not keep.any():
        return None
    band = (stats.freqs >= lo_hz) & (stats.freqs < hi_hz)
    energy = stats.spectrum[keep][:, band].sum(axis=1) + 1e-12
    spread = 10 * math.log10(float(np.percentile(energy, high_pct)) / float(np.percentile(energy, low_pct)))
    return min(spread, cap_db)


def windowed_dynamics_db(stats: FrameStats, mask: np.ndarray, window: int = 250, percentile: float = 25.0
                         ) -> float | None:
    """:func:`dynamics_db` of every ``window`` frames of ``mask`` (hop a quarter window), the
    ``percentile`` of them (dB): the stretches where a second voice or noise fills the pauses,
    which a clip-wide spread loses once the louder talker's own pauses dominate it. The
    clip-wide value when ``mask`` holds under two windows' frames."""
    idx = np.flatnonzero(mask)
    if idx.size < 2 * window:
        return dynamics_db(stats, mask=mask)
    values = []
    for start in range(0, idx.size - window + 1, window // 4):
        sub = np.zeros(mask.shape, bool)
        sub[idx[start:start + window]] = True
        values.append(dynamics_db(stats, mask=sub))
    return float(np.percentile([v for v in values if v is not None], percentile))


def modulation_index(stats: FrameStats, lo_hz: float = 300.0, hi_hz: float = 4000.0,
                     mask: np.ndarray | None = None) -> float | None:
    """Envelope modulation of 300-4000 Hz frame energy over the clip: variance over squared
    mean (dimensionless). Speech alone reads 2.8-5.3 (7 real recordings); every talker or
    noise mixed in lowers it smoothly, also where the percentile spread (:func:`dynamics_db`)
    has stopped falling because both talkers pause at the same moments. Over the frames in
    ``mask`` (default: all). None without frames."""
    keep = np.ones(stats.power.shape, bool) if mask is None else mask
    if not keep.any():
        return None
    band = (stats.freqs >= lo_hz) & (stats.freqs < hi_hz)
    energy = stats.spectrum[keep][:, band].sum(axis=1)
    mean = float(energy.mean())
    return float(energy.var() / mean**2) if mean > 0 else None


def periodicity(samples: np.ndarray, rate: int, times: np.ndarray, frame_s: float = 0.048,
                fmin_hz: float = 70.0, fmax_hz: float = 500.0, band_hz: float = 1000.0) -> np.ndarray:
    """Normalised autocorrelation peak (0-1) in the voice pitch range, one value per time in
    ``times`` (seconds, frame centres; shape (n,)), from a ``frame_s`` frame of mono ``samples``.

    One voice on its own is strongly periodic in its voiced frames (0.83-0.95 median over
    the louder speech frames of six real recordings); a second voice at another pitch, or
    noise, adds energy that does not repeat at the first voice's period and lowers it,
    down to 0 dB and below, where the envelope measures are taken over by the louder
    talker's own pauses. Only the spectrum under ``band_hz`` is used: low-pass filtering
    (judged apart, by bandwidth) would otherwise raise it.
    """
    n_fft = int(round(frame_s * rate))
    lo, hi = int(rate / fmax_hz), int(rate / fmin_hz)
    starts = np.clip(np.round(times * rate).astype(int) - n_fft // 2, 0, max(0, samples.size - n_fft))
    out = np.zeros(times.shape)
    if samples.size < n_fft or times.size == 0:
        return out
    weight = (n_fft - np.arange(n_fft)) / n_fft  # unbiased: the overlap shrinks with the lag
    block = 1024
    for b0 in range(0, times.size, block):
        idx = starts[b0:b0 + block, None] + np.arange(n_fft)[None, :]
        frames = samples[idx].astype(np.float64)
        frames -= frames.mean(axis=1, keepdims=True)
        power = np.abs(np.fft.rfft(frames, 2 * n_fft, axis=1)) ** 2
        power[:, int(band_hz * 2 * n_fft / rate):] = 0.0
        ac = np.fft.irfft(power, axis=1)[:, :n_fft]
        nac = ac[:, lo:hi] / (ac[:, :1] + 1e-12) / weight[None, lo:hi]
        out[b0:b0 + block] = np.clip(nac.max(axis=1), 0.0, 1.0)
    return out


def speech_bandwidth_hz(speech_ltas: np.ndarray, freqs: np.ndarray, range_db: float = 40.0) -> float | None:
    """Highest frequency (Hz) where the speech spectrum (background removed) is within
    ``range_db`` of its peak: about 7.5-8 kHz for full-band speech at 16 kHz, 3.8 kHz for a
    phone call, the cut-off for low-passed ("muffled") speech. None if empty."""
    ok = freqs >= 100
    if not ok.any() or speech_ltas[ok].max() <= 0:
        return None
    db = 10 * np.log10(speech_ltas + 1e-20)
    above = np.flatnonzero(ok & (db >= db[ok].max() - range_db))
    return float(freqs[above[-1]])


def clarity_estimate(dynamics: float, bandwidth_hz: float, level_dbfs: float, cfg: AudioQualityConfig,
                     modulation: float | None = None, voice_periodicity: float | None = None,
                     music_bed: float = 0.0) -> float:
    """Speech clarity, 0-100 (100 = clean, full band, loud enough): ``100 * exp(-penalty / 50)``
    where the penalty (dB-like) adds ``dynamics_weight`` per dB of dynamics under
    ``full_dynamics_db`` (noise, babble), ``modulation_weight`` per dB of modulation index
    under ``full_modulation`` (a second talker at 5-0 dB, where dynamics no longer move),
    ``periodicity_weight`` per hundredth of voice periodicity (:func:`periodicity`) under
    ``full_periodicity`` (a second voice or noise on top of the voice itself),
    ``muffle_per_khz`` per kHz of bandwidth under ``full_bandwidth_hz`` and a point per dB
    of speech level under ``quiet_dbfs``. The constants were picked by grid search on
    ladders from two real recordings (JFK, LibriSpeech) and verified on others (PESQ,
    pyannote, three creator clips); see notes/audio.md.

    ``music_bed`` (0-1, :func:`music_bed_weight`): how surely the pauses are filled by a
    music bed. Dynamics and modulation read the pauses; a bed there is intended, and what
    it does to the voice shows in its periodicity (and the bed's level in the music SNR),
    so those two terms are scaled by ``1 - music_bed``."""
    pauses = 1.0 - min(1.0, max(0.0, music_bed))
    penalty = (pauses * cfg.dynamics_weight * max(0.0, cfg.full_dynamics_db - dynamics)
               + cfg.muffle_per_khz * max(0.0, (cfg.full_bandwidth_hz - bandwidth_hz) / 1000.0)
               + max(0.0, cfg.quiet_dbfs - level_dbfs))
    if modulation is not None and modulation > 0:
        penalty += pauses * cfg.modulation_weight * max(0.0, 10 * math.log10(cfg.full_modulation / modulation))
    if voice_periodicity is not None:
        penalty += cfg.periodicity_weight * 100.0 * max(0.0, cfg.full_periodicity - voice_periodicity)
    return 100.0 * math.exp(-penalty / 50.0)


def bed_sustain(stats: FrameStats, mask: np.ndarray, percentile: float = 30.0, floor_dbfs: float = -70.0,
                lag: int = 6) -> float | None:
    """How long the bed's notes last: :func:`~scoring.services.audio_frames.peak_persistence`
    of the 1-4 kHz peaks ``lag`` frames (96 ms) later, over the quietest ``percentile`` % of
    the audible frames in ``mask`` (around speech), 0-1; None with too few frames.

    At 32 ms a quiet second voice in the pauses persists like music (a real phone
    conversation under speech at 20 dB: 0.24-0.42, as high as music beds), at 96 ms its
    harmonics have moved with its pitch: 0.03-0.14 on five real speech sources with the
    conversation at 20-0 dB, 0.01-0.04 for clean speech, 0.14-0.24 for the voice-overs on
    music beds of six real creator clips, 0.22-0.39 for speech with an instrumental track
    10-0 dB under it.
    """
    audible = mask & (stats.power > 10 ** (floor_dbfs / 10))
    if audible.sum() < 20:
        return None
    quiet = audible & (stats.power <= np.percentile(stats.power[audible], percentile))
    return peak_persistence(stats.spectrum, stats.freqs, quiet, lag=lag, lo_hz=1000.0)


def music_bed_weight(sustain: float | None, music: bool, snr_db: float, cfg: AudioQualityConfig) -> float:
    """How surely the pauses hold an intended music bed well under the voice, 0-1: the
    bed's :func:`bed_sustain` from ``bed_sustain_from`` (0) to ``bed_sustain_full`` (1),
    times the voice over the bed (``snr_db``) from ``bed_snr_from`` (0) to ``bed_snr_full``
    dB (1); 0 unless the background is a music bed (``music``) at all.

    A loud bed gets no relief: it also hides the recording's own noise in the pauses,
    which is still under the voice (JFK's 1961 hiss under an instrumental track read
    clarity 68 at 5 dB against 57 clean when a loud bed's pauses cost nothing), and a
    voice only a few dB over its music is drowned."""
    if not music or sustain is None:
        return 0.0
    notes = (sustain - cfg.bed_sustain_from) / (cfg.bed_sustain_full - cfg.bed_sustain_from)
    under = (snr_db - cfg.bed_snr_from) / (cfg.bed_snr_full - cfg.bed_snr_from)
    return float(min(1.0, max(0.0, notes)) * min(1.0, max(0.0, under)))


@dataclass(frozen=True)
class AudioQualityConfig:
    frame_s: float = 0.032
    hop_s: float = 0.016
    edge_s: float = 0.1  # frames this close to a VAD segment count as neither speech nor background
    min_background_s: float = 0.3
    quiet_percentile: float = 10.0
    silence_dbfs: float = -70.0  # a track whose loudest frame is below this is silent
    hf_split_hz: float = 4000.0
    tone_percentile: float = 30.0  # music is judged on the quietest frames: under and between words
    music_persistence: float = 0.15
    music_min_background_dbfs: float = -60.0
    full_dynamics_db: float = 43.0  # clarity: dynamics at or above this cost nothing
    dynamics_weight: float = 3.0  # ... penalty per dB of dynamics missing
    full_bandwidth_hz: float = 4000.0  # ... bandwidth at or above this cost nothing
    muffle_per_khz: float = 10.0  # ... penalty per kHz of bandwidth missing
    quiet_dbfs: float = -26.0  # ... speech level under this costs a point per dB
    loud_percentile: float = 70.0  # bandwidth is measured on speech frames above this power percentile
    min_clarity_speech_s: float = 2.0  # clarity reads the pauses between words: under 2 s of speech it is None
    full_modulation: float = 3.5  # clarity: a modulation index at or above this costs nothing
    modulation_weight: float = 2.0  # ... penalty per dB of modulation index missing
    full_periodicity: float = 0.95  # ... voice periodicity at or above this costs nothing
    periodicity_weight: float = 1.5  # ... penalty per hundredth of periodicity missing
    around_speech_s: float = 1.0  # noise, dynamics and modulation are read this close to speech only
    digital_silence_dbfs: float = -90.0  # frames below this outside a run of speech are padding
    run_gap_s: float = 2.0  # speech segments closer than this form one run
    window_frames: int = 250  # dynamics are read over 4 s windows of frames around speech...
    window_percentile: float = 25.0  # ... and the worse quarter of them counts
    bed_sustain_from: float = 0.14  # a bed whose notes last this long (bed_sustain) starts to count as music...
    bed_sustain_full: float = 0.24  # ... and fully from here (music_bed_weight)...
    bed_snr_from: float = 5.0  # ... when the voice is this many dB over the bed (none at or under it)...
    bed_snr_full: float = 15.0  # ... and fully from here: its pauses cost no clarity (clarity_estimate)


class AudioQualityAnalyzer(Analyzer):
    """Speech clarity from the 16 kHz track and the VAD segments of ``speech``.

    Features (None without audio, for tracks under 0.4 s, silence, or no speech):
        ``snr_db``: speech-to-background power ratio, dB (-20..60).
        ``background_dbfs``: background level, dBFS.
        ``tonality``: share of spectral peaks in the quietest 30 % of frames that persist
            32 ms (0-1; music beds 0.2-0.5, noise, babble and room tone under 0.12).
        ``music_bed``: the background is music-like and not negligible (bool).
        ``noise_snr_db`` / ``music_snr_db``: ``snr_db`` split by the kind of background
            (exactly one is set), so the judgment can treat a music bed and noise apart.
        ``speech_hf_db``: speech energy above 4 kHz relative to below, dB, background
            spectrum subtracted; muffled speech reads below about -35 dB.
        ``speech_s``: seconds of speech measured.
        ``dynamics_db``: 95th / 10th percentile of 300-4000 Hz frame energy over the clip, dB
            (noise and a second talker fill the pauses and lower it).
        ``speech_bandwidth_hz``: highest frequency within 40 dB of the speech spectrum's peak.
        ``speech_level_dbfs``: mean power of the speech frames, dBFS.
        ``modulation``: envelope modulation index of 300-4000 Hz energy (:func:`modulation_index`).
        ``periodicity``: median voice periodicity of the louder speech frames (0-1, :func:`periodicity`).
        ``bed_sustain``: how long the notes under and between the words last (0-1,
            :func:`bed_sustain`): a music bed's, not a second voice's.
        Background, dynamics and modulation are read within ``around_speech_s`` of speech and
        never on digital silence, so padding a video with silence cannot raise its clarity.
        ``clarity``: one estimate, 0-100, that falls with noise, babble, muffling and low
            level (:func:`clarity_estimate`); over a music bed (``music_bed`` and
            ``bed_sustain``) the voice is judged against the bed, not on its pauses; None
            under ``min_clarity_speech_s`` of speech (too few pauses between words to read;
            a silent intro would pass for deep pauses).
    """

    name = "audio_quality"
    version = "6"
    Config = AudioQualityConfig
    event_kinds = (EventKind("audio_issue", "audio issue", "#e03131"),)
    requires = ("speech",)
    # every feature is None without audio, under 0.4 s, when the loudest frame is under -70 dBFS,
    # or without a VAD speech frame ("no speech" below); "around speech": frames within
    # around_speech_s (1 s) of a speech segment, digital silence outside a run of speech left out
    features = (
        Feature("snr_db", "number", "dB",
                "speech over background power (estimate_snr: background around speech, or the quietest 10 % of "
                "speech frames when under 0.3 s of it), clamped to -20..60; None without speech"),
        Feature("background_dbfs", "number", "dBFS", "background power of snr_db; None without speech"),
        Feature("tonality", "number", "0-1",
                "share of 100-4000 Hz spectral peaks in the quietest 30 % of the track's frames over -70 dBFS "
                "still there 32 ms later; None under 10 frame pairs or without speech"),
        Feature("music_bed", "bool", None,
                "tonality at least 0.15 and background at least -60 dBFS; None without speech"),
        Feature("noise_snr_db", "number", "dB", "snr_db when music_bed is False, else None"),
        Feature("music_snr_db", "number", "dB", "snr_db when music_bed is True, else None"),
        Feature("speech_hf_db", "number", "dB",
                "speech spectrum less the background's, 4000-7500 Hz over 100-4000 Hz energy; "
                "None with no energy under 4 kHz or without speech"),
        Feature("speech_s", "number", "s", "VAD speech frames x the 16 ms hop; None without speech"),
        Feature("dynamics_db", "number", "dB",
                "95th over 10th percentile of 300-4000 Hz frame energy around speech, capped at 60; with 8 s or "
                "more of such frames, the 25th percentile of it over 4 s windows; None without speech"),
        Feature("speech_bandwidth_hz", "number", "Hz",
                "highest frequency within 40 dB of the peak of the loudest 30 % of speech frames' spectrum less "
                "the background's (bins under 3 dB over it zeroed); None if no bin clears it or without speech"),
        Feature("speech_level_dbfs", "number", "dBFS", "mean power of the VAD speech frames; None without speech"),
        Feature("modulation", "number", None,
                "variance over squared mean of 300-4000 Hz frame energy around speech; None without that energy "
                "or without speech"),
        Feature("periodicity", "number", "0-1",
                "median voice periodicity (pitch autocorrelation peak, 70-500 Hz) of the louder half of speech "
                "frames; None under 10 such frames or without speech"),
        Feature("bed_sustain", "number", "0-1",
                "share of 1-4 kHz spectral peaks in the quietest 30 % of the frames over -70 dBFS around speech "
                "still there 96 ms later; None under 20 such frames (10 pairs) or without speech"),
        Feature("clarity", "number", "0-100",
                "clarity_estimate from dynamics, modulation, periodicity, bandwidth, level and music bed; "
                "None under 2 s of speech, without dynamics or bandwidth, or without speech"),
    )
    evidence_keys = ("snr_db",)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: AudioQualityConfig = self.config
        empty = self.signals(dict.fromkeys(self.feature_keys), {"snr_db": None})
        audio = clip.audio
        if audio is None or audio.duration_s < MIN_AUDIO_S:
            return empty
        stats = frame_stats(audio.samples, audio.rate, cfg.frame_s, cfg.hop_s)
        if stats.power.size == 0 or 10 * math.log10(stats.power.max() + 1e-20) < cfg.silence_dbfs:
            return empty
        speech_sig = ctx.upstream.get("speech")
        segments = [(e.t, e.end if e.end is not None else e.t) for e in (speech_sig.events if speech_sig else [])
                    if e.kind == "speech"]
        is_speech = speech_mask(stats.times, segments)
        near = speech_mask(stats.times, segments, cfg.edge_s)
        # background is read around the speech only: padding before, after or far from the
        # voice says nothing about what a listener hears under it (and would flatter it).
        # Digital silence between words of one run of speech is a real, clean pause (TTS).
        padding = stats.power < 10 ** (cfg.digital_silence_dbfs / 10)
        padding = binary_dilation(padding, iterations=2) if padding.any() else padding  # frames half in it
        runs = [(seg[0], seg[-1]) for seg in speech_runs(segments, cfg.run_gap_s)]
        inside = speech_mask(stats.times, [(a[0], b[1]) for a, b in runs])
        around = speech_mask(stats.times, segments, cfg.around_speech_s) & (inside | ~padding)
        min_frames = int(cfg.min_background_s / cfg.hop_s)
        snr, noise_power, background = estimate_snr(stats.power, is_speech, near | ~around, min_frames,
                                                    cfg.quiet_percentile)
        if snr is None:
            return empty
        bg_dbfs = 10 * math.log10(noise_power + 1e-20)
        bg_ltas = stats.spectrum[background].mean(axis=0)
        audible = stats.power > 10 ** (cfg.silence_dbfs / 10)
        quiet = audible & (stats.power <= np.percentile(stats.power[audible], cfg.tone_percentile))
        tonal = peak_persistence(stats.spectrum, stats.freqs, quiet)
        music = bool(tonal is not None and tonal >= cfg.music_persistence
                     and bg_dbfs >= cfg.music_min_background_dbfs)
        speech_ltas = np.maximum(stats.spectrum[is_speech].mean(axis=0) - bg_ltas, 0.0)
        hf = band_ratio_db(speech_ltas, stats.freqs, cfg.hf_split_hz)
        dyn = windowed_dynamics_db(stats, around, cfg.window_frames, cfg.window_percentile)
        # bandwidth from the loudest speech frames, where the main voice dominates a second talker
        loud = is_speech & (stats.power >= np.percentile(stats.power[is_speech], cfg.loud_percentile))
        loud_ltas = stats.spectrum[loud].mean(axis=0)
        # bins where speech does not clear the background by 3 dB are masked (noise is not bandwidth)
        audible_ltas = np.where(loud_ltas >= 2.0 * bg_ltas, np.maximum(loud_ltas - bg_ltas, 0.0), 0.0)
        bandwidth = speech_bandwidth_hz(audible_ltas, stats.freqs)
        level = 10 * math.log10(float(stats.power[is_speech].mean()) + 1e-20)
        modulation = modulation_index(stats, mask=around)
        sustain = bed_sustain(stats, around)
        voiced = is_speech.copy()
        voiced &= stats.power >= np.percentile(stats.power[voiced], 50) if voiced.any() else voiced
        voice_p = (float(np.median(periodicity(audio.samples, audio.rate, stats.times[voiced])))
                   if voiced.sum() >= 10 else None)
        speech_s = float(is_speech.sum()) * cfg.hop_s
        clarity = (None if dyn is None or bandwidth is None or speech_s < cfg.min_clarity_speech_s
                   else round(clarity_estimate(dyn, bandwidth, level, cfg, modulation, voice_p,
                                               music_bed_weight(sustain, music, snr, cfg)), 2))
        features = {
            "snr_db": round(snr, 2),
            "background_dbfs": round(bg_dbfs, 2),
            "tonality": None if tonal is None else round(tonal, 3),
            "music_bed": music,
            "noise_snr_db": None if music else round(snr, 2),
            "music_snr_db": round(snr, 2) if music else None,
            "speech_hf_db": None if hf is None else round(hf, 2),
            "speech_s": round(speech_s, 2),
            "dynamics_db": None if dyn is None else round(dyn, 2),
            "speech_bandwidth_hz": None if bandwidth is None else round(bandwidth, 1),
            "speech_level_dbfs": round(level, 2),
            "modulation": None if modulation is None else round(modulation, 3),
            "periodicity": None if voice_p is None else round(voice_p, 4),
            "bed_sustain": None if sustain is None else round(sustain, 3),
            "clarity": clarity,
        }
        events = []
        if music and snr < 10:
            t0 = segments[0][0]
            events.append(Event(t=t0, kind="audio_issue", label=f"music bed only {snr:.0f} dB under the voice",
                                source="audio"))
        return self.signals(features, {"snr_db": features["snr_db"]}, events)


# --------------------------------------------------------------------------- DNSMOS

DNSMOS_RATE = 16000
DNSMOS_WINDOW = int(9.01 * DNSMOS_RATE)  # the model's fixed input: 9.01 s
DNSMOS_LEVEL_DBFS = -25.0  # the DNS Challenge's normalisation level
# Polynomials mapping raw outputs to P.835 MOS (speechmos / DNS Challenge, non-personalised).
_POLY_SIG = np.poly1d([-0.08397278, 1.22083953, 0.0052439])
_POLY_BAK = np.poly1d([-0.13166888, 1.60915514, -0.39604546])
_POLY_OVR = np.poly1d([-0.06766283, 1.11546468, 0.04602535])


@functools.cache
def _dnsmos_session(threads: int):
    """The DNSMOS SIG/BAK/OVRL ONNX model from the speechmos wheel, loaded once per process.

    Only the file is taken from speechmos: its ``run()`` imports librosa for the
    P.808 head we do not use, which costs a ~13 s numba compile in every new process.
    """
    import importlib.util
    from pathlib import Path

    import onnxruntime as ort

    spec = importlib.util.find_spec("speechmos")
    if spec is None or spec.origin is None:
        raise RuntimeError("speechmos is not installed (pip install speechmos==0.0.1.1)")
    path = Path(spec.origin).parent / "dnsmos_models" / "sig_bak_ovr.onnx"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # the arena kept ~180 MB per worker after the first call
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def dnsmos_windows(samples: np.ndarray, start: int, end: int, max_windows: int,
                   level_dbfs: float | None = DNSMOS_LEVEL_DBFS) -> np.ndarray:
    """Up to ``max_windows`` 9.01 s windows covering ``samples[start:end]`` evenly; shape (k, 144160).

    A span shorter than a window is repeated to fill it, as the DNSMOS reference script
    does. The span is first scaled to ``level_dbfs`` RMS (peaks kept under full scale):
    DNSMOS rates level as well as quality, and level is judged separately (LUFS).
    """
    span = samples[start:end].astype(np.float32)
    rms = float(np.sqrt(np.mean(span.astype(np.float64) ** 2))) if span.size else 0.0
    if level_dbfs is not None and rms > 1e-6:
        gain = min(10 ** (level_dbfs / 20) / rms, 0.99 / max(float(np.abs(span).max()), 1e-6))
        span = span * np.float32(gain)
    if span.size < DNSMOS_WINDOW:
        reps = int(math.ceil(DNSMOS_WINDOW / max(span.size, 1)))
        return np.tile(span, reps)[None, :DNSMOS_WINDOW]
    k = min(max_windows, int(math.ceil(span.size / DNSMOS_WINDOW)))
    offsets = np.linspace(0, span.size - DNSMOS_WINDOW, k).astype(int) if k > 1 else [0]
    return np.stack([span[o:o + DNSMOS_WINDOW] for o in offsets])


def dnsmos_scores(windows: np.ndarray, threads: int = 1) -> tuple[float, float, float]:
    """Mean (SIG, BAK, OVRL) MOS (1-5) over ``windows`` (shape (k, 144160), 16 kHz, [-1, 1])."""
    session = _dnsmos_session(threads)
    sig, bak, ovr = [], [], []
    for w in windows:
        raw = session.run(None, {"input_1": np.clip(w, -1, 1)[None, :].astype(np.float32)})[0][0]
        sig.append(_POLY_SIG(raw[0]))
        bak.append(_POLY_BAK(raw[1]))
        ovr.append(_POLY_OVR(raw[2]))
    return float(np.mean(sig)), float(np.mean(bak)), float(np.mean(ovr))


@dataclass(frozen=True)
class DnsmosConfig:
    # Each 9 s window costs about 0.2-0.45 s of one core. One window (the first 9 s of the speech
    # span: the hook's voice) instead of two, since version 3: on three real 18-25 s talking
    # clips OVRL moved by 0.00-0.16 MOS; clips with under 9 s of speech span are unchanged.
    max_windows: int = 1
    pad_s: float = 0.25
    threads: int = 1
    silence_dbfs: float = -70.0  # a speech span quieter than this (RMS) is not scored


class DnsmosAnalyzer(Analyzer):
    """DNSMOS P.835 (1-5 MOS) over the speech span: ``ovrl`` overall, ``sig`` speech
    distortion, ``bak`` background intrusiveness, ``windows`` (9 s windows scored).
    None without audio, for tracks under 0.4 s, silence, or when nobody speaks."""

    name = "dnsmos"
    version = "3"
    Config = DnsmosConfig
    requires = ("speech",)
    features = (
        Feature("ovrl", "number", "1-5",
                "DNSMOS P.835 overall MOS, mean over the scored windows of the speech span (first speech - 0.25 s "
                "to last + 0.25 s) scaled to -25 dBFS RMS; None without a 16 kHz track of 0.4 s or more, "
                "without speech, or with a span under 0.4 s or under -70 dBFS"),
        Feature("sig", "number", "1-5", "DNSMOS P.835 speech signal MOS (distortion), as ovrl; None as ovrl"),
        Feature("bak", "number", "1-5", "DNSMOS P.835 background MOS (intrusiveness), as ovrl; None as ovrl"),
        Feature("windows", "int", None, "9.01 s windows scored (at most max_windows, 2); None as ovrl"),
    )
    evidence_keys = ("dnsmos_ovrl",)
    profiles = frozenset({"full"})

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the DNSMOS network."""
        _dnsmos_session(a.config.threads)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: DnsmosConfig = self.config
        audio = clip.audio
        speech_sig = ctx.upstream.get("speech")
        segments = [(e.t, e.end if e.end is not None else e.t) for e in (speech_sig.events if speech_sig else [])
                    if e.kind == "speech"]
        if audio is None or audio.duration_s < MIN_AUDIO_S or audio.rate != DNSMOS_RATE or not segments:
            return self.signals(dict.fromkeys(self.feature_keys), {"dnsmos_ovrl": None})
        start = max(0, int((segments[0][0] - cfg.pad_s) * audio.rate))
        end = min(audio.samples.size, int((segments[-1][1] + cfg.pad_s) * audio.rate))
        span = audio.samples[start:end].astype(np.float64)
        if end - start < int(MIN_AUDIO_S * audio.rate) or np.mean(span**2) < 10 ** (cfg.silence_dbfs / 10):
            return self.signals(dict.fromkeys(self.feature_keys), {"dnsmos_ovrl": None})
        windows = dnsmos_windows(audio.samples, start, end, cfg.max_windows)
        sig, bak, ovrl = dnsmos_scores(windows, cfg.threads)
        features = {"ovrl": round(ovrl, 3), "sig": round(sig, 3), "bak": round(bak, 3), "windows": len(windows)}
        return self.signals(features, {"dnsmos_ovrl": features["ovrl"]})
