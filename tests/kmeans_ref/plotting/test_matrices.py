"""kmeans_ref.plotting.matrices: label matrices and distance matrices."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import M0_TOY, X_TOY, by_gid, rgba

import kmeans_ref as ref
from kmeans_ref import plotting
from kmeans_ref.plotting import cluster_color

Z_HAND = [0, 2, 0, 1, 0]  # the 5-observation example of lesson 1: n = 3, 1, 1


def _coloured(ax):
    """(k, N) booleans: which cells of the label-matrix image are coloured (not white)."""
    (image,) = by_gid(ax, "label matrix")
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
        np.testing.assert_allclose(cells[j, i], rgba(cluster_color(j)))
    np.testing.assert_allclose(cells[1, 0], rgba("white"))
    assert [t.get_text() for t in by_gid(ax, "row sum")] == ["n = 3", "n = 1", "n = 1"]
    np.testing.assert_array_equal(ax.get_xticks(), np.arange(5))
    np.testing.assert_array_equal(ax.get_yticks(), np.arange(3))
    assert ax.get_title() == "label matrix Y, shape (3, 5)"
    assert not by_gid(ax, "invalid column")


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
    frames = by_gid(ax, "invalid column")
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
    assert [t.get_text() for t in by_gid(ax, "row sum")] == ["n = 50"] * 4


def test_plot_distance_matrix_hand_case():
    # sq_distances(X_TOY, M0_TOY) by hand: from m_0 = (1,1): 2, 1, 13, 20; from m_1 = (4,2):
    # 20, 13, 1, 2. Nearest centroid of each column: 0, 0, 1, 1.
    D = np.array([[2.0, 1.0, 13.0, 20.0], [20.0, 13.0, 1.0, 2.0]])
    np.testing.assert_allclose(ref.sq_distances(X_TOY, M0_TOY), D)
    fig, ax = plt.subplots()
    assert plotting.plot_distance_matrix(D, ax=ax, colorbar_label="squared distance") is ax
    (image,) = by_gid(ax, "distances")
    np.testing.assert_array_equal(image.get_array(), D)
    assert len(fig.axes) == 2 and fig.axes[1].get_xlabel() + fig.axes[1].get_ylabel() == (
        "squared distance"
    )
    (nearest,) = by_gid(ax, "nearest")
    centres = [path.vertices[:4].mean(axis=0) for path in nearest.get_paths()]
    np.testing.assert_allclose(centres, [[0, 0], [1, 0], [2, 1], [3, 1]])
    texts = by_gid(ax, "value")  # k * N = 8 <= 60: annotated, row by row
    assert [t.get_text() for t in texts] == ["2", "1", "13", "20", "20", "13", "1", "2"]
    assert [t.get_position() for t in texts[:2]] == [(0, 0), (1, 0)]
    assert texts[1].get_color() == "white" and texts[3].get_color() == "black"  # dark, light
    np.testing.assert_array_equal(ax.get_xticks(), np.arange(4))
    assert ax.get_title() == "distance matrix D, shape (2, 4)"


def test_plot_distance_matrix_ties_flags_and_large_matrices():
    # column 0 ties (1, 1): the lowest index wins, as np.argmin; column 1: row 1
    ax = plotting.plot_distance_matrix([[1.0, 5.0], [1.0, 0.25]], annotate=False, title="ties")
    (nearest,) = by_gid(ax, "nearest")
    centres = [path.vertices[:4].mean(axis=0) for path in nearest.get_paths()]
    np.testing.assert_allclose(centres, [[0, 0], [1, 1]])
    assert not by_gid(ax, "value") and ax.get_title() == "ties"
    ax = plotting.plot_distance_matrix([[1.0, 5.0], [1.0, 0.25]], annotate=True)
    assert [t.get_text() for t in by_gid(ax, "value")] == ["1", "5", "1", "0.25"]
    rng = np.random.default_rng(0)
    D = rng.uniform(size=(3, 200))
    ax = plotting.plot_distance_matrix(D)
    assert not by_gid(ax, "value")  # 600 cells: too many to annotate
    (nearest,) = by_gid(ax, "nearest")
    np.testing.assert_array_equal(nearest.get_offsets(), np.c_[np.arange(200), D.argmin(0)])
    with pytest.raises(ValueError, match=r"shape \(k, N\)"):
        plotting.plot_distance_matrix(np.ones(3))
