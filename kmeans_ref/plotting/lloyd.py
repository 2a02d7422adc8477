"""Lloyd's algorithm step by step: recorded frames, one frame drawn, a grid of steps, an animation."""

from __future__ import annotations

from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

import kmeans_ref as _ref

from ._common import (
    _as_2d_points,
    _as_centroids,
    _axis_labels,
    _check_metric,
    _draw_centroids,
    _draw_points,
    _fmt,
    _labels,
    _limits_2d,
    _new_axes,
    _set_aspect,
)
from ._jshtml import OfflineAnimation
from .clusters import plot_voronoi


def _loss(X, z, M, metric: str) -> float:
    Y = _ref.one_hot(z, M.shape[1])
    return float(_ref.kmeans_loss(X, Y, M) if metric == "l2" else _ref.l1_loss(X, Y, M))


def _min_loss(X, M, metric: str) -> float:
    if metric == "l2":
        return float(_ref.min_form_loss(X, M))
    return float(np.asarray(_ref.l1_distances(X, M)).min(axis=0).sum())


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
        # Remove the previous frame's artists rather than ax.clear(): the axes, their ticks and
        # labels stay (same limits in every frame), so a frame costs its points, not a new axes.
        for artist in [*ax.collections, *ax.lines, *ax.patches, *ax.texts, *ax.images, *ax.artists]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        prev = frames[i - 1].M if i > 0 else None
        plot_frame(X, frames[i], ax=ax, M_prev=prev, metric=metric, xlim=xlim, ylim=ylim,
                   feature_names=feature_names)
        return []

    # Every frame has the same limits, labels and a two-line title, so the layout the first
    # drawn frame computes holds for all: later frames skip constrained layout (a third of a frame's cost).
    def freeze_layout(event):
        fig.set_layout_engine(None)  # not "none": print_figure still makes a layout pass for that
        fig.canvas.mpl_disconnect(hook)

    hook = fig.canvas.mpl_connect("draw_event", freeze_layout)
    anim = OfflineAnimation(fig, draw, frames=len(frames), interval=interval, blit=False,
                             repeat=True)
    anim.frames = frames
    plt.close(fig)
    return anim
