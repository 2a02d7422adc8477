"""Soft clustering: responsibilities ``R`` instead of one-hot labels ``Y`` (lesson 07).

``R[j, i]`` is the share of observation ``i`` that cluster ``j`` takes; every
column sums to 1 like a column of ``Y``, but the entries lie anywhere in
``[0, 1]``. The soft assignment is a softmax of ``-beta`` times the squared
distances; the soft update is the responsibility-weighted mean. As
``beta -> infinity`` the pair becomes Lloyd's assignment and update.
"""

import numpy as np

from ._fused import data_shift
from ._validation import check_centroids, check_data, check_positive_float, check_responsibilities
from .distances import _sq_distances

__all__ = ["soft_assign", "soft_update"]


def soft_assign(X, M, beta):
    """Soft assignment: a softmax over clusters of ``-beta`` times the squared distances.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M = [[1, 4], [1, 2]]                 # squared distances [[2, 1, 13, 20], [20, 13, 1, 2]]
    >>> R = soft_assign(X, M, beta=np.log(2) / 6)   # exp(-12 beta) = 1/4, exp(-18 beta) = 1/8
    >>> np.round(R * 45, 10)                 # x_0: (1, 1/8) / (9/8) = (8/9, 1/9); x_1: (4/5, 1/5)
    array([[40., 36.,  9.,  5.],
           [ 5.,  9., 36., 40.]])
    >>> soft_assign(X, M, beta=1e6)          # large beta: the one-hot Y of assign(X, M)
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])
    >>> soft_assign(X, [[1, 1], [1, 1]], beta=5.0)   # equal distances split equally
    array([[0.5, 0.5, 0.5, 0.5],
           [0.5, 0.5, 0.5, 0.5]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.
    beta : float
        Inverse temperature, finite and ``> 0``; large ``beta`` makes ``R``
        nearly one-hot, small ``beta`` nearly uniform.

    Returns
    -------
    R : ndarray of shape (k, N)
        Responsibilities in ``[0, 1]``; every column sums to 1 (to rounding).

    Notes
    -----
    With ``D[j, i] = ||x_i - m_j||^2`` (:func:`~kmeans_ref.sq_distances`),

    ``R[j, i] = exp(-beta D[j, i]) / sum_l exp(-beta D[l, i])``.

    Subtracting the column minimum ``D_min[i]`` from every ``D[l, i]`` first
    changes nothing mathematically (the factor ``exp(beta D_min[i])`` cancels)
    but makes the largest term exactly ``exp(0) = 1``: no overflow, no
    ``0 / 0``, whatever ``beta`` and the distances (the log-sum-exp trick).
    Clusters tied at the minimum get equal shares, so as ``beta -> infinity``
    ``R`` tends to :func:`~kmeans_ref.assign`'s ``Y`` with ties split equally.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    beta = check_positive_float(beta, "beta")
    return _soft_assign(X, M, beta)


def _soft_assign(X, M, beta):
    """Responsibilities (k, N); prior validation of data is assumed."""
    E = _sq_distances(X, M)
    E -= E.min(axis=0)
    E *= -beta
    np.exp(E, out=E)
    E /= E.sum(axis=0)
    return E


def soft_update(X, R):
    """Soft update: every centroid moves to the responsibility-weighted mean of all observations.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> soft_update(X, [[1, 1, 0, 0], [0, 0, 1, 1]])   # one-hot R: the cluster means
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> R = [[0.75, 0.75, 0.25, 0.25], [0.25, 0.25, 0.75, 0.75]]
    >>> soft_update(X, R)   # m_0 = (0.75 (0, 0) + 0.75 (1, 0) + 0.25 (4, 3) + 0.25 (5, 3)) / 2
    array([[1.5 , 3.5 ],
           [0.75, 2.25]])

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    R : array-like of shape (k, N)
        Responsibilities: finite weights ``>= 0`` (as from :func:`soft_assign`;
        columns need not sum to 1, only each cluster's total matters). Every
        cluster needs a positive total ``sum_i R[j, i]``.

    Returns
    -------
    M : ndarray of shape (d, k)
        ``m_j = sum_i R[j, i] x_i / sum_i R[j, i]``; with a one-hot ``R`` these
        are the cluster means of :func:`~kmeans_ref.update_means`.

    Raises
    ------
    ValueError
        If some cluster ``j`` has total responsibility 0 (row ``R[j, :]`` all
        zeros, its weighted mean is 0 / 0), naming the first such cluster; or
        if ``R`` has a negative or non-finite entry or the wrong shape.

    Notes
    -----
    ``m_j`` minimises ``sum_i R[j, i] ||x_i - m_j||^2``: setting the gradient
    ``2 sum_i R[j, i] (m_j - x_i)`` to zero gives the weighted mean. Each row
    of ``R`` is scaled by its largest entry first (the mean does not change),
    so tiny weights do not underflow; the data are shifted to a point near
    their mean for accuracy, as in :func:`~kmeans_ref.sq_distances`.
    """
    X = check_data(X)
    R = check_responsibilities(R, X.shape[1])
    empty = np.flatnonzero(R.max(axis=1) == 0)
    if empty.size:
        j = int(empty[0])
        raise ValueError(
            f"cluster {j} has total responsibility 0 (every R[{j}, i] is 0), so its weighted mean "
            f"is undefined: give it some weight or drop row {j} of R"
            + (f" (clusters {empty.tolist()} all have total 0)" if empty.size > 1 else "")
        )
    shift = data_shift(X)
    return _weighted_means(X - shift[:, None], R, shift)


def _weighted_means(X_shifted, R, shift):
    """Weighted means (d, k) of ``X_shifted + shift`` for rows of R with a positive entry.

    Prior validation of data is assumed; ``X_shifted`` is ``X - shift[:, None]``.
    """
    W = R / R.max(axis=1, keepdims=True)
    return (X_shifted @ W.T) / W.sum(axis=1) + shift[:, None]
