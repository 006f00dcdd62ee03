"""One-pass decode: demux video and audio together once and keep only what the plan asks for."""

from __future__ import annotations

import math

import av
import numpy as np

from scoring.errors import MediaError
from scoring.media.clip import SIGNATURE_SIZE, AudioTrack, Clip, Frames, FrameSignatures, SamplingPlan, VideoInfo
from scoring.media.levels import LevelMeter
from scoring.media.probe import check_file, info_from_container, open_container
from scoring.threads import budget as thread_budget

# Share of undecodable packets above which the file is reported as corrupt.
MAX_BAD_PACKET_RATIO = 0.2


def analysis_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """Display (width, height) scaled so the long side is at most ``long_side``; even numbers."""
    scale = min(1.0, long_side / max(width, height))
    w = max(2, int(round(width * scale / 2)) * 2)
    h = max(2, int(round(height * scale / 2)) * 2)
    return w, h


def sample_times(plan: SamplingPlan, duration_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target times (seconds) for hook frames, body frames and stills."""
    duration_s = max(duration_s, 0.0)
    hook_end = min(plan.hook_seconds, duration_s) if duration_s > 0 else plan.hook_seconds
    hook = np.arange(0.0, hook_end, 1.0 / plan.hook_fps) if hook_end > 0 else np.zeros(1)
    n_body = max(1, min(plan.max_body_frames, int(math.ceil(duration_s * plan.body_fps))))
    body = np.arange(n_body) * (duration_s / n_body) if duration_s > 0 else np.zeros(1)
    stills = (np.arange(plan.n_stills) + 0.5) * (duration_s / max(plan.n_stills, 1))
    return hook, body, stills


def _rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a coded-orientation image into display orientation (rotation: degrees CCW)."""
    k = int(round(rotation / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, k)) if k else image


def _with_rotation(info: VideoInfo, rotation: int) -> None:
    """Fix display size in ``info`` once the first frame tells the rotation."""
    if rotation == info.rotation:
        return
    width = round(info.coded_width * info.sample_aspect_ratio)
    height = info.coded_height
    if rotation % 180 != 0:
        width, height = height, width
    info.rotation, info.width, info.height = rotation, int(width), int(height)


def _audio_block_to_float(frame: av.AudioFrame) -> np.ndarray:
    """Source-rate samples of one audio frame as float in [-1, 1], shape (channels, n)."""
    arr = frame.to_ndarray()
    if not frame.format.is_planar:
        arr = arr.reshape(-1, max(1, len(frame.layout.channels))).T
    if arr.dtype.kind == "f":
        return arr.astype(np.float32, copy=False)
    if arr.dtype.kind == "u":
        half = float(np.iinfo(arr.dtype).max + 1) / 2
        return ((arr.astype(np.float32) - half) / half).astype(np.float32)
    return (arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)).astype(np.float32)


def to_dbfs(level: float, floor: float = -120.0) -> float:
    """Linear amplitude (1.0 = full scale) to dBFS, rounded to 0.01 dB, floored."""
    return round(20 * math.log10(level), 2) if level > 10 ** (floor / 20) else floor


_PLANAR_420 = frozenset({"yuv420p", "yuvj420p"})


