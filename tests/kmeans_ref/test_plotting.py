"""Tests of kmeans_ref.plotting: every helper draws what it promises, on the Axes it is given."""

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import kmeans_ref as ref  # noqa: E402
from kmeans_ref import plotting  # noqa: E402
from kmeans_ref.plotting import cluster_color  # noqa: E402

# The toy data set of the kmeans_ref docstrings, worked by hand below.
X_TOY = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M0_TOY = np.array([[1.0, 4.0], [1.0, 2.0]])


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    # Helpers must never call plt.show(): make it fail loudly.
    def _no_show(*args, **kwargs):
        raise AssertionError("a plotting helper called plt.show()")

    monkeypatch.setattr(plt, "show", _no_show)
    yield
    plt.close("all")


def _blobs(n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.normal(0.0, 0.6, (2, n)), rng.normal(4.0, 0.6, (2, n))])
    return X


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _rgba(color, alpha=None):
    return np.array(mcolors.to_rgba(color, alpha))


def _pixel(ax, image_gid, x, y):
    """The RGBA value of an image artist at data coordinates (x, y)."""
    (image,) = _by_gid(ax, image_gid)
    data = image.get_array()
    x0, x1, y0, y1 = image.get_extent()
    col = int((x - x0) / (x1 - x0) * (data.shape[1] - 1) + 0.5)
    row = int((y - y0) / (y1 - y0) * (data.shape[0] - 1) + 0.5)
    return np.asarray(data[row, col], dtype=float)


# --------------------------------------------------------------------------- palette


def test_palette_is_fixed_and_cycles():
    assert cluster_color(0) == plotting.CLUSTER_COLORS[0]
    assert cluster_color(len(plotting.CLUSTER_COLORS)) == cluster_color(0)
    assert len(set(plotting.CLUSTER_COLORS)) == len(plotting.CLUSTER_COLORS)
    assert mcolors.to_rgb(plotting.MEAN_COLOR)[0] > 0.8  # red
    assert mcolors.to_rgb(plotting.MEDIAN_COLOR)[2] > 0.8  # blue


