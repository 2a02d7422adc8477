"""Scatter plots of 2-D clusterings: points, centroids, Voronoi regions, residuals."""

from __future__ import annotations

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

import kmeans_ref as _ref
from kmeans_ref.landscape import region_labels

from ._common import (
    CLUSTER_COLORS,
    _as_2d_points,
    _as_centroids,
    _axis_labels,
    _check_metric,
    _cluster_legend,
    _draw_centroids,
    _draw_points,
    _fmt,
    _labels,
    _limits_2d,
    _new_axes,
    _padded_limits,
    _set_aspect,
)


def plot_voronoi(M, *, ax=None, xlim=None, ylim=None, metric="l2", alpha=0.15, resolution=300):
    """Shade the region of the plane nearest to each centroid (its Voronoi cell).

    Parameters
    ----------
    M : array_like of shape (2, k)
        Centroids, one per column.
    ax : Axes, optional
    xlim, ylim : (float, float), optional
        The window to shade; defaults to the Axes' current limits if it already holds data,
        else to the centroids' range with a margin.
    metric : "l2" or "l1"
        "l2" uses ``kmeans_ref.assign`` (straight boundaries, the perpendicular bisectors),
        "l1" uses ``kmeans_ref.assign_l1`` (the Manhattan cells of k-medians).
    alpha : float
        Opacity of the shading; boundaries are drawn as thin dark lines.

    Returns
    -------
    Axes
    """
    M = _as_centroids(M, 2)
    metric = _check_metric(metric)
    ax = _new_axes(ax)
    if xlim is None or ylim is None:
        if ax.has_data():
            cur_x, cur_y = ax.get_xlim(), ax.get_ylim()
        else:
            cur_x, cur_y = _limits_2d(M)
            cur_x = _padded_limits(cur_x, 0.5)
            cur_y = _padded_limits(cur_y, 0.5)
        xlim = cur_x if xlim is None else xlim
        ylim = cur_y if ylim is None else ylim
    xs = np.linspace(xlim[0], xlim[1], resolution)
    ys = np.linspace(ylim[0], ylim[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.vstack([gx.ravel(), gy.ravel()])
    labels = region_labels(grid, M, metric=metric).reshape(gy.shape)
    palette = np.array([mcolors.to_rgba(c, alpha) for c in CLUSTER_COLORS])
    rgba = palette[labels % len(CLUSTER_COLORS)]
    ax.imshow(
        rgba,
        origin="lower",
        extent=(xlim[0], xlim[1], ylim[0], ylim[1]),
        interpolation="nearest",
        aspect="auto",
        zorder=0,
        gid="voronoi",
    )
    k = M.shape[1]
    if k > 1:
        ax.contour(
            gx,
            gy,
            labels,
            levels=np.arange(k - 1) + 0.5,
            colors="0.25",
            linewidths=1.0,
            zorder=1,
        )
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def plot_clusters(
    X,
    M=None,
    z=None,
    *,
    ax=None,
    voronoi=False,
    title=None,
    feature_names=None,
    legend=True,
    cluster_names=None,
    metric="l2",
):
    """Scatter 2-D observations coloured by cluster, with centroids as large crosses.

    Parameters
    ----------
    X : array_like of shape (2, N)
        Observations, one per column.
    M : array_like of shape (2, k), optional
        Centroids, drawn as crosses in their cluster's colour.
    z : array_like of shape (N,), optional
        Labels 0..k-1; without them the points are grey (not assigned yet).
    ax : Axes, optional
    voronoi : bool
        Shade the Voronoi regions of ``M`` (the points each centroid would win).
    title : str, optional
    feature_names : (str, str), optional
        Axis labels, e.g. ``dataset.feature_names``; default ``x_1``, ``x_2``.
    legend : bool
        Add a legend naming the clusters (when ``z`` or ``M`` is given).
    cluster_names : sequence of str, optional
        Legend names of the clusters (e.g. ``dataset.target_names``); default "cluster j".
    metric : "l2" or "l1"
        Distance of the Voronoi regions.

    Returns
    -------
    Axes
        The points are ``ax.collections`` with gid "points", the centroids gid "centroids".
    """
    X = _as_2d_points(X)
    metric = _check_metric(metric)
    ax = _new_axes(ax)
    if M is not None:
        M = _as_centroids(M, 2)
    xlim, ylim = _limits_2d(X, M) if M is not None else _limits_2d(X)
    if voronoi:
        if M is None:
            raise ValueError("voronoi=True needs the centroids M")
        plot_voronoi(M, ax=ax, xlim=xlim, ylim=ylim, metric=metric)
    _draw_points(ax, X, z)
    if M is not None:
        _draw_centroids(ax, M)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    _set_aspect(ax, xlim, ylim)
    _axis_labels(ax, feature_names)
    if title is not None:
        ax.set_title(title)
    if legend and (z is not None or M is not None):
        k = M.shape[1] if M is not None else int(np.max(z)) + 1
        if cluster_names is not None and len(cluster_names) < k:
            raise ValueError(
                f"cluster_names must name all {k} clusters, got {len(cluster_names)} names"
            )
        if k <= 10:
            _cluster_legend(ax, k, with_centroid=M is not None, names=cluster_names)
    return ax


def plot_residuals(
    X,
    M,
    z,
    *,
    ax=None,
    title=None,
    feature_names=None,
    voronoi=False,
    legend=True,
    cluster_names=None,
):
    """The reconstruction view of a clustering: every observation joined to its centroid.

    Draws ``plot_clusters(X, M, z)`` and a grey segment from each observation ``x_i`` to its
    centroid ``m_{z_i}``: the segment is column ``i`` of the residual matrix ``R = X - M Y``,
    and the sum of their squared lengths is the k-means loss
    ``||X - M Y||_F^2 = sum_i ||x_i - m_{z_i}||^2`` (``kmeans_ref.kmeans_loss``), which the
    default title reports.

    Parameters
    ----------
    X : array_like of shape (2, N)
        Observations, one per column.
    M : array_like of shape (2, k)
        Centroids, one per column.
    z : array_like of int, shape (N,)
        Labels 0..k-1: observation ``i`` is joined to ``M[:, z[i]]``.
    ax : Axes, optional
    title : str, optional
        Default: the residuals and the value of the loss.
    feature_names, voronoi, legend, cluster_names
        As in ``plot_clusters``.

    Returns
    -------
    Axes
        The segments are a ``LineCollection`` with gid "residuals" (N segments, each
        ``[x_i, m_{z_i}]``); points and centroids as in ``plot_clusters``.
    """
    X = _as_2d_points(X)
    M = _as_centroids(M, 2)
    k = M.shape[1]
    z = np.asarray(z)
    if z.shape != (X.shape[1],):
        raise ValueError(
            f"z must have shape ({X.shape[1]},) (one label per column of X), got {z.shape}"
        )
    Y = _ref.one_hot(z, k)  # validates the labels: integers in 0..k-1
    z = _labels(Y)
    loss = float(_ref.kmeans_loss(X, Y, M))
    if title is None:
        title = (r"residuals $\mathbf{x}_i - \mathbf{m}_{z_i}$:  "
                 rf"$\|X - MY\|_F^2$ = {_fmt(loss)}")
    ax = plot_clusters(X, M, z, ax=ax, voronoi=voronoi, title=title,
                       feature_names=feature_names, legend=False)
    segments = np.stack([X.T, M[:, z].T], axis=1)  # (N, 2 ends, 2 coordinates)
    ax.add_collection(
        LineCollection(segments, colors="0.45", linewidths=0.8, alpha=0.8, zorder=2,
                       gid="residuals")
    )
    if legend:
        if cluster_names is not None and len(cluster_names) < k:
            raise ValueError(
                f"cluster_names must name all {k} clusters, got {len(cluster_names)} names"
            )
        residual = Line2D([], [], color="0.45", lw=1.2,
                          label=r"residual $\mathbf{x}_i - \mathbf{m}_{z_i}$")
        if k <= 10:
            _cluster_legend(ax, k, names=cluster_names, extra=[residual])
        else:
            ax.legend(handles=[residual], fontsize="small", framealpha=0.85)
    return ax
