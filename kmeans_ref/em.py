"""EM for a mixture of spherical Gaussians: soft k-means with variances and weights (lesson 07).

The model: observation ``x`` (d,) comes from component ``j`` with probability
``w_j`` and then from ``N(m_j, var_j I)``, so its density is
``p(x) = sum_j w_j (2 pi var_j)^(-d/2) exp(-||x - m_j||^2 / (2 var_j))``.
EM alternates the E-step (responsibilities, a :func:`~kmeans_ref.soft_assign`
with one ``beta_j = 1 / (2 var_j)`` per component, shifted by ``log w_j``) and
the M-step (weighted means as in :func:`~kmeans_ref.soft_update`, then
variances and weights); every iteration can only raise the log-likelihood.
"""

import numpy as np

from ._fused import data_shift
from ._validation import check_centroids, check_data, check_int
from .distances import _sq_distances
from .soft import _weighted_means

__all__ = ["em_isotropic"]

# No variance goes below this fraction of the per-coordinate variance of X (see em_isotropic).
VAR_FLOOR = 1e-6


def em_isotropic(X, M0, n_iter):
    """EM for a mixture of k isotropic Gaussians ``N(m_j, var_j I)`` with mixing weights.

    >>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]
    >>> M, var, weights, lls = em_isotropic(X, [[0.5, 4.5], [0, 3]], n_iter=2)
    >>> M                   # Lloyd's solution is (to within exp(-116)) a fixed point of EM
    array([[0.5, 4.5],
           [0. , 3. ]])
    >>> var                 # every squared distance to the nearest centre is 0.25: 0.25 / d
    array([0.125, 0.125])
    >>> weights
    array([0.5, 0.5])
    >>> np.round(lls, 4)    # 4 (log(1/2) - (d/2) log(2 pi 0.125) - 0.25 / (2 0.125)) = 4 (log(2/pi) - 1)
    array([-5.8063, -5.8063, -5.8063])
    >>> M, var, weights, lls = em_isotropic(X, [[1, 4], [1, 2]], n_iter=5)
    >>> all(a <= b for a, b in zip(lls, lls[1:]))   # never decreases
    True

    Parameters
    ----------
    X : array-like of shape (d, N)
        Observations, one per column; not all equal (a Gaussian needs spread).
    M0 : array-like of shape (d, k)
        Initial means, one per column.
    n_iter : int
        Number of EM iterations (E-step then M-step), ``>= 0``.

    Returns
    -------
    M : ndarray of shape (d, k)
        Means after ``n_iter`` iterations.
    var : ndarray of shape (k,)
        Variances per coordinate (each component's covariance is ``var_j I``).
    weights : ndarray of shape (k,)
        Mixing weights, ``>= 0`` and summing to 1 (to rounding).
    log_likelihoods : list of float
        ``sum_i log p(x_i)`` at the start and after every iteration,
        ``len == n_iter + 1``; non-decreasing (to rounding).

    Raises
    ------
    ValueError
        If every observation of ``X`` is the same point (no scale to set the
        variances from); if the floor (below) is not a normal float64
        (variance of ``X`` per coordinate under about ``2e-302`` or
        overflowing: rescale ``X``); if the squared distances to ``M0``
        overflow; or for the shape and value errors of ``X``, ``M0``, ``n_iter``.

    Notes
    -----
    Start: ``m_j = M0[:, j]``, ``w_j = 1 / k`` and every
    ``var_j = (1 / (N d)) sum_i min_l ||x_i - m_l||^2``.

    E-step: ``log r_ji = log w_j - (d/2) log(2 pi var_j) - ||x_i - m_j||^2 / (2 var_j)``
    minus its log-sum-exp over ``j`` (computed after subtracting the largest
    term, so it never overflows); the log-likelihood is the sum over ``i`` of
    those log-sum-exps, at the parameters the E-step used.

    M-step, with ``n_j = sum_i r_ji``: ``w_j = n_j / N``,
    ``m_j = sum_i r_ji x_i / n_j``,
    ``var_j = max(sum_i r_ji ||x_i - m_j||^2 / (d n_j), floor)``.

    Collapse. A component that owns a single observation (or several at one
    point) shrinks its variance towards 0, and the likelihood towards
    infinity. No variance goes below
    ``floor = VAR_FLOOR * (1 / (N d)) sum_i ||x_i - mean(X)||^2`` with
    ``VAR_FLOOR = 1e-6``, i.e. a millionth of the variance of the data per
    coordinate (also at the start, when ``M0`` sits on the data).
    ``max(., floor)`` is the exact maximiser of the M-step objective over
    ``var_j >= floor``, so the log-likelihood still never decreases.

    Dead component. When every ``r_ji`` underflows to exactly 0 (a mean far
    from all the data), ``n_j = 0``: the component keeps its mean and
    variance, as an empty cluster keeps its centroid, and gets weight 0;
    it then adds nothing to the likelihood and stays at weight 0.
    """
    X = check_data(X)
    M0 = check_centroids(M0, X.shape[0], name="M0")
    n_iter = check_int(n_iter, "n_iter", low=0)
    if np.all(X == X[:, :1]):
        raise ValueError(
            f"every observation of X is the same point {X[:, 0].tolist()}: a Gaussian mixture "
            f"needs observations that differ (no scale to set the variances from)"
        )
    with np.errstate(all="ignore"):
        spread = float(X.var(axis=1).mean())
    floor = VAR_FLOOR * spread
    if not np.finfo(np.float64).tiny <= floor < np.inf:
        raise ValueError(
            f"the variance of X per coordinate, {spread:g}, is out of float64's range for densities: "
            f"rescale X (e.g. standardise every feature)"
        )
    return _em_isotropic(X, M0, n_iter, floor)


