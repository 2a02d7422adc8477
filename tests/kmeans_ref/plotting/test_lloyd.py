"""kmeans_ref.plotting.lloyd: recorded frames, one frame, the grid of steps, the animation."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import M0_TOY, X_TOY, blobs, by_gid, rgba
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

import kmeans_ref as ref
from kmeans_ref import plotting
from kmeans_ref.plotting import cluster_color


def test_lloyd_frames_toy_by_hand():
    # Assignment with M0 = (1, 1), (4, 2): squared distances of (0,0), (1,0), (4,3), (5,3) are
    # (2, 20), (1, 13), (13, 1), (20, 2) -> z = 0 0 1 1, loss 2 + 1 + 1 + 2 = 6.
    # Refit: means (0.5, 0) and (4.5, 3), loss 4 * 0.25 = 1. The next assignment changes nothing.
    frames = plotting.lloyd_frames(X_TOY, M0_TOY)
    assert [f.kind for f in frames] == ["init", "assign", "refit"]
    assert [f.step for f in frames] == [0, 1, 1]
    assert [f.loss for f in frames] == pytest.approx([6.0, 6.0, 1.0])
    assert frames[0].z is None
    np.testing.assert_array_equal(frames[1].z, [0, 0, 1, 1])
    np.testing.assert_allclose(frames[1].M, M0_TOY)
    np.testing.assert_allclose(frames[2].M, [[0.5, 4.5], [0.0, 3.0]])
    assert frames[-1].converged and not frames[1].converged


def test_lloyd_frames_alternate_and_losses_never_increase():
    X = blobs(n=30, seed=3)
    M0 = X[:, [0, 1]].copy()  # both centres in the first blob: several iterations needed
    before = M0.copy()
    frames = plotting.lloyd_frames(X, M0, max_iter=20)
    np.testing.assert_array_equal(M0, before)  # input not mutated
    kinds = [f.kind for f in frames]
    assert kinds[0] == "init" and len(frames) >= 5
    assert kinds[1:] == ["assign", "refit"] * ((len(frames) - 1) // 2)
    losses = np.array([f.loss for f in frames])
    assert np.all(np.diff(losses) <= 1e-9 * losses[0])
    # each frame's loss is the loss of the pair it shows
    for f in frames[1:]:
        assert f.loss == pytest.approx(ref.kmeans_loss(X, ref.one_hot(f.z, 2), f.M))
    # converged: the last centroids reassign every point to the same cluster, and agree with lloyd
    last = frames[-1]
    assert last.converged
    np.testing.assert_array_equal(ref.labels_from_one_hot(ref.assign(X, last.M)), last.z)
    M, Y, _ = ref.lloyd(X, M0)
    np.testing.assert_allclose(last.M, M)


def test_lloyd_frames_max_iter_and_l1():
    X = blobs(n=30, seed=3)
    M0 = X[:, [0, 1]]
    assert len(plotting.lloyd_frames(X, M0, max_iter=1)) == 3
    frames = plotting.lloyd_frames(X, M0, metric="l1", max_iter=30)
    losses = [f.loss for f in frames]
    assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:]))
    M, Y, _ = ref.kmedians(X, M0)
    np.testing.assert_allclose(frames[-1].M, M)
    for f in frames[1:]:
        assert f.loss == pytest.approx(ref.l1_loss(X, ref.one_hot(f.z, 2), f.M))


def test_plot_frame_kinds():
    frames = plotting.lloyd_frames(X_TOY, M0_TOY)
    fig, axes = plt.subplots(1, 3)
    for ax, frame, prev in zip(axes, frames, [None, None, frames[1].M]):
        assert plotting.plot_frame(X_TOY, frame, ax=ax, M_prev=prev) is ax
    init_ax, assign_ax, refit_ax = axes
    assert "Initialisation" in init_ax.get_title() and "loss = 6" in init_ax.get_title()
    assert not by_gid(init_ax, "voronoi")
    # assignment: points recoloured, Voronoi regions of the assigning centroids
    assert "assignment" in assign_ax.get_title()
    (points,) = by_gid(assign_ax, "points")
    np.testing.assert_allclose(points.get_facecolors()[2], rgba(cluster_color(1)))
    assert len(by_gid(assign_ax, "voronoi")) == 1
    # refit: both centroids moved, one arrow each, old centroids drawn hollow
    assert "refitting" in refit_ax.get_title() and "converged" in refit_ax.get_title()
    assert len(by_gid(refit_ax, "move")) == 2
    (old,) = by_gid(refit_ax, "previous centroids")
    np.testing.assert_allclose(old.get_offsets(), M0_TOY.T)
    (new,) = by_gid(refit_ax, "centroids")
    np.testing.assert_allclose(new.get_offsets(), [[0.5, 0.0], [4.5, 3.0]])
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_frame(X_TOY, plotting.Frame("shuffle", M0_TOY, None, 0.0, 0))


def test_plot_lloyd_steps_grid():
    X = blobs(n=15, seed=3)
    fig = plotting.plot_lloyd_steps(X, X[:, [0, 1]], n_steps=2)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 5
    kinds = ["Initialisation", "assignment", "refitting", "assignment", "refitting"]
    for ax, word in zip(visible, kinds):
        assert word in ax.get_title()
    # all panels on one scale
    assert len({ax.get_xlim() for ax in visible}) == 1


def test_animate_lloyd_frames_closed_and_no_ffmpeg(monkeypatch):
    monkeypatch.setenv("PATH", "")  # no ffmpeg (nor anything else) on PATH
    monkeypatch.setitem(matplotlib.rcParams, "animation.ffmpeg_path", "/nonexistent/ffmpeg")
    X = blobs(n=15, seed=3)
    M0 = X[:, [0, 1]]
    n_frames = len(plotting.lloyd_frames(X, M0, max_iter=4))
    anim = plotting.animate_lloyd(X, M0, max_iter=4, interval=500)
    assert isinstance(anim, FuncAnimation)
    assert len(anim.frames) == n_frames <= 9
    assert anim._fig.number not in plt.get_fignums()  # closed: a notebook shows it once
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == n_frames
    assert len(html) < 400_000
