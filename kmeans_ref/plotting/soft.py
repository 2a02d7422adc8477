"""Figures of soft clustering (lesson 07): responsibilities, spherical Gaussians, mixture regions.

- ``responsibility_colors``: the colour of each observation as the mix of the cluster colours,
  weighted by its column of ``R``;
- ``plot_soft_clusters``: a scatter plot in those mixed colours, with the centroids;
- ``plot_responsibility_paths``: ``R[j, i]`` of a few observations as ``beta`` grows;
- ``plot_gaussians``: circles of radius ``s * sqrt(var_j)`` around every mean;
- ``mixture_labels`` and ``plot_mixture_regions``: the component with the largest
  ``w_j N(x | m_j, var_j I)`` at every point of the plane, and its regions shaded.

Responsibilities come from ``kmeans_ref.soft_assign``; distances from ``kmeans_ref.sq_distances``.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.patches import Circle

import kmeans_ref as _ref

from ._common import (
    CLUSTER_COLORS,
    _as_1d,
    _as_2d_points,
    _as_centroids,
    _axis_labels,
    _cluster_legend,
    _draw_centroids,
    _limits_2d,
    _new_axes,
    _set_aspect,
    cluster_color,
)


def _as_responsibilities(R, k, N):
    R = np.asarray(R, dtype=np.float64)
    if R.shape != (k, N):
        raise ValueError(f"R must have shape (k, N) = ({k}, {N}) (one column per observation), got {R.shape}")
    if not np.isfinite(R).all() or (R < 0).any():
        raise ValueError("R must hold finite weights >= 0 (responsibilities, as from soft_assign)")
    return R


def _as_mixture(M, var, weights):
    M = _as_centroids(M, 2)
    k = M.shape[1]
    var = _as_1d(var, "var")
    weights = np.full(k, 1.0 / k) if weights is None else _as_1d(weights, "weights")
    if var.shape != (k,) or weights.shape != (k,):
        raise ValueError(
            f"var and weights must have shape (k,) = ({k},), one entry per column of M, "
            f"got {var.shape} and {weights.shape}"
        )
    if not (var > 0).all() or (weights < 0).any():
        raise ValueError("every variance must be > 0 and every weight >= 0")
    return M, var, weights


def responsibility_colors(R) -> np.ndarray:
    """RGBA colours (N, 4): column ``i`` of ``R`` mixes the cluster colours in its proportions.

    A column ``(1, 0, ...)`` gives exactly ``cluster_color(0)``; ``(0.5, 0.5)`` the average of
    the first two colours. Columns are normalised to sum to 1 first. With blue
    ``(0, 114, 178) / 255`` and orange ``(230, 159, 0) / 255``:

    >>> responsibility_colors([[1.0, 0.5], [0.0, 0.5]]).round(3)[:, :3]   # blue, then the average
    array([[0.   , 0.447, 0.698],
           [0.451, 0.535, 0.349]])
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] < 1:
        raise ValueError(f"R must have shape (k, N), got an array of shape {R.shape}")
    R = _as_responsibilities(R, *R.shape)
    totals = R.sum(axis=0)
    if (totals <= 0).any():
        raise ValueError("every column of R needs a positive sum (an observation with no share anywhere)")
    palette = np.array([mcolors.to_rgb(CLUSTER_COLORS[j % len(CLUSTER_COLORS)]) for j in range(R.shape[0])])
    rgb = (R / totals).T @ palette
    return np.hstack([np.clip(rgb, 0.0, 1.0), np.ones((rgb.shape[0], 1))])


def plot_soft_clusters(X, M, R, *, ax=None, title=None, feature_names=None, legend=True, size=28):
    """Scatter 2-D observations in the mix of their clusters' colours, with the centroids.

    Parameters
    ----------
    X : array_like of shape (2, N)
    M : array_like of shape (2, k)
    R : array_like of shape (k, N)
        Responsibilities; a one-hot column gives the pure cluster colour, as ``plot_clusters``.
    ax : Axes, optional
    title : str, optional
    feature_names : (str, str), optional
    legend : bool
    size : float
        Marker area of the observations.

    Returns
    -------
    Axes
        The observations are the collection with gid "points", the centroids gid "centroids".
    """
    X = _as_2d_points(X)
    M = _as_centroids(M, 2)
    R = _as_responsibilities(R, M.shape[1], X.shape[1])
    ax = _new_axes(ax)
    ax.scatter(X[0], X[1], c=responsibility_colors(R), s=size, edgecolors="white", linewidths=0.4,
               zorder=3, gid="points")
    _draw_centroids(ax, M)
    xlim, ylim = _limits_2d(X, M)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    _set_aspect(ax, xlim, ylim)
    _axis_labels(ax, feature_names)
    if title is not None:
        ax.set_title(title)
    if legend and M.shape[1] <= 10:
        _cluster_legend(ax, M.shape[1])
    return ax


