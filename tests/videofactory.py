"""Tiny synthetic videos for tests, encoded with PyAV (libx264 + AAC)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FrameFn = Callable[[int, float], np.ndarray]  # (index, time s) -> RGB uint8 (H, W, 3)


def sine(seconds: float, rate: int = 48000, freq: float = 997.0, peak: float = 0.5) -> np.ndarray:
    """Mono sine, shape (n,), float32, amplitude ``peak`` (1.0 = full scale), 20 ms fades.

    The fades keep the AAC encoder from ringing at an abrupt start or end.
    """
    n = int(seconds * rate)
    t = np.arange(n) / rate
    ramp = np.minimum(1.0, np.minimum(np.arange(n), n - 1 - np.arange(n)) / (0.02 * rate))
    return (peak * ramp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_video(
    path: str | Path,
    frame_fn: FrameFn,
    *,
    n_frames: int,
    fps: float = 24.0,
    size: tuple[int, int] = (180, 320),
    audio: np.ndarray | None = None,
    audio_rate: int = 48000,
    rotation: int | None = None,
    sar: Fraction | None = None,
    frame_times: list[float] | None = None,
    audio_bit_rate: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode frames (and optional mono audio) to ``path``.

    Args:
        size: coded (width, height) in pixels.
        frame_times: presentation times in seconds for a variable frame rate clip.
        audio: mono samples, shape (n,), or stereo, shape (2, n); float in [-1, 1].
        audio_bit_rate: AAC bit rate, bits/s (None: the encoder's default).
        options: more libx264 options, e.g. ``{"g": "12"}`` (a keyframe every 12 frames) or
            ``{"sc_threshold": "0"}`` (no keyframe at a scene change).
    """
    path = Path(path)
    w, h = size
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "28", "preset": "veryfast", **(options or {})}
        if frame_times is not None:
            vs.codec_context.time_base = Fraction(1, 1000)
        if sar is not None:
            vs.codec_context.sample_aspect_ratio = sar
        if rotation is not None:
            vs.set_display_rotation(rotation)
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=audio_rate, layout="stereo" if np.ndim(audio) == 2 else "mono")
            if audio_bit_rate:
                astream.bit_rate = audio_bit_rate
        for i in range(n_frames):
            t = frame_times[i] if frame_times is not None else i / fps
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_fn(i, t)), format="rgb24")
            if frame_times is not None:
                frame.pts = int(round(t * 1000))
                frame.time_base = Fraction(1, 1000)
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        if astream is not None:
            encode_audio(out, astream, audio, audio_rate)
    return path


def encode_audio(out, stream, audio: np.ndarray, rate: int, block: int = 1024) -> None:
    """Encode float samples, mono (shape (n,)) or stereo (shape (2, n)), into an open audio
    ``stream`` and flush it."""
    planar = np.atleast_2d(audio)
    layout = "stereo" if planar.shape[0] == 2 else "mono"
    for start in range(0, planar.shape[1], block):
        chunk = np.ascontiguousarray(planar[:, start:start + block].T.reshape(1, -1).astype(np.float32))
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def moving_pattern(width: int, height: int) -> FrameFn:
    """A textured, moving test picture (sharp edges, mid brightness)."""
    yy, xx = np.mgrid[0:height, 0:width]

    def fn(i: int, t: float) -> np.ndarray:
        shift = int(t * 40)
        checker = (((xx + shift) // 16 + yy // 16) % 2) * 160 + 48
        img = np.stack([checker, np.roll(checker, 5, axis=1), (xx * 255 // max(width - 1, 1))], axis=-1)
        return img.astype(np.uint8)

    return fn


def solid(width: int, height: int, value: int = 0) -> FrameFn:
    img = np.full((height, width, 3), value, np.uint8)
    return lambda i, t: img


def with_watermark(fn: FrameFn, handle: str, move_at_s: float, size: int = 22) -> FrameFn:
    """``fn`` with a TikTok-style watermark drawn over it: a round mark, "TikTok" and
    "@handle" under it (Pillow's bundled font, ``size`` px), white with a dark outline, in
    the top-left corner until ``move_at_s`` s, then in the bottom-right corner (TikTok's
    watermark hops corners like this)."""
    from PIL import Image, ImageDraw, ImageFont

    font, small = ImageFont.load_default(size=size), ImageFont.load_default(size=int(size * 0.8))

    def draw(i: int, t: float) -> np.ndarray:
        img = Image.fromarray(np.ascontiguousarray(fn(i, t)))
        w, h = img.size
        d = ImageDraw.Draw(img)
        block_w = max(d.textlength("TikTok", font=font) + size + 6, d.textlength("@" + handle, font=small))
        x, y = (int(0.04 * w), int(0.03 * h)) if t < move_at_s else (int(w - block_w - 0.04 * w), int(0.86 * h))
        style = {"fill": (255, 255, 255), "stroke_width": 2, "stroke_fill": (0, 0, 0)}
        d.ellipse((x, y + 2, x + size - 4, y + size - 2), outline=(255, 255, 255), width=3)
        d.text((x + size + 2, y), "TikTok", font=font, **style)
        d.text((x, y + size + 6), "@" + handle, font=small, **style)
        return np.asarray(img)

    return draw


def with_end_card(fn: FrameFn, start_s: float, handle: str = "") -> FrameFn:
    """``fn`` until ``start_s`` s, then a TikTok-style end card: a flat near-black frame
    (RGB 22, 24, 35) with a bright logo block and the handle in the middle."""
    import cv2

    def draw(i: int, t: float) -> np.ndarray:
        img = fn(i, t)
        if t < start_s:
            return img
        h, w = img.shape[:2]
        card = np.empty_like(img)
        card[:] = (22, 24, 35)
        cv2.rectangle(card, (w // 2 - w // 10, h // 2 - w // 5), (w // 2 + w // 10, h // 2 - w // 20), (240, 240, 240), -1)
        cv2.putText(card, "TikTok", (w // 2 - w // 6, h // 2 + w // 12), cv2.FONT_HERSHEY_SIMPLEX, w / 400, (255, 255, 255), 2)
        if handle:
            cv2.putText(card, "@" + handle, (w // 2 - w // 4, h // 2 + w // 5), cv2.FONT_HERSHEY_SIMPLEX, w / 500,
                        (200, 200, 200), 2)
        return card

    return draw


def letterboxed(fn: FrameFn, width: int, height: int, picture_height: int, caption: str = "") -> FrameFn:
    """``fn``'s picture (``width`` x ``picture_height``) centred between black bars in a
    ``width`` x ``height`` frame, with an optional caption drawn in the top bar (editors
    write there)."""
    import cv2

    top = (height - picture_height) // 2

    def draw(i: int, t: float) -> np.ndarray:
        img = np.zeros((height, width, 3), np.uint8)
        img[top:top + picture_height] = fn(i, t)
        if caption:
            cv2.putText(img, caption, (width // 10, top // 2), cv2.FONT_HERSHEY_SIMPLEX, width / 500, (255, 255, 255), 2)
        return img

    return draw