def _em_isotropic(X, M0, n_iter, floor):
    """EM loop; prior validation of data is assumed and ``floor > 0``."""
    d, N = X.shape
    k = M0.shape[1]
    shift = data_shift(X)
    X_shifted = X - shift[:, None]
    M = M0.copy()
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        D = _sq_distances(X, M)
        var0 = float(D.min(axis=0).mean()) / d
    if not (np.isfinite(D).all() and np.isfinite(var0)):
        raise ValueError("the squared distances from X to M0 overflow float64: start from M0 nearer the data")
    var = np.full(k, max(var0, floor))
    weights = np.full(k, 1.0 / k)
    R, ll = _e_step(D, var, weights, d)
    log_likelihoods = [ll]
    for _ in range(n_iter):
        n = R.sum(axis=1)
        weights = n / N
        live = n > 0
        # Rows scaled by their largest entry: same means and variances, no underflow.
        W = R[live] / R[live].max(axis=1, keepdims=True)
        M = M.copy()
        M[:, live] = _weighted_means(X_shifted, W, shift)
        D = _sq_distances(X, M)
        var = var.copy()
        var[live] = np.maximum((W * D[live]).sum(axis=1) / (d * W.sum(axis=1)), floor)
        R, ll = _e_step(D, var, weights, d)
        log_likelihoods.append(ll)
    return M, var, weights, log_likelihoods


def _e_step(D, var, weights, d):
    """Responsibilities (k, N) and the log-likelihood for squared distances D (k, N)."""
    with np.errstate(divide="ignore"):  # a dead component has log w_j = -inf, exp(-inf) = 0
        log_w = np.log(weights)
    L = D / (-2.0 * var[:, None])
    L += (log_w - 0.5 * d * np.log(2.0 * np.pi * var))[:, None]
    top = L.max(axis=0)
    if not np.isfinite(top).all():
        i = int(np.flatnonzero(~np.isfinite(top))[0])
        raise ValueError(
            f"observation {i} has density 0 under every component (||x - m_j||^2 / var_j overflows): "
            f"start from means M0 nearer the data"
        )
    L -= top
    np.exp(L, out=L)
    total = L.sum(axis=0)
    L /= total
    return L, float((top + np.log(total)).sum())
