"""Distances between every centroid and every observation (lessons 02 and 04).

Both functions return a ``(k, N)`` array ``D`` with ``D[j, i]`` the distance
between centroid ``j`` and observation ``i``.
"""

from ._fused import SquaredBlocks
from ._fused_l1 import L1Blocks
from ._validation import check_centroids, check_data

__all__ = ["sq_distances", "l1_distances"]


def sq_distances(X, M):
    """Squared Euclidean distances between centroids and observations.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M = [[1, 4], [1, 2]]
    >>> sq_distances(X, M)   # (1-0)^2 + (1-0)^2 = 2, (4-0)^2 + (2-0)^2 = 20, ...
    array([[ 2.,  1., 13., 20.],
           [20., 13.,  1.,  2.]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    D : ndarray of shape (k, N)
        ``D[j, i] = ||x_i - m_j||^2 >= 0``.

    Notes
    -----
    Computed as ``||x||^2 - 2 x.m + ||m||^2`` with a matrix product, after
    shifting both ``X`` and ``M`` to a point near the data (exactly, for
    integer data), block by block so that memory stays ``O(block * k)``. The
    absolute error is a few units in the last place of ``||x - s||^2 + ||m - s||^2``.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _sq_distances(X, M)


def _sq_distances(X, M):
    """Squared distances (k, N); prior validation of data is assumed.

    Norm trick on shifted data, block by block (see :mod:`kmeans_ref._fused`);
    rounding can make the trick slightly negative, so results are clipped at 0.
    """
    blocks = SquaredBlocks(X, M.shape[1], keep=False)
    return blocks.distances(M - blocks.shift[:, None])


def l1_distances(X, M):
    """Manhattan (L1) distances between centroids and observations.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M = [[1, 4], [1, 2]]
    >>> l1_distances(X, M)   # |1-0| + |1-0| = 2, |4-0| + |2-0| = 6, ...
    array([[2., 1., 5., 6.],
           [6., 5., 1., 2.]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    D : ndarray of shape (k, N)
        ``D[j, i] = ||x_i - m_j||_1 = sum_a |X[a, i] - M[a, j]|``.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _l1_distances(X, M)


def _l1_distances(X, M):
    """L1 distances (k, N); prior validation of data is assumed."""
    return L1Blocks(X, M.shape[1]).distances(M)
