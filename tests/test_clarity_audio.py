"""Audio clarity analyzers against known answers: SNR, muffled speech, music bed, DNSMOS, edge cases."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext, Event, Signals
from scoring.analyzers.audio_quality import AudioQualityAnalyzer, DnsmosAnalyzer, dnsmos_windows
from scoring.media.clip import AudioTrack, Clip, Frames, VideoInfo

RATE = 16000


def voice(seconds: float, seed: int = 0, f0: float = 140.0) -> np.ndarray:
    """Speech-like test signal, shape (n,): voiced syllables (harmonics of a gliding f0 up to
    7 kHz with a 1/k roll-off) alternating with short fricative noise bursts, 4 syllables/s."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    harmonics = sum(np.sin(k * phase) / k for k in range(1, int(7000 / f0)))
    syllable = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    fricative = np.diff(rng.standard_normal(t.size + 1)) * (np.sin(2 * np.pi * 4 * t) < -0.7)
    x = 0.8 * harmonics * syllable + 0.6 * fricative
    return (0.2 * x / np.sqrt(np.mean(x**2))).astype(np.float32)


def make_clip(samples: np.ndarray | None) -> Clip:
    duration = 0.0 if samples is None else samples.size / RATE
    info = VideoInfo("synthetic.mp4", 0, "mp4", duration, 90, 160, 90, 160, 0, 1.0, 8.0, "h264", None,
                     samples is not None)
    frames = Frames(np.zeros((1, 160, 90, 3), np.uint8), np.zeros(1))
    audio = None
    if samples is not None:
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        audio = AudioTrack(np.clip(samples, -1, 1).astype(np.float32), RATE, RATE,
                           20 * math.log10(max(peak, 1e-6)), 20 * math.log10(max(peak, 1e-6)), 0.0)
    return Clip(info, frames, frames, frames, audio)


def context(segments: list[tuple[float, float]]) -> AnalysisContext:
    """A context whose ``speech`` analyzer found exactly ``segments`` (start, end) seconds."""
    events = [Event(t=s, end=e, kind="speech", label="speech", source="audio") for s, e in segments]
    return AnalysisContext(upstream={"speech": Signals(events=events)})


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, span: slice) -> np.ndarray:
    """``speech`` + ``noise`` scaled so speech power over ``span`` / noise power = ``snr_db``."""
    p_speech = float(np.mean(speech[span].astype(np.float64) ** 2))
    noise = noise * math.sqrt(p_speech / 10 ** (snr_db / 10) / float(np.mean(noise.astype(np.float64) ** 2)))
    return (speech + noise).astype(np.float32)


def placed_voice(total_s: float, start_s: float, end_s: float) -> np.ndarray:
    x = np.zeros(int(total_s * RATE), np.float32)
    x[int(start_s * RATE):int(end_s * RATE)] = voice(end_s - start_s)
    return x


@pytest.mark.parametrize("snr_db", [20.0, 10.0, 0.0])
def test_snr_from_speech_and_pauses_within_2_db(snr_db):
    speech = placed_voice(6.0, 1.0, 5.0)
    noisy = mix(speech, np.random.default_rng(1).standard_normal(speech.size), snr_db,
                slice(RATE, 5 * RATE))
    sig = AudioQualityAnalyzer().analyze(make_clip(noisy), context([(1.0, 5.0)]))
    assert sig.features["audio_quality.snr_db"] == pytest.approx(snr_db, abs=2.0)
    assert sig.evidence["snr_db"] == sig.features["audio_quality.snr_db"]
    assert sig.features["audio_quality.music_bed"] is False
    assert sig.features["audio_quality.noise_snr_db"] == sig.features["audio_quality.snr_db"]


def test_snr_without_any_pause_uses_the_quietest_speech_frames():
    speech = voice(5.0, seed=2)
    noisy = mix(speech, np.random.default_rng(3).standard_normal(speech.size), 10.0, slice(None))
    sig = AudioQualityAnalyzer().analyze(make_clip(noisy), context([(0.0, 5.0)]))
    assert sig.features["audio_quality.snr_db"] == pytest.approx(10.0, abs=3.0)


def test_low_pass_reads_as_muffled():
    from scipy.signal import butter, sosfilt

    speech = placed_voice(4.0, 0.5, 3.5)
    ctx = context([(0.5, 3.5)])
    clear = AudioQualityAnalyzer().analyze(make_clip(speech), ctx).features["audio_quality.speech_hf_db"]
    muffled_x = sosfilt(butter(8, 2500, fs=RATE, output="sos"), speech).astype(np.float32)
    muffled = AudioQualityAnalyzer().analyze(make_clip(muffled_x), ctx).features["audio_quality.speech_hf_db"]
    assert clear > -30 and muffled < clear - 20


