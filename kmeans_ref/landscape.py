"""The loss and assignment landscapes that the course's figures draw, computed exactly (NumPy only).

Lesson convention: observations ``X`` of shape ``(d, N)``, centroids ``M`` of shape ``(d, k)``,
metric "l2" (squared Euclidean distances, k-means) or "l1" (L1 distances, k-medians).

The min-form loss along a line, when centroid ``j`` moves to ``m_j + t u`` and the others stay:

- :func:`loss_slice` -> ``ts`` (T,), ``L`` (T,), ``kinks`` (m,): the loss at each ``t`` and the
  exact ``t`` where an observation changes centroid (roots of parabolas for "l2", of linear
  pieces for "l1", not read off a grid);
- :func:`loss_slice_slope` -> ``dL/dt`` (T,), exact between kinks, nan at a kink;
- :func:`empty_cluster_intervals` -> the intervals of ``t`` where centroid ``j`` wins nothing.

The k = 2 landscape of 1-D data ``x`` of shape (N,):

- :func:`loss_landscape_1d` -> ``mu`` (G,), ``L`` (G, G): the loss on a grid of centre pairs;
- :func:`local_minima_1d` -> (m, 3) rows ``(mu1, mu2, loss)``: its exact local minima.

And :func:`region_labels` -> (G,): the nearest centroid of each of G points (Voronoi regions).

>>> import numpy as np
>>> from kmeans_ref import landscape
>>> X = [[4, 8, 12], [0, 0, 0]]            # three points on the x-axis
>>> M = [[0, 8], [0, 3]]                   # m_0 = (0, 0) moves along the x-axis, m_1 = (8, 3) stays
>>> ts, L, kinks = landscape.loss_slice(X, M, 0, [1, 0], ts=[0.0, 6.0, 18.0])
>>> L                                      # 16 + 9 + 25, 4 + 4 + 25, 25 + 9 + 25 (m_1 wins all)
array([50., 33., 59.])
>>> kinks                                  # x = 8 starts to go to m_0 at t = 5, ...
array([ 5.,  7.,  9., 11., 17.])
>>> landscape.loss_slice_slope(X, M, 0, [1, 0], [0.0, 6.0, 18.0])   # 2 (0 - 4); 2 (6-4) + 2 (6-8)
array([-8.,  0.,  0.])
>>> landscape.empty_cluster_intervals(X, M, 0, [1, 0], (-3.0, 19.0))
[(-3.0, -1.0), (17.0, 19.0)]
>>> landscape.local_minima_1d([0.0, 1.0, 10.0, 11.0])   # means of {0, 1} and {10, 11}
array([[ 0.5, 10.5,  1. ]])
"""

from __future__ import annotations

import numpy as np

from ._inputs import as_1d, as_centroids, check_metric, padded_limits
from .distances import l1_distances, sq_distances

__all__ = [
    "region_labels",
    "loss_slice",
    "loss_slice_slope",
    "empty_cluster_intervals",
    "loss_landscape_1d",
    "local_minima_1d",
]


def _distances(metric):
    return sq_distances if metric == "l2" else l1_distances


# --------------------------------------------------------------------------- regions


def region_labels(points, M, *, metric="l2") -> np.ndarray:
    """The nearest centroid of every point, ties to the lowest index.

    Distances from ``kmeans_ref.sq_distances`` / ``l1_distances``, divided by their largest
    value and rounded to 10 decimals before the argmin, so that rounding noise does not
    scatter exact ties (whole L1 tie regions) between clusters.

    >>> region_labels([[-1, 2, 0.5], [3, 2, 0]], [[0, 1], [0, 1]], metric="l1")
    array([0, 1, 0])

    Parameters
    ----------
    points : array_like of shape (d, G)
        E.g. the nodes of a grid over the plane, one per column.
    M : array_like of shape (d, k)
    metric : "l2" or "l1"

    Returns
    -------
    ndarray of int, shape (G,), labels in 0..k-1
    """
    metric = check_metric(metric)
    D = np.asarray(_distances(metric)(points, M), dtype=np.float64)
    scale = max(float(np.abs(D).max()), 1e-300)
    return np.argmin(np.round(D / scale, 10), axis=0)


