"""Label matrices and distance matrices drawn cell by cell, one row per cluster or centroid."""

from __future__ import annotations

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from ._common import _new_axes, cluster_color

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
