"""Probe and one-pass decode (PyAV) into a Clip."""

from scoring.media.clip import AudioTrack, Clip, Frames, SamplingPlan, VideoInfo
from scoring.media.decode import decode_clip
from scoring.media.probe import probe

__all__ = ["AudioTrack", "Clip", "Frames", "SamplingPlan", "VideoInfo", "decode_clip", "probe"]
