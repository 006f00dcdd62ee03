"""Local engine: worker processes on this machine, each with its own models.

Each worker is a spawned process talking to this one over a pipe, one video at a
time, so the engine always knows which video a worker holds. A worker that dies
(segfault, OOM kill, ``os._exit``) fails only that video (``worker_crashed``) and is
replaced; a video that runs past the time limit has its worker killed and fails with
``timeout``. Workers are replaced every :data:`RECYCLE_EVERY` videos, which bounds
memory on long batches (native libraries leak a little per call). Native thread pools
get ``cores // workers`` threads per worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait

from scoring import threads as thread_caps
from scoring.engines.base import DEFAULT_TIMEOUT_S, Engine, OnResult, OnStatus
from scoring.engines.worker_proc import wipe_jit_dir, worker_boot, worker_main
from scoring.inputs import VideoRef
from scoring.results import failed_result

RECYCLE_EVERY = 25
MAX_START_FAILURES = 3  # workers that die before their first video, in a row, before giving up


def default_workers() -> int:
    """Cores this process may use."""
    return thread_caps.available_cores()


_PRESTARTED: list[tuple[int, mp.process.BaseProcess, object]] = []  # (threads, process, pipe end)


def prestart(workers: int) -> None:
    """Start ``workers`` worker processes now, before the run's settings exist (the CLI calls
    this first thing): each imports the pipeline while this process collects the batch,
    which takes as long. The next run whose pool has that many workers adopts them; any
    other run stops them (:func:`discard_prestarted`)."""
    n = max(1, workers)
    threads = max(1, thread_caps.available_cores() // n)
    ctx = mp.get_context("spawn")
    for _ in range(n):
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=worker_boot, args=(child, threads), daemon=True, name="sparkscout-worker")
        with sigint_ignored():
            proc.start()
        child.close()
        _PRESTARTED.append((threads, proc, parent))


def discard_prestarted() -> None:
    """Stop the prestarted workers no pool adopted (they hold nothing yet)."""
    while _PRESTARTED:
        _, proc, conn = _PRESTARTED.pop()
        proc.kill()
        proc.join()
        conn.close()


@dataclass
class _Slot:
    proc: mp.process.BaseProcess
    conn: object
    ready: bool = False
    jit_dir: str | None = None
    job: tuple[int, VideoRef] | None = None
    started: float = 0.0
    done: int = 0


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "was stopped"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@contextlib.contextmanager
def sigint_ignored():
    """Processes started inside inherit SIGINT ignored (a spawned Python keeps it so).

    Ctrl-C in a terminal reaches the whole foreground process group; only this process
    should act on it (it stops the workers and keeps what was stored). Without this every
    worker printed its own KeyboardInterrupt traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class LocalEngine(Engine):
    """Score videos in worker processes on this machine.

    Args:
        workers: processes (default: every core; never more than there are videos).
        timeout_s: per-video limit in seconds (None: no limit).
        isolate: run in worker processes (True), or in this process (False: no crash
            isolation or time limit; for debugging). None: isolate.
        recycle_every: videos per worker process before it is replaced.
    """

    name = "local"

    def __init__(self, workers: int | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S,
                 isolate: bool | None = None, recycle_every: int = RECYCLE_EVERY) -> None:
        self.workers = workers
        self.timeout_s = timeout_s
        self.isolate = True if isolate is None else isolate
        self.recycle_every = recycle_every
        self.used_workers = 0

    def describe(self) -> dict[str, object]:
        return {"engine": self.name, "workers": self.used_workers, "isolated": self.isolate,
                "timeout_s": self.timeout_s}

    def run(self, jobs: list[tuple[int, VideoRef]], settings, on_result: OnResult,
            on_status: OnStatus | None = None) -> None:
        if not jobs:
            return
        n = max(1, min(self.workers or default_workers(), len(jobs)))
        self.used_workers = n
        if not self.isolate:
            discard_prestarted()
            self._run_inline(jobs, settings, on_result, on_status)
            return
        try:
            _Pool(n, settings, self.timeout_s, self.recycle_every, on_result, on_status).run(jobs)
        finally:
            discard_prestarted()

    def close(self) -> None:
        discard_prestarted()  # a run that needed no pool (every video cached) leaves them
        super().close()

    @staticmethod
    def _run_inline(jobs, settings, on_result: OnResult, on_status: OnStatus | None) -> None:
        from scoring.pipeline import Worker

        if on_status:
            on_status("loading models in this process…")
        start = time.perf_counter()
        worker = Worker(settings)
        worker.load_models()
        if on_status:
            on_status(f"models loaded in {time.perf_counter() - start:.1f} s")
        with thread_caps.blas_single_threaded():  # same numbers as in a worker process
            for index, ref in jobs:
                on_result(index, worker.process(ref))