# --------------------------------------------------------------------------- loss along a line


def _sublevel_interval_l2(R, u, c):
    """Per observation, the open interval of t where ||r_i - t u||^2 < c_i (nan if empty).

    ``||r - t u||^2 = a t^2 - 2 p t + s`` with ``a = ||u||^2``, ``p = u.r``, ``s = ||r||^2``:
    a convex parabola, below the level ``c`` strictly between its two roots when
    ``p^2 - a (s - c) > 0``. A double root (the parabola only touches the level) is no
    interval: the assignment does not change there.
    """
    a = float(u @ u)
    p = u @ R
    s = np.sum(R * R, axis=0)
    with np.errstate(invalid="ignore"):
        disc = p * p - a * (s - c)  # -inf or nan when c is inf (k = 1): no crossing
        root = np.sqrt(np.where(disc > 0, disc, np.nan))
    return (p - root) / a, (p + root) / a


def _sublevel_interval_l1(R, u, c):
    """Per observation, the open interval of t where ||r_i - t u||_1 < c_i (nan if empty).

    ``f(t) = sum_q |r_q - t u_q|`` is convex and piecewise linear, with breakpoints at
    ``r_q / u_q``: its minimum is at a breakpoint, and on each side of it ``f`` crosses a level
    ``c > min f`` once, on one linear piece (beyond the outer breakpoints the slope is
    ``-/+ sum_q |u_q|``).
    """
    N = R.shape[1]
    lo, hi = np.full(N, np.nan), np.full(N, np.nan)
    moving = u != 0
    slope = float(np.abs(u).sum())
    for i in range(N):
        r, level = R[:, i], c[i]
        if not np.isfinite(level):
            continue
        b = np.unique(r[moving] / u[moving])
        f = np.abs(r[None, :] - b[:, None] * u[None, :]).sum(axis=1)
        m = int(np.argmin(f))
        if not f[m] < level:
            continue
        above = np.flatnonzero(f[:m] >= level)
        if above.size == 0:
            lo[i] = b[0] - (level - f[0]) / slope
        else:
            a_ = above[-1]
            lo[i] = b[a_] + (f[a_] - level) / (f[a_] - f[a_ + 1]) * (b[a_ + 1] - b[a_])
        above = m + np.flatnonzero(f[m:] >= level)
        if above.size == 0:
            hi[i] = b[-1] + (level - f[-1]) / slope
        else:
            a_ = above[0]
            hi[i] = b[a_ - 1] + (level - f[a_ - 1]) / (f[a_] - f[a_ - 1]) * (b[a_] - b[a_ - 1])
    return lo, hi


def _gaps(lo, hi, start, stop):
    """The parts of [start, stop] covered by none of the open intervals (lo_i, hi_i)."""
    keep = np.isfinite(lo) & np.isfinite(hi)
    gaps, edge = [], start
    for a, b in sorted(zip(lo[keep], hi[keep])):
        if a > edge:
            gaps.append((edge, min(a, stop)))
        edge = max(edge, b)
        if edge >= stop:
            break
    if edge < stop:
        gaps.append((edge, stop))
    return [(a, b) for a, b in gaps if b > a]


def _check_slice(X, M, j, direction):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (d, N) (one observation per column), got {X.shape}")
    M = as_centroids(M, X.shape[0])
    k = M.shape[1]
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < k:
        raise ValueError(f"j must be a centroid index in 0..{k - 1} for k={k}, got j={j!r}")
    u = np.asarray(direction, dtype=np.float64)
    if u.ndim == 2 and u.shape[1] == 1:
        u = u[:, 0]
    if u.shape != (X.shape[0],) or not np.any(u != 0):
        raise ValueError(
            f"direction must be a non-zero vector of shape ({X.shape[0]},), "
            f"got {u.tolist() if u.size <= 6 else u.shape}"
        )
    return X, M, int(j), u


