"""Silhouette scores: how well each observation sits in its cluster (lesson 06).

Needs every pairwise distance, ``O(N^2 d)`` work, but never an ``(N, N)``
matrix: rows are taken a few at a time, their distances to all observations
reduced to per-cluster sums, then dropped.
"""

import numpy as np

from ._parallel import run_blocks
from ._validation import check_data, check_labels

__all__ = ["silhouette_scores"]


def silhouette_scores(X, z):
    """Silhouette score of every observation, with Euclidean (not squared) distances.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> np.round(silhouette_scores(X, [0, 0, 1, 1]), 4)
    array([0.8153, 0.7836, 0.7836, 0.8153])
    >>> np.round(silhouette_scores(X, [0, 0, 0, 1]), 4)   # x_3 alone: 0; x_2 is closer to x_3
    array([ 0.4855,  0.4757, -0.7836,  0.    ])

    By hand, ``|x_0 x_1| = |x_2 x_3| = 1``, ``|x_0 x_2| = |x_1 x_3| = 5``,
    ``|x_0 x_3| = sqrt(34)``, ``|x_1 x_2| = sqrt(18)``. With ``z = [0, 0, 1, 1]``,
    for ``x_0``: ``a = 1``, ``b = (5 + sqrt(34)) / 2 = 5.4155``, ``s = 1 - 1 / b = 0.8153``;
    for ``x_1``: ``b = (sqrt(18) + 5) / 2 = 4.6213``, ``s = 0.7836``; ``x_2``
    and ``x_3`` mirror ``x_1`` and ``x_0``. With ``z = [0, 0, 0, 1]``, for
    ``x_2``: ``a = (5 + sqrt(18)) / 2 = 4.6213``, ``b = 1``,
    ``s = (1 - a) / a = -0.7836``; for ``x_0``: ``a = (1 + 5) / 2``,
    ``b = sqrt(34)``, ``s = 1 - 3 / sqrt(34) = 0.4855``.

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    z : array-like of int, shape (N,)
        Cluster label of every observation (any non-negative integers; the
        clusters are the distinct values that occur, unused values are ignored).

    Returns
    -------
    s : ndarray of shape (N,)
        ``s_i`` in ``[-1, 1]``; near 1 when ``x_i`` is much closer to its own
        cluster than to any other, negative when another cluster is closer.

    Raises
    ------
    ValueError
        If ``z`` has fewer than 2 distinct clusters, or N distinct clusters
        (every observation alone: every score would be 0). This is
        scikit-learn's rule ``2 <= n_clusters <= N - 1``.

    Notes
    -----
    With ``C(i)`` the cluster of ``x_i``, ``n_C`` the size of cluster ``C`` and
    ``delta(x, y) = ||x - y||`` (Euclidean, not squared),

    - ``a_i = (1 / (n_C(i) - 1)) sum_{l in C(i), l != i} delta(x_i, x_l)``, the
      mean distance to the other members of its cluster;
    - ``b_i = min_{C != C(i)} (1 / n_C) sum_{l in C} delta(x_i, x_l)``, the mean
      distance to the nearest other cluster;
    - ``s_i = (b_i - a_i) / max(a_i, b_i)``; ``s_i = 0`` when ``x_i`` is alone
      in its cluster, and when ``a_i = b_i = 0`` (``x_i``, its cluster and the
      nearest other cluster all at one point), as in scikit-learn's
      ``silhouette_samples``, which these scores agree with.

    Distances come from coordinate differences (no norm trick), so they are
    exact to rounding: duplicate observations are at distance exactly 0.
    Memory beyond the output stays ``O(N)`` per thread.
    """
    X = check_data(X)
    z = check_labels(z, N=X.shape[1])
    clusters = np.unique(z)
    N = X.shape[1]
    if clusters.size < 2:
        raise ValueError(
            f"silhouette scores compare clusters: z needs at least 2 distinct labels; "
            f"got only {clusters.size} ({clusters.tolist()})"
        )
    if clusters.size > N - 1:
        raise ValueError(
            f"silhouette scores need at most N-1={N - 1} distinct clusters; z has {clusters.size}, "
            f"every observation alone in its cluster (all scores would be 0): merge some clusters"
        )
    return _silhouette_scores(X, np.searchsorted(clusters, z))


# Distances held per block: a row block of distances to all N observations
# stays near this size (2 MB), in cache while it is squared, summed and reduced.
_BLOCK_FLOATS = 1 << 18


def _silhouette_scores(X, z):
    """Scores (N,) for labels z in 0..K-1, every cluster non-empty; prior validation is assumed."""
    d, N = X.shape
    counts = np.bincount(z)
    # Columns sorted by cluster: each cluster's distances are one contiguous run.
    order = np.argsort(z, kind="stable")
    X_sorted = np.ascontiguousarray(X[:, order])
    starts = np.cumsum(counts) - counts
    rows = max(1, min(N, _BLOCK_FLOATS // N))
    a = np.empty(N)
    b = np.empty(N)

    def work(blocks):
        dist = np.empty((rows, N))
        diff = np.empty((rows, N))
        for i in blocks:
            start, stop = i * rows, min(N, (i + 1) * rows)
            D, T = dist[:stop - start], diff[:stop - start]
            np.subtract(X[0, start:stop, None], X_sorted[0], out=D)
            np.square(D, out=D)
            for f in range(1, d):
                np.subtract(X[f, start:stop, None], X_sorted[f], out=T)
                np.square(T, out=T)
                D += T
            np.sqrt(D, out=D)
            sums = np.add.reduceat(D, starts, axis=1)   # (rows, K) per-cluster sums
            own = z[start:stop]
            r = np.arange(stop - start)
            # The distance to itself is an exact 0 in the own sum: divide by n - 1.
            a[start:stop] = sums[r, own] / np.maximum(counts[own] - 1, 1)
            sums /= counts
            sums[r, own] = np.inf
            b[start:stop] = sums.min(axis=1)
        return None

    run_blocks(work, -(-N // rows))
    denom = np.maximum(a, b)
    s = np.zeros(N)
    ok = (counts[z] > 1) & (denom > 0)
    s[ok] = (b[ok] - a[ok]) / denom[ok]
    return s