def _plane_grid(plane: av.video.plane.VideoPlane, size: int) -> np.ndarray:
    """Mean of one 8-bit plane over a ``size`` x ``size`` grid, uint8 (size, size).

    Reads the plane in place (no colour conversion): 4 x 4 evenly spaced pixels per grid
    cell are picked and averaged; about 0.03 ms at 1080p, against 3 ms to decode the frame."""
    h, w = plane.height, plane.width
    arr = np.frombuffer(plane, np.uint8).reshape(h, plane.line_size)
    n = 4 * size
    ys = ((np.arange(n) + 0.5) * (h / n)).astype(np.intp)
    xs = ((np.arange(n) + 0.5) * (w / n)).astype(np.intp)
    sub = arr[ys][:, xs].astype(np.uint16)
    return (sub.reshape(size, 4, size, 4).sum(axis=(1, 3)) // 16).astype(np.uint8)


def _rgb(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """The frame as RGB (height, width, 3) uint8, scaled by swscale within this process's
    thread budget (swscale's own default started several threads per call)."""
    return frame.to_ndarray(format="rgb24", width=width, height=height, threads=thread_budget())


def frame_signature(frame: av.VideoFrame, rotation: int) -> tuple[np.ndarray, np.ndarray]:
    """Luma grid (S, S) and chroma grids (2, S/2, S/2), uint8, of one decoded frame in
    display orientation (S = SIGNATURE_SIZE). 8-bit 4:2:0 frames are read in place; any
    other pixel format is first converted by swscale at a small size."""
    if frame.format.name not in _PLANAR_420:
        frame = frame.reformat(format="yuv420p", width=4 * SIGNATURE_SIZE, height=4 * SIGNATURE_SIZE,
                               threads=1)
    planes = frame.planes
    luma = _rotate(_plane_grid(planes[0], SIGNATURE_SIZE), rotation)
    half = SIGNATURE_SIZE // 2
    chroma = np.stack([_rotate(_plane_grid(planes[i], half), rotation) for i in (1, 2)])
    return luma, chroma


def presentation_start(container: av.container.InputContainer) -> float:
    """The file's presentation start in seconds: the container's start time (the earliest
    stream start), else the earliest stream start, else 0. Every output time counts from it."""
    if container.start_time is not None:
        return float(container.start_time) / av.time_base
    starts = [float(s.start_time * s.time_base) for s in container.streams
              if s.start_time is not None and s.time_base]
    return min(starts) if starts else 0.0


class _Sampler:
    """Keeps the first frame at or after each target time (times in seconds).

    Frames go straight into one array sized for the targets (each take consumes at least
    one target): collecting a list and stacking it held every body frame twice (~80 MB
    for a 3-minute 1080p video at the end of decoding).
    """

    def __init__(self, targets: np.ndarray, tolerance: float) -> None:
        self.targets = np.sort(targets)
        self.tolerance = tolerance
        self.next = 0
        self._buffer: np.ndarray | None = None
        self.times: list[float] = []

    def wants(self, t: float) -> bool:
        return self.next < len(self.targets) and t + self.tolerance >= self.targets[self.next]

    @property
    def count(self) -> int:
        return len(self.times)

    def take(self, t: float, image: np.ndarray) -> None:
        if self._buffer is None:
            self._buffer = np.empty((max(1, len(self.targets)), *image.shape), image.dtype)
        elif self.count == len(self._buffer) or image.shape != self._buffer.shape[1:]:
            raise ValueError(f"frame {self.count} at {t:.3f} s does not fit the sampled frames")
        self._buffer[self.count] = image
        self.times.append(t)
        while self.next < len(self.targets) and self.targets[self.next] <= t + self.tolerance:
            self.next += 1

    def frames(self) -> Frames:
        if not self.count or self._buffer is None:
            return Frames.empty()
        images = self._buffer[:self.count]  # a view: untouched pages of the tail were never allocated
        return Frames(images, np.asarray(self.times, np.float64))


class _AudioCollector:
    """Resamples to mono ``rate`` Hz for the analyzers and measures levels (loudness, peaks,
    clipping) on every source channel at the source rate (:class:`LevelMeter`)."""

    def __init__(self, stream: av.audio.stream.AudioStream, rate: int) -> None:
        self.rate = rate
        self.source_rate = int(stream.codec_context.sample_rate or rate)
        names = [c.name for c in stream.codec_context.layout.channels] if stream.codec_context.layout else []
        self.meter = LevelMeter(self.source_rate, names or ["FC"] * max(1, stream.codec_context.channels or 1))
        self.resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        self.chunks: list[np.ndarray] = []

    def add(self, frame: av.AudioFrame | None) -> None:
        if frame is not None:
            self.meter.add(_audio_block_to_float(frame))
        for out in self.resampler.resample(frame):
            self.chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))

    def track(self) -> AudioTrack:
        self.add(None)  # flush the resampler
        samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        m = self.meter
        return AudioTrack(
            samples=np.clip(samples, -1.0, 1.0),
            rate=self.rate,
            source_rate=self.source_rate,
            peak_dbfs=to_dbfs(m.peak),
            true_peak_dbfs=to_dbfs(max(m.true_peak, m.peak)),
            clipping_ratio=m.clipping_ratio(),
            loudness_lufs=m.loudness(),
            channels=m.channels,
            meter=m,
        )


