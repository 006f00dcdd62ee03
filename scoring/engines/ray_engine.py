"""Ray engine: the same per-video function as Ray actors, locally or on a cluster.

One actor per worker slot holds a :class:`scoring.pipeline.Worker` (models loaded once
per actor, before its first video) and scores one video at a time, so the engine
knows which video each actor holds: an actor that dies fails only that video
(``worker_crashed``) and is replaced; one past the time limit is killed and its
video fails with ``timeout``. Video paths must be readable on every node (a shared
filesystem mounted at the same path).
"""

from __future__ import annotations

import time

from scoring import threads as thread_caps
from scoring.engines.base import DEFAULT_TIMEOUT_S, Engine, OnResult, OnStatus
from scoring.errors import ConfigError
from scoring.results import failed_result

INSTALL_HINT = "--engine ray needs Ray: pip install 'sparkscout[ray]' (or pip install ray==2.60.0)"


class _RayWorker:
    """Body of one Ray actor."""

    def __init__(self, settings, threads: int) -> None:
        thread_caps.cap(threads)
        from scoring.pipeline import Worker

        self.worker = Worker(settings)
        self.worker.load_models()
        thread_caps.cap_loaded(threads)

    def ready(self) -> bool:
        return True

    def process(self, ref):
        from scoring.engines import heap

        result = self.worker.process(ref)
        heap.trim()
        return result


class RayEngine(Engine):
    """Score videos as Ray actor calls.

    Args:
        workers: actors (default: the cluster's CPUs; never more than there are videos).
        timeout_s: per-video limit in seconds (None: no limit).
        address: cluster to join (``auto``, ``ray://host:10001``); None starts Ray here.
    """

    name = "ray"

    def __init__(self, workers: int | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S,
                 address: str | None = None) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError(INSTALL_HINT) from None
        self.workers, self.timeout_s, self.address = workers, timeout_s, address
        self.used_workers = 0

    def describe(self) -> dict[str, object]:
        return {"engine": self.name, "workers": self.used_workers, "ray_address": self.address,
                "timeout_s": self.timeout_s}

    def run(self, jobs, settings, on_result: OnResult, on_status: OnStatus | None = None) -> None:
        if not jobs:
            return
        import ray

        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers or thread_caps.available_cores(), include_dashboard=False,
                         log_to_driver=False, configure_logging=False)
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            n = max(1, min(self.workers or cpus, len(jobs)))
            self.used_workers = n
            threads = max(1, cpus // n) if not self.address else 1
            actor_cls = ray.remote(num_cpus=1)(_RayWorker)
            if on_status:
                on_status(f"loading models in {n} Ray actor{'s' if n > 1 else ''}…")
            self._loop(ray, actor_cls, n, threads, list(reversed(jobs)), settings, on_result, on_status)
        finally:
            if started_here:
                ray.shutdown()

    def _loop(self, ray, actor_cls, n, threads, pending, settings, on_result, on_status) -> None:
        from ray.exceptions import RayActorError, RayTaskError

        idle = [actor_cls.remote(settings, threads) for _ in range(n)]
        try:
            ray.get([a.ready.remote() for a in idle])
        except Exception as exc:  # noqa: BLE001 - every video fails with the reason, the run still ends
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            for index, ref in reversed(pending):
                on_result(index, failed_result(ref, "internal_error", f"Ray actors could not start: {first}"))
            for actor in idle:
                ray.kill(actor)
            return
        if on_status:
            on_status("models loaded; scoring")
        busy: dict = {}  # object ref -> (actor, index, ref, started)
        while pending or busy:
            while idle and pending:
                actor = idle.pop()
                index, ref = pending.pop()
                busy[actor.process.remote(ref)] = (actor, index, ref, time.perf_counter())
            done, _ = ray.wait(list(busy), num_returns=1, timeout=1.0)
            for obj in done:
                actor, index, ref, started = busy.pop(obj)
                try:
                    on_result(index, ray.get(obj))
                    idle.append(actor)
                except RayActorError as exc:
                    on_result(index, failed_result(ref, "worker_crashed", f"the Ray actor scoring this video died: "
                                                   f"{str(exc).splitlines()[0]}", seconds=time.perf_counter() - started))
                    if pending:
                        idle.append(actor_cls.remote(settings, threads))
                except RayTaskError as exc:
                    on_result(index, failed_result(ref, "internal_error", f"internal error: {exc}"))
                    idle.append(actor)
            if self.timeout_s:
                now = time.perf_counter()
                for obj, (actor, index, ref, started) in list(busy.items()):
                    if now - started > self.timeout_s:
                        busy.pop(obj)
                        ray.kill(actor)
                        on_result(index, failed_result(
                            ref, "timeout", f"still running after {self.timeout_s:g} s (--timeout); stopped",
                            seconds=float(self.timeout_s)))
                        if pending:
                            idle.append(actor_cls.remote(settings, threads))
        for actor in idle:
            ray.kill(actor)