class _Pool:
    """The process pool behind :class:`LocalEngine` (one run)."""

    def __init__(self, n: int, settings, timeout_s: float | None, recycle_every: int,
                 on_result: OnResult, on_status: OnStatus | None) -> None:
        self.n, self.settings, self.timeout_s = n, settings, timeout_s
        self.recycle_every, self.on_result, self.on_status = recycle_every, on_result, on_status
        self.threads = max(1, thread_caps.available_cores() // n)
        root = settings.cache_dir or os.path.join(tempfile.gettempdir(), f"sparkscout-{os.getuid()}")
        self.jit_root = os.path.join(root, "jit")
        self.ctx = mp.get_context("spawn")  # fork is unsafe once ONNX/torch thread pools exist
        self.start_failures = 0
        self.init_error = ""
        self.announced = False

    def _status(self, text: str) -> None:
        if self.on_status:
            self.on_status(text)

    def _adopt(self) -> _Slot | None:
        """A prestarted worker with this pool's thread count, handed its settings; else None."""
        while _PRESTARTED:
            threads, proc, conn = _PRESTARTED.pop(0)
            if threads == self.threads and proc.is_alive():
                try:
                    conn.send((self.settings, self.jit_root))
                    return _Slot(proc=proc, conn=conn)
                except (OSError, ValueError):
                    pass
            proc.kill()
            proc.join()
            conn.close()
        return None

    def _spawn(self) -> _Slot:
        adopted = self._adopt()
        if adopted is not None:
            return adopted
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=worker_main, args=(child, self.settings, self.threads, self.jit_root),
                                daemon=True, name="sparkscout-worker")
        with sigint_ignored():
            proc.start()
        child.close()
        return _Slot(proc=proc, conn=parent)

    @staticmethod
    def _stop(slot: _Slot, kill: bool = False) -> None:
        try:
            if kill:
                slot.proc.kill()
            else:
                slot.conn.send(None)
        except (OSError, ValueError):
            pass
        slot.proc.join(timeout=None if kill else 10)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join()
        slot.conn.close()

    def run(self, jobs: list[tuple[int, VideoRef]]) -> None:
        pending = list(reversed(jobs))  # pop() from the end keeps input order
        self._status(f"loading models in {self.n} worker process{'es' if self.n > 1 else ''} "
                     f"({self.threads} thread{'s' if self.threads > 1 else ''} each)…")
        slots: list[_Slot | None] = [self._spawn() for _ in range(self.n)]
        t0 = time.perf_counter()
        try:
            while pending or any(s and s.job for s in slots):
                if self.start_failures >= MAX_START_FAILURES:
                    self._give_up(pending, slots)
                    return
                if not any(slots):
                    slots = [self._spawn() for _ in range(min(self.n, len(pending)))]
                self._step(slots, pending, t0)
        finally:
            for s in slots:
                if s is not None:
                    self._stop(s, kill=s.job is not None or not s.ready)

    def _give_up(self, pending: list[tuple[int, VideoRef]], slots: list[_Slot | None]) -> None:
        message = f"worker processes could not start: {self.init_error or 'they died while loading models'}"
        for s in slots:
            if s and s.job:
                pending.append(s.job)
                s.job = None
        for index, ref in reversed(pending):
            self.on_result(index, failed_result(ref, "internal_error", message))
        pending.clear()

    def _step(self, slots: list[_Slot | None], pending: list[tuple[int, VideoRef]], t0: float) -> None:
        live = [s for s in slots if s is not None]
        limit = 1.0
        if self.timeout_s:
            now = time.perf_counter()
            for s in live:
                if s.job:
                    limit = min(limit, max(0.0, s.started + self.timeout_s - now))
        ready = set(wait([s.conn for s in live] + [s.proc.sentinel for s in live], timeout=limit))
        for k, s in enumerate(slots):
            if s is None:
                continue
            if s.conn in ready:
                try:
                    msg = s.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is not None:
                    self._handle(s, msg, t0)
                    continue
                slots[k] = self._replace_dead(s, pending)
                continue
            if s.proc.sentinel in ready and not s.proc.is_alive():
                slots[k] = self._replace_dead(s, pending)
                continue
            if s.job and self.timeout_s and time.perf_counter() - s.started > self.timeout_s:
                slots[k] = self._replace_timed_out(s, pending)
        for k, s in enumerate(slots):
            if s is None or not s.ready or s.job is not None:
                continue
            if not pending:
                self._stop(s)
                slots[k] = None
            elif s.done >= self.recycle_every:
                self._stop(s)  # recycle: a fresh process bounds memory
                slots[k] = self._spawn()
            else:
                self._assign(s, pending)

    def _handle(self, s: _Slot, msg: tuple, t0: float) -> None:
        kind = msg[0]
        if kind == "ready":
            s.ready, s.jit_dir = True, msg[1]
            self.start_failures = 0
            if not self.announced:
                self.announced = True
                self._status(f"workers ready in {time.perf_counter() - t0:.1f} s; scoring "
                             "(models load while the first video decodes)")
        elif kind == "init_error":
            self.init_error = msg[1]
            self.start_failures += 1
        elif kind == "done":
            index, result = msg[1], msg[2]
            s.job, s.done = None, s.done + 1
            self.on_result(index, result)

    def _assign(self, s: _Slot, pending: list[tuple[int, VideoRef]]) -> None:
        job = pending.pop()
        try:
            s.conn.send(job)
        except (OSError, ValueError):
            pending.append(job)
            return
        s.job, s.started = job, time.perf_counter()

    def _replace_dead(self, s: _Slot, pending: list[tuple[int, VideoRef]]) -> _Slot | None:
        s.proc.join(timeout=5)
        code = s.proc.exitcode
        if s.job:
            index, ref = s.job
            self.on_result(index, failed_result(
                ref, "worker_crashed",
                f"the worker process scoring this video {_describe_exit(code)}; the rest of the batch goes on",
                seconds=round(time.perf_counter() - s.started, 3)))
            s.job = None
        elif not s.ready:
            self.start_failures += 1
            if not self.init_error:
                self.init_error = (f"a worker {_describe_exit(code)} while loading models (see its error above; "
                                   "from a script, call score() under `if __name__ == \"__main__\":`)")
        if s.jit_dir and code not in (0, None):
            wipe_jit_dir(s.jit_dir)  # a corrupt JIT cache is one way to die: rebuild it
        self._stop(s, kill=True)
        return self._spawn() if pending else None

    def _replace_timed_out(self, s: _Slot, pending: list[tuple[int, VideoRef]]) -> _Slot | None:
        index, ref = s.job  # type: ignore[misc]
        s.job = None
        self._stop(s, kill=True)
        self.on_result(index, failed_result(
            ref, "timeout", f"still running after {self.timeout_s:g} s (--timeout); stopped",
            seconds=round(float(self.timeout_s or 0), 3)))
        return self._spawn() if pending else None


def run_local(refs: list[VideoRef], settings, workers: int | None = None, progress=None,
              timeout_s: float | None = DEFAULT_TIMEOUT_S) -> list:
    """Score ``refs`` with a :class:`LocalEngine`; results in the order of ``refs``.

    A convenience for scripts and tests: ``progress(done, total, result)`` after each video.
    """
    results: list = [None] * len(refs)
    done = 0

    def on_result(index: int, result) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if progress:
            progress(done, len(refs), result)

    LocalEngine(workers=workers, timeout_s=timeout_s).run(list(enumerate(refs)), settings, on_result)
    return results
