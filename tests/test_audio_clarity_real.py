"""Audio clarity falls on degradation ladders built from real recordings (../shared/media).

Noise, a second talker, low-pass ("muffled") and quiet ladders (``audio_ladders``), four
worse copies of each recording; the ``audio_quality.clarity`` estimate must fall with the
level (Spearman <= -0.9 in every ladder). Tuned on JFK and LibriSpeech, verified on the
PESQ utterance and the pyannote phone call, which the tuning did not use.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from audio_ladders import LEVELS, MEDIA, RATE, RECORDINGS, ladder
from scipy.stats import spearmanr

from scoring.analyzers import AnalysisContext, build_analyzers
from scoring.media.clip import AudioTrack, Clip, Frames, VideoInfo

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (MEDIA / RECORDINGS["jfk"]).exists(),
                                 reason="../shared/media (real recordings) is not present")]
TUNED, VERIFY = ("jfk", "librispeech"), ("pesq", "pyannote")


def clarity(samples: np.ndarray) -> float | None:
    duration = samples.size / RATE
    info = VideoInfo("ladder.mp4", 0, "mp4", duration, 90, 160, 90, 160, 0, 1.0, 8.0, "h264", None, True)
    frames = Frames(np.zeros((1, 160, 90, 3), np.uint8), np.zeros(1))
    peak = 20 * math.log10(max(float(np.abs(samples).max()), 1e-6))
    clip = Clip(info, frames, frames, frames, AudioTrack(samples, RATE, RATE, peak, peak, 0.0))
    ctx = AnalysisContext()
    for a in build_analyzers("fast"):
        if a.name in ("speech", "audio_quality"):
            ctx.upstream[a.name] = a.analyze(clip, ctx)
    return ctx.upstream["audio_quality"].features["audio_quality.clarity"]


@pytest.mark.parametrize("recording", TUNED + VERIFY)
@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_clarity_falls_down_the_ladder(recording, kind):
    scores = [clarity(x) for x in ladder(recording, kind)]
    assert None not in scores, scores
    rho = spearmanr(range(len(scores)), scores).statistic
    assert rho <= -0.9, f"{recording}/{kind}: spearman {rho:.2f}, clarity by level {scores}"
    assert scores[-1] < scores[0] - 5, scores


def test_pesq_babble_pair():
    # ../shared/media: the same utterance clean and with babble at 0 dB SNR (PESQ wb 1.08).
    import av

    def read(name):
        with av.open(str(MEDIA / name)) as c:
            res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            return np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in res.resample(f)])

    clean = clarity(read("audio_pesq_speech_clean.wav"))
    noisy = clarity(read("audio_pesq_speech_babble_0dB.wav"))
    assert clean > 80 and noisy < 40, (clean, noisy)
