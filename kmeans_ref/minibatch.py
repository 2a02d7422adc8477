"""Mini-batch k-means: one step on a batch of observations (lesson 05).

Sculley's update (*Web-scale k-means clustering*, 2010) with a per-centre step
``1 / counts_j``: every centroid is the running mean of all the observations
ever assigned to it, so a centroid that absorbed ``counts_j`` observations
moves less and less. With the whole data set as one batch and all counts 0,
one step is one Lloyd update.
"""

import numpy as np

from ._validation import check_centroids, check_counts, check_data
from .assignment import _nearest
from .updates import _cluster_sums

__all__ = ["minibatch_step"]


def minibatch_step(X_batch, M, counts):
    """One mini-batch k-means step: assign the batch, then update the running means.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M, counts = minibatch_step(X, [[1, 4], [1, 2]], [0, 0])   # counts 0: the batch means
    >>> M
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> counts
    array([2, 2])
    >>> M, counts = minibatch_step(X, [[1, 4], [1, 2]], [2, 2])   # (2 (1, 1) + (0, 0) + (1, 0)) / 4
    >>> M
    array([[0.75, 4.25],
           [0.5 , 2.5 ]])
    >>> counts
    array([4, 4])
    >>> M, counts = minibatch_step([[0], [0]], [[1, 4], [1, 2]], [1, 5])   # m_1 gets nothing
    >>> M              # m_0 = (1 (1, 1) + (0, 0)) / 2; m_1 unchanged
    array([[0.5, 4. ],
           [0.5, 2. ]])
    >>> counts
    array([2, 5])

    Parameters
    ----------
    X_batch : array-like of shape (d, b)
        The batch of observations, one per column (``b >= 1``).
    M : array-like of shape (d, k)
        Current centroids, one per column.
    counts : array-like of int, shape (k,)
        How many observations each centroid has absorbed so far (``>= 0``);
        start from ``np.zeros(k, dtype=int)``.

    Returns
    -------
    M : ndarray of shape (d, k)
        Updated centroids; a centroid that no batch observation chose is
        returned unchanged (bit for bit).
    counts : ndarray of shape (k,), int64
        ``counts + b_j``, a new array (the input is not modified).

    Raises
    ------
    TypeError
        If ``counts`` does not hold integers (a float array of counts is
        refused, like float labels), or ``X_batch``/``M`` not real numbers.
    ValueError
        If ``counts`` does not have shape ``(k,)`` or holds a negative count,
        or ``X_batch``/``M`` have the wrong shapes or non-finite values.

    Notes
    -----
    Each observation of the batch goes to its nearest centroid (lowest index
    on ties); with ``b_j`` batch observations assigned to centroid ``j`` and
    ``s_j`` their sum,

    ``m_j <- (counts_j m_j + s_j) / (counts_j + b_j)``,    ``counts_j <- counts_j + b_j``,

    the mean of ``counts_j`` copies of ``m_j`` and the new observations. It is
    Sculley's per-observation update ``m_j <- m_j + (x - m_j) / counts_j``
    applied to the batch at once (with the assignment of the whole batch
    made before any centroid moves).
    """
    X_batch = check_data(X_batch, name="X_batch", shape="(d, b)")
    M = check_centroids(M, X_batch.shape[0])
    counts = check_counts(counts, M.shape[1])
    return _minibatch_step(X_batch, M, counts)


def _minibatch_step(X_batch, M, counts):
    """New centroids (d, k) and counts (k,); prior validation of data is assumed."""
    k = M.shape[1]
    z = _nearest(X_batch, M)
    b = np.bincount(z, minlength=k)
    sums = _cluster_sums(X_batch, z, k)
    new_counts = counts + b
    M_new = M.copy()
    hit = b > 0
    # From counts_j = 0 this is sums / b_j exactly, the same numbers as update_means.
    M_new[:, hit] = (counts[hit] * M[:, hit] + sums[:, hit]) / new_counts[hit]
    return M_new, new_counts
