"""Figures of the course: clusters, label and distance matrices, Lloyd's steps, losses, landscapes.

Every helper draws on the Axes it is given (``ax=``, or ``axes=`` for several panels) or makes
a new figure, and returns what it drew on, so a lesson cell stays one line::

    plotting.plot_clusters(X, M, z, voronoi=True)
    HTML(plotting.animate_lloyd(X, M0).to_jshtml())

Colours are fixed across the course: cluster ``j`` is always ``cluster_color(j)`` (a
colour-blind-safe qualitative palette), the mean is red and the median blue. The mathematics
comes from ``kmeans_ref`` itself (``assign``, ``update_means``, ``assign_l1``,
``update_medians``, ``sq_distances``, ...), so the figures show exactly what the reference does.
Data follow the lesson layout: ``X`` of shape ``(d, N)``, centroids ``M`` of shape ``(d, k)``.

Matplotlib is imported here only: ``import kmeans_ref`` stays NumPy-only. No helper calls
``plt.show()``; they work with any backend, including Agg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.animation import FuncAnimation
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FormatStrFormatter
from matplotlib.transforms import blended_transform_factory

import kmeans_ref as _ref
from kmeans_ref._inputs import as_1d as _as_1d
from kmeans_ref._inputs import as_2d_points as _as_2d_points
from kmeans_ref._inputs import as_centroids as _as_centroids
from kmeans_ref._inputs import check_metric as _check_metric
from kmeans_ref._inputs import padded_limits as _padded_limits
from kmeans_ref.landscape import (
    empty_cluster_intervals,
    local_minima_1d,
    loss_landscape_1d,
    loss_slice,
    loss_slice_slope,
    region_labels,
)

__all__ = [
    "CLUSTER_COLORS",
    "MEAN_COLOR",
    "MEDIAN_COLOR",
    "UNASSIGNED_COLOR",
    "cluster_color",
    "plot_clusters",
    "plot_voronoi",
    "plot_residuals",
    "plot_label_matrix",
    "plot_distance_matrix",
    "Frame",
    "lloyd_frames",
    "plot_frame",
    "plot_lloyd_steps",
    "animate_lloyd",
    "plot_mean_vs_median",
    "plot_l1_l2_loss_1d",
    "plot_loss_curve",
    "loss_landscape_1d",
    "local_minima_1d",
    "plot_loss_landscape_1d",
    "plot_elbow",
    "loss_slice",
    "plot_loss_slice",
    "show_images",
]

#: Cluster j is drawn in ``CLUSTER_COLORS[j % len(CLUSTER_COLORS)]`` in every figure
#: (Okabe-Ito colours first: distinguishable with the common colour-vision deficiencies).
CLUSTER_COLORS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#8C564B",  # brown
    "#F0E442",  # yellow
    "#7F7F7F",  # grey
    "#17BECF",  # cyan
)
#: The mean (L2 centroid) is red, the median (L1 centroid) blue, in every figure.
MEAN_COLOR = "#D62728"
MEDIAN_COLOR = "#1F5FD6"
#: Points that have no cluster yet.
UNASSIGNED_COLOR = "#9A9A9A"

def cluster_color(j: int) -> str:
    """The colour of cluster ``j`` (0-indexed) in every figure of the course."""
    return CLUSTER_COLORS[int(j) % len(CLUSTER_COLORS)]


# --------------------------------------------------------------------------- helpers


def _new_axes(ax, figsize=(5.5, 4.2)):
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _labels(Y) -> np.ndarray:
    return np.asarray(_ref.labels_from_one_hot(Y), dtype=np.int64)


def _loss(X, z, M, metric: str) -> float:
    Y = _ref.one_hot(z, M.shape[1])
    return float(_ref.kmeans_loss(X, Y, M) if metric == "l2" else _ref.l1_loss(X, Y, M))


def _min_loss(X, M, metric: str) -> float:
    if metric == "l2":
        return float(_ref.min_form_loss(X, M))
    return float(np.asarray(_ref.l1_distances(X, M)).min(axis=0).sum())


def _fmt(value: float) -> str:
    """A loss for a title: 4 significant digits, thousands separated, no exponent below 1e9."""
    value = float(value)
    if 1e3 <= abs(value) < 1e9:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _limits_2d(*arrays):
    pts = np.concatenate([np.asarray(a, dtype=np.float64).reshape(2, -1) for a in arrays], axis=1)
    return _padded_limits(pts[0]), _padded_limits(pts[1])


def _set_aspect(ax, xlim, ylim):
    # Equal scales show Voronoi boundaries as true perpendicular bisectors; when the two
    # features have very different ranges (area vs price) an equal aspect would squash the plot.
    ratio = (xlim[1] - xlim[0]) / (ylim[1] - ylim[0])
    if 0.5 <= ratio <= 2:
        ax.set_aspect("equal", adjustable="box")


def _axis_labels(ax, feature_names):
    names = feature_names if feature_names is not None else ("$x_1$", "$x_2$")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def _point_colors(z, n):
    if z is None:
        return np.array([mcolors.to_rgba(UNASSIGNED_COLOR)] * n)
    z = np.asarray(z)
    if z.shape != (n,):
        raise ValueError(f"z must have shape ({n},) (one label per column of X), got {z.shape}")
    palette = np.array([mcolors.to_rgba(c) for c in CLUSTER_COLORS])
    return palette[z.astype(np.int64) % len(CLUSTER_COLORS)]


def _draw_points(ax, X, z, size=28):
    return ax.scatter(
        X[0],
        X[1],
        c=_point_colors(z, X.shape[1]),
        s=size,
        edgecolors="white",
        linewidths=0.4,
        zorder=3,
        gid="points",
    )


def _draw_centroids(ax, M, *, hollow=False, size=230, gid="centroids", label=None):
    colors = [cluster_color(j) for j in range(M.shape[1])]
    if hollow:
        return ax.scatter(
            M[0],
            M[1],
            marker="X",
            s=size,
            facecolors="white",
            edgecolors=colors,
            linewidths=1.8,
            alpha=0.9,
            zorder=5,
            gid=gid,
            label=label,
        )
    return ax.scatter(
        M[0],
        M[1],
        marker="X",
        s=size,
        c=colors,
        edgecolors="black",
        linewidths=1.3,
        zorder=6,
        gid=gid,
        label=label,
    )


def _cluster_legend(ax, k, with_centroid=True, names=None, extra=(), **kwargs):
    names = [f"cluster {j}" for j in range(k)] if names is None else list(names)
    handles = [
        Line2D([], [], ls="", marker="o", color=cluster_color(j), label=str(names[j]))
        for j in range(k)
    ]
    if with_centroid:
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="X",
                markersize=10,
                markerfacecolor="white",
                markeredgecolor="black",
                label="centroid",
            )
        )
    handles.extend(extra)
    return ax.legend(handles=handles, fontsize="small", framealpha=0.85, **kwargs)


# --------------------------------------------------------------------------- clusters


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


# --------------------------------------------------------------------------- matrices

# Up to these sizes a (k, N) matrix gets one tick per row / column and visible cell borders.
_TICK_ROWS = 20
_TICK_COLUMNS = 30
_SMALL_COLUMNS = 40


def _matrix_axes(ax, k, N, *, extra_width=0.0):
    """New Axes sized for a (k, N) matrix drawn cell by cell (when ``ax`` is None)."""
    if ax is not None:
        return ax
    if N <= _SMALL_COLUMNS:
        cell = 0.42
        size = (min(2.2 + extra_width + cell * N, 12.0), 1.7 + cell * min(k, 20))
    else:
        size = (9.0 + extra_width, 1.7 + 0.35 * min(k, 20))
    return _new_axes(None, figsize=size)


def _matrix_ticks(ax, k, N, *, column_labels=None):
    """One tick per row / column while they are few; cell borders as a light grid."""
    if k <= _TICK_ROWS:
        ax.set_yticks(np.arange(k))
    if N <= _TICK_COLUMNS:
        ax.set_xticks(np.arange(N))
        if column_labels is not None:
            ax.set_xticklabels([str(c) for c in column_labels])
        if N > 15:
            ax.tick_params(axis="x", labelsize="small")
    else:
        ax.xaxis.get_major_locator().set_params(integer=True)
    if N <= _SMALL_COLUMNS:
        ax.set_xticks(np.arange(N + 1) - 0.5, minor=True)
    if k <= _TICK_ROWS:
        ax.set_yticks(np.arange(k + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.82", lw=0.8)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)


def plot_label_matrix(Y, *, ax=None, title=None, sort=False):
    """A label matrix as a picture: one row per cluster, one column per observation.

    Entry ``Y[j, i] = 1`` is a cell filled with the colour of cluster ``j``
    (``cluster_color(j)``, as in the scatter plots), a 0 is white, so a valid label matrix
    shows exactly one coloured cell per column. Each row's sum, the cluster size ``n_j``, is
    written at its right. A column that breaks the constraint (sum 0 or 2, ...) is framed
    in dark red. Small matrices get one tick per row and per column (Python indices) and
    visible cell borders; large ones are stretched to the width of the figure.

    Parameters
    ----------
    Y : array_like of shape (k, N)
        Entries 0 or 1 (ints, floats or booleans); row ``j`` is cluster ``j``, column ``i``
        observation ``i``.
    ax : Axes, optional
    title : str, optional
        Default: "label matrix Y, shape (k, N)".
    sort : bool
        Order the columns by cluster (stable), so that ``Y`` becomes a staircase whose step
        widths are the cluster sizes; the column ticks (when shown) keep the original indices.

    Returns
    -------
    Axes
        The image (gid "label matrix") holds the RGBA cells, shape (k, N, 4); the row sums
        are texts with gid "row sum"; invalid columns are rectangles with gid
        "invalid column".
    """
    Y = np.asarray(Y)
    if Y.ndim != 2 or 0 in Y.shape:
        raise ValueError(
            f"Y must have shape (k, N) (one row per cluster, one column per observation), "
            f"got an array of shape {Y.shape}"
        )
    Y = Y.astype(np.float64)
    if not np.all((Y == 0) | (Y == 1)):
        bad = np.argwhere((Y != 0) & (Y != 1))[0]
        raise ValueError(
            f"Y must hold only 0 and 1, got Y[{bad[0]}, {bad[1]}] = {float(Y[bad[0], bad[1]])!r}"
        )
    k, N = Y.shape
    order = np.arange(N)
    if sort:
        order = np.argsort(np.argmax(Y, axis=0), kind="stable")
        Y = Y[:, order]
    ax = _matrix_axes(ax, k, N, extra_width=0.8)
    rgba = np.ones((k, N, 4))  # white
    for j in range(k):
        rgba[j, Y[j] == 1] = mcolors.to_rgba(cluster_color(j))
    small = N <= _SMALL_COLUMNS
    ax.imshow(rgba, interpolation="nearest", aspect="equal" if small else "auto",
              gid="label matrix")
    _matrix_ticks(ax, k, N, column_labels=order if sort else None)
    ax.set_ylabel("cluster j")
    ax.set_xlabel("observation i, sorted by cluster" if sort else "observation i")
    sums = Y.sum(axis=0)
    invalid = np.flatnonzero(sums != 1)
    if invalid.size:
        ax.set_xlabel(ax.get_xlabel() + "   (red frame: the column does not sum to 1)")
    for i in invalid:
        ax.add_patch(Rectangle((i - 0.5, -0.5), 1, k, fill=False, edgecolor="#B00020", lw=2.2,
                               zorder=4, clip_on=False, gid="invalid column"))
    if k <= _TICK_ROWS:
        to_right = blended_transform_factory(ax.transAxes, ax.transData)
        for j, n_j in enumerate(Y.sum(axis=1)):
            ax.text(1.01, j, f"n = {n_j:g}", transform=to_right, va="center", ha="left",
                    fontsize="small", gid="row sum")
    ax.set_title(f"label matrix Y, shape ({k}, {N})" if title is None else title)
    return ax


def _cell_text(value: float) -> str:
    """A matrix entry in at most 4-5 characters: 82, 64.5, 0.60 (whole numbers as such)."""
    size = abs(value)
    if size >= 1e4:
        return f"{value:.2g}"
    if size >= 100 or value == round(value):
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def plot_distance_matrix(D, *, ax=None, title=None, annotate=None, colorbar_label="$D_{ji}$"):
    """A heat map of a (k, N) distance matrix, the nearest centroid of each column framed.

    Row ``j`` is centroid ``j``, column ``i`` observation ``i``; dark (viridis) means close.
    In every column the smallest entry, the observation's nearest centroid (``np.argmin``
    down the column, ties to the lowest index), is framed in white (a white dot when the
    matrix has more than 40 columns). A colour bar gives the scale; small matrices also show
    the values in the cells.

    Parameters
    ----------
    D : array_like of shape (k, N)
        ``D[j, i]``: distance (or squared distance) between centroid ``j`` and observation
        ``i``, e.g. ``kmeans_ref.sq_distances(X, M)``.
    ax : Axes, optional
    title : str, optional
        Default: "distance matrix D, shape (k, N)".
    annotate : bool, optional
        Write every value (rounded to 2 decimals, fewer above 10) in its cell; default:
        when ``k * N <= 60``.
    colorbar_label : str
        Label of the colour bar, e.g. "squared distance".

    Returns
    -------
    Axes
        The image has gid "distances" (its array is ``D``); the marks have gid "nearest":
        a ``PatchCollection`` of unit squares centred on ``(i, argmin_j D[j, i])``, or for
        more than 40 columns a scatter with those offsets; the values are texts with gid
        "value".
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or 0 in D.shape:
        raise ValueError(
            f"D must have shape (k, N) (one row per centroid, one column per observation), "
            f"got an array of shape {D.shape}"
        )
    if not np.all(np.isfinite(D)):
        raise ValueError("D must hold finite numbers, got nan or inf")
    k, N = D.shape
    annotate = k * N <= 60 if annotate is None else bool(annotate)
    ax = _matrix_axes(ax, k, N, extra_width=1.2)
    small = N <= _SMALL_COLUMNS
    image = ax.imshow(D, cmap="viridis", interpolation="nearest",
                      aspect="equal" if small else "auto", gid="distances")
    _matrix_ticks(ax, k, N)
    ax.grid(which="minor", visible=False)  # the colours already separate the cells
    nearest = np.argmin(D, axis=0)
    if small:
        frames = [Rectangle((i - 0.5, j - 0.5), 1, 1) for i, j in enumerate(nearest)]
        ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor="white",
                                          linewidths=2.2, zorder=3, gid="nearest"))
        marked = "white frame"
    else:  # frames of neighbouring columns would merge into a tangle: one dot per column
        ax.scatter(np.arange(N), nearest, s=6, color="white", linewidths=0, zorder=3,
                   gid="nearest")
        marked = "white dot"
    if annotate:
        size = "small" if N <= 15 else "x-small"
        for (j, i), value in np.ndenumerate(D):
            shade = image.norm(value)
            ax.text(i, j, _cell_text(value), ha="center", va="center", fontsize=size,
                    color="white" if shade < 0.55 else "black", gid="value", zorder=4)
    ax.set_ylabel("centroid j")
    ax.set_xlabel(f"observation i   ({marked}: the nearest centroid)")
    horizontal = N >= 2 * k and small
    if horizontal:
        where = dict(orientation="horizontal", shrink=0.8, aspect=40)
    else:
        where = dict(orientation="vertical", pad=0.02)
    cb = ax.figure.colorbar(image, ax=ax, **where)
    cb.set_label(colorbar_label)
    ax.set_title(f"distance matrix D, shape ({k}, {N})" if title is None else title)
    return ax


