"""The body of one local worker process (kept free of heavy imports until thread caps are set).

Protocol over a duplex pipe: the worker sends ``("ready", slot, start_s)`` once it is
built and its models are loading in the background (or ``("init_error", message)``), then for each ``(index, ref)`` it
receives, ``("done", index, VideoResult)``; ``None`` tells it to exit.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

SLOTS = 256


def claim_jit_dir(root: str) -> tuple[str, int]:
    """A JIT cache folder no other live process uses (held by an flock until this process ends).

    numba corrupts a cache that two processes compile into at once (numba issue 10128);
    one folder per live worker rules that out, and folders are reused by later workers,
    so compiled code survives across runs. Returns (folder, open lock fd).
    """
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    for slot in range(SLOTS):
        fd = os.open(base / f"slot-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return str(base / f"slot-{slot}"), fd
    raise RuntimeError(f"{root}: all {SLOTS} JIT cache slots are in use")


def wipe_jit_dir(folder: str) -> None:
    """Delete a JIT cache folder (after its worker crashed: the cache may be what crashed it)."""
    shutil.rmtree(folder, ignore_errors=True)


def worker_boot(conn, threads: int) -> None:
    """Entry point of a worker started before its run's settings exist (:func:`prestart`).

    It caps its thread pools and imports the pipeline (about a second) while the parent
    still collects the batch, then waits for ``(settings, jit_root)`` (``None``: exit) and
    goes on as :func:`worker_main`."""
    import faulthandler
    import signal

    from scoring import threads as thread_caps

    faulthandler.register(signal.SIGUSR1)
    thread_caps.cap(threads)
    try:
        import scoring.pipeline  # noqa: F401 - the slow import, done while the parent works
    except BaseException:  # noqa: BLE001 - worker_main imports it again and reports the error
        pass
    try:
        msg = conn.recv()
    except (EOFError, OSError):  # the parent is gone, or discarded this worker
        return
    if msg is None:
        return
    settings, jit_root = msg
    worker_main(conn, settings, threads, jit_root)


def worker_main(conn, settings, threads: int, jit_root: str | None) -> None:
    """Entry point of a spawned worker process."""
    import faulthandler
    import signal

    from scoring import threads as thread_caps
    from scoring.engines import heap

    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints a stuck worker's stack to stderr
    thread_caps.cap(threads)  # a no-op again after worker_boot (same count)
    jit_dir = None
    if jit_root:
        jit_dir, _lock_fd = claim_jit_dir(jit_root)  # the fd stays open (and locked) for life
        os.environ["NUMBA_CACHE_DIR"] = jit_dir
    start = time.perf_counter()
    try:
        from scoring.pipeline import Worker

        worker = Worker(settings)
        # Models load in the background while the first video decodes (first result sooner).
        worker.start_loading(then=lambda: thread_caps.cap_loaded(threads))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the batch's videos
        conn.send(("init_error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", jit_dir, round(time.perf_counter() - start, 2)))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if msg is None:
            return
        index, ref = msg
        result = worker.process(ref)
        heap.trim()  # before reporting: the parent may hand this worker its next video at once
        conn.send(("done", index, result))