def decode_clip(path: str, plan: SamplingPlan | None = None) -> Clip:
    """Decode ``path`` once into a Clip following ``plan``.

    Video times come from presentation timestamps (variable frame rate safe), measured
    from the file's presentation start (:func:`presentation_start`), the same zero as the
    audio's: a video stream that starts 0.85 s into the file has its first frame at 0.85 s,
    and audio that starts late is preceded by silence. Every decoded frame leaves a
    signature (:class:`FrameSignatures`). Frames are turned to display orientation (rotation
    metadata) and display aspect (sample aspect ratio). With ``plan.exclude_layout`` the
    Clip holds only the content box and the time before a platform end card
    (:mod:`scoring.media.layout`; the uncut Clip is ``clip.full``).

    Raises:
        MediaError: the file is missing, empty, not media, audio-only, truncated or corrupt.
    """
    plan = plan or SamplingPlan()
    size = check_file(path)
    with open_container(path) as container:
        info = info_from_container(container, path, size, read_rotation=False)
        clip = _decode_open(container, info, plan)
    if plan.exclude_layout:  # bars and a platform end card are not the creator's picture
        from scoring.media.layout import apply_layout, find_layout

        clip = apply_layout(clip, find_layout(clip))
    return clip


def decode_audio(path: str, plan: SamplingPlan | None = None) -> Clip:
    """The soundtrack alone, decoded as :func:`decode_clip` decodes it (same resampler,
    levels and zero), in a Clip without frames: a quick first pass (the picture is demuxed,
    not decoded) so the soundtrack's analyzers can start while the picture decodes.

    With ``plan.exclude_layout`` the audio is cut at a platform end card as the layout step
    cuts it: the card is looked for in the video's last seconds only
    (:func:`scoring.media.layout.end_card_from_tail`: the last keyframe alone, a few ms; where
    it is flat and dark, the frames from about 5-9 s before the end). Still not always the
    final audio (a card that neither starts on nor runs through a keyframe, a tail that
    cannot tell, a file whose length is known only from its frames): a caller compares it
    with the full Clip's (:func:`same_audio`) before using what it computed from it.

    Raises:
        MediaError: the file is missing, empty or not media.
    """
    plan = plan or SamplingPlan()
    size = check_file(path)
    track, end = None, None
    with open_container(path) as container:
        info = info_from_container(container, path, size, read_rotation=False)
        astream = container.streams.audio[0] if container.streams.audio else None
        if astream is not None:
            zero = presentation_start(container)
            audio = _AudioCollector(astream, plan.audio_rate)
            for packet in container.demux(astream):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    continue
                for frame in decoded:
                    audio.add(frame)
            track = _align_audio(audio.track(), astream, zero)
            if plan.exclude_layout and container.streams.video:  # cut where decode_clip will cut it
                from scoring.media.layout import end_card_from_tail

                _, end = end_card_from_tail(lambda s: _tail_signatures(container, plan, zero, s), info.duration_s,
                                            last_keyframe=lambda: _last_keyframe_luma(container, zero, info.duration_s))
    none = Frames(np.zeros((0, 1, 1, 3), np.uint8), np.zeros(0))
    if end is not None and track is not None:
        track = track.cut(end)
    return Clip(info=info, hook=none, body=none, stills=none, audio=track, plan=plan, content_end_s=end)


def _last_keyframe_luma(container: av.container.InputContainer, zero: float, duration_s: float) -> np.ndarray | None:
    """Luma signature (S, S) of the video's last keyframe, that frame alone decoded (a few
    ms; its pixels are the full decode's: a keyframe depends on no other frame); None where
    it cannot be read."""
    vstream = container.streams.video[0]
    ctx = vstream.codec_context
    try:
        container.seek(int((zero + max(duration_s, 0.0)) / vstream.time_base), stream=vstream, backward=True)
        ctx.flush_buffers()
        ctx.skip_frame = "NONKEY"
        for packet in container.demux(vstream):
            for frame in packet.decode():
                return frame_signature(frame, int(round(frame.rotation or 0)))[0]
    except (av.error.FFmpegError, ValueError):
        return None
    finally:
        ctx.skip_frame = "DEFAULT"
    return None


