"""kmeans_ref.plotting.soft: responsibilities as colour mixes, Gaussian circles, mixture regions."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import M0_TOY, X_TOY, blobs, by_gid, pixel, rgba

from kmeans_ref import plotting, soft_assign
from kmeans_ref.plotting import cluster_color


def test_responsibility_colors_mix_the_cluster_colours_in_proportion():
    # By hand: a one-hot column is the pure colour; (1/4, 3/4) is 1/4 of blue plus 3/4 of orange.
    blue, orange = rgba(cluster_color(0))[:3], rgba(cluster_color(1))[:3]
    colors = plotting.responsibility_colors([[1.0, 0.0, 0.25], [0.0, 1.0, 0.75]])
    assert colors.shape == (3, 4)
    np.testing.assert_allclose(colors[0, :3], blue)
    np.testing.assert_allclose(colors[1, :3], orange)
    np.testing.assert_allclose(colors[2, :3], 0.25 * blue + 0.75 * orange)
    np.testing.assert_allclose(colors[:, 3], 1.0)
    # Columns are normalised first: (2, 6) is the same mix as (1/4, 3/4).
    np.testing.assert_allclose(plotting.responsibility_colors([[2.0], [6.0]])[0], colors[2])


def test_responsibility_colors_errors():
    with pytest.raises(ValueError, match="positive sum"):
        plotting.responsibility_colors([[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match=">= 0"):
        plotting.responsibility_colors([[-0.5], [1.5]])
    with pytest.raises(ValueError, match=r"shape \(k, N\)"):
        plotting.responsibility_colors([1.0, 0.0])


def test_plot_soft_clusters_draws_points_in_mixed_colours_and_centroids():
    R = soft_assign(X_TOY, M0_TOY, beta=np.log(2) / 6)   # columns (8/9, 1/9), (4/5, 1/5), ... by hand
    fig, ax = plt.subplots()
    assert plotting.plot_soft_clusters(X_TOY, M0_TOY, R, ax=ax, title="soft") is ax
    (points,) = by_gid(ax, "points")
    np.testing.assert_allclose(points.get_offsets(), X_TOY.T)
    blue, orange = rgba(cluster_color(0))[:3], rgba(cluster_color(1))[:3]
    np.testing.assert_allclose(points.get_facecolors()[0, :3], 8 / 9 * blue + 1 / 9 * orange)
    np.testing.assert_allclose(points.get_facecolors()[3, :3], 1 / 9 * blue + 8 / 9 * orange)
    (centroids,) = by_gid(ax, "centroids")
    np.testing.assert_allclose(centroids.get_offsets(), M0_TOY.T)
    assert ax.get_title() == "soft"
    with pytest.raises(ValueError, match=r"R must have shape \(k, N\) = \(2, 4\)"):
        plotting.plot_soft_clusters(X_TOY, M0_TOY, R[:, :3])


def test_plot_responsibility_paths_go_from_uniform_to_the_hard_assignment():
    # Toy data: x_0 is nearer to m_0 (2 < 20), x_3 nearer to m_1; a third observation at (2.5, 1.5)
    # is equidistant from m_0 = (1, 1) and m_1 = (4, 2) (2.25 + 0.25 both): it stays at 1/2.
    X = np.hstack([X_TOY, [[2.5], [1.5]]])
    betas = np.logspace(-3, 2, 30)
    ax = plotting.plot_responsibility_paths(X, M0_TOY, [0, 3, 4], betas)
    lines = ax.get_lines()
    assert len(lines) == 3
    ends = np.array([line.get_ydata()[[0, -1]] for line in lines])
    np.testing.assert_allclose(ends[:, 0], 0.5, atol=0.01)        # small beta: 1 / k
    np.testing.assert_allclose(ends[:, 1], [1.0, 0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(lines[0].get_xdata(), betas)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["$x_{0}$", "$x_{3}$", "$x_{4}$"]
    with pytest.raises(ValueError, match="beta must be > 0"):
        plotting.plot_responsibility_paths(X, M0_TOY, [0], [0.0, 1.0])
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_responsibility_paths(X, M0_TOY, [], betas)


def test_plot_gaussians_draws_circles_of_one_and_two_standard_deviations():
    ax = plotting.plot_gaussians([[0.0, 5.0], [0.0, 0.0]], [4.0, 0.25], [0.8, 0.2])
    first, second = by_gid(ax, "gaussian_0"), by_gid(ax, "gaussian_1")
    assert [c.get_radius() for c in first] == [2.0, 4.0]        # sqrt(4) = 2, twice that
    assert [c.get_radius() for c in second] == [0.5, 1.0]
    assert second[0].center == (5.0, 0.0)
    np.testing.assert_allclose(first[0].get_edgecolor(), rgba(cluster_color(0)))
    assert first[0].get_linewidth() > second[0].get_linewidth()  # the heavier component
    with pytest.raises(ValueError, match="variance must be > 0"):
        plotting.plot_gaussians([[0.0], [0.0]], [0.0])
    with pytest.raises(ValueError, match=r"shape \(k,\) = \(2,\)"):
        plotting.plot_gaussians([[0.0, 5.0], [0.0, 0.0]], [1.0])


def test_mixture_labels_by_hand_and_the_voronoi_special_case():
    # Wide N((0, 0), 1 I) and narrow N((2, 0), 0.01 I), equal weights. At (1.9, 0) the scores
    # are log(1/2) - log(2 pi) - 3.61 / 2 and log(1/2) - log(2 pi 0.01) - 0.01 / 0.02: the narrow
    # one wins by log(100) - 0.5 + 1.805 > 0; at (1.5, 0) it loses by 12.5 - 1.125 - log(100) > 0.
    M = [[0.0, 2.0], [0.0, 0.0]]
    pts = [[1.9, 1.5, 2.0, -1.0], [0.0, 0.0, 0.0, 0.0]]
    assert plotting.mixture_labels(pts, M, [1.0, 0.01]).tolist() == [1, 0, 1, 0]
    # A tiny weight hands even the narrow component's own mean to the wide one.
    assert plotting.mixture_labels(pts, M, [1.0, 0.01], [1.0 - 1e-30, 1e-30]).tolist() == [0, 0, 0, 0]
    # Equal variances and weights: the nearest mean, as assign (ties to the lowest index).
    grid = blobs(50, seed=3)
    M3 = np.array([[0.0, 4.0, 2.0], [0.0, 4.0, 0.0]])
    z = plotting.mixture_labels(grid, M3, [0.7, 0.7, 0.7])
    assert z.tolist() == np.argmin(((grid[:, None, :] - M3[:, :, None]) ** 2).sum(0), axis=0).tolist()
    with pytest.raises(ValueError, match="one entry per column of M"):
        plotting.mixture_labels(pts, M, [1.0])


def test_plot_mixture_regions_shades_what_each_component_wins():
    fig, ax = plt.subplots()
    M = [[0.0, 2.0], [0.0, 0.0]]
    out = plotting.plot_mixture_regions(M, [1.0, 0.01], ax=ax, xlim=(-2.0, 4.0), ylim=(-2.0, 2.0), resolution=241)
    assert out is ax
    np.testing.assert_allclose(pixel(ax, "mixture_regions", 2.0, 0.0), rgba(cluster_color(1), 0.15))
    np.testing.assert_allclose(pixel(ax, "mixture_regions", 3.5, 0.0), rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(pixel(ax, "mixture_regions", 1.0, 0.0), rgba(cluster_color(0), 0.15))
    assert ax.get_xlim() == (-2.0, 4.0)
