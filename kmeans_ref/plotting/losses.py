"""Losses of one centre for 1-D data (mean vs median, L1 vs L2), loss curves, the elbow plot."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

import kmeans_ref as _ref

from ._common import (
    CLUSTER_COLORS,
    MEAN_COLOR,
    MEDIAN_COLOR,
    _as_1d,
    _new_axes,
    _padded_limits,
)


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