# --------------------------------------------------------------------------- Lloyd's steps


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture of Lloyd's algorithm.

    kind : "init", "assign" or "refit"
    M : ndarray (d, k), the centroids shown (for "assign": the centroids that did the assigning)
    z : ndarray (N,) of labels, or None for "init"
    loss : float, the loss of the pair shown (for "init": the min-form loss of M)
    step : int, the iteration (0 for "init", then 1, 2, ... for each assign/refit pair)
    converged : bool, True on the last frame when the next assignment would change nothing
    """

    kind: str
    M: np.ndarray
    z: np.ndarray | None
    loss: float
    step: int
    converged: bool = False


def lloyd_frames(X, M0, *, max_iter=10, metric="l2"):
    """Record Lloyd's algorithm as a list of frames: init, assign, refit, assign, refit, ...

    Each iteration adds an "assign" frame (every point to its nearest centroid:
    ``kmeans_ref.assign``, or ``assign_l1`` for ``metric="l1"``) and a "refit" frame
    (every centroid to the mean of its points: ``update_means``, or ``update_medians``).
    The recording stops when an assignment step changes no label (the next refit would change
    nothing; the last frame is then marked ``converged``) or after ``max_iter`` iterations.
    The losses never increase.

    Parameters
    ----------
    X : array_like of shape (d, N)
    M0 : array_like of shape (d, k)
    max_iter : int
    metric : "l2" (k-means) or "l1" (k-medians)

    Returns
    -------
    list of Frame, at most ``1 + 2 * max_iter`` long
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (d, N), got an array of shape {X.shape}")
    M = _as_centroids(M0, X.shape[0], name="M0").copy()
    metric = _check_metric(metric)
    frames = [Frame("init", M.copy(), None, _min_loss(X, M, metric), 0)]
    z_prev = None
    for step in range(1, int(max_iter) + 1):
        Y = _ref.assign(X, M) if metric == "l2" else _ref.assign_l1(X, M)
        z = _labels(Y)
        if z_prev is not None and np.array_equal(z, z_prev):
            frames[-1] = replace(frames[-1], converged=True)
            break
        frames.append(Frame("assign", M.copy(), z, _loss(X, z, M, metric), step))
        update = _ref.update_means if metric == "l2" else _ref.update_medians
        M = np.asarray(update(X, Y, M), dtype=np.float64)
        frames.append(Frame("refit", M.copy(), z, _loss(X, z, M, metric), step))
        z_prev = z
    return frames


