"""Blocked passes over the observations: distances, argmin and cluster sums in one sweep.

Private machinery behind the public functions; prior validation of data is
assumed everywhere.

Squared Euclidean distances use the norm trick
``||x - m||^2 = ||x||^2 - 2 x.m + ||m||^2`` so that the bulk of the work is a
matrix product (BLAS). Two details keep it accurate:

- both ``x`` and ``m`` are first shifted by ``s`` (:func:`data_shift`), a point
  near the data, so the norms stay of the order of the spread of the data
  rather than of its distance to the origin; ``s`` is a multiple of a power
  of two, so integer (and other dyadic) data are shifted exactly and exact
  ties stay exact ties;
- the argmin only needs ``||m||^2 - 2 x.m``: each observation is stored as
  ``[x - s; 1]`` and multiplied by ``[-2 (m - s); ||m - s||^2]``,
  a single product with no separate pass to add the norms.

Work is cut into blocks of ``c`` observations whose rows and ``k * c``
scores take a few MB together, so that the product, the argmin and the
gathering of the observations that changed cluster find the block in cache,
with few enough blocks that the NumPy calls per pass stay few (each call a
thread makes waits for the GIL; a small pass is one block per thread); no
``(N, k)`` or ``(N, k, d)`` array is ever formed (peak extra memory
``O(c (d + k))`` per thread, plus one shifted copy of ``X`` when a loop
reuses it). Blocks run on a few threads (:mod:`._parallel`), each keeping
its score buffers from one pass to the next; a loop that releases its
blocks hands the shifted copy and those buffers, up to 32 MB, to the next
call of the same shape (:mod:`._spare`).

Every block reads as (d + 1, c), one observation per column. Below 48
clusters blocks are stored that way, a block's scores come out by cluster,
(k, c), from a product with a C-contiguous left operand, and the argmin over
clusters is branch-free (:class:`_LowestArgmin`); from 48 on blocks are
stored by observation, (c, d + 1), scores come out by observation, (c, k),
and ``np.argmin`` runs along rows (:meth:`SquaredBlocks.empty_blocks`).
Either way the lowest index wins a tie (the threshold's measurements are at
``_ROW_SCORES_K``).
Lloyd's cluster sums are updated with the observations that changed cluster
only. The L1 passes of k-medians are in :mod:`._fused_l1`.
"""

import numpy as np

from ._parallel import blas_batch, block_sizes, pass_threads, run_blocks
from ._spare import spare

__all__ = ["data_shift", "labels_dtype", "SquaredBlocks", "sums_by_label", "sums_of_columns", "take_columns"]

# From this many clusters on, scores are laid out by observation, (c, k), and np.argmin
# runs along rows. np.argmin branches on the data, so it must be timed on blocks it has
# not just seen: over 24 fresh blocks of 1,000 or 5,000 observations it took 0.65 ns per score at
# k = 64 against 0.77-0.85 for the branch-free argmin over (k, c), but 1.16 against 0.77
# at k = 32 (the same block again and again: 0.22 ns at k = 64). In Lloyd's loop, scores
# by cluster at k = 64 were 1-11 % slower at N = 10**4 and 10**5, d = 2 to 64, except
# d = 2, N = 10**5 (7-8 % faster; best of 8, interleaved with scikit-learn).
_ROW_SCORES_K = 48
# With two clusters and at least this many features, labels come from one score
# difference (a matrix-vector product): at d = 64, 11.7 ms against 41 ms for the two
# scores on 400,000 observations (2 threads, busy machine); slower at d = 16.
_GAP_MIN_D = 32
# That matrix-vector product is bound by reading the data: below this many floats of data
# a second thread costs more than it gains. Lloyd, 20 iterations, best of 16 interleaved
# runs: one thread 0.275 against two 0.369 ms per iteration at N = 10**4, d = 64; even
# (0.46 against 0.49) at N = 2 * 10**4; two threads 1.5x faster at N = 5 * 10**4.
_GAP_THREAD_FLOATS = 1 << 21
# Up to this many clusters, cluster sums of a block are a product with the one-hot labels
# (2 k c (d + 1) flops in cache) rather than a sort, a gather and np.add.reduceat.
_ONE_HOT_K = 16
# Above 16 clusters, the sums of up to this many (observation, feature) pairs that moved
# cluster are one weighted bincount rather than two sorts and gathers.
_MOVED_BINCOUNT = 1 << 15
# A small pass whose products take fewer multiply-adds per observation than this, (d + 1) k,
# does its bookkeeping on the calling thread (SquaredBlocks.caller_books). Longer products
# leave the threads' short NumPy calls fewer chances to meet at the GIL, and gathering the
# moved observations pays off in parallel: at N = 10**4, d = 64, k = 64, gathering on the
# calling thread made a Lloyd iteration 1.74 ms against 1.55 (best of 20).
_CALLER_BOOKS_WORK = 2048


