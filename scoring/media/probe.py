"""Open a file with PyAV and describe it, or say exactly why it cannot be used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

import av

from scoring.errors import MediaError
from scoring.media.clip import VideoInfo

IMAGE_FORMATS = frozenset({"image2", "png", "apng", "webp", "bmp", "tiff", "jpeg", "gif"})
MAX_SIDE = 16384  # pixels; 16K video does not exist in the wild, a corrupt header claims more


def check_file(path: str) -> int:
    """Return the file size in bytes; raise MediaError if it is missing or empty."""
    if not os.path.exists(path):
        raise MediaError("not_found", path, "file does not exist")
    if os.path.isdir(path):
        raise MediaError("not_media", path, "is a folder, not a video file")
    size = os.path.getsize(path)
    if size == 0:
        raise MediaError("empty_file", path, "file is empty (0 bytes)")
    return size


@contextmanager
def open_container(path: str) -> Iterator[av.container.InputContainer]:
    """Open ``path`` for reading, turning FFmpeg's errors into MediaError."""
    check_file(path)
    try:
        container = av.open(path, mode="r")
    except av.error.InvalidDataError as exc:
        raise _unreadable(path) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError("not_media", path, f"cannot open: {exc}") from exc
    try:
        yield container
    finally:
        container.close()


def _unreadable(path: str) -> MediaError:
    """Say why FFmpeg could not open a file, from what its first bytes look like."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return MediaError("truncated", path, "MP4/MOV file is incomplete (its index, the 'moov' box, "
                          "is missing): truncated download or upload")
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    kind = "a text file" if head and printable / len(head) > 0.95 else "not a media file FFmpeg can read"
    return MediaError("not_media", path, f"not a video: looks like {kind}" if kind == "a text file"
                      else f"not a video: {kind}")


def _rotation_and_first_time(container: av.container.InputContainer, path: str) -> tuple[int, float]:
    """Decode the first video frame: its display rotation (degrees, counter-clockwise)."""
    stream = container.streams.video[0]
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation or 0)), float(frame.time or 0.0)
    except av.error.FFmpegError as exc:
        raise MediaError("decode_error", path, f"first video frame cannot be decoded: {exc}") from exc
    raise MediaError("truncated", path, "video stream holds no decodable frame (truncated?)")


def _duration(container: av.container.InputContainer) -> float:
    """Best duration estimate in seconds: container, else the longest stream."""
    if container.duration:
        return container.duration / av.time_base
    best = 0.0
    for s in container.streams:
        if s.duration and s.time_base:
            best = max(best, float(s.duration * s.time_base))
    return best


def info_from_container(
    container: av.container.InputContainer, path: str, size: int, *, read_rotation: bool = True
) -> VideoInfo:
    """Describe an open container. Raises MediaError when it has no usable video.

    Rotation metadata is only visible on decoded frames, so ``read_rotation`` decodes the
    first frame; a caller that goes on decoding passes False and applies it itself.
    """
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["nothing"]
        raise MediaError(
            "no_video_stream", path, f"no video stream (contains {', '.join(kinds)}); audio-only files cannot be scored"
        )
    v = container.streams.video[0]
    cc = v.codec_context
    fmt = container.format.name or ""
    if fmt in IMAGE_FORMATS or fmt.endswith("_pipe"):
        kind = fmt.removesuffix("_pipe").replace("image2", cc.name or "image").upper()
        raise MediaError("not_video", path, f"a still image ({kind}), not a video")
    coded_w, coded_h = int(cc.width or 0), int(cc.height or 0)
    if coded_w <= 0 or coded_h <= 0:
        raise MediaError("decode_error", path, "video stream has no frame size")
    if max(coded_w, coded_h) > MAX_SIDE:
        raise MediaError("decode_error", path, f"frame size {coded_w}×{coded_h} is beyond any real video "
                         f"(longest side over {MAX_SIDE} px): corrupt or hostile header")
    sar = float(v.sample_aspect_ratio) if v.sample_aspect_ratio else 1.0
    rotation = _rotation_and_first_time(container, path)[0] if read_rotation else 0
    disp_w, disp_h = round(coded_w * sar), coded_h
    if rotation % 180 != 0:
        disp_w, disp_h = disp_h, disp_w
    rate = v.average_rate or v.guessed_rate or v.base_rate or Fraction(0)
    audio = container.streams.audio[0] if container.streams.audio else None
    return VideoInfo(
        path=path,
        size_bytes=size,
        container=container.format.name,
        duration_s=round(_duration(container), 3),
        width=int(disp_w),
        height=int(disp_h),
        coded_width=coded_w,
        coded_height=coded_h,
        rotation=rotation,
        sample_aspect_ratio=round(sar, 4),
        fps=round(float(rate), 3),
        video_codec=cc.name,
        bit_rate=int(container.bit_rate) if container.bit_rate else None,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio else None,
        audio_rate=int(audio.codec_context.sample_rate) if audio else None,
        audio_channels=int(audio.codec_context.channels) if audio else None,
        frame_count=int(v.frames) if v.frames else None,
    )


def probe(path: str) -> VideoInfo:
    """Describe a video file as the decoder sees it.

    Raises:
        MediaError: missing, empty, unreadable, audio-only or undecodable file.
    """
    size = check_file(path)
    with open_container(path) as container:
        return info_from_container(container, path, size)
