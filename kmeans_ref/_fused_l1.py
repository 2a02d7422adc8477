"""Blocked L1 passes for k-medians: assignment with Elkan's bounds, and cluster medians.

Private machinery behind the public functions, like :mod:`._fused` (whose
branch-free argmin it shares); prior validation of data is assumed
everywhere. k-medians skips observations whose nearest centroid provably
did not change (:class:`L1Assigner`) and reads medians off presorted
features (:class:`SortedFeatures`).
"""

import numpy as np

from ._fused import _LowestArgmin, labels_dtype
from ._parallel import run_blocks

__all__ = ["L1Blocks", "L1Assigner", "SortedFeatures", "medians_by_label"]

# L1 passes sweep two (k, c) arrays once per feature: keep those two in a core's L2 cache.
_L1_BLOCK_FLOATS = 1 << 16


class L1Blocks:
    """The observations cut into column blocks for L1 passes (no copy).

    Everything is computed one feature at a time on (k, c) arrays, so each
    operation runs over long contiguous rows with one scalar per row.

    For the assignment only the order of the distances matters, and
    ``|x - m| = x + m - 2 min(x, m)`` turns ``||x - m_j||_1`` into
    ``sum_a x_a + (sum_a m_aj - 2 sum_a min(x_a, m_aj))``: the first sum is the
    same for every cluster, so two passes per feature (a minimum and a sum)
    replace three (a difference, an absolute value and a sum). The sums are
    exact for integer data, so ties stay ties; distances that are returned
    (and losses) are computed directly.

    Parameters
    ----------
    X : ndarray of shape (d, N)
        Observations (validated, float64).
    k : int
        Number of centroids.
    """

    def __init__(self, X, k):
        self.X = X
        self.d, self.N = X.shape
        self.k = k
        self.c = max(8, min(_L1_BLOCK_FLOATS // k, -(-self.N // 8) * 8))
        self.n_blocks = -(-self.N // self.c)
        self.label_dtype = labels_dtype(k)

    def _distances(self, i, M, ws):
        """L1 distances of block i as (k, n), in ws.S[:, :n]."""
        start = i * self.c
        n = min(self.c, self.N - start)
        D, T = ws.S[:, :n], ws.T[:, :n]
        for a in range(self.d):
            x = self.X[a, start:start + n]
            target = D if a == 0 else T
            np.subtract(x, M[a][:, None], out=target)
            np.abs(target, out=target)
            if a:
                D += T
        return D

    def _scores(self, Xb, M, half_msum, ws):
        """``sum_a m_aj / 2 - sum_a min(x_a, m_aj)`` for columns Xb (d, n) as (k, n): same argmin as L1.

        ``||x - m_j||_1 = sum_a x_a + 2 * score_j``.
        """
        n = Xb.shape[1]
        D, T = ws.S[:, :n], ws.T[:, :n]
        for a in range(self.d):
            if a == 0:
                np.minimum(Xb[a], M[a][:, None], out=D)
            else:
                np.minimum(Xb[a], M[a][:, None], out=T)
                D += T
        np.subtract(half_msum, D, out=D)
        return D

    def _columns(self, i):
        start = i * self.c
        return start, min(start + self.c, self.N)

    def labels(self, M):
        """Nearest labels (N,) in L1 for centroids M (d, k), lowest index on ties."""
        z = np.empty(self.N, dtype=np.intp)
        half_msum = M.sum(axis=0)[:, None] / 2.0

        def work(blocks):
            ws = _L1Workspace(self)
            for i in blocks:
                start, stop = self._columns(i)
                ws.argmin(self._scores(self.X[:, start:stop], M, half_msum, ws), z[start:stop])

        run_blocks(work, self.n_blocks)
        return z

    def own_distance(self, M, z, start, stop, cols=None):
        """``||x_i - m_{z_i}||_1`` computed directly for observations start:stop (or start + cols)."""
        if cols is None:
            return np.abs(self.X[:, start:stop] - M[:, z[start:stop]]).sum(axis=0)
        return np.abs(self.X[:, start + cols] - M[:, z[start + cols]]).sum(axis=0)

    def distances(self, M):
        """L1 distances of shape (k, N)."""
        out = np.empty((self.k, self.N))

        def work(blocks):
            ws = _L1Workspace(self)
            for i in blocks:
                D = self._distances(i, M, ws)
                out[:, i * self.c:i * self.c + D.shape[1]] = D
            return None

        run_blocks(work, self.n_blocks)
        return out

    def l1_sum(self, M, z):
        """``sum_i ||x_i - m_{z_i}||_1`` computed directly."""
        def work(blocks):
            return sum(float(self.own_distance(M, z, *self._columns(i)).sum()) for i in blocks)

        return float(sum(run_blocks(work, self.n_blocks)))


class _L1Workspace:
    """Per-thread buffers of an :class:`L1Blocks` pass."""

    def __init__(self, blocks):
        k, c = blocks.k, blocks.c
        self.S = np.empty((k, c))
        self.T = np.empty((k, c))
        self._argmin = _LowestArgmin((k, c), axis=0, k=k)

    def argmin(self, D, out):
        n = D.shape[1]
        return self._argmin(D, out, (slice(None), slice(0, n)))


class L1Assigner:
    """Nearest-centroid labels in L1 across the iterations of a loop, skipping settled points.

    Elkan's bounds: for every observation keep an upper bound ``u`` on its
    distance to its own centroid and a lower bound ``l_j`` on its distance to
    every other centroid ``j``. When centroid ``j`` moves by ``delta_j`` (in
    L1), the triangle inequality gives ``u += delta_z`` and ``l_j -= delta_j``;
    while ``u < min_j l_j`` the own centroid is still strictly the nearest and
    the observation is skipped. The others get their distances recomputed.
    L1 being a metric, the labels are those a full pass would give; bounds are
    widened by a rounding margin so that they stay valid in floating point.

    Bounds take ``k * N`` floats; beyond ``_MAX_BOUNDS`` every pass is a full pass.

    Parameters
    ----------
    blocks : L1Blocks
    """

    _MAX_BOUNDS = 1 << 27

    def __init__(self, blocks):
        self.blocks = blocks
        X = blocks.X
        self.xsum = X.sum(axis=0)
        xabs = np.abs(X).sum(axis=0)
        # A distance computed from scores is off by at most about 2 (d + 2) eps (|x|_1 + |m|_1).
        self.rel = 4 * (blocks.d + 2) * np.finfo(float).eps
        self.err_x = self.rel * xabs
        self.xabs_max = float(xabs.max())
        self.bounded = blocks.k * blocks.N <= self._MAX_BOUNDS and blocks.k > 1
        self.z = None
        self.M = None

    def __call__(self, M):
        """Labels (N,) of the nearest centroid of every observation, lowest index on ties."""
        b = self.blocks
        half_msum = M.sum(axis=0)[:, None] / 2.0
        mabs = float(np.abs(M).sum(axis=0).max())
        if self.z is None or not self.bounded:
            self.z = np.empty(b.N, dtype=np.intp)
            if self.bounded:
                self.upper = np.empty(b.N)
                self.lower = np.empty((b.n_blocks, b.k, b.c))  # block by block: contiguous views
            run_blocks(lambda blocks: self._full(blocks, M, half_msum, mabs), b.n_blocks)
        else:
            # Rounding in the distances and in the bound updates stays far below this slack.
            slack = 1e-12 * (self.xabs_max + mabs + float(np.abs(self.M).sum(axis=0).max()))
            delta = np.abs(M - self.M).sum(axis=0) * (1 + 1e-12) + slack
            run_blocks(lambda blocks: self._bounded(blocks, M, half_msum, mabs, delta), b.n_blocks)
        self.M = M.copy()
        return self.z.copy()

    def _exact(self, i, M, half_msum, mabs, ws, cols=None):
        """Full distances for block i (or its columns ``cols``): labels and fresh bounds."""
        b = self.blocks
        start, stop = b._columns(i)
        at = slice(start, stop) if cols is None else start + cols
        S = b._scores(b.X[:, at], M, half_msum, ws)
        n = S.shape[1]
        z = self.z[at] if cols is None else np.empty(n, dtype=np.intp)
        ws.argmin(S, z)
        if cols is not None:
            self.z[at] = z
        if not self.bounded:
            return
        rows = np.arange(n)
        err = self.err_x[at] + self.rel * mabs
        S *= 2.0
        S += self.xsum[at]  # now L1 distances, up to err
        self.upper[at] = S[z, rows] + err
        S -= err
        S[z, rows] = np.inf  # no bound towards the own centroid
        if cols is None:
            self.lower[i, :, :n] = S
        else:
            self.lower[i][:, cols] = S

    def _full(self, blocks, M, half_msum, mabs):
        ws = _L1Workspace(self.blocks)
        for i in blocks:
            self._exact(i, M, half_msum, mabs, ws)

    def _bounded(self, blocks, M, half_msum, mabs, delta):
        ws = _L1Workspace(self.blocks)
        for i in blocks:
            start, stop = self.blocks._columns(i)
            n = stop - start
            z, upper, lower = self.z[start:stop], self.upper[start:stop], self.lower[i, :, :n]
            upper += delta[z]
            lower -= delta[:, None]
            nearest_other = lower.min(axis=0)
            cols = np.flatnonzero(upper >= nearest_other)
            if cols.size:
                # Tighten the upper bound with the exact distance to the own centroid first.
                upper[cols] = (self.blocks.own_distance(M, self.z, start, stop, cols)
                               + self.err_x[start + cols] + self.rel * mabs)
                cols = cols[upper[cols] >= nearest_other[cols]]
            if 2 * cols.size > n:
                self._exact(i, M, half_msum, mabs, ws)  # most of the block: skip gathering
            elif cols.size:
                self._exact(i, M, half_msum, mabs, ws, cols)


def medians_by_label(X, z, M_prev, label_dtype=None):
    """Coordinate-wise median of every cluster; empty clusters keep ``M_prev``.

    Observations are grouped by label once (a stable radix sort of ``z``);
    then, feature by feature, each cluster's run is partitioned around its
    middle (``np.partition``, linear time) instead of sorted. With many small
    clusters one ``np.lexsort`` per feature replaces the per-cluster calls.
    For an even count the median is the midpoint of the two middle values, as
    in ``np.median``. Features run on the thread pool.
    """
    d, N = X.shape
    k = M_prev.shape[1]
    if label_dtype is None:
        label_dtype = labels_dtype(k)
    counts = np.bincount(z, minlength=k)
    starts = np.cumsum(counts) - counts
    full = np.flatnonzero(counts)
    lo = starts[full] + (counts[full] - 1) // 2
    hi = starts[full] + counts[full] // 2
    M = M_prev.copy()
    few_large = len(full) <= 64 or N >= 256 * len(full)
    order = np.argsort(z.astype(label_dtype, copy=False), kind="stable") if few_large else None

    def work(features):
        for a in features:
            if few_large:
                values = X[a, order]
                for j, l, h in zip(full, lo, hi):
                    run = values[starts[j]:starts[j] + counts[j]]
                    part = np.partition(run, (l - starts[j], h - starts[j]))
                    values[l], values[h] = part[l - starts[j]], part[h - starts[j]]
            else:
                values = X[a, np.lexsort((X[a], z))]
            M[a, full] = (values[lo] + values[hi]) / 2.0
        return None

    run_blocks(work, d)
    return M


class SortedFeatures:
    """Coordinate-wise cluster medians for many label vectors of the same X.

    Each feature is sorted once (``np.argsort``, on the thread pool); after
    that, the medians for new labels cost two linear passes per feature: the
    labels listed in value order, then a stable radix sort of those labels,
    which lists every cluster's values in increasing order without touching
    the values themselves. The median of a cluster is read at the middle of
    its run. Worth it when medians are needed at several iterations (k-medians).

    Parameters
    ----------
    X : ndarray of shape (d, N)
        Observations (validated, float64).
    """

    def __init__(self, X):
        self.X = X
        self.orders = None

    def _sort(self):
        d, N = self.X.shape
        index = np.int32 if N < 1 << 31 else np.intp
        self.orders = np.empty((d, N), dtype=index)

        def work(features):
            for a in features:
                self.orders[a] = np.argsort(self.X[a])  # order among equal values is irrelevant

        run_blocks(work, d)

    def medians(self, z, M_prev, label_dtype):
        """Medians like :func:`medians_by_label` (same values), from the presorted features."""
        if self.orders is None:
            self._sort()
        k = M_prev.shape[1]
        counts = np.bincount(z, minlength=k)
        full = np.flatnonzero(counts)
        starts = (np.cumsum(counts) - counts)[full]
        lo = starts + (counts[full] - 1) // 2
        hi = starts + counts[full] // 2
        labels = z.astype(label_dtype)
        M = M_prev.copy()

        def work(features):
            for a in features:
                order = self.orders[a]
                by_label = np.argsort(labels[order], kind="stable")  # runs per cluster, values ascending
                x = self.X[a]
                M[a, full] = (x[order[by_label[lo]]] + x[order[by_label[hi]]]) / 2.0
            return None

        run_blocks(work, self.X.shape[0])
        return M
