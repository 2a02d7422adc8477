"""The k-means loss and its L1 counterpart (lessons 02 and 04); all losses are plain sums."""

import numpy as np

from ._validation import check_centroids, check_data, check_label_matrix
from .assignment import _nearest

__all__ = ["kmeans_loss", "min_form_loss", "l1_loss"]

_CHUNK = 65536


def kmeans_loss(X, Y, M):
    """Sum of squared distances of the observations to their cluster's centroid.

    ``L(Y, M) = sum_i sum_j Y[j, i] ||x_i - m_j||^2 = ||X - M Y||_F^2``.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> Y = [[1, 1, 0, 0], [0, 0, 1, 1]]
    >>> kmeans_loss(X, Y, [[1, 4], [1, 2]])          # 2 + 1 + 1 + 2
    6.0
    >>> kmeans_loss(X, Y, [[0.5, 4.5], [0.0, 3.0]])  # 4 * 0.5^2
    1.0

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    Y : array-like of shape (k, N)
        One-hot label matrix.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    float
        The loss, a sum over observations (not a mean).
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    Y = check_label_matrix(Y, k=M.shape[1], N=X.shape[1])
    return _sse(X, np.argmax(Y, axis=0), M)


def _sse(X, z, M):
    """Sum of squared distances to the assigned centroids; prior validation is assumed."""
    total = 0.0
    for s in range(0, X.shape[1], _CHUNK):
        diff = X[:, s:s + _CHUNK] - M[:, z[s:s + _CHUNK]]
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


def min_form_loss(X, M):
    """The k-means loss with the best labels for ``M``: ``sum_i min_j ||x_i - m_j||^2``.

    >>> min_form_loss([[0, 1, 4, 5], [0, 0, 3, 3]], [[1, 4], [1, 2]])   # 2 + 1 + 1 + 2
    6.0

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    float
        ``min_Y L(Y, M)``, a function of the centroids alone.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _sse(X, _nearest(X, M), M)


def l1_loss(X, Y, M):
    """Sum of L1 distances of the observations to their cluster's centroid.

    ``L1(Y, M) = sum_i sum_j Y[j, i] ||x_i - m_j||_1``.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> Y = [[1, 1, 0, 0], [0, 0, 1, 1]]
    >>> l1_loss(X, Y, [[1, 4], [1, 2]])          # 2 + 1 + 1 + 2
    6.0
    >>> l1_loss(X, Y, [[0.5, 4.5], [0.0, 3.0]])  # 4 * 0.5
    2.0

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    Y : array-like of shape (k, N)
        One-hot label matrix.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    float
        The L1 loss, a sum over observations.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    Y = check_label_matrix(Y, k=M.shape[1], N=X.shape[1])
    return _l1_sum(X, np.argmax(Y, axis=0), M)


def _l1_sum(X, z, M):
    """Sum of L1 distances to the assigned centroids; prior validation is assumed."""
    total = 0.0
    for s in range(0, X.shape[1], _CHUNK):
        total += float(np.abs(X[:, s:s + _CHUNK] - M[:, z[s:s + _CHUNK]]).sum())
    return total
