"""Alternating minimisation: Lloyd's algorithm (L2) and k-medians (L1) (lessons 03, 04).

Both loops follow the same recipe::

    Y = assign(X, M0)
    repeat at most max_iter times:
        M = update(X, Y, M)            # refit: best centroids for these labels
        losses.append(loss(X, Y, M))
        Y_new = assign(X, M)           # best labels for these centroids
        stop if Y_new == Y             # the assignment stopped changing
        Y = Y_new

Each step can only lower the loss, so ``losses`` never increases. The returned
``Y`` is the assignment ``M`` was fitted to, hence ``losses[-1]`` is
``loss(X, Y, M)`` (up to rounding); after convergence ``Y == assign(X, M)`` as well.

The implementations work on integer labels and never form the one-hot ``Y``
until they return; see :mod:`kmeans_ref._fused` for how each pass is done.
"""

import numpy as np

from ._fused import SquaredBlocks, labels_dtype
from ._fused_l1 import L1Assigner, L1Blocks, SortedFeatures
from ._parallel import run_blocks
from ._validation import check_centroids, check_data, check_int

__all__ = ["lloyd", "kmedians"]


def lloyd(X, M0, max_iter=100):
    """Lloyd's algorithm: alternate nearest-centroid assignment and mean update.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M, Y, losses = lloyd(X, [[1, 4], [1, 2]])
    >>> M        # labels [0, 0, 1, 1] give the means; they do not change the labels
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> losses   # 4 * 0.5^2, one value per update
    [1.0]

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M0 : array-like of shape (d, k)
        Initial centroids.
    max_iter : int, default=100
        Maximum number of updates (``>= 0``).

    Returns
    -------
    M : ndarray of shape (d, k)
        Final centroids (an empty cluster keeps its previous centroid).
    Y : ndarray of shape (k, N)
        One-hot labels that ``M`` was computed from.
    losses : list of float
        ``kmeans_loss(X, Y, M)`` after every update; non-increasing.

    Notes
    -----
    The loop stops when an assignment repeats the previous one (then
    ``Y == assign(X, M)``) or after ``max_iter`` updates (then ``Y`` is still
    the assignment of the last update and may differ from ``assign(X, M)``).

    What the lesson API's contract costs: ``losses`` come from the cluster
    sums at ``O(k d)`` per update (no extra pass); the dense ``Y`` is built
    once, at return (:func:`dense_labels`). Measured for N = 10**6 (best of 7,
    default threads, 2 busy cores): 0.8 ms for k = 2, 7.8 ms for k = 8 and
    105 ms for k = 64 (512 MB); for N = 10**5: 0.1, 0.3 and 12 ms. Shared
    among the iterations, that is about 5 ms per iteration of a 20-iteration
    run at k = 64, N = 10**6, the shapes of ``bench_lloyd.py --grid`` where it
    weighs (a scikit-learn iteration there took 44-290 ms in the same session).
    Single calls vary far more: 50 ms to 1.0 s for k = 64, N = 10**6 (six
    calls, load 3.5: fresh pages are zeroed by the kernel, and with
    transparent huge pages it sometimes compacts memory first), up to 50 ms
    per iteration of a 20-iteration run; ``bench_lloyd.py --grid`` has shown
    lloyd at 63 ms per iteration against 34 ms for ``KMeans`` at N = 10**6,
    d = 2, k = 64 (load 3-4). ``KMeans`` returns integer labels and has no
    such cost.

    See Also
    --------
    kmedians : the same loop with the L1 distance and the median.
    KMeans : the estimator version, X of shape (n_samples, n_features).
    """
    X = check_data(X)
    M0 = check_centroids(M0, X.shape[0], name="M0")
    max_iter = check_int(max_iter, "max_iter", low=0)
    M, z, losses = _lloyd(X, M0, max_iter)
    return M, dense_labels(z, M.shape[1]), losses


