"""The assignment step: each observation joins its nearest centroid (lessons 03, 04).

Ties go to the lowest cluster index, as :func:`numpy.argmin` does.
"""

from ._validation import check_centroids, check_data
from ._fused import SquaredBlocks
from ._fused_l1 import L1Blocks
from .labels import _one_hot

__all__ = ["assign", "assign_l1"]


def assign(X, M):
    """Assign every observation to its nearest centroid in Euclidean distance.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M = [[1, 4], [1, 2]]
    >>> assign(X, M)   # squared distances [[2, 1, 13, 20], [20, 13, 1, 2]]
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    Y : ndarray of shape (k, N), float64
        One-hot label matrix: ``Y[j, i] == 1`` iff ``m_j`` is the nearest
        centroid of ``x_i`` (lowest ``j`` among equally near ones). This
        minimises the k-means loss over ``Y`` for fixed ``M``.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _one_hot(_nearest(X, M), M.shape[1])


def _nearest(X, M):
    """Labels (N,) of the nearest centroid in L2; prior validation of data is assumed."""
    blocks = SquaredBlocks(X, M.shape[1], keep=False)
    z, _ = blocks.step(M - blocks.shift[:, None], update=False)
    return z[:X.shape[1]]


def assign_l1(X, M):
    """Assign every observation to its nearest centroid in L1 (Manhattan) distance.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M = [[1, 4], [1, 2]]
    >>> assign_l1(X, M)   # L1 distances [[2, 1, 5, 6], [6, 5, 1, 2]]
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    Y : ndarray of shape (k, N), float64
        One-hot label matrix of the nearest centroid in L1 distance (lowest
        index on ties). This minimises the L1 loss over ``Y`` for fixed ``M``.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _one_hot(_nearest_l1(X, M), M.shape[1])


def _nearest_l1(X, M):
    """Labels (N,) of the nearest centroid in L1; prior validation of data is assumed."""
    return L1Blocks(X, M.shape[1]).labels(M)