def test_importing_kmeans_ref_does_not_import_matplotlib():
    code = (
        "import sys, kmeans_ref; kmeans_ref.datasets.load_old_faithful(); "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- clusters


def test_plot_clusters_points_and_centroids():
    X = _blobs()
    M = np.array([[0.0, 4.0], [0.0, 4.0]])
    z = np.r_[np.zeros(20, int), np.ones(20, int)]
    ax = plotting.plot_clusters(X, M, z, title="two blobs", feature_names=("a", "b"))
    assert isinstance(ax, Axes)
    (points,) = _by_gid(ax, "points")
    assert points.get_offsets().shape == (40, 2)
    np.testing.assert_allclose(points.get_offsets(), X.T)
    colors = points.get_facecolors()
    np.testing.assert_allclose(colors[0], _rgba(cluster_color(0)))
    np.testing.assert_allclose(colors[-1], _rgba(cluster_color(1)))
    (centroids,) = _by_gid(ax, "centroids")
    assert centroids.get_offsets().shape == (2, 2)
    np.testing.assert_allclose(centroids.get_offsets(), M.T)
    assert ax.get_title() == "two blobs"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["cluster 0", "cluster 1", "centroid"]
    assert not _by_gid(ax, "voronoi")


def test_plot_clusters_without_labels_is_grey_and_honours_ax():
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    out = plotting.plot_clusters(X_TOY, ax=ax)
    assert out is ax and len(plt.get_fignums()) == n_figs
    (points,) = _by_gid(ax, "points")
    np.testing.assert_allclose(points.get_facecolors(), [_rgba(plotting.UNASSIGNED_COLOR)] * 4)
    assert not _by_gid(ax, "centroids")


def test_plot_clusters_names_and_errors():
    ax = plotting.plot_clusters(X_TOY, z=np.array([0, 0, 1, 1]), cluster_names=("flat", "house"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["flat", "house"]
    with pytest.raises(ValueError, match=r"\(2, N\)"):
        plotting.plot_clusters(np.ones((3, 5)))
    with pytest.raises(ValueError, match="z must have shape"):
        plotting.plot_clusters(X_TOY, z=np.array([0, 1]))
    with pytest.raises(ValueError, match="voronoi"):
        plotting.plot_clusters(X_TOY, voronoi=True)


def test_plot_clusters_voronoi_region_colours():
    # Centroids (0, 0) and (4, 3) (the toy clusters' corners): the boundary is the perpendicular
    # bisector through (2, 1.5); (0, 3) is nearer to (0, 0) (9 < 16), (5, 0) nearer to (4, 3).
    M = np.array([[0.0, 4.0], [0.0, 3.0]])
    ax = plotting.plot_clusters(X_TOY, M, np.array([0, 0, 1, 1]), voronoi=True)
    np.testing.assert_allclose(_pixel(ax, "voronoi", 0.0, 3.0), _rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(_pixel(ax, "voronoi", 5.0, 0.0), _rgba(cluster_color(1), 0.15))


def test_plot_voronoi_hand_case_l2_and_l1_ties():
    # L2: centroids (0, 0), (2, 0): boundary x = 1.
    ax = plotting.plot_voronoi([[0.0, 2.0], [0.0, 0.0]], xlim=(-1, 3), ylim=(-2, 2), alpha=0.3)
    assert ax.get_xlim() == (-1, 3) and ax.get_ylim() == (-2, 2)
    np.testing.assert_allclose(_pixel(ax, "voronoi", 0.5, 1.5), _rgba(cluster_color(0), 0.3))
    np.testing.assert_allclose(_pixel(ax, "voronoi", 1.5, -1.5), _rgba(cluster_color(1), 0.3))
    # L1: centroids (0, 0), (1, 1). (-1, 3) is at L1 distance 1 + 3 = 4 from (0, 0) and
    # 2 + 2 = 4 from (1, 1): a tie, which goes to the lowest index, cluster 0. (3, -1) too.
    # (2, 2) is nearer to (1, 1) (2 < 4).
    M = [[0.0, 1.0], [0.0, 1.0]]
    ax = plotting.plot_voronoi(M, xlim=(-2, 4), ylim=(-2, 4), metric="l1")
    np.testing.assert_allclose(_pixel(ax, "voronoi", -1.0, 3.0), _rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(_pixel(ax, "voronoi", 3.0, -1.0), _rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(_pixel(ax, "voronoi", 2.0, 2.0), _rgba(cluster_color(1), 0.15))
    with pytest.raises(ValueError, match="metric"):
        plotting.plot_voronoi(M, metric="cosine")


# --------------------------------------------------------------------------- Lloyd frames


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
    X = _blobs(n=30, seed=3)
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
    X = _blobs(n=30, seed=3)
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
    assert not _by_gid(init_ax, "voronoi")
    # assignment: points recoloured, Voronoi regions of the assigning centroids
    assert "assignment" in assign_ax.get_title()
    (points,) = _by_gid(assign_ax, "points")
    np.testing.assert_allclose(points.get_facecolors()[2], _rgba(cluster_color(1)))
    assert len(_by_gid(assign_ax, "voronoi")) == 1
    # refit: both centroids moved, one arrow each, old centroids drawn hollow
    assert "refitting" in refit_ax.get_title() and "converged" in refit_ax.get_title()
    assert len(_by_gid(refit_ax, "move")) == 2
    (old,) = _by_gid(refit_ax, "previous centroids")
    np.testing.assert_allclose(old.get_offsets(), M0_TOY.T)
    (new,) = _by_gid(refit_ax, "centroids")
    np.testing.assert_allclose(new.get_offsets(), [[0.5, 0.0], [4.5, 3.0]])
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_frame(X_TOY, plotting.Frame("shuffle", M0_TOY, None, 0.0, 0))


def test_plot_lloyd_steps_grid():
    X = _blobs(n=15, seed=3)
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
    X = _blobs(n=15, seed=3)
    M0 = X[:, [0, 1]]
    n_frames = len(plotting.lloyd_frames(X, M0, max_iter=4))
    anim = plotting.animate_lloyd(X, M0, max_iter=4, interval=500)
    assert isinstance(anim, FuncAnimation)
    assert len(anim.frames) == n_frames <= 9
    assert anim._fig.number not in plt.get_fignums()  # closed: a notebook shows it once
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == n_frames
    assert len(html) < 400_000


# --------------------------------------------------------------------------- mean vs median


def test_plot_mean_vs_median_hand_case():
    # x = 1, 2, 3, 4, 100: mean 110 / 5 = 22, median 3 (the outlier pulls only the mean)
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    ax = plotting.plot_mean_vs_median(x)
    (points,) = _by_gid(ax, "points")
    assert points.get_offsets().shape == (5, 2)
    (mean,) = _by_gid(ax, "mean")
    (median,) = _by_gid(ax, "median")
    assert mean.get_xdata()[0] == pytest.approx(22.0)
    assert median.get_xdata()[0] == pytest.approx(3.0)
    np.testing.assert_allclose(mcolors.to_rgba(mean.get_color()), _rgba(plotting.MEAN_COLOR))
    np.testing.assert_allclose(mcolors.to_rgba(median.get_color()), _rgba(plotting.MEDIAN_COLOR))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("mean = 22") for t in texts)
    assert any(t.startswith("median = 3") for t in texts)


def test_plot_l1_l2_loss_even_n_is_flat_between_middle_points():
    # x = 1, 2, 4, 5, 7, 12 (N = 6): sum |x_i - mu| = 3+2+0+1+3+8 = 17 at mu = 4 and
    # 4+3+1+0+2+7 = 17 at mu = 5, the minimum, flat in between; mean = 31 / 6.
    x = np.array([1.0, 2.0, 4.0, 5.0, 7.0, 12.0])
    fig, ax = plt.subplots()
    assert plotting.plot_l1_l2_loss_1d(x, ax=ax) is ax
    assert len(fig.axes) == 2  # L1 axis and its twin for L2
    l1_line = ax.get_lines()[0]
    mu, l1 = l1_line.get_xdata(), l1_line.get_ydata()
    assert l1.min() == pytest.approx(17.0)
    flat = mu[np.isclose(l1, 17.0)]
    assert flat.min() == pytest.approx(4.0) and flat.max() == pytest.approx(5.0)
    assert len(flat) > 10  # a whole interval, not one point
    np.testing.assert_allclose(l1, np.abs(x[None, :] - mu[:, None]).sum(axis=1))
    twin = fig.axes[1]
    l2_line = twin.get_lines()[0]
    np.testing.assert_allclose(
        l2_line.get_ydata(), ((x[None, :] - l2_line.get_xdata()[:, None]) ** 2).sum(axis=1)
    )
    (mean,) = _by_gid(twin, "mean")
    assert mean.get_xdata()[0] == pytest.approx(31 / 6)
    assert len(_by_gid(ax, "median interval")) == 1


def test_plot_l1_l2_loss_odd_n_has_one_median():
    ax = plotting.plot_l1_l2_loss_1d([1.0, 2.0, 10.0])
    (median,) = _by_gid(ax, "median")
    assert median.get_xdata()[0] == 2.0
    assert not _by_gid(ax, "median interval")


# --------------------------------------------------------------------------- losses


def test_plot_loss_curve():
    fig, ax = plt.subplots()
    assert plotting.plot_loss_curve([6.0, 1.0, 1.0], ax=ax, label="run A") is ax
    plotting.plot_loss_curve([9.0, 4.0], ax=ax, label="run B", logy=True)
    a, b = ax.get_lines()
    np.testing.assert_array_equal(a.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(a.get_ydata(), [6.0, 1.0, 1.0])
    assert a.get_color() != b.get_color()
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iteration"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["run A", "run B"]
    with pytest.raises(ValueError, match="losses"):
        plotting.plot_loss_curve([])


def test_plot_elbow():
    ax = plotting.plot_elbow([1, 2, 3, 4], [100.0, 30.0, 20.0, 15.0])
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ax.get_xticks(), [1, 2, 3, 4])
    assert "k" in ax.get_xlabel()
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_elbow([1, 2], [3.0])


# --------------------------------------------------------------------------- landscape

X_1D = np.array([0.0, 0.5, 1.0, 4.0, 4.5, 9.0, 9.5, 10.0])


def test_loss_landscape_is_the_min_form_loss_and_symmetric():
    mu, L = plotting.loss_landscape_1d(X_1D, lim=(-1, 11), resolution=61)
    assert mu.shape == (61,) and L.shape == (61, 61)
    np.testing.assert_allclose(L, L.T)  # swapping the two centres changes nothing
    for a, b in [(0, 60), (10, 45), (30, 30), (52, 7)]:
        M = np.array([[mu[a], mu[b]]])
        assert L[a, b] == pytest.approx(ref.min_form_loss(X_1D[None, :], M))


def test_local_minima_1d_hand_case():
    # Splits of the sorted data into a left and a right group whose means keep the split:
    # {0, .5, 1, 4, 4.5 | 9, 9.5, 10}: means 2 and 9.5, loss 17.5 + 0.5 = 18 (global);
    # {0, .5, 1 | 4, 4.5, 9, 9.5, 10}: means 0.5 and 7.4, loss 0.5 + 33.7 = 34.2 (local).
    minima = plotting.local_minima_1d(X_1D)
    np.testing.assert_allclose(minima, [[2.0, 9.5, 18.0], [0.5, 7.4, 34.2]])
    # each is a fixed point of Lloyd's algorithm
    for m1, m2, _ in minima:
        M, _, _ = ref.lloyd(X_1D[None, :], np.array([[m1, m2]]))
        np.testing.assert_allclose(M, [[m1, m2]])
    # the global one agrees with the grid minimum of the landscape
    mu, L = plotting.loss_landscape_1d(X_1D, resolution=241)
    assert L.min() >= minima[0, 2] - 1e-9 and L.min() < minima[0, 2] + 0.05


def test_plot_loss_landscape_1d():
    paths = [np.array([[0.2, 5.0], [1.0, 5.0], [1.7, 7.9]]), np.array([[9.0, 9.8], [5.0, 9.5]])]
    fig, ax = plt.subplots()
    assert plotting.plot_loss_landscape_1d(X_1D, ax=ax, paths=paths, resolution=80) is ax
    contours = [c for c in ax.collections if hasattr(c, "levels")]
    assert contours and contours[0].filled
    (diag,) = _by_gid(ax, "diagonal")
    np.testing.assert_allclose(diag.get_xdata(), diag.get_ydata())
    (glob,) = _by_gid(ax, "global minima")
    assert sorted(zip(glob.get_xdata(), glob.get_ydata())) == [(2.0, 9.5), (9.5, 2.0)]
    (loc,) = _by_gid(ax, "local minima")
    found = sorted(zip(loc.get_xdata(), loc.get_ydata()))
    np.testing.assert_allclose(found, [(0.5, 7.4), (7.4, 0.5)])
    for i, path in enumerate(paths):
        (start,) = _by_gid(ax, f"path {i} start")
        (end,) = _by_gid(ax, f"path {i} end")
        assert (start.get_xdata()[0], start.get_ydata()[0]) == tuple(path[0])
        assert (end.get_xdata()[0], end.get_ydata()[0]) == tuple(path[-1])
    assert ax.get_xlim() == ax.get_ylim()
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match=r"paths\[0\]"):
        plotting.plot_loss_landscape_1d(X_1D, paths=[np.zeros((3, 3))])


# --------------------------------------------------------------------------- images


def test_show_images():
    img = np.zeros((4, 6, 3), dtype=np.uint8)
    img[:, :3] = 255
    fig = plotting.show_images([img, img // 2], titles=["original", "half"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["original", "half"]
    np.testing.assert_array_equal(fig.axes[1].get_images()[0].get_array(), img // 2)
    fig2, axes = plt.subplots(1, 2)
    assert plotting.show_images([img, img], axes=axes) is fig2
    with pytest.raises(ValueError, match="titles"):
        plotting.show_images([img], titles=["a", "b"])
    with pytest.raises(ValueError, match="axes"):
        plotting.show_images([img], axes=axes)


def test_helpers_work_under_agg_without_display():
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["MPLBACKEND"] = "Agg"
    code = (
        "import numpy as np; from kmeans_ref import plotting as p; "
        "p.plot_clusters(np.zeros((2, 3))).figure.savefig('/dev/null', format='png')"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


# --------------------------------------------------------------------------- residuals


def test_plot_residuals_hand_case():
    # X_TOY = (0,0), (1,0), (4,3), (5,3); centroids m_0 = (1,1), m_1 = (4,2).
    # z = 0, 0, 1, 1: squared residuals 1+1, 0+1, 0+1, 1+1, so ||X - MY||_F^2 = 6.
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert plotting.plot_residuals(X_TOY, M0_TOY, [0, 0, 1, 1], ax=ax) is ax
    assert len(plt.get_fignums()) == n_figs
    (segments,) = _by_gid(ax, "residuals")
    np.testing.assert_allclose(
        segments.get_segments(),
        [[[0, 0], [1, 1]], [[1, 0], [1, 1]], [[4, 3], [4, 2]], [[5, 3], [4, 2]]],
    )
    (points,) = _by_gid(ax, "points")
    np.testing.assert_allclose(points.get_offsets(), X_TOY.T)
    (centroids,) = _by_gid(ax, "centroids")
    np.testing.assert_allclose(centroids.get_offsets(), M0_TOY.T)
    assert ax.get_title().endswith("= 6")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["cluster 0", "cluster 1", "centroid"] and "residual" in labels[3]


def test_plot_residuals_follows_the_labels_not_the_nearest_centroid():
    # x_0 = (0,0) labelled 1 is joined to m_1 = (4,2): 16 + 4 = 20; the others as above, 1+1+2.
    ax = plotting.plot_residuals(X_TOY, M0_TOY, np.array([1, 0, 1, 1]), title="given labels")
    (segments,) = _by_gid(ax, "residuals")
    np.testing.assert_allclose(segments.get_segments()[0], [[0, 0], [4, 2]])
    assert ax.get_title() == "given labels"
    ax = plotting.plot_residuals(X_TOY, M0_TOY, np.array([1, 0, 1, 1]))
    assert ax.get_title().endswith("= 24")
    with pytest.raises(ValueError, match=r"z must have shape \(4,\)"):
        plotting.plot_residuals(X_TOY, M0_TOY, [0, 1])
    with pytest.raises(ValueError):
        plotting.plot_residuals(X_TOY, M0_TOY, [0, 1, 2, 1])  # label 2 with k = 2


# --------------------------------------------------------------------------- matrices

Z_HAND = [0, 2, 0, 1, 0]  # the 5-observation example of lesson 1: n = 3, 1, 1


def _coloured(ax):
    """(k, N) booleans: which cells of the label-matrix image are coloured (not white)."""
    (image,) = _by_gid(ax, "label matrix")
    cells = np.asarray(image.get_array())
    return np.any(cells[..., :3] < 1, axis=2), cells


def test_plot_label_matrix_hand_case():
    Y = ref.one_hot(Z_HAND, 3)
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert plotting.plot_label_matrix(Y, ax=ax) is ax
    assert len(plt.get_fignums()) == n_figs
    coloured, cells = _coloured(ax)
    assert cells.shape == (3, 5, 4)
    np.testing.assert_array_equal(coloured, Y == 1)
    for i, j in enumerate(Z_HAND):
        np.testing.assert_allclose(cells[j, i], _rgba(cluster_color(j)))
    np.testing.assert_allclose(cells[1, 0], _rgba("white"))
    assert [t.get_text() for t in _by_gid(ax, "row sum")] == ["n = 3", "n = 1", "n = 1"]
    np.testing.assert_array_equal(ax.get_xticks(), np.arange(5))
    np.testing.assert_array_equal(ax.get_yticks(), np.arange(3))
    assert ax.get_title() == "label matrix Y, shape (3, 5)"
    assert not _by_gid(ax, "invalid column")


def test_plot_label_matrix_sorted_keeps_the_original_indices():
    # stable sort by cluster: columns 0, 2, 4 (cluster 0), then 3 (cluster 1), then 1 (cluster 2)
    ax = plotting.plot_label_matrix(ref.one_hot(Z_HAND, 3), sort=True, title="sorted")
    coloured, _ = _coloured(ax)
    np.testing.assert_array_equal(np.argmax(coloured, axis=0), [0, 0, 0, 1, 2])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "4", "3", "1"]
    assert "sorted" in ax.get_xlabel() and ax.get_title() == "sorted"


def test_plot_label_matrix_frames_invalid_columns_and_rejects_non_labels():
    Y_bad = ref.one_hot(Z_HAND, 3)
    Y_bad[:, 0] = [1, 1, 0]  # column 0 sums to 2
    Y_bad[:, 1] = 0  # column 1 sums to 0
    ax = plotting.plot_label_matrix(Y_bad)
    frames = _by_gid(ax, "invalid column")
    assert sorted(f.get_x() for f in frames) == [-0.5, 0.5]
    with pytest.raises(ValueError, match=r"shape \(k, N\)"):
        plotting.plot_label_matrix([0, 1, 0])
    with pytest.raises(ValueError, match=r"only 0 and 1.*Y\[0, 1\] = 0.5"):
        plotting.plot_label_matrix([[1.0, 0.5], [0.0, 0.5]])


def test_plot_label_matrix_large_stretches_without_a_tick_per_column():
    z = np.repeat(np.arange(4), 50)
    ax = plotting.plot_label_matrix(ref.one_hot(z, 4))
    coloured, _ = _coloured(ax)
    assert coloured.shape == (4, 200) and coloured.sum() == 200
    assert ax.get_aspect() == "auto"
    assert len(ax.get_xticks()) < 20
    assert [t.get_text() for t in _by_gid(ax, "row sum")] == ["n = 50"] * 4


def test_plot_distance_matrix_hand_case():
    # sq_distances(X_TOY, M0_TOY) by hand: from m_0 = (1,1): 2, 1, 13, 20; from m_1 = (4,2):
    # 20, 13, 1, 2. Nearest centroid of each column: 0, 0, 1, 1.
    D = np.array([[2.0, 1.0, 13.0, 20.0], [20.0, 13.0, 1.0, 2.0]])
    np.testing.assert_allclose(ref.sq_distances(X_TOY, M0_TOY), D)
    fig, ax = plt.subplots()
    assert plotting.plot_distance_matrix(D, ax=ax, colorbar_label="squared distance") is ax
    (image,) = _by_gid(ax, "distances")
    np.testing.assert_array_equal(image.get_array(), D)
    assert len(fig.axes) == 2 and fig.axes[1].get_xlabel() + fig.axes[1].get_ylabel() == (
        "squared distance"
    )
    (nearest,) = _by_gid(ax, "nearest")
    centres = [path.vertices[:4].mean(axis=0) for path in nearest.get_paths()]
    np.testing.assert_allclose(centres, [[0, 0], [1, 0], [2, 1], [3, 1]])
    texts = _by_gid(ax, "value")  # k * N = 8 <= 60: annotated, row by row
    assert [t.get_text() for t in texts] == ["2", "1", "13", "20", "20", "13", "1", "2"]
    assert [t.get_position() for t in texts[:2]] == [(0, 0), (1, 0)]
    assert texts[1].get_color() == "white" and texts[3].get_color() == "black"  # dark, light
    np.testing.assert_array_equal(ax.get_xticks(), np.arange(4))
    assert ax.get_title() == "distance matrix D, shape (2, 4)"


def test_plot_distance_matrix_ties_flags_and_large_matrices():
    # column 0 ties (1, 1): the lowest index wins, as np.argmin; column 1: row 1
    ax = plotting.plot_distance_matrix([[1.0, 5.0], [1.0, 0.25]], annotate=False, title="ties")
    (nearest,) = _by_gid(ax, "nearest")
    centres = [path.vertices[:4].mean(axis=0) for path in nearest.get_paths()]
    np.testing.assert_allclose(centres, [[0, 0], [1, 1]])
    assert not _by_gid(ax, "value") and ax.get_title() == "ties"
    ax = plotting.plot_distance_matrix([[1.0, 5.0], [1.0, 0.25]], annotate=True)
    assert [t.get_text() for t in _by_gid(ax, "value")] == ["1", "5", "1", "0.25"]
    rng = np.random.default_rng(0)
    D = rng.uniform(size=(3, 200))
    ax = plotting.plot_distance_matrix(D)
    assert not _by_gid(ax, "value")  # 600 cells: too many to annotate
    (nearest,) = _by_gid(ax, "nearest")
    np.testing.assert_array_equal(nearest.get_offsets(), np.c_[np.arange(200), D.argmin(0)])
    with pytest.raises(ValueError, match=r"shape \(k, N\)"):
        plotting.plot_distance_matrix(np.ones(3))


# --------------------------------------------------------------------------- loss along a line

# Three points on the x-axis; m_0 moves along the x-axis, m_1 = (8, 3) stays.
X_LINE = np.array([[4.0, 8.0, 12.0], [0.0, 0.0, 0.0]])
M_LINE = np.array([[0.0, 8.0], [0.0, 3.0]])
# By hand: the nearest other centroid m_1 is at squared distance 16 + 9 = 25 from x = 4,
# 9 from x = 8 and 25 from x = 12. The moving centroid (t, 0) wins x = 4 while
# (4 - t)^2 < 25, t in (-1, 9); x = 8 while (8 - t)^2 < 9, t in (5, 11); x = 12 for t in
# (7, 17). Kinks at -1, 5, 7, 9, 11, 17; outside (-1, 17) it wins nothing.
KINKS_LINE = [-1.0, 5.0, 7.0, 9.0, 11.0, 17.0]


def test_loss_slice_hand_case():
    ts = np.arange(-30, 191) / 10  # -3.0 .. 19.0, holds 0.0 and 6.0 exactly
    out_ts, L, kinks = plotting.loss_slice(X_LINE, M_LINE, 0, [1.0, 0.0], ts=ts)
    np.testing.assert_array_equal(out_ts, ts)
    assert L.shape == ts.shape
    np.testing.assert_allclose(kinks, KINKS_LINE)
    # t = 0: x = 4 pays (4 - 0)^2 = 16, x = 8 and x = 12 pay 9 and 25: 50.
    # t = 6: 4 + 4 + 25 = 33.
    assert L[ts == 0.0][0] == pytest.approx(50.0)
    assert L[ts == 6.0][0] == pytest.approx(33.0)
    for t in (-2.5, 3.3, 8.2, 18.0):
        M = M_LINE.copy()
        M[0, 0] = t
        assert L[np.isclose(ts, t)][0] == pytest.approx(ref.min_form_loss(X_LINE, M))
    # only the kinks inside the range of ts are reported
    np.testing.assert_allclose(plotting.loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=[0, 6])[2], [5])
    # the default range covers every kink
    ts_default, _, kinks_default = plotting.loss_slice(X_LINE, M_LINE, 0, [1, 0])
    np.testing.assert_allclose(kinks_default, KINKS_LINE)
    assert ts_default.min() < -1 and ts_default.max() > 17


def test_loss_slice_l1_hand_case():
    # L1: the other centroid (8, 3) is 4 + 3 = 7 from x = 4, 3 from x = 8, 7 from x = 12;
    # |4 - t| < 7 for t in (-3, 11), |8 - t| < 3 in (5, 11), |12 - t| < 7 in (5, 19).
    ts, L, kinks = plotting.loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=[-4.0, 0.0, 20.0],
                                       metric="l1")
    np.testing.assert_allclose(kinks, [-3.0, 5.0, 11.0, 19.0])
    np.testing.assert_allclose(L, [7 + 3 + 7, 4 + 3 + 7, 7 + 3 + 7])


def test_loss_slice_k1_is_a_parabola_without_kinks():
    # One centroid (t, 0) for X_TOY: sum_i (x_i1 - t)^2 + x_i2^2 = 4 t^2 - 20 t + 42 + 18.
    ts = np.linspace(-3.0, 8.0, 45)
    _, L, kinks = plotting.loss_slice(X_TOY, [[0.0], [0.0]], 0, [1.0, 0.0], ts=ts)
    assert kinks.size == 0
    np.testing.assert_allclose(L, 4 * ts**2 - 20 * ts + 60)
    ax = plotting.plot_loss_slice(X_TOY, [[0.0], [0.0]], 0, [1.0, 0.0], ts=ts)
    assert not _by_gid(ax, "kinks") and not _by_gid(ax, "empty")


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_loss_slice_kinks_are_exactly_where_an_assignment_changes(metric):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2, 12))
    M = rng.normal(size=(2, 3))
    u = np.array([0.8, -0.6])
    assign = ref.assign if metric == "l2" else ref.assign_l1
    ts = np.linspace(-4.0, 4.0, 1601)
    _, L, kinks = plotting.loss_slice(X, M, 1, u, ts=ts, metric=metric)
    assert kinks.size >= 2

    def labels_at(t):
        moved = M.copy()
        moved[:, 1] += t * u
        return ref.labels_from_one_hot(assign(X, moved))

    labels = [labels_at(t) for t in ts]
    changed = [not np.array_equal(a, b) for a, b in zip(labels, labels[1:])]
    holds_kink = [bool(np.any((kinks > a) & (kinks <= b))) for a, b in zip(ts, ts[1:])]
    assert changed == holds_kink
    for t in kinks:  # and to high precision: the labels differ just before and just after
        assert not np.array_equal(labels_at(t - 1e-7), labels_at(t + 1e-7))
    dist = ref.sq_distances if metric == "l2" else ref.l1_distances
    for s in (0, 400, 1600):
        moved = M.copy()
        moved[:, 1] += ts[s] * u
        assert L[s] == pytest.approx(np.min(dist(X, moved), axis=0).sum())


def test_plot_loss_slice_marks_kinks_empty_bands_and_slope():
    ts = np.arange(-30, 191) / 10
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert plotting.plot_loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=ts, ax=ax, slope=True) is ax
    assert len(plt.get_fignums()) == n_figs
    (loss,) = _by_gid(ax, "loss")
    np.testing.assert_allclose(np.sort(loss.get_xdata()), np.union1d(ts, KINKS_LINE))
    assert mcolors.same_color(loss.get_color(), cluster_color(0))
    (kinks,) = _by_gid(ax, "kinks")
    np.testing.assert_allclose([seg[0, 0] for seg in kinks.get_segments()], KINKS_LINE)
    bands = sorted(_by_gid(ax, "empty"), key=lambda b: b.get_x())
    assert len(bands) == 2  # the moving centroid wins nothing for t < -1 and t > 17
    assert bands[0].get_x() == pytest.approx(-3.0)
    assert bands[0].get_x() + bands[0].get_width() == pytest.approx(-1.0)
    assert bands[1].get_x() == pytest.approx(17.0)
    assert bands[1].get_x() + bands[1].get_width() == pytest.approx(19.0)
    assert len(fig.axes) == 2  # the twin axis of the slope
    (slope,) = _by_gid(fig.axes[1], "slope")
    t, s = slope.get_xdata(), slope.get_ydata()
    # t = 0: only x = 4 is won, slope 2 (0 - 4) = -8; t = 6: 2 (6 - 4) + 2 (6 - 8) = 0;
    # t = 18: nothing is won, slope 0. The line is broken (nan) at each of the 6 kinks.
    assert s[t == 0.0][0] == pytest.approx(-8.0)
    assert s[t == 6.0][0] == pytest.approx(0.0)
    assert s[t == 18.0][0] == 0.0
    # The slope is undefined AT each of the 6 kinks (nan there) and the line is also cut
    # (an inserted nan) at each: 12 nans, and no finite slope drawn at a kink.
    assert np.isnan(s).sum() == 12
    assert np.isnan(s[np.isin(t, KINKS_LINE)]).all()
    assert ax.get_xlim() == (-3.0, 19.0)


def test_plot_loss_slice_errors():
    with pytest.raises(ValueError, match="j must be a centroid index in 0..1"):
        plotting.plot_loss_slice(X_LINE, M_LINE, 2, [1, 0])
    with pytest.raises(ValueError, match="direction must be a non-zero vector of shape"):
        plotting.plot_loss_slice(X_LINE, M_LINE, 0, [0, 0])
    with pytest.raises(ValueError, match="direction"):
        plotting.loss_slice(X_LINE, M_LINE, 0, [1, 0, 0])
    with pytest.raises(ValueError, match="metric"):
        plotting.loss_slice(X_LINE, M_LINE, 0, [1, 0], metric="cosine")
    with pytest.raises(ValueError, match=r"M must have shape \(2, k\)"):
        plotting.loss_slice(X_LINE, np.zeros((3, 2)), 0, [1, 0])
