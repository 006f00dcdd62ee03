"""The engine interface: run the per-video function over a batch, report each result as it lands.

An engine owns *where* videos are scored (this process, local worker processes, a Ray
cluster); :class:`scoring.pipeline.Worker` owns *how*. Every engine must:

- call ``on_result(index, result)`` exactly once per input, in completion order;
- turn any failure of the machinery (a dead worker, a time-out) into a failed
  :class:`~scoring.results.VideoResult` for the video it held, never an exception
  that sinks the batch;
- load models once per worker (in the background while its first video decodes).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar

from scoring.errors import ConfigError
from scoring.inputs import VideoRef
from scoring.results import VideoResult

OnResult = Callable[[int, VideoResult], None]
OnStatus = Callable[[str], None]

DEFAULT_TIMEOUT_S = 900.0  # per video; a 10-minute 1080p video takes about 2-4 min on one core


class Engine(abc.ABC):
    """Base class: subclasses set ``name`` and implement :meth:`run`."""

    name: ClassVar[str]

    @abc.abstractmethod
    def run(self, jobs: list[tuple[int, VideoRef]], settings, on_result: OnResult,
            on_status: OnStatus | None = None) -> None:
        """Score every ``(index, ref)`` of ``jobs`` with ``settings`` (a RunSettings)."""

    def describe(self) -> dict[str, object]:
        """What goes into ``ranking.json``'s ``run`` about this engine."""
        return {"engine": self.name}

    def open(self) -> None:
        """Connect to what the engine runs on, before the run writes anything (a refused
        connection is a ConfigError: exit 2, nothing written). Default: nothing to do."""
        return None

    def close(self) -> None:
        """Release what :meth:`open` or :meth:`run` acquired. Default: nothing to do."""
        return None


def make_engine(name: str, *, workers: int | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S,
                isolate: bool | None = None, ray_address: str | None = None,
                ship_videos: bool = False) -> Engine:
    """The engine called ``name`` (``local`` or ``ray``), configured.

    Raises:
        ConfigError: an unknown name, bad numbers, or Ray asked for but not installed.
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if timeout_s is not None and timeout_s <= 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, not {timeout_s}")
    if ship_videos and name != "ray":
        raise ConfigError("--ship-videos needs --engine ray (local workers read the files themselves)")
    if name == "local":
        from scoring.engines.local import LocalEngine

        return LocalEngine(workers=workers, timeout_s=timeout_s, isolate=isolate)
    if name == "ray":
        from scoring.engines.ray_engine import RayEngine

        return RayEngine(workers=workers, timeout_s=timeout_s, address=ray_address, ship_videos=ship_videos)
    raise ConfigError(f"unknown engine {name!r} (use local or ray)")
