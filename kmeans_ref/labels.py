"""Labels as vectors and as one-hot matrices (lesson 01).

The toy data set shared by every docstring of :mod:`kmeans_ref` has four
observations (columns) in the plane, two near the origin and two near (4.5, 3)::

    X = [[0, 1, 4, 5],        x_0 = (0, 0), x_1 = (1, 0), x_2 = (4, 3), x_3 = (5, 3)
         [0, 0, 3, 3]]
    M = [[1, 4],              m_0 = (1, 1), m_1 = (4, 2)
         [1, 2]]

Its nearest-centroid labels are ``z = [0, 0, 1, 1]``.
"""

import numpy as np

from ._validation import check_centroids, check_int, check_label_matrix, check_labels

__all__ = ["one_hot", "labels_from_one_hot", "is_label_matrix", "reconstruct"]


def one_hot(z, k):
    """Turn integer labels into a one-hot label matrix.

    >>> one_hot([0, 0, 1, 1], 2)
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])

    Parameters
    ----------
    z : array-like of int, shape (N,)
        Cluster label of every observation, in ``0 .. k-1``.
    k : int
        Number of clusters, ``k >= 1`` (clusters may be empty).

    Returns
    -------
    Y : ndarray of shape (k, N), float64
        ``Y[j, i] == 1`` iff ``z[i] == j``; every column sums to 1. No labels give a
        (k, 0) matrix.

    Raises
    ------
    ValueError
        If a label lies outside ``0 .. k-1`` or ``z`` is not 1-D.
    TypeError
        If ``z`` does not hold integers or ``k`` is not an integer.
    """
    k = check_int(k, "k", low=1)
    if np.ndim(z) == 1 and np.size(z) == 0:
        z = np.zeros(0, dtype=np.int64)  # NumPy reads [] as float; no labels at all is N = 0
    z = check_labels(z, k)
    return _one_hot(z, k)


def _one_hot(z, k):
    """One-hot matrix of valid labels (prior validation of data is assumed)."""
    Y = np.zeros((k, z.shape[0]))
    Y[z, np.arange(z.shape[0])] = 1.0
    return Y


def labels_from_one_hot(Y):
    """Recover integer labels from a one-hot label matrix.

    >>> labels_from_one_hot([[1, 1, 0, 0], [0, 0, 1, 1]])
    array([0, 0, 1, 1])

    Parameters
    ----------
    Y : array-like of shape (k, N)
        One-hot label matrix (entries 0/1, every column sums to 1).

    Returns
    -------
    z : ndarray of shape (N,), int64
        ``z[i]`` is the row holding the 1 of column ``i``.

    Raises
    ------
    ValueError
        If ``Y`` is not 2-D, has entries other than 0 and 1, or a column does
        not sum to 1.
    """
    Y = check_label_matrix(Y)
    return np.argmax(Y, axis=0).astype(np.int64)


def is_label_matrix(Y):
    """Tell whether ``Y`` is a valid one-hot label matrix; never raises.

    >>> is_label_matrix([[1, 1, 0, 0], [0, 0, 1, 1]])
    True
    >>> is_label_matrix([[1, 1, 0, 0], [0, 1, 1, 1]])  # column 1 has two 1s
    False

    Parameters
    ----------
    Y : object
        Candidate label matrix.

    Returns
    -------
    bool
        True iff ``Y`` is a 2-D array of shape (k, N) with ``k >= 1``, entries
        in {0, 1} (bool, integer or float) and every column summing to 1.
    """
    try:
        check_label_matrix(Y)
    except (TypeError, ValueError):
        return False
    return True


def reconstruct(M, Y):
    """Replace every observation by the centroid of its cluster: ``M @ Y``.

    >>> reconstruct([[1, 4], [1, 2]], [[1, 1, 0, 0], [0, 0, 1, 1]])
    array([[1., 1., 4., 4.],
           [1., 1., 2., 2.]])

    Parameters
    ----------
    M : array-like of shape (d, k)
        Centroids, one per column.
    Y : array-like of shape (k, N)
        One-hot label matrix.

    Returns
    -------
    ndarray of shape (d, N)
        Column ``i`` is the centroid of observation ``i``'s cluster.
    """
    M = check_centroids(M)
    Y = check_label_matrix(Y, k=M.shape[1])
    z = np.argmax(Y, axis=0)
    # Gathering columns is exact (no 0 * x sums), unlike the product M @ Y.
    return M[:, z]