# A tail that starts this far (s) before its first frame is not decoded (a long GOP: too slow).
MAX_TAIL_LEAD_S = 4.0


def _tail_signatures(container: av.container.InputContainer, plan: SamplingPlan, zero: float, from_s: float
                     ) -> FrameSignatures | None:
    """Signatures of the frames from the keyframe before ``from_s`` (s from the presentation
    start) to the end, as :func:`_decode_open` decodes them there (non-reference frames
    skipped past the hook); None where that cannot be promised (no timestamps, a keyframe
    more than ``MAX_TAIL_LEAD_S`` before ``from_s``, a decoding error). About 2-4 ms a frame
    at 1080p."""
    vstream = container.streams.video[0]
    ctx = vstream.codec_context
    ctx.skip_frame = "DEFAULT"
    skipping = False
    times: list[float] = []
    luma: list[np.ndarray] = []
    chroma: list[np.ndarray] = []
    try:
        container.seek(int((zero + from_s) / vstream.time_base), stream=vstream, backward=True)
        ctx.flush_buffers()
        started = False
        for packet in container.demux(vstream):
            if not started:  # the decode starts at a keyframe: leading frames of an open GOP are not whole
                if not packet.is_keyframe or packet.pts is None:
                    continue
                if float(packet.pts * vstream.time_base) - zero < from_s - MAX_TAIL_LEAD_S:
                    return None
                started, first_t = True, round(float(packet.pts * vstream.time_base) - zero, 4)
                if plan.skip_nonref_frames and first_t > plan.hook_seconds:
                    ctx.skip_frame = "NONREF"  # as _decode_open decodes past the hook
                    skipping = True
            for frame in packet.decode():
                if frame.time is None:
                    return None
                t = round(float(frame.time) - zero, 4)
                if t < first_t:
                    continue
                y, uv = frame_signature(frame, int(round(frame.rotation or 0)))
                times.append(t)
                luma.append(y)
                chroma.append(uv)
                if plan.skip_nonref_frames and not skipping and t > plan.hook_seconds:
                    ctx.skip_frame = "NONREF"
                    skipping = True
    except (av.error.FFmpegError, ValueError):
        return None
    if not times:
        return None
    order = np.argsort(np.asarray(times), kind="stable")
    return FrameSignatures(np.asarray(times, np.float64)[order], np.stack(luma)[order], np.stack(chroma)[order],
                           all_frames=not skipping)


def same_audio(a: Clip, b: Clip) -> bool:
    """Whether two Clips hold the same soundtrack and the same duration (what the
    soundtrack's analyzers read)."""
    if a.duration_s != b.duration_s or (a.audio is None) != (b.audio is None):
        return False
    if a.audio is None or b.audio is None:
        return True
    x, y = a.audio, b.audio
    return (x.rate == y.rate and x.source_rate == y.source_rate and x.channels == y.channels
            and x.peak_dbfs == y.peak_dbfs and x.true_peak_dbfs == y.true_peak_dbfs
            and x.clipping_ratio == y.clipping_ratio and x.loudness_lufs == y.loudness_lufs
            and np.array_equal(x.samples, y.samples))