def _frame_title(frame):
    what = {
        "init": "Initialisation",
        "assign": f"Iteration {frame.step}: assignment",
        "refit": f"Iteration {frame.step}: refitting",
    }[frame.kind]
    done = "  (converged)" if frame.converged else ""
    return f"{what}{done}\nloss = {_fmt(frame.loss)}"


def plot_frame(X, frame, *, ax=None, M_prev=None, metric="l2", xlim=None, ylim=None,
               feature_names=None, legend=True):
    """Draw one frame of ``lloyd_frames``.

    "init": grey points and the initial centroids. "assign": points recoloured by their
    nearest centroid, with the Voronoi regions of the centroids that did the assigning.
    "refit": the new centroids, the previous ones hollow (``M_prev``), and arrows from old
    to new. The title names the step and the loss.

    Returns
    -------
    Axes
    """
    X = _as_2d_points(X)
    metric = _check_metric(metric)
    if frame.kind not in ("init", "assign", "refit"):
        raise ValueError(f"frame.kind must be 'init', 'assign' or 'refit', got {frame.kind!r}")
    ax = _new_axes(ax)
    M = _as_centroids(frame.M, 2, name="frame.M")
    if xlim is None or ylim is None:
        extra = [M] if M_prev is None else [M, np.asarray(M_prev)]
        auto_x, auto_y = _limits_2d(X, *extra)
        xlim = auto_x if xlim is None else xlim
        ylim = auto_y if ylim is None else ylim
    if frame.kind == "assign":
        plot_voronoi(M, ax=ax, xlim=xlim, ylim=ylim, metric=metric, alpha=0.16)
    _draw_points(ax, X, frame.z)
    handles = []
    if frame.kind == "refit" and M_prev is not None:
        M_prev = _as_centroids(M_prev, 2, name="M_prev")
        _draw_centroids(ax, M_prev, hollow=True, gid="previous centroids")
        for j in range(M.shape[1]):
            if np.allclose(M_prev[:, j], M[:, j]):
                continue
            ax.annotate(
                "",
                xy=(M[0, j], M[1, j]),
                xytext=(M_prev[0, j], M_prev[1, j]),
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.6, shrinkA=7, shrinkB=9,
                                mutation_scale=14),
                zorder=4,
                gid="move",
            )
        handles.append(Line2D([], [], ls="", marker="X", markersize=10, markerfacecolor="white",
                              markeredgecolor="0.3", label="old centroid"))
        handles.append(Line2D([], [], ls="", marker="X", markersize=10, markerfacecolor="0.5",
                              markeredgecolor="black", label="new centroid (mean)"
                              if metric == "l2" else "new centroid (median)"))
    _draw_centroids(ax, M)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    _set_aspect(ax, xlim, ylim)
    _axis_labels(ax, feature_names)
    ax.set_title(_frame_title(frame), fontsize="medium")
    if legend and handles:
        ax.legend(handles=handles, fontsize="x-small", loc="best", framealpha=0.85)
    return ax