def test_music_bed_is_told_from_noise():
    t = np.arange(6 * RATE) / RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63, 440.0)).astype(np.float32)
    speech = placed_voice(6.0, 1.0, 5.0)
    span = slice(RATE, 5 * RATE)
    ctx = context([(1.0, 5.0)])
    with_music = AudioQualityAnalyzer().analyze(make_clip(mix(speech, chord, 3.0, span)), ctx).features
    assert with_music["audio_quality.music_bed"] is True
    assert with_music["audio_quality.music_snr_db"] is not None and with_music["audio_quality.noise_snr_db"] is None
    noise = np.random.default_rng(4).standard_normal(speech.size)
    with_noise = AudioQualityAnalyzer().analyze(make_clip(mix(speech, noise, 3.0, span)), ctx).features
    assert with_noise["audio_quality.music_bed"] is False


@pytest.mark.parametrize("samples", [None, np.zeros(int(0.3 * RATE), np.float32), np.zeros(3 * RATE, np.float32)],
                         ids=["no audio", "0.3 s", "silence"])
def test_no_audio_short_and_silent_give_none(samples):
    clip = make_clip(samples)
    for analyzer in (AudioQualityAnalyzer(), DnsmosAnalyzer()):
        sig = analyzer.analyze(clip, context([(0.0, 0.2)] if samples is not None else []))
        assert all(v is None for v in sig.features.values()), analyzer.name
        assert all(v is None for v in sig.evidence.values()), analyzer.name


def test_no_speech_gives_none():
    noise = (0.05 * np.random.default_rng(5).standard_normal(3 * RATE)).astype(np.float32)
    sig = AudioQualityAnalyzer().analyze(make_clip(noise), context([]))
    assert sig.features["audio_quality.snr_db"] is None
    assert DnsmosAnalyzer().analyze(make_clip(noise), context([])).features["dnsmos.ovrl"] is None


def test_dnsmos_windows_cover_the_speech_at_a_fixed_level():
    x = 0.01 * voice(20.0)
    windows = dnsmos_windows(x, 0, x.size, max_windows=2)
    assert windows.shape == (2, 144160)
    rms_db = 20 * math.log10(float(np.sqrt(np.mean(windows.astype(np.float64) ** 2))))
    assert rms_db == pytest.approx(-25.0, abs=1.0)
    assert dnsmos_windows(x, 0, RATE, max_windows=2).shape == (1, 144160)  # 1 s repeated to fill 9 s


def test_dnsmos_scores_one_window_of_long_speech():
    """Cost: 20 s of speech is scored on its first 9 s window only (one model call)."""
    speech = placed_voice(22.0, 0.5, 21.5)
    sig = DnsmosAnalyzer().analyze(make_clip(speech), context([(0.5, 21.5)]))
    assert sig.features["dnsmos.windows"] == 1
    assert 1.0 <= sig.features["dnsmos.ovrl"] <= 5.0


def test_dnsmos_rates_noisy_speech_lower():
    speech = placed_voice(5.0, 0.5, 4.5)
    ctx = context([(0.5, 4.5)])
    clean = DnsmosAnalyzer().analyze(make_clip(speech), ctx).features
    noisy_x = mix(speech, np.random.default_rng(6).standard_normal(speech.size), 0.0, slice(RATE // 2, 9 * RATE // 2))
    noisy = DnsmosAnalyzer().analyze(make_clip(noisy_x), ctx).features
    assert 1.0 <= noisy["dnsmos.ovrl"] < clean["dnsmos.ovrl"] - 0.5 <= 5.0
    assert noisy["dnsmos.bak"] < clean["dnsmos.bak"] - 1.0


def test_dnsmos_needs_no_librosa_or_numba():
    """speechmos's run() imports librosa, whose numba compile costs ~13 s in every new
    process; we load only its ONNX file, so a fresh process scores in well under a second."""
    code = (
        "import sys, time, numpy as np\n"
        "from scoring.analyzers.audio_quality import dnsmos_scores, dnsmos_windows\n"
        "t = time.perf_counter()\n"
        "x = (0.05 * np.random.default_rng(0).standard_normal(48000)).astype(np.float32)\n"
        "dnsmos_scores(dnsmos_windows(x, 0, x.size, 1))\n"
        "print(time.perf_counter() - t, 'librosa' in sys.modules, 'numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["False", "False"]
    assert float(out[0]) < 5.0  # loading the model and one window; ~0.3 s here


@pytest.mark.slow
def test_dnsmos_matches_speechmos_reference():
    """Our direct ONNX call gives speechmos.dnsmos.run's numbers on the same windows."""
    pytest.importorskip("librosa")
    from speechmos import dnsmos

    from scoring.analyzers.audio_quality import DNSMOS_WINDOW, dnsmos_scores

    x = voice(11.0, seed=7)
    x = 0.5 * x / np.abs(x).max()
    ref = dnsmos.run(x, sr=RATE)
    hops = int(np.floor(x.size / RATE) - 9.01) + 1
    windows = np.stack([x[i * RATE:i * RATE + DNSMOS_WINDOW] for i in range(hops)])
    sig, bak, ovrl = dnsmos_scores(windows)
    assert (ovrl, sig, bak) == pytest.approx((ref["ovrl_mos"], ref["sig_mos"], ref["bak_mos"]), abs=1e-3)