def _decode_open(container: av.container.InputContainer, info: VideoInfo, plan: SamplingPlan) -> Clip:
    path = info.path
    vstream = container.streams.video[0]
    # FFmpeg's decoder pool counts against this process's thread budget (it defaults to
    # every core, so N workers ran N x cores decoding threads).
    vstream.thread_count = thread_budget()
    skipping = False
    astream = container.streams.audio[0] if container.streams.audio else None
    hook_t, body_t, still_t = sample_times(plan, info.duration_s)
    tol = 0.5 / info.fps if info.fps > 0 else 0.02
    hook, body, stills = _Sampler(hook_t, tol), _Sampler(body_t, tol), _Sampler(still_t, tol)
    audio = _AudioCollector(astream, plan.audio_rate) if astream is not None else None
    coded_disp_w = round(info.coded_width * info.sample_aspect_ratio)
    sw = sh = 0  # analysis size in coded orientation, set on the first frame
    zero = presentation_start(container)
    first = True
    sig_t: list[float] = []
    sig_y: list[np.ndarray] = []
    sig_uv: list[np.ndarray] = []
    last_t, n_frames, bad, packets = -1.0, 0, 0, 0
    last_frame: av.VideoFrame | None = None
    streams = [vstream] + ([astream] if astream is not None else [])
    try:
        for packet in container.demux(*streams):
            packets += 1
            try:
                decoded = packet.decode()
            except av.error.InvalidDataError:
                bad += 1
                continue
            for frame in decoded:
                if isinstance(frame, av.AudioFrame):
                    audio.add(frame)  # type: ignore[union-attr]
                    continue
                if frame.time is None:
                    t_abs = zero + ((n_frames / info.fps) if info.fps else 0.0)
                else:
                    t_abs = float(frame.time)
                if first:
                    first = False
                    _with_rotation(info, int(round(frame.rotation or 0)))
                    aw, ah = analysis_size(info.width, info.height, plan.analysis_long_side)
                    sw, sh = (ah, aw) if info.rotation % 180 else (aw, ah)
                t = round(t_abs - zero, 4)
                y, uv = frame_signature(frame, info.rotation)
                sig_t.append(t)
                sig_y.append(y)
                sig_uv.append(uv)
                n_frames += 1
                last_t, last_frame = t, frame
                if plan.skip_nonref_frames and not skipping and t > plan.hook_seconds:
                    vstream.codec_context.skip_frame = "NONREF"  # past the dense hook
                    skipping = True
                if hook.wants(t) and t < plan.hook_seconds or body.wants(t):
                    img = _rotate(_rgb(frame, sw, sh), info.rotation)
                    if hook.wants(t) and t < plan.hook_seconds:
                        hook.take(t, img)
                    if body.wants(t):
                        body.take(t, img)
                if stills.wants(t):
                    full = _rgb(frame, coded_disp_w, info.coded_height)
                    stills.take(t, _rotate(full, info.rotation))
    except av.error.FFmpegError as exc:
        raise MediaError("decode_error", path, f"decoding failed after {n_frames} frames: {exc}") from exc
    if n_frames == 0 or last_frame is None:
        raise MediaError("truncated", path, "no video frame could be decoded (truncated or corrupt)")
    if packets and bad / packets > MAX_BAD_PACKET_RATIO:
        raise MediaError("decode_error", path, f"{bad} of {packets} packets are corrupt")
    frame_step = 1.0 / info.fps if info.fps else 0.0
    if info.duration_s > 1.0 and last_t + frame_step < 0.9 * info.duration_s - 0.5:
        raise MediaError(
            "truncated", path,
            f"video ends at {last_t:.2f} s but the file declares {info.duration_s:.2f} s (truncated)",
        )
    # Short clips may not reach some targets: fall back to the last frame.
    for sampler, native in ((hook, False), (body, False), (stills, True)):
        if not sampler.count:
            if native:
                img = _rgb(last_frame, coded_disp_w, info.coded_height)
            else:
                img = _rgb(last_frame, sw, sh)
            sampler.take(last_t, _rotate(img, info.rotation))
    if info.duration_s <= 0:
        info.duration_s = round(last_t + frame_step, 3)
    if info.frame_count is None:
        info.frame_count = n_frames
    order = np.argsort(np.asarray(sig_t), kind="stable")  # decode order -> presentation order
    signatures = FrameSignatures(
        times=np.asarray(sig_t, np.float64)[order],
        luma=np.stack(sig_y)[order],
        chroma=np.stack(sig_uv)[order],
        all_frames=not skipping,
    )
    track = audio.track() if audio is not None else None
    if track is not None and astream is not None:
        track = _align_audio(track, astream, zero)
    return Clip(
        info=info,
        hook=hook.frames(),
        body=body.frames(),
        stills=stills.frames(),
        audio=track,
        plan=plan,
        signatures=signatures,
    )


def _align_audio(track: AudioTrack, stream: av.audio.stream.AudioStream, zero: float) -> AudioTrack:
    """Put silence before audio whose stream starts after the file's presentation start,
    so sample 0 is at time 0 like the video's times."""
    if stream.start_time is None or not stream.time_base:
        return track
    lead = float(stream.start_time * stream.time_base) - zero
    pad = int(round(lead * track.rate))
    if pad <= 0:
        return track
    track.samples = np.concatenate([np.zeros(pad, np.float32), track.samples])
    return track