def kmedians(X, M0, max_iter=100):
    """k-medians: alternate nearest-centroid assignment in L1 and median update.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M, Y, losses = kmedians(X, [[1, 4], [1, 2]])
    >>> M        # coordinate-wise medians of {x_0, x_1} and {x_2, x_3}
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> losses   # 4 * |0.5|
    [2.0]

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M0 : array-like of shape (d, k)
        Initial centroids.
    max_iter : int, default=100
        Maximum number of updates (``>= 0``).

    Returns
    -------
    M : ndarray of shape (d, k)
        Final centroids (an empty cluster keeps its previous centroid).
    Y : ndarray of shape (k, N)
        One-hot labels that ``M`` was computed from.
    losses : list of float
        ``l1_loss(X, Y, M)`` after every update; non-increasing.

    Notes
    -----
    Stops like :func:`lloyd`. The median minimises the L1 loss of a cluster
    coordinate by coordinate, so it plays the role of the mean.
    """
    X = check_data(X)
    M0 = check_centroids(M0, X.shape[0], name="M0")
    max_iter = check_int(max_iter, "max_iter", low=0)
    M, z, losses = _kmedians(X, M0, max_iter)
    return M, dense_labels(z, M.shape[1]), losses


def dense_labels(z, k):
    """The one-hot ``Y`` (k, N) float64 of labels ``z`` (N,) that the lesson API returns.

    The contract's one fixed cost: ``8 k N`` bytes written once per call, whatever
    the number of iterations (512 MB for k = 64, N = 10**6). Each row is written
    in one sequential pass (``Y[j] = (z == j)``), rows shared among the threads,
    which beats scattering the ones into a zeroed matrix when the pages are
    first touched.
    """
    N = z.shape[0]
    small = z.astype(labels_dtype(k), copy=False)
    Y = np.empty((k, N))

    def work(rows):
        for j in rows:
            np.equal(small, j, out=Y[j])

    run_blocks(work, k)
    return Y


def _lloyd(X, M0, max_iter):
    """Lloyd's loop on labels; prior validation of data is assumed.

    Every pass over the data does the assignment for the current centroids
    and the cluster sums of the new labels at once (see
    :mod:`kmeans_ref._fused`); the loss after each update follows from the
    sums (:meth:`~kmeans_ref._fused.SquaredBlocks.losses_of_means`).
    """
    N = X.shape[1]
    blocks = SquaredBlocks(X, M0.shape[1])
    try:
        s = blocks.shift[:, None]
        M = M0.copy()
        z, sums = blocks.step(M - s, update=max_iter > 0)
        updates = []  # the sums of every update, turned into losses at the end
        for t in range(max_iter):
            M = means_from_sums(sums, M, s)
            updates.append(sums)
            if t == max_iter - 1:
                break
            z_new, sums = blocks.step(M - s, z_old=z, sums=incremental(sums, t))
            if np.array_equal(z_new, z):
                break  # the assignment stopped changing
            z = z_new
        losses = blocks.losses_of_means(updates) if updates else []
    finally:
        blocks.release()
    return M, z[:N], losses


# Cluster sums are updated with the points that changed cluster, and
# recomputed from scratch every _REFRESH passes so rounding cannot build up.
_REFRESH = 32


def incremental(sums, t):
    """The sums to update incrementally at pass ``t``, or None to recompute them."""
    return None if (t + 1) % _REFRESH == 0 else sums


def means_from_sums(sums, M_prev, s):
    """Centroids from the shifted cluster sums (k, d + 1) of a pass; empty clusters keep M_prev."""
    counts = sums[:, -1]
    if counts.all():  # the usual case, in three NumPy calls rather than seven
        M = sums[:, :-1].T / counts
        M += s
        return M
    full = counts > 0
    M = M_prev.copy()
    M[:, full] = sums[full, :-1].T / counts[full] + s
    return M


def _kmedians(X, M0, max_iter):
    """k-medians loop on labels; prior validation of data is assumed.

    The assignment skips observations whose nearest centroid provably did
    not change (see :class:`kmeans_ref._fused_l1.L1Assigner`); the medians come
    from features sorted once (see :class:`kmeans_ref._fused_l1.SortedFeatures`).
    """
    blocks = L1Blocks(X, M0.shape[1])
    nearest = L1Assigner(blocks)
    sorted_features = SortedFeatures(X)
    M = M0.copy()
    z = nearest(M)
    losses = []
    for t in range(max_iter):
        M = sorted_features.medians(z, M, blocks.label_dtype)
        losses.append(blocks.l1_sum(M, z))
        if t == max_iter - 1:
            break
        z_new = nearest(M)
        if np.array_equal(z_new, z):
            break  # keep the labels M was fitted to
        z = z_new
    return M, z, losses