def _check_ts(ts):
    ts = np.asarray(ts, dtype=np.float64)
    if ts.ndim != 1 or ts.size == 0 or not np.all(np.isfinite(ts)):
        raise ValueError(f"ts must be a non-empty 1-D array of finite numbers, got {ts.shape}")
    return ts


def _slice_parts(X, M, j, u, metric):
    """The pieces shared by the functions of a slice.

    Returns ``c`` (N,), the distance of each observation to its nearest *other* centroid
    (inf when k = 1), ``first`` (N,), the index of that centroid, and the interval
    ``(lo, hi)`` of t where centroid j is strictly nearer.
    """
    dist = _distances(metric)
    others = [l for l in range(M.shape[1]) if l != j]
    N = X.shape[1]
    if others:
        D_other = np.asarray(dist(X, M[:, others]), dtype=np.float64)
        c = D_other.min(axis=0)
        first = np.asarray(others)[np.argmin(D_other, axis=0)]
    else:
        c, first = np.full(N, np.inf), np.full(N, M.shape[1])
    R = X - M[:, [j]]
    interval = _sublevel_interval_l2 if metric == "l2" else _sublevel_interval_l1
    lo, hi = interval(R, u, c)
    return c, first, lo, hi


def _kinks(lo, hi, ts):
    """The distinct finite interval ends, sorted, within the range of ``ts``."""
    kinks = np.unique(np.concatenate([lo, hi]))
    kinks = kinks[np.isfinite(kinks)]
    return kinks[(kinks >= ts.min()) & (kinks <= ts.max())]


def _path_distances(X, M, j, u, ts, metric):
    """``(T, N)``: distance of every observation to centroid j placed at ``m_j + t u``."""
    P = M[:, [j]] + u[:, None] * ts[None, :]
    return np.asarray(_distances(metric)(X, P), dtype=np.float64)


def _default_ts(X, M, j, u, kinks, resolution=801):
    along = (u @ (X - M[:, [j]])) / float(u @ u)  # where the moving centroid passes each x_i
    ends = np.concatenate([along, kinks, [0.0]])
    lo, hi = padded_limits(ends, 0.1)
    return np.linspace(lo, hi, resolution)


def loss_slice(X, M, j, direction, *, ts=None, metric="l2"):
    """The min-form loss as centroid ``j`` moves along a line, and where its kinks are.

    Centroid ``j`` is placed at ``m_j + t * direction`` while the other centroids stay put,
    and ``L(t) = sum_i min_l dist(x_i, m_l)`` is evaluated at every ``t`` in ``ts``
    (squared Euclidean distances for ``metric="l2"``, L1 distances for "l1"). Observation
    ``i`` is won by the moving centroid on an interval of ``t`` (a parabola, resp. a convex
    piecewise-linear function, below the distance to its nearest other centroid); the ends
    of these intervals, where the assignment changes, are the kinks of ``L``. They are
    computed exactly (roots of the parabola, resp. of the linear pieces), not read off the
    grid. With ``k = 1`` there are none and, for "l2", ``L`` is a parabola in ``t``.

    >>> X = [[4, 8, 12], [0, 0, 0]]          # three points on the x-axis
    >>> M = [[0, 8], [0, 3]]                 # m_0 moves along the x-axis, m_1 = (8, 3) stays
    >>> ts, L, kinks = loss_slice(X, M, 0, [1, 0])
    >>> kinks    # x = 4 switches where (4 - t)^2 = 16 + 9, x = 8 where (8 - t)^2 = 9, ...
    array([-1.,  5.,  7.,  9., 11., 17.])
    >>> loss_slice(X, M, 0, [1, 0], ts=[0.0, 6.0])[1]    # 16 + 9 + 25 and 4 + 4 + 25
    array([50., 33.])

    Parameters
    ----------
    X : array_like of shape (d, N)
        Observations, one per column.
    M : array_like of shape (d, k)
        Centroids; ``M[:, j]`` is the position at ``t = 0``.
    j : int
        The centroid that moves, in 0..k-1.
    direction : array_like of shape (d,)
        Non-zero direction ``u`` of the line.
    ts : array_like of shape (T,), optional
        Positions along the line; default: 801 values covering the data and every kink.
    metric : "l2" or "l1"

    Returns
    -------
    ts : ndarray of shape (T,)
    L : ndarray of shape (T,), the loss at each ``t``
    kinks : ndarray of shape (m,), sorted, the distinct ``t`` where an assignment changes
        (within the range of ``ts``)
    """
    X, M, j, u = _check_slice(X, M, j, direction)
    metric = check_metric(metric)
    c, _, lo, hi = _slice_parts(X, M, j, u, metric)
    if ts is None:
        all_kinks = np.unique(np.concatenate([lo, hi]))
        ts = _default_ts(X, M, j, u, all_kinks[np.isfinite(all_kinks)])
    else:
        ts = _check_ts(ts)
    kinks = _kinks(lo, hi, ts)
    L = np.minimum(_path_distances(X, M, j, u, ts, metric), c[None, :]).sum(axis=1)
    return ts, L, kinks


