"""Clean and degraded copies of real footage for the judgment suite (built at test time).

A *source* is a few seconds of a real clip from ``../shared/media`` decoded to 540×960
(TikTok's in-feed minimum, vertical) at 15 fps with 48 kHz mono audio. Each *flaw* is a
function (frames, audio) -> (frames, audio) applied to it; ``build`` encodes the result
with PyAV (libx264 CRF 20 + AAC). Nothing is committed: files go to a scratch folder.

Shapes: frames are a list of RGB uint8 arrays (960, 540, 3) (or smaller for
``low_resolution``); audio is float32 (n,) in [-1, 1] at ``RATE`` Hz.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def _find_media() -> Path:
    """``../shared/media`` beside the repository (CI), else the nearest ancestor's
    ``shared/media`` (a git worktree sits one level deeper); the first candidate if none."""
    root = Path(__file__).resolve().parents[1]
    candidates = [p / "shared" / "media" for p in root.parents]
    return next((c for c in candidates if (c / "ugc").is_dir()), candidates[0])


MEDIA = _find_media()
RATE = 48000
FPS = 15
SIZE = (540, 960)  # display width, height
PACKSHOT = "grocery/Oatly-Oat-Milk_001.jpg"


@dataclass
class Source:
    """Decoded footage: ``frames`` (RGB uint8, (960, 540, 3) each, at FPS), ``audio`` (n,) at RATE."""

    name: str
    frames: list[np.ndarray]
    audio: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.frames) / FPS


def _fit(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale and centre-crop an RGB image to ``size`` (width, height)."""
    w, h = size
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    img = cv2.resize(img, (max(w, round(iw * s)), max(h, round(ih * s))), interpolation=cv2.INTER_AREA)
    y, x = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return np.ascontiguousarray(img[y:y + h, x:x + w])


def load_source(rel: str, start: float = 0.0, seconds: float = 6.0) -> Source:
    """Decode ``seconds`` of ``MEDIA / rel`` from ``start`` (s) into a :class:`Source`."""
    path = MEDIA / rel
    frames: list[np.ndarray] = []
    chunks: list[np.ndarray] = []
    with av.open(str(path)) as box:
        vs = box.streams.video[0]
        next_t = start
        for frame in box.decode(vs):
            t = float(frame.pts * vs.time_base) if frame.pts is not None else 0.0
            if t + 1e-6 < next_t:
                continue
            if t >= start + seconds:
                break
            frames.append(_fit(frame.to_ndarray(format="rgb24"), SIZE))
            next_t += 1.0 / FPS
    with av.open(str(path)) as box:
        if box.streams.audio:
            res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            for frame in box.decode(box.streams.audio[0]):
                for out in res.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    n = int(len(frames) / FPS * RATE)
    audio = audio[int(start * RATE): int(start * RATE) + n]
    audio = np.pad(audio, (0, max(0, n - len(audio)))).astype(np.float32)
    return Source(Path(rel).stem, frames, audio)


def write(path: Path, frames: list[np.ndarray], audio: np.ndarray | None) -> Path:
    """Encode frames (RGB uint8, all one size) at FPS, and mono ``audio`` at RATE if given."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "20", "preset": "veryfast"}
        astream = out.add_stream("aac", rate=RATE, layout="mono") if audio is not None else None
        for img in frames:
            for packet in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        if astream is not None:
            for s in range(0, len(audio), 1024):
                frame = av.AudioFrame.from_ndarray(audio[s:s + 1024].reshape(1, -1).astype(np.float32),
                                                   format="flt", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = RATE, s, Fraction(1, RATE)
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode():
                out.mux(packet)
    return path


# ------------------------------------------------------------------ picture flaws
def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


def dark(frames, audio):
    """Underexposed: every pixel × 0.1 (mean brightness a tenth of the source's)."""
    return [(f.astype(np.float32) * 0.1).astype(np.uint8) for f in frames], audio


def blurred(frames, audio):
    """Out of focus: Gaussian blur, sigma 6 px at 540 px wide."""
    return [cv2.GaussianBlur(f, (0, 0), 6) for f in frames], audio


def low_resolution(frames, audio):
    """Encoded at 270×480 (half TikTok's minimum on each side)."""
    return [cv2.resize(f, (270, 480), interpolation=cv2.INTER_AREA) for f in frames], audio


def _packshot(size: tuple[int, int]) -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(MEDIA / PACKSHOT)), cv2.COLOR_BGR2RGB)
    w = size[0]
    return cv2.resize(img, (w, round(img.shape[0] * w / img.shape[1])), interpolation=cv2.INTER_AREA)


