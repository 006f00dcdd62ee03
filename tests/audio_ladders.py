"""Degradation ladders built from real recordings in ../shared/media (for tests and notes).

Each ladder starts from a clean recording (mono, 16 kHz, speech normalised to -20 dBFS
active level) and makes four worse copies:

* ``noise``: pink noise mixed in at 20 / 10 / 5 / 0 dB SNR;
* ``babble``: a second real talker (another recording, looped) at 20 / 10 / 5 / 0 dB;
* ``lowpass``: 8th-order Butterworth low-pass at 3000 / 2000 / 1000 / 500 Hz ("muffled";
  the phone call is band-limited near 3.8 kHz already, so a 4 kHz cut changes nothing);
* ``quiet``: the whole track 12 / 20 / 28 / 36 dB quieter;
* ``conversation``: a real two-person conversation (the pyannote sample; LibriSpeech under
  the pyannote recording itself) at 20 / 10 / 5 / 0 dB;
* ``turns``: a second real conversation, two other talkers taking 3 s turns (v_hi_snack_talk1,
  Hindi, and v_es_rotated_talk, Spanish, both from their start) at 20 / 10 / 5 / 0 dB; unlike the
  pyannote sample, whose first words come 6.7 s in (under JFK's 11 s it covers only the last 4.3 s,
  about 5 dB over the nominal SNR, which is set on its mean power, silence included), it talks
  all the way through;
* ``music``: a real instrumental track (Kevin MacLeod, "Vibe Ace", from 5 s on) under the
  voice at 15 / 10 / 5 / 0 dB, a voice-over's music bed turned up until it drowns the voice.

SNR is speech power over interferer power measured over the speech frames of the clean track.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from scipy.signal import butter, sosfilt

RATE = 16000
# ../shared/media next to the checkout (a worktree one level deeper finds it two levels up)
MEDIA = next((p / "shared" / "media" for p in Path(__file__).resolve().parents[2:4]
              if (p / "shared" / "media").is_dir()), Path(__file__).resolve().parents[2] / "shared" / "media")
RECORDINGS = {
    "jfk": "speech_jfk.flac",
    "librispeech": "speech_librispeech_198-209-0000.ogg",
    "pesq": "audio_pesq_speech_clean.wav",
    "pyannote": "speech_pyannote_sample.wav",
    "es_testimonial": "ugc/s_es_testimonial.mp4",  # a creator's Spanish testimonial (video's audio track)
    "es_rotated": "ugc/v_es_rotated_talk.mp4",  # a Spanish instructor to camera, lapel mic
    "ar_car": "ugc/v_ar_car_talk.mp4",  # an Egyptian-Arabic selfie talk in a car
    "id_office": "ugc/v_id_office_tees.mp4",  # an Indonesian office worker to camera
}
LEVELS = {
    "noise": (20.0, 10.0, 5.0, 0.0),
    "babble": (20.0, 10.0, 5.0, 0.0),
    "lowpass": (3000.0, 2000.0, 1000.0, 500.0),
    "quiet": (12.0, 20.0, 28.0, 36.0),
    "conversation": (20.0, 10.0, 5.0, 0.0),
    "turns": (20.0, 10.0, 5.0, 0.0),
    "music": (15.0, 10.0, 5.0, 0.0),
}
MUSIC = "nonspeech_music_KevinMacLeod_VibeAce.ogg"
BABBLE_FROM = {"jfk": "librispeech", "librispeech": "jfk", "pesq": "pyannote", "pyannote": "librispeech",
               "es_testimonial": "librispeech", "es_rotated": "jfk", "ar_car": "jfk"}


def load(name: str) -> np.ndarray:
    """A recording from ../shared/media (a name in ``RECORDINGS`` or a file name) as mono
    float32 at 16 kHz, shape (n,)."""
    with av.open(str(MEDIA / RECORDINGS.get(name, name))) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks = [o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in res.resample(f)]
        chunks += [o.to_ndarray().reshape(-1) for o in res.resample(None)]
    return np.concatenate(chunks).astype(np.float32)


def active_power(x: np.ndarray, frame: int = 512) -> float:
    """Mean power of the frames within 30 dB of the loudest (speech frames), full scale = 1."""
    n = x.size // frame
    p = np.mean(x[: n * frame].astype(np.float64).reshape(n, frame) ** 2, axis=1)
    return float(p[p >= p.max() * 1e-3].mean())


def normalised(x: np.ndarray, level_dbfs: float = -20.0) -> np.ndarray:
    return (x * np.sqrt(10 ** (level_dbfs / 10) / active_power(x))).astype(np.float32)


def pink(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n).astype(np.float32)


def _mix(clean: np.ndarray, other: np.ndarray, snr_db: float) -> np.ndarray:
    other = np.resize(other, clean.size)
    gain = np.sqrt(active_power(clean) / 10 ** (snr_db / 10) / float(np.mean(other.astype(np.float64) ** 2)))
    return (clean + gain * other).astype(np.float32)


TURNS = ("ugc/v_hi_snack_talk1.mp4", "ugc/v_es_rotated_talk.mp4")


def turns(turn_s: float = 3.0, max_turns: int = 40) -> np.ndarray:
    """Two real talkers (``TURNS``, each normalised) taking ``turn_s`` turns, shape (n,)."""
    a, b = (normalised(load(name)) for name in TURNS)
    step = int(turn_s * RATE)
    out = []
    for i in range(min(a.size, b.size) // step):
        out += [a[i * step:(i + 1) * step], b[i * step:(i + 1) * step]]
    return np.concatenate(out[:max_turns])


def ladder(name: str, kind: str) -> list[np.ndarray]:
    """[clean, level 1, ..., level 4] for recording ``name`` and degradation ``kind``."""
    clean = normalised(load(name))
    out = [clean]
    for value in LEVELS[kind]:
        if kind == "noise":
            out.append(_mix(clean, pink(clean.size, 7), value))
        elif kind in ("babble", "conversation"):
            other = BABBLE_FROM[name] if kind == "babble" else ("librispeech" if name == "pyannote" else "pyannote")
            talker = normalised(load(other))
            out.append(_mix(clean, talker[: max(1, talker.size)], value))
        elif kind == "turns":
            out.append(_mix(clean, turns(), value))
        elif kind == "music":
            out.append(_mix(clean, load(MUSIC)[5 * RATE:], value))
        elif kind == "lowpass":
            out.append(sosfilt(butter(8, value, "lowpass", fs=RATE, output="sos"), clean).astype(np.float32))
        else:
            out.append((clean * 10 ** (-value / 20)).astype(np.float32))
    return [np.clip(x, -1, 1) for x in out]
