"""Per-process thread budget for native libraries (BLAS, OpenMP, ONNX Runtime, torch, OpenCV, FFmpeg).

Engines run one process per worker; each gets ``cores // workers`` threads so that
workers × threads never exceeds the cores. :func:`cap` must run in the worker before
the heavy libraries start their pools: it sets the OpenMP/BLAS environment variables
(read by those libraries when they load) and then caps whatever is already loaded.
Analyzers that create their own pools (ONNX Runtime sessions, CTranslate2) read
:func:`budget` when they build them.
"""

from __future__ import annotations

import os
import sys

# BLAS runs single-threaded in every worker whatever the budget: a multi-threaded GEMM
# rounds differently, and Whisper's transcript (so mentions and scores) changed with
# the worker count. Our BLAS work is small; OpenMP, torch, ONNX Runtime and OpenCV
# get the budget.
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")
_POOL_VARS = ("OMP_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_budget: int | None = None


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def budget(default: int | None = None) -> int:
    """Threads one native pool of this process may use (the cap, else ``default`` or all cores)."""
    if _budget is not None:
        return _budget
    return default if default is not None else available_cores()


def cap(threads: int) -> None:
    """Limit this process's native thread pools to ``threads`` (≥ 1)."""
    global _budget
    threads = max(1, int(threads))
    _budget = threads
    for var in _BLAS_VARS:
        os.environ[var] = "1"
    for var in _POOL_VARS:
        os.environ[var] = str(threads)
    # OpenMP threads that spin while waiting starve everything else on a busy machine: the
    # face detector's 2-thread pool took 12 s instead of 0.15 s for one video under load.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cap_loaded(threads)


def cap_loaded(threads: int | None = None) -> None:
    """Apply the cap to torch and OpenCV after they were imported (call once models are loaded)."""
    threads = threads or _budget
    if not threads:
        return
    if "torch" in sys.modules:
        _cap_torch(threads)
    if "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    threadpool_limits(limits=threads, user_api="openmp")


def blas_single_threaded():
    """Context manager: BLAS pools single-threaded inside it (for scoring in the caller's process)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _cap_torch(threads: int) -> None:
    torch = sys.modules["torch"]
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before torch's first parallel work
        pass