def loss_slice_slope(X, M, j, direction, ts, *, metric="l2"):
    """The exact slope ``dL/dt`` of ``loss_slice``'s ``L(t)`` at every ``t`` in ``ts``.

    Only the observations that the moving centroid wins contribute: ``d/dt ||r_i - t u||^2
    = -2 u.(r_i - t u)`` for "l2", ``-sum_q u_q sign(r_iq - t u_q)`` for "l1" (with
    ``r_i = x_i - m_j``); an observation tied between the moving centroid and another goes
    to the lower index, as in ``assign``. At a kink the slope jumps and is undefined: nan
    there (within ``1e-9`` times the span of ``ts``, at least ``1e-9``).

    >>> loss_slice_slope([[4, 8, 12], [0, 0, 0]], [[0, 8], [0, 3]], 0, [1, 0], [0.0, 5.0])
    array([-8., nan])

    Parameters
    ----------
    X, M, j, direction, metric
        As in ``loss_slice``.
    ts : array_like of shape (T,)

    Returns
    -------
    ndarray of shape (T,)
    """
    X, M, j, u = _check_slice(X, M, j, direction)
    metric = check_metric(metric)
    grid = _check_ts(ts)
    c, first, lo, hi = _slice_parts(X, M, j, u, metric)
    Dj = _path_distances(X, M, j, u, grid, metric)
    # Who wins observation i at t: the moving centroid if strictly nearer, or if tied and
    # of lower index (the course's tie rule).
    owned = (Dj < c[None, :]) | ((Dj == c[None, :]) & (j < first[None, :]))
    R = X[None, :, :] - (M[:, j][:, None] + u[:, None] * grid[None, :]).T[:, :, None]
    if metric == "l2":
        dterm = -2.0 * np.einsum("q,tqi->ti", u, R)   # d/dt ||r_i - t u||^2
    else:
        dterm = -np.einsum("q,tqi->ti", u, np.sign(R))  # d/dt ||r_i - t u||_1
    dL = np.where(owned, dterm, 0.0).sum(axis=1)
    kinks = _kinks(lo, hi, grid)
    if len(kinks):
        span = max(abs(grid.max() - grid.min()), 1.0)
        at_kink = np.isclose(grid[:, None], kinks[None, :], rtol=0, atol=1e-9 * span).any(axis=1)
        dL[at_kink] = np.nan
    return dL


