"""Audio clarity falls on degradation ladders built from real recordings (../shared/media).

Noise, a second talker, low-pass ("muffled"), quiet, real-conversation and music-bed ladders
(``audio_ladders``), four worse copies of each recording. Both the ``audio_quality.clarity`` estimate and the
``audio_clarity`` sub-score (the default model, ``audio_clarity@prior-4``; full profile with
DNSMOS and fast profile without) must fall with the level (Spearman <= -0.9 in every
ladder). Tuned on JFK and LibriSpeech; verified on the PESQ utterance, the pyannote phone
call and a Spanish creator testimonial, which the tuning did not use (notes/audio.md).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from audio_ladders import LEVELS, MEDIA, RATE, RECORDINGS, ladder
from scipy.stats import spearmanr

from scoring.analyzers import AnalysisContext, build_analyzers
from scoring.analyzers.loudness import integrated_loudness
from scoring.media.clip import AudioTrack, Clip, Frames, VideoInfo
from scoring.scorers import load_scorer

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (MEDIA / RECORDINGS["jfk"]).exists(),
                                 reason="../shared/media (real recordings) is not present")]
TUNED, VERIFY = ("jfk", "librispeech"), ("pesq", "pyannote", "es_testimonial")
# a real two-person conversation (pyannote) under speech sources the tuning did not use;
# JFK (tuned; a 1961 recording) still rises at the 0 dB rung (models/audio_clarity/prior-4/card.md)
CONVERSATION = ("pesq", "pyannote", "es_testimonial", "es_rotated", "ar_car")
# a second real conversation (two other talkers taking turns, ``audio_ladders.turns``) that talks
# all the way through: JFK falls under it too (under pyannote's it rises at 0 dB, where the
# conversation, silent for its first 6.7 s, takes over the last 4.3 s of JFK's 11 s)
TURNS_UNDER = ("jfk", "librispeech", "pesq", "id_office")
# a voice-over's music bed turned up (issue 20): a bed well under the voice costs little, a
# loud one hides the recording's own noise and drowns the voice (audio_quality v6)
MUSIC_UNDER = ("jfk", "librispeech", "pesq", "es_testimonial")
KINDS = tuple(k for k in sorted(LEVELS) if k not in ("conversation", "music", "turns"))
AUDIO_ANALYZERS = ("speech", "sound_class", "loudness", "audio_quality", "dnsmos")


def features(samples: np.ndarray, analyzers=AUDIO_ANALYZERS) -> dict:
    """The audio features of a mono 16 kHz track (shape (n,)) as a pipeline run sees them."""
    duration = samples.size / RATE
    info = VideoInfo("ladder.mp4", 0, "mp4", duration, 90, 160, 90, 160, 0, 1.0, 8.0, "h264", None, True)
    frames = Frames(np.zeros((1, 160, 90, 3), np.uint8), np.zeros(1))
    peak = 20 * math.log10(max(float(np.abs(samples).max()), 1e-6))
    audio = AudioTrack(samples, RATE, RATE, peak, peak, 0.0, integrated_loudness(samples, RATE), 1)
    clip = Clip(info, frames, frames, frames, audio)
    ctx = AnalysisContext()
    out = {"format.has_audio": True}
    for a in build_analyzers("full"):
        if a.name in analyzers:
            ctx.upstream[a.name] = a.analyze(clip, ctx)
            out.update(ctx.upstream[a.name].features)
    return out


@functools.cache
def ladder_features(recording: str, kind: str) -> tuple[dict, ...]:
    return tuple(features(x) for x in ladder(recording, kind))


def _falls(scores: list, label: str, drop: float) -> None:
    assert None not in scores, scores
    rho = round(float(spearmanr(range(len(scores)), scores).statistic), 6)
    assert rho <= -0.9, f"{label}: spearman {rho:.2f}, by level {scores}"
    assert scores[-1] < scores[0] - drop, f"{label}: {scores}"


def _cases():
    return ([(r, k) for r in TUNED + VERIFY for k in KINDS] + [(r, "conversation") for r in CONVERSATION]
            + [(r, "turns") for r in TURNS_UNDER] + [(r, "music") for r in MUSIC_UNDER])


@pytest.mark.parametrize(("recording", "kind"), _cases())
def test_clarity_falls_down_the_ladder(recording, kind):
    scores = [f["audio_quality.clarity"] for f in ladder_features(recording, kind)]
    _falls(scores, f"{recording}/{kind} clarity", 5)


@pytest.mark.parametrize(("recording", "kind"), _cases())
def test_audio_clarity_subscore_falls_down_the_ladder(recording, kind):
    scorer = load_scorer("audio_clarity")
    assert scorer.model_id == "audio_clarity@prior-4"
    rungs = ladder_features(recording, kind)
    full = [scorer.score(f).value for f in rungs]
    fast = [scorer.score({k: v for k, v in f.items() if not k.startswith("dnsmos.")}).value for f in rungs]
    # a conversation under a clean voice costs less than noise: v_es_rotated_talk falls 4 points
    drop = 3 if kind in ("conversation", "turns") else 5
    _falls(full, f"{recording}/{kind} audio_clarity (full)", drop)
    _falls(fast, f"{recording}/{kind} audio_clarity (fast)", drop)


def test_prior_2_rose_with_a_second_talker():
    # why prior-3 exists: prior-2 ignored the clarity estimate and rose with babble (notes/audio.md)
    prior_2 = load_scorer("audio_clarity@prior-2")
    scores = [prior_2.score(f).value for f in ladder_features("pyannote", "babble")]
    assert scores[-1] > scores[0], scores


def test_pesq_babble_pair():
    # ../shared/media: the same utterance clean and with babble at 0 dB SNR (PESQ wb 1.08).
    import av

    def read(name):
        with av.open(str(MEDIA / name)) as c:
            res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            return np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in res.resample(f)])

    clean = features(read("audio_pesq_speech_clean.wav"), ("speech", "audio_quality"))["audio_quality.clarity"]
    noisy = features(read("audio_pesq_speech_babble_0dB.wav"), ("speech", "audio_quality"))["audio_quality.clarity"]
    assert clean > 80 and noisy < 40, (clean, noisy)


@pytest.mark.parametrize("recording", ("pesq", "es_testimonial", "ar_car"))
def test_silence_padding_never_raises_clarity(recording):
    # issue 20: a noisy real clip delayed 4 s by digital silence read 96 against 61
    noisy = ladder(recording, "noise")[2]  # pink noise at 10 dB SNR
    padded = np.concatenate([np.zeros(4 * RATE, np.float32), noisy, np.zeros(2 * RATE, np.float32)])
    plain, pad = features(noisy), features(padded)
    # the estimate may move a little: where a clip ends inside speech, the VAD's last segment
    # differs and the speech bandwidth (a 40 dB threshold) with it (PESQ's 3 s utterance:
    # 3281 vs 4562 Hz, clarity 14.8 vs 17.2, sub-score 47.9 vs 48.4; audio_quality v4: 21.7 vs 100)
    assert pad["audio_quality.clarity"] <= plain["audio_quality.clarity"] + 3, (plain, pad)
    scorer = load_scorer("audio_clarity")
    assert scorer.score(pad).value <= scorer.score(plain).value + 1
