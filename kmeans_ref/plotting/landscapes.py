"""Loss landscapes drawn: the loss along a line through centroid space, the k = 2 loss of 1-D data.

The numbers (the loss, its exact kinks and slope, the minima) come from the NumPy-only
``kmeans_ref.landscape``; this module only draws them.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter

from kmeans_ref.landscape import (
    empty_cluster_intervals,
    local_minima_1d,
    loss_landscape_1d,
    loss_slice,
    loss_slice_slope,
)

from ._common import CLUSTER_COLORS, _as_1d, _new_axes, cluster_color


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