def _overlay(frame: np.ndarray, shot: np.ndarray) -> np.ndarray:
    """The packshot in the lower middle of the frame (a creator holding the product up)."""
    out = frame.copy()
    h, w = shot.shape[:2]
    y, x = int(out.shape[0] * 0.52), (out.shape[1] - w) // 2
    h = min(h, out.shape[0] - y)
    out[y:y + h, x:x + w] = shot[:h]
    return out


def with_product(frames, audio):
    """The product (the campaign packshot) held up in frame for the whole clip."""
    shot = _packshot((260, 0))
    return [_overlay(f, shot) for f in frames], audio


def product_end_card(frames, audio):
    """The product only on a full-frame end card over the last 20 % of the clip."""
    n = len(frames)
    k = int(n * 0.8)
    card = np.full_like(frames[0], 245)
    card = _overlay(card, _packshot((400, 0)))
    return frames[:k] + [card] * (n - k), audio


def with_cta(frames, audio):
    """A burned-in caption "Link in bio" in the lower third, inside TikTok's safe zone."""
    out = []
    for f in frames:
        g = f.copy()
        cv2.rectangle(g, (90, 380), (450, 450), (255, 255, 255), -1)
        cv2.putText(g, "Link in bio", (110, 432), cv2.FONT_HERSHEY_DUPLEX, 1.5, (0, 0, 0), 3, cv2.LINE_AA)
        out.append(g)
    return out, audio


def late_face(frames, audio, seconds: float = 3.5):
    """The first ``seconds`` show a product still (no face), then the creator."""
    k = int(seconds * FPS)
    still = _fit(cv2.cvtColor(cv2.imread(str(MEDIA / "grocery/Banana_001.jpg")), cv2.COLOR_BGR2RGB), SIZE)
    pan = [np.roll(still, i * 2, axis=1) for i in range(k)]  # slow pan: the opening still moves
    return pan + frames[k:], audio


# ------------------------------------------------------------------ sound flaws
def late_speech(frames, audio, seconds: float = 3.5):
    """Speech delayed by ``seconds``: the opening is room tone (-55 dBFS noise)."""
    k = int(seconds * RATE)
    rng = np.random.default_rng(1)
    tone = (rng.standard_normal(k) * 10 ** (-55 / 20)).astype(np.float32)
    return frames, np.concatenate([tone, audio])[: len(audio)].astype(np.float32)


def no_speech(frames, audio):
    """The voice replaced by instrumental music at the same RMS level."""
    music = _load_audio("nonspeech_music_KevinMacLeod_VibeAce.ogg", len(audio))
    return frames, (music * (_rms(audio) / _rms(music))).astype(np.float32)


def clipped(frames, audio):
    """Driven into hard clipping: gain ×12, clipped at full scale."""
    return frames, np.clip(audio * 12.0, -1.0, 1.0).astype(np.float32)


def muffled(frames, audio):
    """Voice through a 700 Hz 6th-order low-pass (a phone in a pocket)."""
    from scipy.signal import butter, sosfilt

    sos = butter(6, 700, btype="low", fs=RATE, output="sos")
    y = sosfilt(sos, audio).astype(np.float32)
    return frames, (y * (_rms(audio) / _rms(y))).astype(np.float32)


def noisy(frames, audio):
    """White noise at the speech's RMS (0 dB SNR over the whole clip)."""
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(len(audio)).astype(np.float32) * _rms(audio)
    return frames, np.clip(audio + noise, -1, 1).astype(np.float32)


def silent(frames, audio):
    """The soundtrack replaced by near-silence (-70 dBFS noise)."""
    rng = np.random.default_rng(3)
    return frames, (rng.standard_normal(len(audio)) * 10 ** (-70 / 20)).astype(np.float32)


def _load_audio(rel: str, n: int) -> np.ndarray:
    chunks = []
    with av.open(str(MEDIA / rel)) as box:
        res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in box.decode(box.streams.audio[0]):
            for out in res.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
            if sum(len(c) for c in chunks) >= n:
                break
    x = np.concatenate(chunks)[:n]
    return np.pad(x, (0, n - len(x))).astype(np.float32)


Flaw = Callable[[list, np.ndarray], tuple[list, np.ndarray]]


def build(src: Source, out_dir: Path, name: str, *flaws: Flaw) -> Path:
    """Apply ``flaws`` in order to ``src`` and encode ``out_dir/<src>__<name>.mp4``."""
    frames, audio = list(src.frames), src.audio.copy()
    for flaw in flaws:
        frames, audio = flaw(frames, audio)
    return write(Path(out_dir) / f"{src.name}__{name}.mp4", frames, audio)