def empty_cluster_intervals(X, M, j, direction, t_range, *, metric="l2"):
    """The parts of ``t_range`` where the moving centroid ``j`` wins no observation.

    There its cluster is empty and ``L(t)`` does not depend on ``t``. With ``k = 1`` the
    only centroid wins every observation: no such part.

    >>> empty_cluster_intervals([[4, 8, 12], [0, 0, 0]], [[0, 8], [0, 3]], 0, [1, 0], (0.0, 20.0))
    [(17.0, 20.0)]

    Parameters
    ----------
    X, M, j, direction, metric
        As in ``loss_slice``.
    t_range : (float, float)
        ``(start, stop)``, start <= stop.

    Returns
    -------
    list of (float, float), sorted, disjoint ``(a, b)`` with ``a < b``
    """
    X, M, j, u = _check_slice(X, M, j, direction)
    metric = check_metric(metric)
    start, stop = t_range
    if not start <= stop:
        raise ValueError(f"t_range must be (start, stop) with start <= stop, got {t_range!r}")
    if M.shape[1] == 1:
        return []
    _, _, lo, hi = _slice_parts(X, M, j, u, metric)
    return [(float(a), float(b)) for a, b in _gaps(lo, hi, start, stop)]


# --------------------------------------------------------------------------- 1-D landscape


def loss_landscape_1d(x, *, lim=None, resolution=200):
    """The min-form loss of k = 2 centres for 1-D data on a grid.

    ``L[a, b] = sum_i min((x_i - mu[a])^2, (x_i - mu[b])^2)``, i.e.
    ``kmeans_ref.min_form_loss(x[None, :], [[mu[a], mu[b]]])``; symmetric: ``L == L.T``.

    >>> mu, L = loss_landscape_1d([0.0, 4.0], lim=(0, 4), resolution=3)
    >>> mu
    array([0., 2., 4.])
    >>> L        # both centres at 0: 0 + 16; at 0 and 2: 0 + 4; at 0 and 4: 0 + 0; ...
    array([[16.,  4.,  0.],
           [ 4.,  8.,  4.],
           [ 0.,  4., 16.]])

    Parameters
    ----------
    x : array_like of shape (N,)
    lim : (float, float), optional
        The range of centre positions; default: the data's range with a 15 % margin.
    resolution : int
        Number G of grid positions.

    Returns
    -------
    mu : ndarray (resolution,), the grid of centre positions (both axes)
    L : ndarray (resolution, resolution), ``L[a, b]`` the loss at ``mu1 = mu[a], mu2 = mu[b]``
    """
    x = as_1d(x)
    lim = padded_limits(x, 0.15) if lim is None else (float(lim[0]), float(lim[1]))
    mu = np.linspace(lim[0], lim[1], int(resolution))
    D = np.asarray(sq_distances(x[None, :], mu[None, :]))  # (G, N): (x_i - mu[a])^2
    L = np.empty((mu.size, mu.size))
    for a in range(mu.size):  # one row at a time keeps memory at G * N
        L[a] = np.minimum(D[a][None, :], D).sum(axis=1)
    return mu, L


def local_minima_1d(x):
    """The exact local minima of the k = 2 min-form loss of 1-D data.

    In one dimension a clustering that Lloyd's algorithm cannot improve splits the sorted data
    into a left and a right group; the pair of group means is a (strict) local minimum of
    L(mu1, mu2) when every point is strictly nearer to its own group's mean. Each split is
    listed once with mu1 < mu2 (its mirror image (mu2, mu1) is a minimum too).

    Parameters
    ----------
    x : array_like of shape (N,)

    Returns
    -------
    ndarray of shape (m, 3): rows (mu1, mu2, loss), sorted by loss (row 0: a global minimum)

    >>> local_minima_1d([0.0, 1.0, 10.0, 11.0]).tolist()
    [[0.5, 10.5, 1.0]]
    """
    xs = np.sort(as_1d(x))
    rows = []
    for s in range(1, xs.size):
        left, right = xs[:s], xs[s:]
        m1, m2 = left.mean(), right.mean()
        if not m1 < m2:
            continue
        boundary = (m1 + m2) / 2
        if left.max() < boundary < right.min():
            loss = ((left - m1) ** 2).sum() + ((right - m2) ** 2).sum()
            rows.append((m1, m2, loss))
    rows.sort(key=lambda r: r[2])
    return np.array(rows, dtype=np.float64).reshape(-1, 3)
