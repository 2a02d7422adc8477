"""The refitting step: each centroid moves to the best point of its cluster (lessons 03, 04).

An empty cluster keeps its previous centroid ``M_prev[:, j]``.
"""

import numpy as np

from ._fused import labels_dtype, sums_by_label
from ._fused_l1 import medians_by_label
from ._parallel import run_blocks
from ._validation import check_centroids, check_data, check_label_matrix

__all__ = ["update_means", "update_medians"]


def update_means(X, Y, M_prev):
    """Move every centroid to the mean of its cluster (minimises the k-means loss over M).

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> Y = [[1, 1, 0, 0], [0, 0, 1, 1]]
    >>> update_means(X, Y, [[1, 4], [1, 2]])   # ((0+1)/2, (0+0)/2), ((4+5)/2, (3+3)/2)
    array([[0.5, 4.5],
           [0. , 3. ]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    Y : array-like of shape (k, N)
        One-hot label matrix.
    M_prev : array-like of shape (d, k)
        Previous centroids; column ``j`` is kept when cluster ``j`` is empty.

    Returns
    -------
    M : ndarray of shape (d, k)
        ``m_j = (1 / n_j) sum_{i in C_j} x_i``, i.e. ``M = X Y^T (Y Y^T)^-1``
        on the non-empty clusters.
    """
    X = check_data(X)
    M_prev = check_centroids(M_prev, X.shape[0], name="M_prev")
    Y = check_label_matrix(Y, k=M_prev.shape[1], N=X.shape[1])
    return _means(X, np.argmax(Y, axis=0), M_prev)


_CHUNK = 16384


def _means(X, z, M_prev):
    """Cluster means with empty clusters kept; prior validation of data is assumed."""
    k = M_prev.shape[1]
    sums = _cluster_sums(X, z, k)
    counts = np.bincount(z, minlength=k)
    M = M_prev.copy()
    full = counts > 0
    M[:, full] = sums[:, full] / counts[full]
    return M


def _cluster_sums(X, z, k):
    """Per-cluster sums of the columns of X: (d, k), block by block on the thread pool."""
    N = X.shape[1]
    dtype = labels_dtype(k)

    def work(blocks):
        total = np.zeros((k, X.shape[0]))
        for i in blocks:
            cols = slice(i * _CHUNK, min(N, (i + 1) * _CHUNK))
            total += sums_by_label(X[:, cols].T, z[cols], k, dtype)
        return total

    return sum(run_blocks(work, -(-N // _CHUNK))).T


def update_medians(X, Y, M_prev):
    """Move every centroid to the coordinate-wise median of its cluster (minimises the L1 loss).

    For an even count the median follows :func:`numpy.median` (midpoint of the
    two middle values); any value between them is equally optimal.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> Y = [[1, 1, 0, 0], [0, 0, 1, 1]]
    >>> update_medians(X, Y, [[1, 4], [1, 2]])   # median{0, 1} = 0.5, median{0, 0} = 0, ...
    array([[0.5, 4.5],
           [0. , 3. ]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    Y : array-like of shape (k, N)
        One-hot label matrix.
    M_prev : array-like of shape (d, k)
        Previous centroids; column ``j`` is kept when cluster ``j`` is empty.

    Returns
    -------
    M : ndarray of shape (d, k)
        ``M[a, j]`` is the median of ``X[a, i]`` over the observations ``i`` of cluster ``j``.
    """
    X = check_data(X)
    M_prev = check_centroids(M_prev, X.shape[0], name="M_prev")
    Y = check_label_matrix(Y, k=M_prev.shape[1], N=X.shape[1])
    return _medians(X, np.argmax(Y, axis=0), M_prev)


def _medians(X, z, M_prev):
    """Coordinate-wise cluster medians, empty clusters kept; prior validation is assumed."""
    return medians_by_label(X, z, M_prev)
