"""Sound classes on generated audio (issue 20): speech, music, speech over music, sung
vowels, ambience, silence, no track; lyrics are not speech; a music-led video is judged
on its mix, not on speech SNR, and carries a rights reason; silence padding never
raises audio clarity.

Speech is espeak-ng (generated at test time; skipped without it), music is chords with
a kick drum, singing is pitched vowels held for half a second with vibrato.
"""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext, build_analyzers
from scoring.analyzers.audio_quality import AudioQualityConfig
from scoring.analyzers.loudness import integrated_loudness
from scoring.analyzers.sound_class import SoundClassConfig, video_class
from scoring.media.clip import AudioTrack, Clip, Frames, VideoInfo
from scoring.scorers import load_scorer

RATE = 16000
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (apt-get install espeak-ng)")
TEXT = ("Hello everyone, today I am showing you the new glow serum. It feels light on the skin and it "
        "really works. Use code GLOW at checkout and get twenty percent off, link in bio.")


def _level(x: np.ndarray, rms: float = 0.1) -> np.ndarray:
    return (x * rms / np.sqrt(np.mean(x.astype(np.float64) ** 2))).astype(np.float32)


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    """About 12 s of espeak-ng English at 16 kHz, RMS 0.1, shape (n,)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    import av

    wav = tmp_path_factory.mktemp("espeak") / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(wav), TEXT], check=True)
    with av.open(str(wav)) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        x = np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in res.resample(f)])
    return _level(x)


def music(seconds: float) -> np.ndarray:
    """Triads changing every second (five harmonics a note) and a kick drum every 0.5 s."""
    t = np.arange(int(seconds * RATE)) / RATE
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    x = np.zeros_like(t)
    for i in range(int(seconds / 0.5) + 1):
        m = (t >= i * 0.5) & (t < (i + 1) * 0.5)
        for f in chords[(i // 2) % 4]:
            for k in range(1, 6):
                x[m] += np.sin(2 * np.pi * f * k * t[m]) / k**1.5
        n0 = int(i * 0.5 * RATE)
        n = min(int(0.15 * RATE), t.size - n0)
        if n > 0:
            tt = np.arange(n) / RATE
            x[n0:n0 + n] += 3 * np.sin(2 * np.pi * (50 + 100 * np.exp(-tt * 30)) * tt) * np.exp(-tt * 20)
    return _level(x)


def sung_vowels(seconds: float) -> np.ndarray:
    """An "ah" sung on a scale: half-second notes, 5.5 Hz vibrato, formants at 0.7/1.2/2.6 kHz."""
    t = np.arange(int(seconds * RATE)) / RATE
    notes = np.array([220, 247, 262, 294, 330, 294, 262, 247], float)
    f0 = notes[(t / 0.5).astype(int) % notes.size] * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    x = np.zeros_like(t)
    for k in range(1, 30):
        fk = f0 * k
        amp = (np.exp(-((fk - 700) / 150) ** 2) + 0.6 * np.exp(-((fk - 1200) / 200) ** 2)
               + 0.3 * np.exp(-((fk - 2600) / 300) ** 2) + 0.05 / k)
        x += amp * np.sin(k * phase)
    return _level(x * np.clip(np.sin(np.pi * (t % 0.5) / 0.5), 0, None) ** 0.3)


def pink(n: int, seed: int = 0) -> np.ndarray:
    spec = np.fft.rfft(np.random.default_rng(seed).normal(size=n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n).astype(np.float32)


def run(samples: np.ndarray | None, names=("speech", "sound_class", "audio_quality", "loudness")) -> tuple[dict, dict]:
    """(features, upstream Signals by name) of the audio analyzers on a mono 16 kHz track."""
    duration = 8.0 if samples is None else samples.size / RATE
    info = VideoInfo("synthetic.mp4", 0, "mp4", duration, 90, 160, 90, 160, 0, 1.0, 8.0, "h264", None,
                     samples is not None)
    frames = Frames(np.zeros((1, 160, 90, 3), np.uint8), np.zeros(1))
    audio = None
    if samples is not None:
        samples = np.clip(samples, -1, 1).astype(np.float32)
        peak = 20 * math.log10(max(float(np.abs(samples).max()), 1e-6))
        audio = AudioTrack(samples, RATE, RATE, peak, peak, 0.0,
                           integrated_loudness(samples, RATE) if samples.size > RATE else None, 1)
    clip = Clip(info, frames, frames, frames, audio)
    ctx = AnalysisContext()
    out = {"format.has_audio": samples is not None}
    for a in build_analyzers("fast"):
        if a.name in names:
            ctx.upstream[a.name] = a.analyze(clip, ctx)
            out.update(ctx.upstream[a.name].features)
    return out, ctx.upstream


@needs_espeak
def test_speech_is_speech_led(speech):
    f, up = run(speech)
    assert f["sound_class.class"] == "speech_led"
    assert f["sound_class.speech_share"] >= 0.6
    assert f["speech.segments"] >= 1 and f["speech.sung_s"] == 0
    assert up["sound_class"].evidence == {"sound_class": "speech_led"}
    assert f["sound_class.judge_speech"] is True and f["sound_class.music_led"] is False


def test_music_is_music_led_without_speech():
    f, up = run(music(10))
    assert f["sound_class.class"] == "music_led"
    assert f["sound_class.music_share"] >= 0.8
    assert f["speech.segments"] == 0
    assert {e.kind for e in up["sound_class"].events} == {"sound"}
    assert any(e.label.startswith("music") for e in up["sound_class"].events)


@needs_espeak
def test_speech_over_a_music_bed(speech):
    f, _ = run(speech + music(speech.size / RATE) * 10 ** (-15 / 20))
    assert f["sound_class.class"] == "speech_led"
    assert f["sound_class.speech_over_music_share"] >= 0.5


def test_sung_vowels_over_music_are_not_speech():
    # lyrics are not speech: whatever the VAD makes of them, no speech segment reaches ASR
    f, up = run(sung_vowels(8) + music(8) * 0.5)
    assert f["speech.segments"] == 0
    assert f["sound_class.class"] == "music_led"
    assert not [e for e in up["speech"].events if e.kind == "speech"]


def test_silence_ambience_and_no_track():
    assert run(np.zeros(6 * RATE, np.float32))[0]["sound_class.class"] == "silent"
    room = pink(8 * RATE, 3)
    assert run(_level(room, 0.01))[0]["sound_class.class"] == "ambient"
    f, up = run(None)
    assert f["sound_class.class"] == "no_track" and up["sound_class"].evidence["sound_class"] == "no_track"


def test_video_class_from_shares():
    cfg = SoundClassConfig()
    assert video_class({"speech_over_music": 0.6, "music": 0.4}, cfg) == "speech_led"
    assert video_class({"singing": 0.5, "music": 0.4, "speech": 0.1}, cfg) == "music_led"
    assert video_class({"music": 0.45, "speech": 0.35, "ambience": 0.2}, cfg) == "mixed"
    assert video_class({"ambience": 0.8, "speech": 0.1, "silence": 0.1}, cfg) == "ambient"
    assert video_class({"silence": 0.95, "music": 0.05}, cfg) == "silent"


def test_music_led_is_not_judged_on_speech_snr():
    """prior-4: a music-led track's speech terms and the buried-speech cap do not apply; it is
    judged on its mix, below clear speech (no voice carries a message) but far above buried speech."""
    scorer = load_scorer("audio_clarity")
    assert scorer.model_id == "audio_clarity@prior-4"
    base = {"format.has_audio": True, "loudness.lufs": -14.0, "loudness.clipping_ratio": 0.0,
            "loudness.true_peak_dbfs": -1.5, "loudness.silence_ratio": 0.0, "speech.segments": 2,
            "audio_quality.snr_db": -20.0, "audio_quality.noise_snr_db": -20.0, "audio_quality.music_bed": False,
            "audio_quality.clarity": 5.0, "audio_quality.speech_hf_db": -30.0,
            "sound_class.balance_db": 0.0, "sound_class.noise_flatness": 0.05}
    as_music = scorer.score({**base, "sound_class.music_led": True})
    as_speech = scorer.score({**base, "sound_class.music_led": False})
    assert not as_music.caps and 70 <= as_music.value < 90, as_music
    assert as_speech.caps and as_speech.value < 45, as_speech
    assert not any("SNR" in r.text or "clarity" in r.text for r in as_music.reasons)
    hissy = scorer.score({**base, "sound_class.music_led": True, "sound_class.noise_flatness": 0.55})
    assert hissy.value < as_music.value - 5


def test_music_led_video_carries_a_rights_reason():
    from scoring.inputs import VideoRef
    from scoring.pipeline import MUSIC_RIGHTS, _note_watermark
    from scoring.results import VideoResult

    assert "Commercial Music Library" in MUSIC_RIGHTS
    for led, expected in ((True, 1), (False, 0)):
        result = VideoResult(ref=VideoRef(path="v.mp4", creator="@me"), status="ok",
                             features={"sound_class.music_led": led})
        _note_watermark(result)
        assert sum(r["text"] == MUSIC_RIGHTS and r["dimension"] == "rights" for r in result.reasons) == expected


@needs_espeak
def test_silence_padding_never_raises_clarity(speech):
    """The same noisy speech, then delayed 4 s by digital silence and padded 3 s after it."""
    noisy = speech + _level(pink(speech.size, 5), 0.1 * 10 ** (-10 / 20))
    padded = np.concatenate([np.zeros(4 * RATE, np.float32), noisy, np.zeros(3 * RATE, np.float32)])
    plain, pad = run(noisy)[0], run(padded)[0]
    assert pad["audio_quality.clarity"] <= plain["audio_quality.clarity"] + 2, (plain, pad)
    scorer = load_scorer("audio_clarity")
    assert scorer.score(pad).value <= scorer.score(plain).value + 1


@pytest.fixture(scope="module")
def second_voice(speech, tmp_path_factory) -> np.ndarray:
    """Another espeak-ng talker (female voice, faster), RMS 0.1, looped to the length of ``speech``."""
    import av

    wav = tmp_path_factory.mktemp("espeak2") / "other.wav"
    subprocess.run(["espeak-ng", "-v", "en+f3", "-s", "170", "-w", str(wav),
                    "Did you see the game last night? No, I was at my sister's place, we cooked dinner "
                    "and watched a film instead."], check=True)
    with av.open(str(wav)) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        x = np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in res.resample(f)])
    return np.resize(_level(x), speech.size)


@needs_espeak
def test_a_music_bed_well_under_the_voice_is_not_buried_speech(speech):
    # issue 20: a voice-over on a music bed was judged on its pauses, which the bed fills on
    # purpose: a bed 15 dB under the voice read clarity 28, like pink noise at the same level
    bed = music(speech.size / RATE)
    clean = run(speech)[0]["audio_quality.clarity"]
    under = {snr: run(speech + bed * 10 ** (-snr / 20))[0] for snr in (15, 5, 0)}
    noisy = run(speech + _level(pink(speech.size, 3)) * 10 ** (-15 / 20))[0]
    assert under[15]["audio_quality.clarity"] >= clean - 15, (clean, under[15])
    assert under[15]["audio_quality.clarity"] > noisy["audio_quality.clarity"] + 20
    # a voice drowned by the music still is: the bed's effect on the voice itself counts
    assert under[15]["audio_quality.clarity"] > under[5]["audio_quality.clarity"] > under[0]["audio_quality.clarity"]
    assert under[0]["audio_quality.clarity"] < clean - 40


@needs_espeak
def test_a_quiet_second_voice_is_not_a_music_bed(speech, second_voice):
    # a talker 20 dB under the voice persists like music over 32 ms (music_bed), not over 96 ms
    f = run(speech + second_voice * 10 ** (-20 / 20))[0]
    assert f["audio_quality.bed_sustain"] < AudioQualityConfig().bed_sustain_from
    assert f["audio_quality.clarity"] < run(speech)[0]["audio_quality.clarity"] - 20
