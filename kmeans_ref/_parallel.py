"""A small thread pool for block-wise NumPy work.

NumPy releases the GIL inside its compiled loops (matrix products, argmin,
sorting, reductions), so splitting a pass over the observations into blocks
and running the blocks on a few threads uses every core without any compiled
code of our own. The pool has one thread per available core; ``thread_limit``
lowers that (e.g. to time single-threaded runs).

BLAS called from several threads at once could start its own threads inside
each call and oversubscribe the cores; the callers keep each matrix product
small enough (see :func:`blas_batch`) for BLAS libraries to run it on the
calling thread.
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["n_threads", "thread_limit", "run_blocks", "blas_batch"]

_lock = threading.Lock()
_state = {"pool": None, "pid": None, "limit": None}


def _available_cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def n_threads():
    """Number of threads the block passes use now."""
    limit = _state["limit"]
    cores = _available_cores()
    return cores if limit is None else max(1, min(limit, cores))


@contextlib.contextmanager
def thread_limit(limit):
    """Run the block passes on at most ``limit`` threads inside the ``with`` block (process-wide).

    ``limit=None`` restores one thread per core.
    """
    previous = _state["limit"]
    _state["limit"] = limit
    try:
        yield
    finally:
        _state["limit"] = previous


def _pool():
    # A pool inherited through fork() has no live threads: make a fresh one.
    with _lock:
        if _state["pool"] is None or _state["pid"] != os.getpid():
            _state["pool"] = ThreadPoolExecutor(max_workers=_available_cores(),
                                                thread_name_prefix="kmeans_ref")
            _state["pid"] = os.getpid()
        return _state["pool"]


def run_blocks(work, n_blocks, max_threads=None):
    """Call ``work(blocks)`` on each thread with its share of ``range(n_blocks)``.

    Thread ``t`` of ``T`` gets blocks ``t, t + T, t + 2T, ...`` (interleaved, so
    the work stays balanced when blocks differ). Returns the list of results,
    one per thread, in thread order. With one thread (or one block, or
    ``max_threads=1``) the work runs on the calling thread.
    """
    T = min(n_threads(), n_blocks, max_threads or n_blocks)
    if T <= 1:
        return [work(range(n_blocks))]
    futures = [_pool().submit(work, range(t, n_blocks, T)) for t in range(T)]
    return [f.result() for f in futures]


def blas_batch(inner, n_out):
    """Rows per matrix product so that BLAS runs it single-threaded.

    OpenBLAS splits a product of size m x inner x n_out over threads only when
    ``m * inner * n_out`` exceeds 2**19; keeping below that bound lets several
    of our threads call BLAS at once without oversubscribing the cores. The
    result is a multiple of 8 between 8 and 1024.
    """
    b = ((1 << 19) - 1) // max(1, inner * n_out)
    return max(8, min(1024, b - b % 8))
