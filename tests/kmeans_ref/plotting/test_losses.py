"""kmeans_ref.plotting.losses: mean vs median, the L1 and L2 losses of one centre, loss curves, elbow."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import by_gid, rgba
from matplotlib import colors as mcolors

from kmeans_ref import plotting


def test_plot_mean_vs_median_hand_case():
    # x = 1, 2, 3, 4, 100: mean 110 / 5 = 22, median 3 (the outlier pulls only the mean)
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    ax = plotting.plot_mean_vs_median(x)
    (points,) = by_gid(ax, "points")
    assert points.get_offsets().shape == (5, 2)
    (mean,) = by_gid(ax, "mean")
    (median,) = by_gid(ax, "median")
    assert mean.get_xdata()[0] == pytest.approx(22.0)
    assert median.get_xdata()[0] == pytest.approx(3.0)
    np.testing.assert_allclose(mcolors.to_rgba(mean.get_color()), rgba(plotting.MEAN_COLOR))
    np.testing.assert_allclose(mcolors.to_rgba(median.get_color()), rgba(plotting.MEDIAN_COLOR))
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
    (mean,) = by_gid(twin, "mean")
    assert mean.get_xdata()[0] == pytest.approx(31 / 6)
    assert len(by_gid(ax, "median interval")) == 1


def test_plot_l1_l2_loss_odd_n_has_one_median():
    ax = plotting.plot_l1_l2_loss_1d([1.0, 2.0, 10.0])
    (median,) = by_gid(ax, "median")
    assert median.get_xdata()[0] == 2.0
    assert not by_gid(ax, "median interval")


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
