"""Gradient descent on the min-form loss ``L(M) = sum_i min_j ||x_i - m_j||^2`` (lesson 05).

Away from ties the nearest centroid of every observation is locally constant,
so ``L`` is a sum of quadratics and its gradient with respect to ``m_j`` is
``2 * sum_{i in C_j} (m_j - x_i) = 2 n_j (m_j - mean_j)``. A step of size
``1 / (2 n_j)`` on cluster ``j`` lands exactly on the cluster mean: one Lloyd
update is one (Newton) gradient step.
"""

import numpy as np

from ._validation import check_centroids, check_data, check_int, check_positive_float
from .assignment import _nearest
from .loss import _sse
from .updates import _cluster_sums

__all__ = ["loss_gradient", "numerical_gradient", "gradient_descent"]


def loss_gradient(X, M):
    """Gradient of :func:`~kmeans_ref.min_form_loss` with respect to the centroids.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> loss_gradient(X, [[1, 4], [1, 2]])
    array([[ 2., -2.],
           [ 4., -4.]])

    By hand: cluster 0 = {x_0, x_1}, ``2 * ((m_0 - x_0) + (m_0 - x_1)) = 2 * ((1, 1) + (0, 1)) = (2, 4)``;
    cluster 1 = {x_2, x_3}, ``2 * ((0, -1) + (-1, -1)) = (-2, -4)``.

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M : array-like of shape (d, k)
        Centroids, one per column.

    Returns
    -------
    G : ndarray of shape (d, k)
        ``G[:, j] = 2 * sum_{i in C_j} (m_j - x_i)`` with ``C_j`` the
        observations whose nearest centroid is ``j`` (lowest index on ties);
        zero for an empty cluster.
    """
    X = check_data(X)
    M = check_centroids(M, X.shape[0])
    return _loss_gradient(X, M)


def _loss_gradient(X, M):
    """Gradient (d, k) of the min-form loss; prior validation of data is assumed."""
    z = _nearest(X, M)
    k = M.shape[1]
    counts = np.bincount(z, minlength=k)
    return 2.0 * (M * counts - _cluster_sums(X, z, k))


def numerical_gradient(f, M, eps=1e-6):
    """Central finite-difference gradient of a scalar function of a matrix.

    >>> M = np.array([[1.0, 4.0], [1.0, 2.0]])
    >>> G = numerical_gradient(lambda A: float((A ** 2).sum()), M)   # exact gradient 2 M
    >>> np.round(G, 6)
    array([[2., 8.],
           [2., 4.]])

    Parameters
    ----------
    f : callable
        ``f(A) -> float`` for ``A`` of the same shape as ``M``. It receives a
        fresh copy each time, so it cannot change ``M``.
    M : array-like of shape (d, k)
        Point where the gradient is estimated; left unchanged.
    eps : float, default=1e-6
        Half-width of the central difference, ``> 0``.

    Returns
    -------
    G : ndarray of shape (d, k)
        ``G[a, j] = (f(M + eps E_aj) - f(M - eps E_aj)) / (2 eps)``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(M) -> float; got {f!r} of type {type(f).__name__}")
    M = check_centroids(M)
    eps = check_positive_float(eps, "eps")
    G = np.empty_like(M)
    for index in np.ndindex(M.shape):
        plus, minus = M.copy(), M.copy()
        plus[index] += eps
        minus[index] -= eps
        G[index] = (_scalar(f(plus)) - _scalar(f(minus))) / (2.0 * eps)
    return G


def _scalar(value):
    """``float(value)`` with a clear error when ``f`` does not return a scalar."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"f must return a real scalar; got {value!r}")
    return float(arr.reshape(()))


def gradient_descent(X, M0, lr, n_steps):
    """Plain gradient descent on the min-form loss, ``M <- M - lr * loss_gradient(X, M)``.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M, losses = gradient_descent(X, [[1, 4], [1, 2]], lr=0.25, n_steps=2)
    >>> M        # lr = 1 / (2 n_j) with n_j = 2: the first step lands on the means
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> losses   # loss at M0, then after each step
    [6.0, 1.0, 1.0]

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column.
    M0 : array-like of shape (d, k)
        Initial centroids.
    lr : float
        Step size (learning rate), ``> 0``.
    n_steps : int
        Number of steps, ``>= 0``.

    Returns
    -------
    M : ndarray of shape (d, k)
        Centroids after ``n_steps`` steps.
    losses : list of float
        ``min_form_loss`` at ``M0`` and after every step; ``len(losses) == n_steps + 1``.
    """
    X = check_data(X)
    M = check_centroids(M0, X.shape[0], name="M0").copy()
    lr = check_positive_float(lr, "lr")
    n_steps = check_int(n_steps, "n_steps", low=0)
    losses = [_sse(X, _nearest(X, M), M)]
    for _ in range(n_steps):
        M = M - lr * _loss_gradient(X, M)
        losses.append(_sse(X, _nearest(X, M), M))
    return M, losses
