"""What every figure shares: the course's colours, new Axes, scatter layers, legends, titles.

Argument coercion (``_as_2d_points``, ``_as_centroids``, ``_as_1d``, ``_check_metric``) and the
padded ranges of default limits come from ``kmeans_ref._inputs``, shared with the NumPy-only
``kmeans_ref.landscape``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.lines import Line2D

import kmeans_ref as _ref
from kmeans_ref._inputs import as_1d as _as_1d  # noqa: F401  (re-exported to the modules)
from kmeans_ref._inputs import as_2d_points as _as_2d_points  # noqa: F401
from kmeans_ref._inputs import as_centroids as _as_centroids  # noqa: F401
from kmeans_ref._inputs import check_metric as _check_metric  # noqa: F401
from kmeans_ref._inputs import padded_limits as _padded_limits

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
