"""The decoded, sampled form of a video that every analyzer works on."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SamplingPlan:
    """What to keep while decoding. Memory is bounded by this plan, not by the video.

    Attributes:
        hook_seconds: length of the densely sampled opening, seconds.
        hook_fps: frames per second kept inside the hook.
        body_fps: frames per second kept over the whole video.
        max_body_frames: cap on body frames; long videos are sampled more sparsely.
        analysis_long_side: long side of hook/body frames in pixels (aspect kept).
        n_stills: frames kept at native display resolution, spread over the video.
        audio_rate: sample rate of the analysis audio, Hz (mono float32).
        skip_nonref_frames: after the hook, let the decoder drop frames no other frame
            depends on (B-frames). About halves decode time on B-frame video; body
            sample times then land on the nearest kept frame (within a frame or two).
        exclude_layout: give analyzers only the creator's picture: frames cut to the
            content box inside letterbox/pillarbox bars, and everything (frames, signatures,
            audio, duration) cut before a platform end card (``scoring.media.layout``).
    """

    hook_seconds: float = 3.0
    hook_fps: float = 8.0
    body_fps: float = 2.0
    max_body_frames: int = 120
    analysis_long_side: int = 640
    n_stills: int = 3
    audio_rate: int = 16000
    skip_nonref_frames: bool = True
    exclude_layout: bool = True


@dataclass
class VideoInfo:
    """What the decoder sees in a file. Sizes are display sizes (rotation and SAR applied)."""

    path: str
    size_bytes: int
    container: str
    duration_s: float
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    sample_aspect_ratio: float
    fps: float
    video_codec: str
    bit_rate: int | None
    has_audio: bool
    audio_codec: str | None = None
    audio_rate: int | None = None
    audio_channels: int | None = None
    frame_count: int | None = None

    @property
    def aspect_ratio(self) -> float:
        """Display width / height."""
        return self.width / self.height if self.height else 0.0

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (the caller's array stays writable)."""
    if isinstance(a, np.ndarray) and a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


@dataclass
class Frames:
    """A set of sampled frames.

    Attributes:
        images: uint8 RGB array, shape (N, H, W, 3), display orientation.
        times: presentation times in seconds from the file's presentation start (the
            earliest stream start; a video stream that starts late starts above 0), shape (N,).
    """

    images: np.ndarray
    times: np.ndarray

    def __post_init__(self) -> None:
        # analyzers run in several threads on the same frames: a write would reach the others
        self.images, self.times = _read_only(self.images), _read_only(self.times)

    def __len__(self) -> int:
        return int(self.times.shape[0])

    @classmethod
    def empty(cls, height: int = 0, width: int = 0) -> Frames:
        return cls(np.zeros((0, height, width, 3), np.uint8), np.zeros(0, np.float64))


@dataclass
class AudioTrack:
    """Decoded audio.

    Attributes:
        samples: mono float32 in [-1, 1], shape (n,), at ``rate`` Hz.
        rate: sample rate of ``samples``, Hz.
        source_rate: the stream's own sample rate, Hz.
        peak_dbfs: sample peak over all source channels at the source rate, dBFS.
        true_peak_dbfs: peak of the 4x oversampled source signal (ITU-R BS.1770), dBTP.
        clipping_ratio: share of source samples (all channels) on flat tops, i.e. hard
            clipped (0-1); a loud limited master reads under 0.001 (``media.levels``).
        loudness_lufs: integrated loudness of the source audio, every channel at the source
            rate (ITU-R BS.1770-4, gated), LUFS; None for under 0.4 s or silence.
        channels: channels in the source stream.
        meter: the decoder's ``media.levels.LevelMeter`` (levels of any leading part, see
            :meth:`cut`); None where the track was built from samples.
    """

    samples: np.ndarray
    rate: int
    source_rate: int
    peak_dbfs: float
    true_peak_dbfs: float
    clipping_ratio: float
    loudness_lufs: float | None = None
    channels: int = 1
    meter: object | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.samples = _read_only(self.samples)  # shared by the soundtrack's analyzers

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.rate if self.rate else 0.0

    def cut(self, end_s: float) -> AudioTrack:
        """The track before ``end_s`` seconds, its levels (peaks, clipping, loudness) measured
        on that part only when the decoder's meter is there (else the whole track's are kept)."""
        samples = self.samples[:int(round(end_s * self.rate))]
        if self.meter is None:
            return dataclasses.replace(self, samples=samples)
        peak, true_peak, clipping, lufs = self.meter.levels_until(end_s)
        return dataclasses.replace(self, samples=samples, peak_dbfs=_dbfs(peak), true_peak_dbfs=_dbfs(true_peak),
                                   clipping_ratio=clipping, loudness_lufs=lufs)


def _dbfs(x: float) -> float:
    return round(20 * math.log10(x), 2) if x > 1e-6 else -120.0  # as decode.to_dbfs


@dataclass
class FrameSignatures:
    """A tiny picture of every frame the decoder produced (for cuts and transitions).

    Attributes:
        times: presentation times in seconds from the file's presentation start, shape (N,).
        luma: luma (Y, 0-255) averaged over a SIGNATURE_SIZE x SIGNATURE_SIZE grid of the
            display-oriented frame, uint8, shape (N, S, S); the grid ignores the aspect ratio.
        chroma: U and V (128 = grey) on a grid half that size, uint8, shape (N, 2, S/2, S/2).
        all_frames: True when every coded frame was decoded; False when the decoder
            skipped non-reference frames after the hook (gaps of one to three frames).
    """

    times: np.ndarray
    luma: np.ndarray
    chroma: np.ndarray
    all_frames: bool = True

    def __post_init__(self) -> None:
        self.times, self.luma, self.chroma = (_read_only(a) for a in (self.times, self.luma, self.chroma))

    def __len__(self) -> int:
        return int(self.times.shape[0])


SIGNATURE_SIZE = 32


@dataclass
class Clip:
    """One video, decoded once: hook frames, body frames, stills, a signature of every
    decoded frame (None when built by hand in tests) and audio.

    With ``plan.exclude_layout`` these hold only the creator's picture (see
    ``scoring.media.layout``): ``layout`` says what was cut (a ``Layout``: content box,
    end card start), ``full`` is the uncut Clip, ``content_end_s`` the end card's start."""

    info: VideoInfo
    hook: Frames
    body: Frames
    stills: Frames
    audio: AudioTrack | None
    plan: SamplingPlan = field(default_factory=SamplingPlan)
    signatures: FrameSignatures | None = None
    layout: object | None = None  # scoring.media.layout.Layout (None: not looked for)
    full: Clip | None = None  # the uncut Clip when the layout cut something
    content_end_s: float | None = None  # where the content ends (a platform end card starts), s

    @property
    def duration_s(self) -> float:
        """Seconds of content: the file's duration, or up to the end card."""
        if self.content_end_s is not None:
            return min(self.info.duration_s, self.content_end_s)
        return self.info.duration_s