def _frame_limits(X, frames):
    return _limits_2d(X, *[f.M for f in frames])


def plot_lloyd_steps(X, M0, *, n_steps=2, metric="l2", feature_names=None):
    """A static grid of Lloyd's first steps: init, assign 1, refit 1, assign 2, ...

    ``n_steps`` iterations give ``1 + 2 * n_steps`` panels (fewer if it converges earlier),
    three per row, all on the same scale.

    Returns
    -------
    Figure
    """
    X = _as_2d_points(X)
    frames = lloyd_frames(X, M0, max_iter=n_steps, metric=metric)
    n = len(frames)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 3.4 * nrows), layout="constrained", squeeze=False
    )
    xlim, ylim = _frame_limits(X, frames)
    M_prev = None
    for frame, ax in zip(frames, axes.flat):
        plot_frame(X, frame, ax=ax, M_prev=M_prev, metric=metric, xlim=xlim, ylim=ylim,
                   feature_names=feature_names, legend=False)
        M_prev = frame.M
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    name = "k-means (Lloyd)" if metric == "l2" else "k-medians"
    fig.suptitle(f"{name}: assignment and refitting steps, k = {frames[0].M.shape[1]}")
    return fig


# matplotlib's jshtml links Font Awesome from a CDN for its nine buttons' icons, so offline
# (a laptop in class, the slides on a USB stick) the buttons are blank. These 16 x 16 icons are
# drawn inline with the text colour instead; the "backward" ones are the "forward" ones mirrored.
_ICON_PATHS = {
    "play": "M4 2.5v11L13 8z",
    "pause": "M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z",
    "step-forward": "M3 2.5v11L10.5 8zM10.5 2.5H13v11h-2.5z",
    "fast-forward": "M1 2.5v11L7.5 8zM7.5 2.5v11L13.5 8zM13.5 2.5H15v11h-1.5z",
    "minus": "M2 7h12v2H2z",
    "plus": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
}
_MIRRORED = {"step-backward": "step-forward", "fast-backward": "fast-forward"}
_FA_ICON = re.compile(r"""<i\s+class\s*=\s*["']fa\s+([^"']*)["']\s*>\s*</i>""", re.I)
_REMOTE_STYLESHEET = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>\s*""", re.I)


def _inline_icon(match: re.Match) -> str:
    """The SVG for one ``<i class="fa fa-NAME [fa-flip-horizontal]">``; unknown icons are kept."""
    classes = match.group(1).split()
    flip = "fa-flip-horizontal" in classes
    names = [c[3:] for c in classes if c.startswith("fa-") and c != "fa-flip-horizontal"]
    if len(names) != 1:
        return match.group(0)
    name = names[0]
    if name in _MIRRORED:
        name, flip = _MIRRORED[name], not flip
    if name not in _ICON_PATHS:
        return match.group(0)
    mirror = ' transform="matrix(-1 0 0 1 16 0)"' if flip else ""
    return (
        '<svg viewBox="0 0 16 16" width="1em" height="1em" fill="currentColor" aria-hidden="true"'
        ' focusable="false" style="vertical-align: -0.125em">'
        f'<path{mirror} d="{_ICON_PATHS[name]}"/></svg>'
    )


def _offline_jshtml(html: str) -> str:
    """matplotlib's ``to_jshtml()`` output without its CDN stylesheet, icons drawn inline.

    >>> _offline_jshtml('<link rel="stylesheet" href="https://cdn.example/fa.css">'
    ...                 '<i class="fa fa-play"></i>')
    '<svg viewBox="0 0 16 16" ...><path d="M4 2.5v11L13 8z"/></svg>'
    """
    return _FA_ICON.sub(_inline_icon, _REMOTE_STYLESHEET.sub("", html))


class _OfflineAnimation(FuncAnimation):
    """A FuncAnimation whose HTML (``to_jshtml()``, and the notebook display when
    ``rcParams["animation.html"]`` is ``"jshtml"``) loads nothing from the network."""

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None):
        return _offline_jshtml(super().to_jshtml(fps, embed_frames, default_mode))


def animate_lloyd(X, M0, *, max_iter=10, metric="l2", interval=800, feature_names=None):
    """An animation of Lloyd's algorithm, one frame per init / assignment / refitting step.

    The figure is closed before returning, so a notebook shows only the animation::

        HTML(plotting.animate_lloyd(X, M0).to_jshtml())

    ``to_jshtml`` embeds PNG frames and needs no ffmpeg, nor a network: the buttons' icons
    are inline SVG, not matplotlib's Font Awesome from a CDN. Small figure (5 x 4 in,
    75 dpi) so the HTML stays a few hundred KB.

    Returns
    -------
    matplotlib.animation.FuncAnimation (attribute ``frames``: the recorded ``Frame`` list)
    """
    X = _as_2d_points(X)
    frames = lloyd_frames(X, M0, max_iter=max_iter, metric=metric)
    xlim, ylim = _frame_limits(X, frames)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=75, layout="constrained")

    def draw(i):
        ax.clear()
        prev = frames[i - 1].M if i > 0 else None
        plot_frame(X, frames[i], ax=ax, M_prev=prev, metric=metric, xlim=xlim, ylim=ylim,
                   feature_names=feature_names)
        return []

    anim = _OfflineAnimation(fig, draw, frames=len(frames), interval=interval, blit=False,
                             repeat=True)
    anim.frames = frames
    plt.close(fig)
    return anim


# --------------------------------------------------------------------------- mean vs median


def _center_1d(x, update):
    X = x[None, :]
    Y = np.ones((1, x.size))
    return float(np.asarray(update(X, Y, np.zeros((1, 1))))[0, 0])


def plot_mean_vs_median(x, *, ax=None):
    """k = 1, d = 1: the points on a line, their mean (red) and median (blue).

    With an outlier in ``x`` the mean is pulled towards it while the median barely moves.
    The centres come from ``kmeans_ref.update_means`` and ``kmeans_ref.update_medians``.

    Returns
    -------
    Axes
    """
    x = _as_1d(x)
    ax = _new_axes(ax, figsize=(7.0, 3.0))
    mean = _center_1d(x, _ref.update_means)
    median = _center_1d(x, _ref.update_medians)
    ax.axhline(0.0, color="0.8", lw=1.0, zorder=0)
    ax.scatter(x, np.zeros_like(x), s=60, color="0.25", edgecolors="white", linewidths=0.6,
               zorder=3, gid="points", label=f"data (N = {x.size})")
    ax.vlines(median, -0.35, 0.7, color=MEDIAN_COLOR, lw=2.2, ls="-", zorder=2)
    ax.vlines(mean, -0.35, 0.7, color=MEAN_COLOR, lw=2.2, ls="--", zorder=2)
    ax.plot([median], [0.7], marker="v", ms=12, color=MEDIAN_COLOR, ls="", zorder=4,
            label=f"median = {median:.3g}  (minimises the L1 loss)", gid="median")
    ax.plot([mean], [0.7], marker="v", ms=12, color=MEAN_COLOR, ls="", zorder=4,
            label=f"mean = {mean:.3g}  (minimises the L2 loss)", gid="mean")
    ax.set_ylim(-0.6, 2.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(*_padded_limits(x, 0.06))
    ax.set_xlabel("$x$")
    ax.set_title("Mean vs median, k = 1, d = 1")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    return ax


def plot_l1_l2_loss_1d(x, *, ax=None, resolution=600):
    """The loss of a single centre mu for 1-D data: sum |x_i - mu| and sum (x_i - mu)^2.

    L1 (blue, left axis) is piecewise linear with kinks at the data and is minimised by any
    median; for an even N it is flat between the two middle points (the interval is shaded).
    L2 (red, right axis) is a parabola minimised by the mean. The data sit as ticks below.

    Returns
    -------
    Axes (the L1 axis; the L2 axis is its twin, ``ax.figure.axes``)
    """
    x = _as_1d(x)
    ax = _new_axes(ax, figsize=(6.5, 4.0))
    lo, hi = _padded_limits(x, 0.12)
    mu = np.linspace(lo, hi, resolution)
    mu = np.union1d(mu, x)  # the kinks of the L1 loss are exactly on the grid
    X, Mgrid = x[None, :], mu[None, :]
    l1 = np.asarray(_ref.l1_distances(X, Mgrid)).sum(axis=1)
    l2 = np.asarray(_ref.sq_distances(X, Mgrid)).sum(axis=1)
    xs = np.sort(x)
    n = x.size
    if n % 2:
        med_lo = med_hi = xs[n // 2]
    else:
        med_lo, med_hi = xs[n // 2 - 1], xs[n // 2]
    mean = float(x.mean())
    l1_line, = ax.plot(mu, l1, color=MEDIAN_COLOR, lw=2.2, label=r"L1: $\sum_i |x_i - \mu|$")
    ax.set_ylabel("L1 loss", color=MEDIAN_COLOR)
    ax.tick_params(axis="y", colors=MEDIAN_COLOR)
    ax2 = ax.twinx()
    l2_line, = ax2.plot(mu, l2, color=MEAN_COLOR, lw=2.2, ls="--",
                        label=r"L2: $\sum_i (x_i - \mu)^2$")
    ax2.set_ylabel("L2 loss", color=MEAN_COLOR)
    ax2.tick_params(axis="y", colors=MEAN_COLOR)
    l1_min = float(np.abs(x - med_lo).sum())
    handles = [l1_line, l2_line]
    if med_hi > med_lo:
        ax.axvspan(med_lo, med_hi, color=MEDIAN_COLOR, alpha=0.12, zorder=0)
        ax.plot([med_lo, med_hi], [l1_min, l1_min], color=MEDIAN_COLOR, lw=5, alpha=0.6,
                solid_capstyle="butt", gid="median interval")
        handles.append(Line2D([], [], color=MEDIAN_COLOR, lw=5, alpha=0.6,
                              label=f"L1 minimisers: every median in [{med_lo:.3g}, {med_hi:.3g}]"))
    else:
        m, = ax.plot([med_lo], [l1_min], marker="o", ms=9, color=MEDIAN_COLOR, ls="",
                     gid="median", label=f"L1 minimiser: median = {med_lo:.3g}")
        handles.append(m)
    m2, = ax2.plot([mean], [float(((x - mean) ** 2).sum())], marker="o", ms=9, color=MEAN_COLOR,
                   ls="", gid="mean", label=f"L2 minimiser: mean = {mean:.3g}")
    handles.append(m2)
    ax.plot(x, np.zeros_like(x), ls="", marker="|", ms=14, mew=2, color="0.2",
            transform=ax.get_xaxis_transform(), clip_on=False, gid="data", zorder=5)
    ax.set_xlim(lo, hi)
    # head room above the curves for the legend
    ax.set_ylim(0, 1.5 * float(l1.max()))
    ax2.set_ylim(0, 1.5 * float(l2.max()))
    ax.set_xlabel(r"centre $\mu$  (data points as ticks)")
    ax.set_title(f"Loss of one centre for N = {n} points")
    ax.legend(handles=handles, loc="upper center", fontsize="small", framealpha=0.9)
    return ax


# --------------------------------------------------------------------------- losses


def plot_loss_curve(losses, *, ax=None, label=None, ylabel="loss", logy=False):
    """The loss after each iteration (iteration 0, 1, 2, ...). Call again on the same ``ax``
    with another ``label`` to compare runs; each curve takes the next course colour."""
    losses = np.asarray(losses, dtype=np.float64).ravel()
    if losses.size == 0:
        raise ValueError("losses must contain at least one value, got an empty sequence")
    ax = _new_axes(ax, figsize=(5.5, 3.6))
    color = CLUSTER_COLORS[len(ax.lines) % len(CLUSTER_COLORS)]
    ax.plot(np.arange(losses.size), losses, marker="o", ms=4, lw=1.8, color=color, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend(fontsize="small")
    return ax


def plot_elbow(ks, losses, *, ax=None):
    """The best loss found for each number of clusters k: look for the bend ("elbow")."""
    ks = np.asarray(ks).ravel()
    losses = np.asarray(losses, dtype=np.float64).ravel()
    if ks.shape != losses.shape:
        raise ValueError(
            f"ks and losses must have the same length, got {ks.size} and {losses.size}"
        )
    ax = _new_axes(ax, figsize=(5.5, 3.6))
    ax.plot(ks, losses, marker="o", ms=6, lw=2, color=CLUSTER_COLORS[0])
    ax.set_xticks(ks)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("loss (sum of squared distances)")
    ax.set_title("Elbow plot")
    ax.grid(True, alpha=0.3)
    return ax


# --------------------------------------------------------------------------- loss along a line


def plot_loss_slice(X, M, j, direction, *, ts=None, ax=None, metric="l2", slope=False,
                    title=None):
    """Draw the min-form loss as centroid ``j`` moves along ``m_j + t * direction``.

    The curve ``L(t)`` (``loss_slice``) in the colour of cluster ``j``, a dotted vertical line
    at every kink (an observation changes centroid there; a ridge, since a minimum of two
    curves can only bend downwards), and a grey band where the moving centroid wins no
    observation at all (its cluster is empty, the loss does not depend on ``t``). With
    ``k = 1`` and "l2" the curve is a smooth parabola; with more centroids it is piecewise
    smooth. With ``slope=True`` the exact slope ``dL/dt`` is drawn on a twin axis (dashed,
    grey), broken at the kinks, where it jumps.

    Parameters
    ----------
    X : array_like of shape (d, N)
    M : array_like of shape (d, k)
    j : int
        The centroid that moves.
    direction : array_like of shape (d,)
    ts : array_like of shape (T,), optional
        Positions along the line (the kinks are added to the drawn grid so that the corners
        are exact); default as in ``loss_slice``.
    ax : Axes, optional
    metric : "l2" or "l1"
        For "l1" the distance itself has corners too; only the kinks where an assignment
        changes are marked.
    slope : bool
    title : str, optional

    Returns
    -------
    Axes (the loss axis; the slope axis, if any, is its twin in ``ax.figure.axes``)
        The curve has gid "loss", the kink lines are a ``LineCollection`` with gid "kinks"
        (one vertical segment at each kink), the bands gid "empty", the slope gid "slope".
    """
    ts, _, kinks = loss_slice(X, M, j, direction, ts=ts, metric=metric)
    grid = np.union1d(ts, kinks)  # the corners of the curve exactly on the drawn grid
    _, L, _ = loss_slice(X, M, j, direction, ts=grid, metric=metric)
    k = np.shape(M)[1]
    ax = _new_axes(ax, figsize=(6.0, 4.0))
    color = cluster_color(j)
    ax.plot(grid, L, color=color, lw=2.2, gid="loss", label="min-form loss")
    if kinks.size:
        ax.vlines(kinks, 0, 1, transform=ax.get_xaxis_transform(), colors="0.35", lw=1.0,
                  linestyles=":", gid="kinks",
                  label=f"an assignment changes ({kinks.size} kink{'s' * (kinks.size > 1)})")
    empty = empty_cluster_intervals(X, M, j, direction, (grid[0], grid[-1]), metric=metric)
    for n, (a, b) in enumerate(empty):
        ax.axvspan(a, b, color="0.5", alpha=0.15, lw=0, zorder=0, gid="empty",
                   label=f"centroid {j} wins no observation" if n == 0 else None)
    if slope:
        dL = loss_slice_slope(X, M, j, direction, grid, metric=metric)
        # break the line at each kink: the slope jumps there
        cut = np.searchsorted(grid, kinks)
        xs = np.insert(grid, cut, np.nan)
        ys = np.insert(dL, cut, np.nan)
        ax2 = ax.twinx()
        ax2.plot(xs, ys, color="0.4", lw=1.3, ls="--", gid="slope", label="slope dL/dt")
        ax2.axhline(0.0, color="0.75", lw=0.8, zorder=0)
        ax2.set_ylabel("slope dL/dt", color="0.35")
        ax2.tick_params(axis="y", colors="0.35")
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel(r"position $t$ along the line")
    ax.set_ylabel("min-form loss L(M)" if metric == "l2" else "min-form L1 loss")
    if title is None:
        title = f"Loss along a line, k = {k} (centroid {j} moves)"
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    if slope:
        handles += ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize="small", framealpha=0.9, loc="best")
    return ax


# --------------------------------------------------------------------------- 1-D landscape


def plot_loss_landscape_1d(x, *, ax=None, lim=None, paths=None, resolution=200,
                           mark_minima=True, colorbar=True):
    """Filled contours of the k = 2 loss L(mu1, mu2) = sum_i min((x_i - mu1)^2, (x_i - mu2)^2).

    The landscape is symmetric about the diagonal mu1 = mu2 (swapping the two centres changes
    nothing), drawn dashed. With ``mark_minima`` the exact local minima (``local_minima_1d``)
    are marked: global minima as stars, the other local minima as diamonds. ``paths`` (a list
    of arrays of shape (steps, 2) of (mu1, mu2), e.g. gradient-descent iterates) are drawn
    with a circle at the start and a square at the end.

    Returns
    -------
    Axes
    """
    x = _as_1d(x)
    ax = _new_axes(ax, figsize=(6.0, 6.2))
    mu, L = loss_landscape_1d(x, lim=lim, resolution=resolution)
    # Levels packed geometrically towards the minimum: the basins show many closed contours,
    # yet the whole range up to the corners is coloured.
    lo, hi = float(L.min()), float(L.max())
    levels = np.r_[lo, lo + (hi - lo) * np.geomspace(2e-3, 1.0, 30)] if hi > lo else None
    # L[a, b] has mu1 = mu[a] on the x axis and mu2 = mu[b] on the y axis, hence L.T.
    cs = ax.contourf(mu, mu, L.T, levels=levels, cmap="viridis")
    if levels is not None:
        ax.contour(mu, mu, L.T, levels=levels[1::2], colors="white", linewidths=0.5, alpha=0.45)
    ax.plot([mu[0], mu[-1]], [mu[0], mu[-1]], ls="--", color="white", lw=1.3, gid="diagonal")
    handles = [Line2D([], [], ls="--", color="0.45", lw=1.3,
                      label=r"$\mu_1 = \mu_2$ (symmetry axis)")]
    ax.plot(x, np.full_like(x, mu[0]), ls="", marker="|", ms=10, mew=1.5, color="black",
            clip_on=False, gid="data", zorder=5)
    if mark_minima:
        minima = local_minima_1d(x)
        inside = (minima[:, 0] >= mu[0]) & (minima[:, 1] <= mu[-1])
        best = minima[0, 2] if minima.size else np.inf
        glob = minima[inside & np.isclose(minima[:, 2], best, rtol=1e-9)]
        loc = minima[inside & ~np.isclose(minima[:, 2], best, rtol=1e-9)]
        if glob.size:
            ax.plot(np.r_[glob[:, 0], glob[:, 1]], np.r_[glob[:, 1], glob[:, 0]], ls="",
                    marker="*", ms=17, color="gold", mec="black", mew=0.8, zorder=7,
                    gid="global minima", label=f"global minimum (L = {best:.3g})")
        if loc.size:
            ax.plot(np.r_[loc[:, 0], loc[:, 1]], np.r_[loc[:, 1], loc[:, 0]], ls="",
                    marker="D", ms=8, color="white", mec="black", mew=0.8, zorder=7,
                    gid="local minima", label="local minimum (not global)")
    for i, path in enumerate(paths or []):
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(
                f"paths[{i}] must have shape (steps, 2) of (mu1, mu2) pairs, got {path.shape}"
            )
        color = CLUSTER_COLORS[(i + 1) % len(CLUSTER_COLORS)]
        ax.plot(path[:, 0], path[:, 1], color=color, lw=2, marker=".", ms=4, zorder=8,
                gid=f"path {i}", label=f"path {i + 1}")
        ax.plot(path[0, 0], path[0, 1], marker="o", ms=9, color="white", mec=color, mew=2.5,
                ls="", zorder=9, gid=f"path {i} start")
        ax.plot(path[-1, 0], path[-1, 1], marker="s", ms=8, color=color, mec="black", mew=1,
                ls="", zorder=9, gid=f"path {i} end")
    handles += ax.get_legend_handles_labels()[0]
    if paths:
        handles += [
            Line2D([], [], ls="", marker="o", ms=8, color="white", mec="0.3", mew=2, label="start"),
            Line2D([], [], ls="", marker="s", ms=7, color="0.5", mec="black", label="end"),
        ]
    ax.legend(handles=handles, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=2, framealpha=0.9)
    ax.set_xlim(mu[0], mu[-1])
    ax.set_ylim(mu[0], mu[-1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(r"$\mu_1$")
    ax.set_ylabel(r"$\mu_2$")
    ax.set_title(r"k = 2 loss $L(\mu_1, \mu_2)$ for 1-D data")
    if colorbar:
        cb = ax.figure.colorbar(cs, ax=ax, shrink=0.85)
        cb.set_label(r"loss $L(\mu_1, \mu_2)$")
        cb.ax.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
    return ax


# --------------------------------------------------------------------------- images


def show_images(images, titles=None, *, axes=None):
    """Show images side by side (e.g. a photo and its colour-quantised versions).

    Parameters
    ----------
    images : sequence of arrays (H, W, 3) uint8 or float in [0, 1], or (H, W)
    titles : sequence of str, optional
    axes : sequence of Axes, optional, one per image

    Returns
    -------
    Figure
    """
    images = list(images)
    if not images:
        raise ValueError("images must contain at least one image, got an empty sequence")
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"titles must have one entry per image: {len(images)} images, {len(titles)} titles"
        )
    if axes is None:
        h, w = np.asarray(images[0]).shape[:2]
        width = 3.6
        fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width * h / w + 0.5),
                                 layout="constrained", squeeze=False)
        axes = list(axes.flat)
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(images):
            raise ValueError(f"axes must hold one Axes per image: {len(images)} images, "
                             f"{len(axes)} axes")
        fig = axes[0].figure
    for i, (img, ax) in enumerate(zip(images, axes)):
        img = np.asarray(img)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i])
    return fig
