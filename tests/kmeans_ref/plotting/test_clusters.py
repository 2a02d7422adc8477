"""kmeans_ref.plotting.clusters: scatter plots, Voronoi regions, residuals."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import M0_TOY, X_TOY, blobs, by_gid, pixel, rgba
from matplotlib.axes import Axes

from kmeans_ref import plotting
from kmeans_ref.plotting import cluster_color


def test_plot_clusters_points_and_centroids():
    X = blobs()
    M = np.array([[0.0, 4.0], [0.0, 4.0]])
    z = np.r_[np.zeros(20, int), np.ones(20, int)]
    ax = plotting.plot_clusters(X, M, z, title="two blobs", feature_names=("a", "b"))
    assert isinstance(ax, Axes)
    (points,) = by_gid(ax, "points")
    assert points.get_offsets().shape == (40, 2)
    np.testing.assert_allclose(points.get_offsets(), X.T)
    colors = points.get_facecolors()
    np.testing.assert_allclose(colors[0], rgba(cluster_color(0)))
    np.testing.assert_allclose(colors[-1], rgba(cluster_color(1)))
    (centroids,) = by_gid(ax, "centroids")
    assert centroids.get_offsets().shape == (2, 2)
    np.testing.assert_allclose(centroids.get_offsets(), M.T)
    assert ax.get_title() == "two blobs"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["cluster 0", "cluster 1", "centroid"]
    assert not by_gid(ax, "voronoi")


def test_plot_clusters_without_labels_is_grey_and_honours_ax():
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    out = plotting.plot_clusters(X_TOY, ax=ax)
    assert out is ax and len(plt.get_fignums()) == n_figs
    (points,) = by_gid(ax, "points")
    np.testing.assert_allclose(points.get_facecolors(), [rgba(plotting.UNASSIGNED_COLOR)] * 4)
    assert not by_gid(ax, "centroids")


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
    np.testing.assert_allclose(pixel(ax, "voronoi", 0.0, 3.0), rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(pixel(ax, "voronoi", 5.0, 0.0), rgba(cluster_color(1), 0.15))


def test_plot_voronoi_hand_case_l2_and_l1_ties():
    # L2: centroids (0, 0), (2, 0): boundary x = 1.
    ax = plotting.plot_voronoi([[0.0, 2.0], [0.0, 0.0]], xlim=(-1, 3), ylim=(-2, 2), alpha=0.3)
    assert ax.get_xlim() == (-1, 3) and ax.get_ylim() == (-2, 2)
    np.testing.assert_allclose(pixel(ax, "voronoi", 0.5, 1.5), rgba(cluster_color(0), 0.3))
    np.testing.assert_allclose(pixel(ax, "voronoi", 1.5, -1.5), rgba(cluster_color(1), 0.3))
    # L1: centroids (0, 0), (1, 1). (-1, 3) is at L1 distance 1 + 3 = 4 from (0, 0) and
    # 2 + 2 = 4 from (1, 1): a tie, which goes to the lowest index, cluster 0. (3, -1) too.
    # (2, 2) is nearer to (1, 1) (2 < 4).
    M = [[0.0, 1.0], [0.0, 1.0]]
    ax = plotting.plot_voronoi(M, xlim=(-2, 4), ylim=(-2, 4), metric="l1")
    np.testing.assert_allclose(pixel(ax, "voronoi", -1.0, 3.0), rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(pixel(ax, "voronoi", 3.0, -1.0), rgba(cluster_color(0), 0.15))
    np.testing.assert_allclose(pixel(ax, "voronoi", 2.0, 2.0), rgba(cluster_color(1), 0.15))
    with pytest.raises(ValueError, match="metric"):
        plotting.plot_voronoi(M, metric="cosine")


def test_plot_residuals_hand_case():
    # X_TOY = (0,0), (1,0), (4,3), (5,3); centroids m_0 = (1,1), m_1 = (4,2).
    # z = 0, 0, 1, 1: squared residuals 1+1, 0+1, 0+1, 1+1, so ||X - MY||_F^2 = 6.
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert plotting.plot_residuals(X_TOY, M0_TOY, [0, 0, 1, 1], ax=ax) is ax
    assert len(plt.get_fignums()) == n_figs
    (segments,) = by_gid(ax, "residuals")
    np.testing.assert_allclose(
        segments.get_segments(),
        [[[0, 0], [1, 1]], [[1, 0], [1, 1]], [[4, 3], [4, 2]], [[5, 3], [4, 2]]],
    )
    (points,) = by_gid(ax, "points")
    np.testing.assert_allclose(points.get_offsets(), X_TOY.T)
    (centroids,) = by_gid(ax, "centroids")
    np.testing.assert_allclose(centroids.get_offsets(), M0_TOY.T)
    assert ax.get_title().endswith("= 6")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["cluster 0", "cluster 1", "centroid"] and "residual" in labels[3]


def test_plot_residuals_follows_the_labels_not_the_nearest_centroid():
    # x_0 = (0,0) labelled 1 is joined to m_1 = (4,2): 16 + 4 = 20; the others as above, 1+1+2.
    ax = plotting.plot_residuals(X_TOY, M0_TOY, np.array([1, 0, 1, 1]), title="given labels")
    (segments,) = by_gid(ax, "residuals")
    np.testing.assert_allclose(segments.get_segments()[0], [[0, 0], [4, 2]])
    assert ax.get_title() == "given labels"
    ax = plotting.plot_residuals(X_TOY, M0_TOY, np.array([1, 0, 1, 1]))
    assert ax.get_title().endswith("= 24")
    with pytest.raises(ValueError, match=r"z must have shape \(4,\)"):
        plotting.plot_residuals(X_TOY, M0_TOY, [0, 1])
    with pytest.raises(ValueError):
        plotting.plot_residuals(X_TOY, M0_TOY, [0, 1, 2, 1])  # label 2 with k = 2