def plot_responsibility_paths(X, M, indices, betas, *, cluster=0, ax=None, names=None):
    """``R[cluster, i]`` of the observations ``indices`` against ``beta`` (log axis).

    ``R`` is ``kmeans_ref.soft_assign(X, M, beta)`` for every ``beta``. Each curve starts near
    ``1 / k`` (small ``beta``) and ends at 1 or 0 (the hard assignment), or at ``1 / t`` for an
    observation tied between ``t`` nearest centroids.

    Parameters
    ----------
    X : array_like of shape (d, N)
    M : array_like of shape (d, k)
    indices : sequence of int
        The observations (columns of ``X``) to follow.
    betas : array_like of shape (B,)
        Positive values of ``beta``, drawn on a log scale.
    cluster : int
        The row of ``R`` to draw.
    names : sequence of str, optional
        Legend entries, one per index; default "x_i".

    Returns
    -------
    Axes
        One line per observation, in the order of ``indices``.
    """
    X = np.asarray(X, dtype=np.float64)
    betas = _as_1d(betas, "betas")
    if (betas <= 0).any():
        raise ValueError("every beta must be > 0 (they are drawn on a log scale)")
    indices = [int(i) for i in indices]
    if not indices:
        raise ValueError("indices must name at least one observation")
    names = [f"$x_{{{i}}}$" for i in indices] if names is None else list(names)
    if len(names) != len(indices):
        raise ValueError(f"names must have one entry per index: {len(indices)} indices, {len(names)} names")
    paths = np.array([_ref.soft_assign(X, M, b)[cluster, indices] for b in betas])  # (B, len(indices))
    ax = _new_axes(ax, figsize=(5.5, 3.6))
    for col, name in enumerate(names):
        ax.plot(betas, paths[:, col], lw=1.8, label=name)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(r"$\beta$")
    ax.set_ylabel(f"responsibility of cluster {cluster}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def plot_gaussians(M, var, weights=None, *, ax=None, n_std=(1.0, 2.0)):
    """Circles of radius ``s * sqrt(var_j)`` around every mean ``m_j``, one per ``s`` in ``n_std``.

    A spherical Gaussian ``N(m_j, var_j I)`` has circular contours; in 2-D about 39 % of its mass
    lies within one standard deviation ``sqrt(var_j)`` of the mean and 86 % within two. The line
    width grows with the weight ``w_j`` (equal weights when ``weights`` is None).

    Returns
    -------
    Axes
        The circles are patches with gid "gaussian_j" (``j`` the component).
    """
    M, var, weights = _as_mixture(M, var, weights)
    ax = _new_axes(ax)
    widths = 0.8 + 2.5 * weights / max(weights.max(), 1e-300)
    for j in range(M.shape[1]):
        for s in n_std:
            ax.add_patch(Circle((M[0, j], M[1, j]), s * np.sqrt(var[j]), fill=False, lw=widths[j],
                                ls="-" if s == n_std[0] else "--", color=cluster_color(j), zorder=4,
                                gid=f"gaussian_{j}"))
    return ax


def mixture_labels(points, M, var, weights=None) -> np.ndarray:
    """The component with the largest ``w_j N(x | m_j, var_j I)`` at every point, ties to the lowest j.

    >>> mixture_labels([[0.0, 1.2, 3.0], [0.0, 0.0, 0.0]], [[0.0, 2.0], [0.0, 0.0]], [1.0, 0.01])
    array([0, 0, 0])

    The narrow component at (2, 0) wins only within about 0.35 of its mean, so the point (1.2, 0)
    goes to the wide one although it is nearer to (2, 0); so does (3, 0), far outside the narrow
    one. With equal variances and weights these are the Voronoi labels of ``M``.

    Parameters
    ----------
    points : array_like of shape (d, G)
    M : array_like of shape (d, k)
    var : array_like of shape (k,), every entry > 0
    weights : array_like of shape (k,), optional (equal weights)

    Returns
    -------
    ndarray of int, shape (G,)
    """
    points = np.asarray(points, dtype=np.float64)
    M = np.asarray(M, dtype=np.float64)
    k = M.shape[1] if M.ndim == 2 else 0
    var = _as_1d(var, "var")
    weights = np.full(k, 1.0 / max(k, 1)) if weights is None else _as_1d(weights, "weights")
    if var.shape != (k,) or weights.shape != (k,) or not (var > 0).all() or (weights < 0).any():
        raise ValueError(f"var (> 0) and weights (>= 0) must have shape (k,) = ({k},), one entry per column of M")
    d = points.shape[0]
    D = _ref.sq_distances(points, M)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    score = (log_w - 0.5 * d * np.log(2.0 * np.pi * var))[:, None] - D / (2.0 * var[:, None])
    return np.argmax(score, axis=0)


def plot_mixture_regions(M, var, weights=None, *, ax=None, xlim=None, ylim=None, alpha=0.15, resolution=300):
    """Shade the region of the plane that each mixture component wins (``mixture_labels``).

    The counterpart of ``plot_voronoi`` for a mixture: with equal variances and weights the
    boundaries are the same perpendicular bisectors; otherwise they bend (circles in 2-D)
    around the narrower or lighter component. Limits default to the Axes' current ones.

    Returns
    -------
    Axes
        The shading is an image with gid "mixture_regions".
    """
    M, var, weights = _as_mixture(M, var, weights)
    ax = _new_axes(ax)
    if xlim is None or ylim is None:
        cur_x, cur_y = (ax.get_xlim(), ax.get_ylim()) if ax.has_data() else _limits_2d(M)
        xlim = cur_x if xlim is None else xlim
        ylim = cur_y if ylim is None else ylim
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    labels = mixture_labels(np.vstack([gx.ravel(), gy.ravel()]), M, var, weights).reshape(gx.shape)
    palette = np.array([mcolors.to_rgba(c, alpha) for c in CLUSTER_COLORS])
    ax.imshow(palette[labels % len(CLUSTER_COLORS)], origin="lower", extent=(*xlim, *ylim),
              interpolation="nearest", aspect="auto", zorder=0, gid="mixture_regions")
    if M.shape[1] > 1:
        ax.contour(gx, gy, labels, levels=np.arange(M.shape[1] - 1) + 0.5, colors="0.25",
                   linewidths=1.0, zorder=1)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax
