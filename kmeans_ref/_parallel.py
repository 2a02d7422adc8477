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

__all__ = ["n_threads", "thread_limit", "run_blocks", "blas_batch", "pass_threads", "block_sizes"]

# Target number of scores per block (8 MB) and at most this many floats of rows and
# scores per block (4 MB: more than a core's 2 MB L2 cache, well within the L3). Blocks
# a quarter of these sizes (half a core's L2) made more NumPy calls per pass, each a
# wait for the GIL, and lost more than the cache gained. Measured interleaved, 10
# iterations, 2 busy cores (load 3.5-4.4): lloyd took 29.5 against 50.3 ms per
# iteration at N = 300,000, d = 16, k = 32; 62 against 102 ms at N = 10**6, d = 64,
# k = 8; 22 against 35 ms at N = 10**6, d = 16, k = 8; and 0.89 and 1.14 of
# scikit-learn's time against 1.16 and 1.21 at N = 10**6, d = 2, k = 64 (two runs,
# load 1.5-4.5).
_BLOCK_FLOATS = 1 << 20
_CACHE_FLOATS = 1 << 19
# Passes over less data and scores than this per thread run on fewer threads: at
# N = 10**4, d = 2, k = 8 a Lloyd iteration took 0.26 ms on one thread, 0.72 ms on two
# (the GIL, taken between NumPy calls this short, serialises them).
_THREAD_FLOATS = 1 << 18
# Passes over at most this many floats of data and scores run as one block per thread:
# at N = 10**4 every NumPy call a thread makes can wait for the GIL (a wake-up across
# cores), so fewer, longer calls beat blocks sized for the cache.
_SMALL_FLOATS = 1 << 22

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
            # One thread per core besides the caller's (with 2 cores a share other than
            # the caller's always runs on the same thread, its buffers in the same cache).
            _state["pool"] = ThreadPoolExecutor(max_workers=max(1, _available_cores() - 1),
                                                thread_name_prefix="kmeans_ref")
            _state["pid"] = os.getpid()
        return _state["pool"]


def run_blocks(work, n_blocks, max_threads=None):
    """Call ``work(blocks)`` on each thread with its share of ``range(n_blocks)``.

    Thread ``t`` of ``T`` gets blocks ``t, t + T, t + 2T, ...`` (interleaved, so
    the work stays balanced when blocks differ); the calling thread is thread 0.
    Returns the list of results, one per thread, in thread order. With one
    thread (or one block, or ``max_threads=1``) all the work runs on the
    calling thread. ``work`` must not call ``run_blocks`` itself (the pool has
    one thread per other core, all of them possibly waiting).
    """
    T = min(n_threads(), n_blocks, max_threads or n_blocks)
    if T <= 1:
        return [work(range(n_blocks))]
    # The calling thread runs share 0 itself rather than wait idle for the pool.
    futures = [_pool().submit(work, range(t, n_blocks, T)) for t in range(1, T)]
    first = work(range(0, n_blocks, T))
    return [first] + [f.result() for f in futures]


def blas_batch(inner, n_out):
    """Rows per matrix product so that BLAS runs it single-threaded.

    OpenBLAS splits a product of size m x inner x n_out over threads only when
    ``m * inner * n_out`` exceeds 2**19; keeping below that bound lets several
    of our threads call BLAS at once without oversubscribing the cores. The
    result is a multiple of 8 between 8 and 1024.
    """
    b = ((1 << 19) - 1) // max(1, inner * n_out)
    return max(8, min(1024, b - b % 8))


def pass_threads(N, inner, k):
    """Threads worth using for a squared pass: one per ``_THREAD_FLOATS`` of data and scores."""
    return max(1, min(n_threads(), N * (inner + k) // _THREAD_FLOATS))


def block_sizes(N, inner, k, threads=None):
    """(b, c): observations per BLAS call and per block (a multiple of b).

    At least two blocks per thread when N allows it, so that the threads
    end together; one block per thread for passes over at most ``_SMALL_FLOATS``
    floats of data and scores. ``threads``: the pass's threads (default
    :func:`pass_threads`).
    """
    small = N * (inner + k) <= _SMALL_FLOATS
    share = -(-N // ((1 if small else 2) * (threads or pass_threads(N, inner, k))))
    most = blas_batch(inner, k)
    b = min(most, -(-share // -(-share // most) // 8) * 8)  # whole batches fill a share
    c = b * max(1, min(_BLOCK_FLOATS // (k * b), _CACHE_FLOATS // ((inner + k) * b)))
    c = -(-share // b) * b if small else min(c, -(-share // b) * b)
    return b, c
