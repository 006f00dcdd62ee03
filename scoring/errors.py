"""Error types. Each carries enough to tell a user which file and what went wrong."""

from __future__ import annotations


class SparkScoutError(Exception):
    """Base class for every error SparkScout raises on purpose."""


class ConfigError(SparkScoutError):
    """A campaign, manifest or command-line setting is invalid (exit code 2)."""


class MediaError(SparkScoutError):
    """A video cannot be used. ``code`` is a stable machine-readable reason.

    Codes: ``not_found``, ``empty_file``, ``not_media`` (no container FFmpeg can
    read), ``not_video`` (a still image), ``no_video_stream`` (e.g. audio only), ``truncated``,
    ``decode_error``. Engines add ``worker_crashed`` and ``timeout`` (see scoring.results).
    """

    def __init__(self, code: str, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.code = code
        self.path = path
        self.message = message
