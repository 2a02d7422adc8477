"""Initial centroids: uniform choice and k-means++ seeding (lesson 06).

Both return ``k`` columns of ``X``; randomness comes only from ``rng``.
"""

import numpy as np

from ._validation import check_data, check_n_clusters, check_rng
from ._fused import SquaredBlocks

__all__ = ["random_init", "kmeans_plus_plus"]


def random_init(X, k, rng):
    """Pick ``k`` distinct observations uniformly at random as initial centroids.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M0 = random_init(X, 4, np.random.default_rng(0))   # k = N: a permutation of X's columns
    >>> sorted(map(tuple, M0.T.tolist()))
    [(0.0, 0.0), (1.0, 0.0), (4.0, 3.0), (5.0, 3.0)]

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    k : int
        Number of centroids, ``1 <= k <= N``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    M0 : ndarray of shape (d, k)
        Columns ``X[:, idx]`` for ``k`` distinct indices drawn uniformly.
    """
    X = check_data(X)
    k = check_n_clusters(k, X.shape[1])
    rng = check_rng(rng)
    return X[:, rng.choice(X.shape[1], size=k, replace=False)]


def kmeans_plus_plus(X, k, rng):
    """k-means++ seeding: the first centre uniformly, each next one by D^2 sampling.

    Observation ``i`` becomes the next centre with probability
    ``D(x_i)^2 / sum_l D(x_l)^2``, where ``D(x)`` is the distance from ``x``
    to the nearest centre chosen so far. Points already chosen have
    probability 0, so the centres are distinct as long as ``X`` has at least
    ``k`` distinct columns; otherwise, once every point coincides with a
    centre, the remaining centres are drawn uniformly.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M0 = kmeans_plus_plus(X, 2, np.random.default_rng(0))
    >>> M0.shape
    (2, 2)
    >>> all(any(np.array_equal(m, x) for x in np.asarray(X, float).T) for m in M0.T)
    True

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    k : int
        Number of centres, ``1 <= k <= N``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    M0 : ndarray of shape (d, k)
        The chosen observations, in the order they were chosen.
    """
    X = check_data(X)
    k = check_n_clusters(k, X.shape[1])
    rng = check_rng(rng)
    return X[:, _kmeans_plus_plus(X, k, rng)]


def _kmeans_plus_plus(X, k, rng):
    """Indices (k,) of the k-means++ centres; prior validation of data is assumed."""
    N = X.shape[1]
    blocks = SquaredBlocks(X, 1, keep=k > 2)  # the shifted copy pays off over k passes
    s = blocks.shift[:, None]

    def sq_dist_to(i):
        return blocks.distances(X[:, i:i + 1] - s)[0]

    idx = np.empty(k, dtype=np.int64)
    idx[0] = rng.integers(N)
    closest = sq_dist_to(idx[0])
    closest[idx[0]] = 0.0  # exactly, whatever the rounding of the norm trick
    for c in range(1, k):
        cum = np.cumsum(closest)
        total = cum[-1]
        if total > 0:
            # side="right" never lands on a zero-weight point.
            i = int(np.searchsorted(cum, rng.random() * total, side="right"))
            i = min(i, int(np.flatnonzero(closest)[-1]))  # guard against u * total rounding up
        else:
            i = int(rng.integers(N))
        idx[c] = i
        np.minimum(closest, sq_dist_to(i), out=closest)
        closest[i] = 0.0
    return idx
