"""Ray engine: the same per-video function as Ray actors, locally or on a cluster.

One actor per worker slot holds a :class:`scoring.pipeline.Worker` (models loaded once
per actor, before its first video) and scores one video at a time, so the engine
knows which video each actor holds: an actor that dies fails only that video
(``worker_crashed``) and is replaced; one past the time limit is killed and its
video fails with ``timeout``.

Videos without a shared filesystem: an actor that cannot see a video's path says so,
and from then on the driver ships each video's bytes through Ray's object store
(``ship_videos=True`` does so from the start). At most one video per actor is in the
store at a time, and its object is released as soon as the result is back. The actor
scores a private copy and sends the report media back with the result.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from scoring import threads as thread_caps
from scoring.engines import ray_connect
from scoring.engines.base import DEFAULT_TIMEOUT_S, Engine, OnResult, OnStatus
from scoring.errors import ConfigError
from scoring.results import failed_result

INSTALL_HINT = "--engine ray needs Ray: pip install 'sparkscout[ray]' (or pip install ray==2.60.0)"
NOT_HERE = "not-here"  # an actor's answer when it cannot see the video's path


class _RayWorker:
    """Body of one Ray actor."""

    def __init__(self, settings, threads: int) -> None:
        thread_caps.cap(threads)
        from scoring.pipeline import Worker

        self.worker = Worker(settings)
        self.worker.start_loading(then=lambda: thread_caps.cap_loaded(threads))  # while the first video decodes

    def ready(self) -> int:
        return os.getpid()

    def process(self, ref, blob: bytes | None = None):
        """``(result, media)``: media is None, or ``{kind: (file name, bytes)}`` when the
        video came as ``blob`` (its bytes); NOT_HERE if the path is not visible here."""
        from scoring.engines import heap

        if blob is None:
            if not os.path.exists(ref.path):
                return NOT_HERE
            result, media = self.worker.process(ref), None
        else:
            result, media = _score_bytes(self.worker, ref, blob)
        heap.trim()
        return result, media


def _score_bytes(worker, ref, blob: bytes):
    """Score ``blob`` (the bytes of ``ref.path``) from a private temporary copy; the
    result names the original path, and its report media travel back as bytes."""
    fd, tmp = tempfile.mkstemp(prefix="sparkscout-", suffix=Path(ref.path).suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        del blob
        result = worker.process(dataclasses.replace(ref, path=tmp))
    finally:
        os.unlink(tmp)
    result.ref = dataclasses.replace(result.ref, path=ref.path)
    if result.error:
        result.error = {**result.error, "message": result.error["message"].replace(tmp, ref.path)}
    result.warnings = [w.replace(tmp, ref.path) for w in result.warnings]
    media = {}
    for kind, path in result.media.items():
        try:
            media[kind] = (Path(path).name, Path(path).read_bytes())
        except OSError:
            pass
    return result, media


def _media_root(settings) -> Path:
    """Where this machine keeps report media (what :class:`scoring.pipeline.Worker` uses)."""
    return Path(settings.cache_dir) / "media" if settings.cache_dir else Path(settings.media_dir or "report_media")


def _land_media(result, media, settings) -> None:
    """Write media shipped back from a worker here and point the result at them."""
    if not media:
        return
    root = _media_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    for kind, (name, data) in media.items():
        path = root / name
        if not path.exists():
            tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        result.media[kind] = str(path)


class RayEngine(Engine):
    """Score videos as Ray actor calls.

    Args:
        workers: actors (default: the cluster's CPUs; never more than there are videos).
        timeout_s: per-video limit in seconds (None: no limit).
        address: cluster to join (``HOST:PORT`` of the head node, ``auto``,
            ``ray://HOST:10001``); None starts a private Ray instance here.
        ship_videos: send every video's bytes through Ray's object store (for workers
            without the videos' filesystem); otherwise only once a worker cannot see a path.
    """

    name = "ray"

    def __init__(self, workers: int | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S,
                 address: str | None = None, ship_videos: bool = False) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError(INSTALL_HINT) from None
        self.workers, self.timeout_s = workers, timeout_s
        self.address = None if address in (None, "", "local") else address
        self.ship = ship_videos
        self.shipped = 0
        self.used_workers = 0
        self._started = False  # this engine called ray.init (and must shut Ray down)
        self._auth_before: str | None = None

    def describe(self) -> dict[str, object]:
        return {"engine": self.name, "workers": self.used_workers, "ray_address": self.address,
                "timeout_s": self.timeout_s, "shipped_videos": self.shipped}

    def open(self) -> None:
        """Join the cluster at ``address`` now (a refusal is exit 2 before anything is written)."""
        import ray

        if self.address and not ray.is_initialized():
            ray_connect.join(ray, self.address)
            self._started = True

    def close(self) -> None:
        if self._started:
            import ray

            ray.shutdown()
            if not self.address:
                ray_connect.restore_auth_mode(self._auth_before)
            self._started = False

    def run(self, jobs, settings, on_result: OnResult, on_status: OnStatus | None = None) -> None:
        if not jobs:
            return
        import ray

        if not ray.is_initialized():
            if self.address:
                self.open()
            else:
                if on_status:
                    on_status("starting a private Ray instance on this machine…")
                self._auth_before = ray_connect.start_local(ray, self.workers or thread_caps.available_cores())
                self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = max(1, min(self.workers or cpus, len(jobs)))
        self.used_workers = n
        threads = max(1, cpus // n) if not self.address else 1
        actor_cls = ray.remote(num_cpus=1)(_RayWorker)
        if on_status:
            on_status(f"loading models in {n} Ray actor{'s' if n > 1 else ''}…")
        _Loop(ray, actor_cls, threads, settings, self, on_result, on_status).run(n, list(reversed(jobs)))


class _Loop:
    """One run's scheduling: idle actors take pending videos; results come back in any order."""

    def __init__(self, ray, actor_cls, threads, settings, engine: RayEngine, on_result, on_status) -> None:
        self.ray, self.actor_cls, self.threads, self.settings = ray, actor_cls, threads, settings
        self.engine, self.on_result, self.on_status = engine, on_result, on_status
        self.busy: dict = {}  # result ref -> (actor, index, ref, started, blob ref or None)

    def _new_actor(self):
        return self.actor_cls.remote(self.settings, self.threads)

    def run(self, n: int, pending: list) -> None:
        ray = self.ray
        idle = [self._new_actor() for _ in range(n)]
        try:
            ray.get([a.ready.remote() for a in idle])
        except Exception as exc:  # noqa: BLE001 - every video fails with the reason, the run still ends
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            for index, ref in reversed(pending):
                self.on_result(index, failed_result(ref, "internal_error", f"Ray actors could not start: {first}"))
            for actor in idle:
                ray.kill(actor)
            return
        if self.on_status:
            self.on_status("Ray actors ready; scoring (models load while the first video decodes)")
        try:
            while pending or self.busy:
                while idle and pending:
                    self._submit(idle.pop(), pending.pop(), idle, pending)
                done, _ = ray.wait(list(self.busy), num_returns=1, timeout=1.0)
                for obj in done:
                    self._collect(obj, idle, pending)
                self._time_out(idle, pending)
        finally:
            for actor in idle + [b[0] for b in self.busy.values()]:
                ray.kill(actor)
            self.busy.clear()

    def _submit(self, actor, job, idle: list, pending: list) -> None:
        index, ref = job
        blob = None
        if self.engine.ship:
            try:
                data = Path(ref.path).read_bytes()
            except OSError as exc:
                self.on_result(index, failed_result(ref, "not_found", f"cannot read it to send to a Ray worker: "
                                                    f"{exc.strerror or exc}"))
                idle.append(actor)
                return
            blob = self.ray.put(data)  # in the object store until this video's result is back
            del data
            self.engine.shipped += 1
        task = actor.process.remote(ref) if blob is None else actor.process.remote(ref, blob)
        self.busy[task] = (actor, index, ref, time.perf_counter(), blob)

    def _collect(self, obj, idle: list, pending: list) -> None:
        from ray.exceptions import RayError, RayTaskError

        actor, index, ref, started, _blob = self.busy.pop(obj)  # dropping the blob's ref frees it
        try:
            answer = self.ray.get(obj)
        except RayTaskError as exc:  # a bug escaped Worker.process: this video fails, the actor goes on
            self.on_result(index, failed_result(ref, "internal_error", f"internal error: {exc}"))
            idle.append(actor)
            return
        except RayError as exc:  # the actor's process died (killed, OOM, node lost)
            first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
            self.on_result(index, failed_result(
                ref, "worker_crashed", f"the Ray worker scoring this video died ({first}); the rest of the batch "
                "goes on", seconds=round(time.perf_counter() - started, 3)))
            self.ray.kill(actor)
            if pending:
                idle.append(self._new_actor())
            return
        if answer == NOT_HERE:
            if not os.path.exists(ref.path):  # gone here too: not a filesystem the worker lacks
                self.on_result(index, failed_result(ref, "not_found", "file does not exist"))
                idle.append(actor)
                return
            if not self.engine.ship:
                self.engine.ship = True
                if self.on_status:
                    self.on_status(f"a Ray worker cannot see {ref.path}: sending every video's bytes through Ray's "
                                   "object store from now on (--ship-videos does so from the start)")
            self._submit(actor, (index, ref), idle, pending)
            return
        result, media = answer
        _land_media(result, media, self.settings)
        self.on_result(index, result)
        idle.append(actor)

    def _time_out(self, idle: list, pending: list) -> None:
        timeout = self.engine.timeout_s
        if not timeout:
            return
        now = time.perf_counter()
        for obj, (actor, index, ref, started, _blob) in list(self.busy.items()):
            if now - started > timeout:
                self.busy.pop(obj)
                self.ray.kill(actor)
                self.on_result(index, failed_result(
                    ref, "timeout", f"still running after {timeout:g} s (--timeout); stopped", seconds=float(timeout)))
                if pending:
                    idle.append(self._new_actor())