def data_shift(X):
    """Per-feature shift ``s`` (d,) for the norm trick.

    ``s[a]`` is the multiple of ``q = 2**floor(log2(spread))`` nearest to the
    mean of feature ``a`` (spread = max - min, both estimated on at most about
    1024 evenly spaced observations). Being a multiple of a power of two not
    larger than the spread, ``s`` is representable exactly and ``x - s`` is
    exact for integer data. A constant feature is shifted by its value.
    """
    N = X.shape[1]
    # Reductions over a strided view are slow, above all over X stored by observation as
    # KMeans passes it: at N = 10**4, d = 2 they took 0.33 ms over a view of 5,000
    # observations against 0.008 ms over a contiguous copy of 1,112 (0.66 against 0.09 ms
    # at d = 64), a noticeable share of a small fit.
    S = np.array(X[:, :: max(1, N // 1024)], order="C")
    with np.errstate(all="ignore"):
        mu = S.mean(axis=1)
        spread = S.max(axis=1) - S.min(axis=1)
        q = np.exp2(np.floor(np.log2(spread)))
        s = np.rint(mu / q) * q
    ok = np.isfinite(s) & (spread > 0)
    return np.where(ok, s, np.where(spread == 0, S[:, 0], 0.0))


def labels_dtype(k):
    """Smallest unsigned dtype for labels < k: NumPy radix-sorts those stably."""
    if k <= 1 << 8:
        return np.uint8
    if k <= 1 << 16:
        return np.uint16
    return np.intp


def take_columns(cols, idx):
    """``np.take(cols, idx, axis=1)`` for ``cols`` (p, n) stored either way.

    np.take first copies a non-C-contiguous array whole; the columns of an
    F-contiguous array (blocks stored by observation) are taken as rows of its transpose.
    """
    if cols.flags.f_contiguous and not cols.flags.c_contiguous:
        return np.take(cols.T, idx, axis=0).T
    return np.take(cols, idx, axis=1)


def sums_by_label(rows, z, k, label_dtype):
    """Per-cluster sums of ``rows`` (n, p) grouped by ``z`` (n,): returns (k, p).

    Sorting the labels (a stable radix sort on small integers) and adding
    contiguous runs with ``np.add.reduceat`` beats ``np.bincount`` per column
    and never builds a one-hot matrix.
    """
    return sums_of_columns(rows.T, z, k, label_dtype)


def sums_of_columns(cols, z, k, label_dtype, one_hot=None):
    """Like :func:`sums_by_label` for observations stored as the columns of ``cols`` (p, n).

    Up to ``_ONE_HOT_K`` clusters the sums are products with the one-hot
    (n, k) matrix of the labels, cheaper than sorting then (in slices small
    enough for BLAS to stay on the calling thread, see :func:`blas_batch`);
    ``one_hot``, a float64 buffer of at least n rows and k columns, saves
    allocating that matrix.
    """
    if k <= _ONE_HOT_K:
        n = cols.shape[1]
        one_hot = np.empty((n, k)) if one_hot is None else one_hot[:n]
        np.equal(z[:, None], np.arange(k), out=one_hot)
        return _products(cols, one_hot)
    counts = np.bincount(z, minlength=k)
    full = np.flatnonzero(counts)
    order = np.argsort(z.astype(label_dtype, copy=False), kind="stable")
    starts = (np.cumsum(counts) - counts)[full]
    out = np.zeros((k, cols.shape[0]))
    out[full] = np.add.reduceat(take_columns(cols, order), starts, axis=1).T
    return out


def _products(cols, W):
    """``(cols @ W).T`` (k, p) for ``cols`` (p, n) and ``W`` (n, k), in slices small enough
    for BLAS to stay on the calling thread (see :func:`blas_batch`)."""
    p, n = cols.shape
    step = blas_batch(p, W.shape[1])
    if n <= step:
        return np.matmul(cols, W).T
    out = np.zeros((p, W.shape[1]))
    for j in range(0, n, step):
        out += np.matmul(cols[:, j:j + step], W[j:j + step])
    return out.T


def moved_sums(cols, new, old, k, label_dtype):
    """Change of :func:`sums_of_columns` (k, p) when observations ``cols`` (p, n) move from labels ``old`` to ``new``.

    Up to ``_ONE_HOT_K`` clusters: one product with the difference of the two
    one-hot matrices (n, k) (18-35 % faster than two products at k = 8 and 16,
    slower from k = 32 on). Above, with few observations (``n p`` up to
    ``_MOVED_BINCOUNT``): one weighted ``np.bincount`` over (label, feature)
    pairs; otherwise :func:`sums_of_columns` of both labellings.
    """
    p, n = cols.shape
    if k <= _ONE_HOT_K:
        labels = np.arange(k)
        change = np.empty((n, k))
        np.equal(new[:, None], labels, out=change)
        np.subtract(change, old[:, None] == labels, out=change)
        return _products(cols, change)
    if n * p > _MOVED_BINCOUNT:
        return sums_of_columns(cols, new, k, label_dtype) - sums_of_columns(cols, old, k, label_dtype)
    # bin j + k a for the pair (label j, feature a); the old labels with weights of opposite sign
    bins = np.concatenate([new, old]) + (k * np.arange(p))[:, None]
    weights = np.concatenate([cols, np.negative(cols)], axis=1)
    return np.bincount(bins.ravel(), weights.ravel(), minlength=k * p).reshape(p, k).T


class SquaredBlocks:
    """The observations, shifted and cut into blocks for squared-distance passes.

    Block ``i`` holds observations ``i c`` to ``(i + 1) c`` as the columns of a
    (d + 1, c) array ``[x - s; 1]`` (the last block padded with zero columns),
    stored either way (:meth:`empty_blocks`).

    Parameters
    ----------
    X : ndarray of shape (d, N)
        Observations (validated, float64).
    k : int
        Number of centroids the passes will use (sets the block size).
    keep : bool, default=True
        Store the blocks (worth it when several passes follow, as in Lloyd's
        loop); otherwise each pass rebuilds each block in a scratch buffer.

    Attributes
    ----------
    shift : ndarray of shape (d,)
        The shift ``s``; centroids must be passed shifted, as ``M - s[:, None]``.
    sumsq : float
        ``sum_i ||x_i - s||^2``, to turn ``||m||^2 - 2 x.m`` sums into losses.
    """

    def __init__(self, X, k, keep=True):
        self.X = X
        self.d, self.N = X.shape
        self.k = k
        self.shift = data_shift(X)
        self.rows = k >= _ROW_SCORES_K
        self.gap_pass = k == 2 and self.d >= _GAP_MIN_D  # labels from one score difference
        self.threads = pass_threads(self.N, self.d + 1, k)
        if self.gap_pass and self.N * (self.d + 1) < _GAP_THREAD_FLOATS:
            self.threads = 1
        self.b, self.c = block_sizes(self.N, self.d + 1, k, self.threads)
        self.n_blocks = -(-self.N // self.c)
        self.padded = self.n_blocks * self.c
        self.label_dtype = labels_dtype(k)
        # A small pass (one block per thread) with short products gathers the observations
        # that changed cluster on the calling thread once the labels are in: the threads then
        # make one long GIL-free product each instead of also taking turns at the GIL for a
        # dozen short NumPy calls. Lloyd, 20 iterations at N = 10**4, best of 20 interleaved
        # runs: 0.69 against 0.74 ms per iteration at d = 16, k = 64, 0.50 against 0.58 at
        # d = 2, k = 64, 0.50 against 0.52 at d = 64, k = 8.
        self.caller_books = (keep and self.n_blocks <= self.threads
                             and (self.d + 1) * k < _CALLER_BOOKS_WORK)
        # Buffers kept between passes, and from the last call of the same shape (._spare):
        # fresh ones cost page faults.
        self._key = (self.n_blocks, self.d, self.c, self.b, k, self.rows, keep)
        self.blocks, self._workspaces = spare.take(self._key)
        if keep:
            if self.blocks is None:
                self.blocks = self.empty_blocks(self.n_blocks)
            run_blocks(self._fill_all, self.n_blocks, self.threads)
        self._sumsq_value = None

    def release(self):
        """Hand the buffers on to the next passes of the same shape; this object is then unusable.

        A second call does nothing (the buffers may already be another object's).
        """
        if self._workspaces is not None:
            spare.give(self._key, self.blocks, self._workspaces)
            self.blocks, self._workspaces = None, None

    @property
    def sumsq(self):
        """``sum_i ||x_i - s||^2`` (computed on first use)."""
        if self._sumsq_value is None:
            self._sumsq_value = float(sum(run_blocks(self._sumsq, self.n_blocks, self.threads)))
        return self._sumsq_value

    # -- building blocks ----------------------------------------------------------
    def _fill(self, i, out):
        """Write block i as columns [x - s; 1] into out (d + 1, c); padding columns are 0."""
        start = i * self.c
        stop = min(start + self.c, self.N)
        n = stop - start
        np.subtract(self.X[:, start:stop], self.shift[:, None], out=out[:self.d, :n])
        out[self.d, :n] = 1.0
        if n < self.c:
            out[:, n:] = 0.0  # padding: zero distance to everything, zero weight
        return out

    def empty_blocks(self, n):
        """Room for n blocks, each a (d + 1, c) view; stored by observation, (c, d + 1), with ``self.rows``.

        Scores by observation then come from a product whose left operand is C-contiguous,
        and the observations that changed cluster are whole rows. Lloyd at N = 10**5,
        d = 16, k = 64: products 4.9 against 5.5 ms per iteration on one thread; 6.04
        against 6.75 ms per iteration on two (best of 10, interleaved with scikit-learn).
        """
        if self.rows:
            return np.empty((n, self.c, self.d + 1)).transpose(0, 2, 1)
        return np.empty((n, self.d + 1, self.c))

    def _fill_all(self, blocks):
        for i in blocks:
            self._fill(i, self.blocks[i])

    def _block(self, i, scratch):
        return self.blocks[i] if self.blocks is not None else self._fill(i, scratch)

    def _sumsq(self, blocks):
        scratch = self.empty_blocks(1)[0]
        total = 0.0
        for i in blocks:
            B = self._block(i, scratch)[:self.d]  # padding columns add 0
            total += float(np.einsum("ij,ij->", B, B))
        return total

    def _workspace(self, share):
        """The :class:`_Workspace` of one share of a pass (``range(t, n_blocks, T)``), kept for later passes.

        The same share runs on the same thread pass after pass (see :func:`run_blocks`)
        so its buffers stay in that core's cache.
        """
        key = (share.start, share.step)
        ws = self._workspaces.get(key)
        if ws is None:
            ws = self._workspaces[key] = _Workspace(self)
        return ws

    def augmented(self, Mc):
        """``[-2 Mc^T, ||Mc||^2]`` of shape (k, d + 1) for shifted centroids ``Mc`` (d, k).

        C-contiguous, or with ``self.rows`` the transpose of a C-contiguous
        (d + 1, k) array: either way the operand of the products that BLAS
        reads fastest for that layout.
        """
        AT = np.empty((self.d + 1, self.k))
        np.multiply(Mc, -2.0, out=AT[:self.d])
        AT[self.d] = np.einsum("ij,ij->j", Mc, Mc)
        return AT.T if self.rows else np.ascontiguousarray(AT.T)

    def _scores(self, Xb, A, ws):
        """``||m||^2 - 2 x.m`` for one block (d + 1, c), as a (k, c) array or view, by batched small products."""
        c, b = self.c, self.b
        if self.rows:
            np.matmul(Xb.T.reshape(c // b, b, self.d + 1), A.T, out=ws.S_batches)
        else:
            np.matmul(A, Xb.reshape(self.d + 1, c // b, b).transpose(1, 0, 2), out=ws.S_batches)
        return ws.S

    def _gaps(self, Xb, gap, ws):
        """Score of cluster 1 minus score of cluster 0 for one block, (c,), by batched products."""
        c, b = self.c, self.b
        np.matmul(gap, Xb.reshape(self.d + 1, c // b, b).transpose(1, 0, 2), out=ws.gaps_batches)
        return ws.gaps

    # -- passes -------------------------------------------------------------------
    def step(self, Mc, z_old=None, sums=None, update=True):
        """One pass: nearest labels, and optionally the cluster sums of the new labels.

        Parameters
        ----------
        Mc : ndarray of shape (d, k)
            Shifted centroids ``M - s[:, None]``.
        z_old : ndarray of shape (padded,), optional
            Previous labels.
        sums : ndarray of shape (k, d + 1), optional
            Cluster sums for ``z_old``. Given together with ``z_old``, only the
            observations whose label changed are added to and removed from
            them (late Lloyd iterations move few points); otherwise the sums
            are computed from scratch.
        update : bool
            Return the per-cluster sums of ``[x - s, 1]`` for the new labels.

        Returns
        -------
        z : ndarray of shape (padded,)
            Labels (padding columns get label 0 and weight 0).
        sums : ndarray of shape (k, d + 1) or None
            Column ``d`` holds the cluster sizes.
        """
        A = self.augmented(Mc)
        z = np.empty(self.padded, dtype=np.intp)
        delta = update and z_old is not None and sums is not None
        c, k, dt = self.c, self.k, self.label_dtype

        # Two clusters and many features: the sign of one score difference (a matrix-vector
        # product) gives the label, 1 only when strictly lower so that 0 wins a tie.
        gap = (A[1] - A[0])[None, :] if self.gap_pass else None

        caller_books = delta and self.caller_books

        def work(blocks):
            ws = self._workspace(blocks)
            part = np.zeros((k, self.d + 1)) if update and not delta else None
            moved = _Moved()
            for i in blocks:
                Xb = self._block(i, ws.scratch)
                if gap is None:
                    zb = ws.argmin(self._scores(Xb, A, ws), z[i * c:(i + 1) * c])
                else:
                    zb = np.less(self._gaps(Xb, gap, ws), 0.0, out=z[i * c:(i + 1) * c])
                if delta and not caller_books:  # gather the observations that changed cluster while Xb is in cache
                    moved.add(Xb, zb, z_old[i * c:(i + 1) * c])
                elif part is not None:
                    part += sums_of_columns(Xb, zb, k, dt, ws.one_hot)
            return moved.sums(k, dt) if delta else part

        parts = run_blocks(work, self.n_blocks, self.threads)
        if caller_books:
            moved = _Moved()
            for i in range(self.n_blocks):
                moved.add(self.blocks[i], z[i * c:(i + 1) * c], z_old[i * c:(i + 1) * c])
            parts = [moved.sums(k, dt)]
        if not update:
            return z, None
        return z, sum((part for part in parts if part is not None), sums if delta else 0.0)

    def losses_of_means(self, sums):
        """``sum_i ||x_i - m_{z_i}||^2`` when every ``m_j`` is the mean of its cluster, for each of ``sums``.

        The k-means identity: the total sum of squares (about ``s``) minus
        ``n_j ||mean_j - s||^2 = ||sums_j||^2 / n_j`` for every non-empty
        cluster; ``O(k d)`` from the sums (k, d + 1) of a pass instead of a
        pass. All at once (a list of T such arrays gives a list of T floats):
        a few NumPy calls in all rather than per iteration.
        """
        S = np.stack(sums)
        counts = S[:, :, -1]
        squares = np.einsum("tij,tij->ti", S[:, :, :-1], S[:, :, :-1])
        between = np.divide(squares, counts, out=np.zeros_like(squares), where=counts > 0).sum(axis=1)
        return np.maximum(0.0, self.sumsq - between).tolist()

    def distances(self, Mc):
        """Squared distances of shape (k, N), clipped at 0 (rounding can go below)."""
        A = self.augmented(Mc)
        out = np.empty((self.k, self.N))

        def work(blocks):
            ws = self._workspace(blocks)
            for i in blocks:
                Xb = self._block(i, ws.scratch)
                S = self._scores(Xb, A, ws)
                start = i * self.c
                n = min(self.c, self.N - start)
                B = Xb[:self.d, :n]
                D = out[:, start:start + n]
                np.add(S[:, :n], np.einsum("ij,ij->j", B, B), out=D)
                np.maximum(D, 0.0, out=D)

        run_blocks(work, self.n_blocks, self.threads)
        return out

    def sse(self, Mc, z):
        """``sum_i ||x_i - m_{z_i}||^2`` computed directly (no norm trick) for labels z (padded,)."""
        def work(blocks):
            scratch = None if self.blocks is not None else np.empty((self.d + 1, self.c))
            total = 0.0
            for i in blocks:
                start = i * self.c
                n = min(self.c, self.N - start)
                diff = np.take(Mc, z[start:start + n], axis=1)
                np.subtract(self._block(i, scratch)[:self.d, :n], diff, out=diff)
                total += float(np.einsum("ij,ij->", diff, diff))
            return total

        return float(sum(run_blocks(work, self.n_blocks, self.threads)))


class _Moved:
    """The observations of a pass that changed cluster, gathered block by block."""

    def __init__(self):
        self.cols, self.new, self.old = [], [], []

    def add(self, Xb, zb, zo):
        """Gather the columns of block ``Xb`` (d + 1, c) whose labels ``zb`` differ from ``zo``."""
        changed = np.flatnonzero(zb != zo)
        if changed.size:
            self.cols.append(take_columns(Xb, changed))
            self.new.append(zb[changed])
            self.old.append(zo[changed])

    def sums(self, k, label_dtype):
        """Their :func:`moved_sums` (k, d + 1), or None when none moved."""
        if not self.cols:
            return None
        if len(self.cols) == 1:  # no concatenation: it would copy
            return moved_sums(self.cols[0], self.new[0], self.old[0], k, label_dtype)
        return moved_sums(np.concatenate(self.cols, axis=1), np.concatenate(self.new),
                          np.concatenate(self.old), k, label_dtype)


class _Workspace:
    """Per-thread buffers of a :class:`SquaredBlocks` pass."""

    def __init__(self, blocks):
        k, b, c = blocks.k, blocks.b, blocks.c
        # Views of one buffer: the products write the batches, the argmin reads S (k, c).
        if blocks.rows:
            scores = np.empty((c, k))
            self.S, self.S_batches = scores.T, scores.reshape(c // b, b, k)
            self.argmin = _argmin_of_rows
        else:
            scores = self.S = np.empty((k, c))
            self.S_batches = self.S.reshape(k, c // b, b).transpose(1, 0, 2)
            self.argmin = _LowestArgmin((k, c), axis=0, k=k)
        self.gaps = np.empty(c)
        self.gaps_batches = self.gaps.reshape(c // b, 1, b)
        self.scratch = None if blocks.blocks is not None else blocks.empty_blocks(1)[0]
        self.one_hot = np.empty((c, k)) if k <= _ONE_HOT_K else None  # for sums_of_columns
        owned = [scores, self.gaps, self.scratch, self.one_hot, *getattr(self.argmin, "buffers", ())]
        self.nbytes = sum(a.nbytes for a in owned if a is not None)


def _argmin_of_rows(S, out):
    """Labels of (k, c) scores S stored by observation (S.T C-contiguous), into out (c,)."""
    return np.argmin(S.T, axis=1, out=out)


class _LowestArgmin:
    """Lowest index of the minimum along the cluster axis, without branches.

    The minimum over clusters, a comparison with it, and a max of
    ``(k - j) * [score_j == min]`` pick the lowest index among ties. On real
    data ``np.argmin`` along a short axis is slower: its branches are
    unpredictable.
    """

    def __init__(self, shape, axis, k):
        wtype = np.uint8 if k < 1 << 8 else np.uint16 if k < 1 << 16 else np.int64
        self.axis = axis
        self.k = wtype(k)
        weights_shape = [1] * len(shape)
        weights_shape[axis] = k
        self.weights = (k - np.arange(k)).astype(wtype).reshape(weights_shape)
        reduced = tuple(n for a, n in enumerate(shape) if a != axis)
        self.low = np.empty(reduced)
        self.eq = np.empty(shape, dtype=bool)
        self.w = np.empty(shape, dtype=wtype)
        self.best = np.empty(reduced, dtype=wtype)
        self.low_kept = np.expand_dims(self.low, axis)  # broadcasts against the scores
        self.buffers = (self.low, self.eq, self.w, self.best)

    def __call__(self, S, out, view=None):
        """Write the labels of scores S into out (flattened); ``view`` slices the buffers."""
        if view is None:
            eq, w, low, best, low_kept = self.eq, self.w, self.low, self.best, self.low_kept
        else:
            eq, w = self.eq[view], self.w[view]
            reduced_view = tuple(v for a, v in enumerate(view) if a != self.axis)
            low, best = self.low[reduced_view], self.best[reduced_view]
            low_kept = np.expand_dims(low, self.axis)
        np.minimum.reduce(S, axis=self.axis, out=low)
        np.equal(S, low_kept, out=eq)
        np.multiply(eq, self.weights, out=w)
        np.maximum.reduce(w, axis=self.axis, out=best)
        np.subtract(self.k, best.reshape(-1), out=out)
        return out
