"""kmeans_ref.plotting.landscapes: the loss along a line and the 1-D k = 2 landscape, drawn.

The numbers drawn are tested in tests/kmeans_ref/test_landscape.py.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_checks import X_TOY, by_gid
from matplotlib import colors as mcolors

from kmeans_ref import landscape, plotting
from kmeans_ref.plotting import cluster_color

# Three points on the x-axis; m_0 moves along the x-axis, m_1 = (8, 3) stays.
X_LINE = np.array([[4.0, 8.0, 12.0], [0.0, 0.0, 0.0]])
M_LINE = np.array([[0.0, 8.0], [0.0, 3.0]])
# By hand: the nearest other centroid m_1 is at squared distance 16 + 9 = 25 from x = 4,
# 9 from x = 8 and 25 from x = 12. The moving centroid (t, 0) wins x = 4 while
# (4 - t)^2 < 25, t in (-1, 9); x = 8 while (8 - t)^2 < 9, t in (5, 11); x = 12 for t in
# (7, 17). Kinks at -1, 5, 7, 9, 11, 17; outside (-1, 17) it wins nothing.
KINKS_LINE = [-1.0, 5.0, 7.0, 9.0, 11.0, 17.0]

X_1D = np.array([0.0, 0.5, 1.0, 4.0, 4.5, 9.0, 9.5, 10.0])


def test_plot_loss_landscape_1d():
    paths = [np.array([[0.2, 5.0], [1.0, 5.0], [1.7, 7.9]]), np.array([[9.0, 9.8], [5.0, 9.5]])]
    fig, ax = plt.subplots()
    assert plotting.plot_loss_landscape_1d(X_1D, ax=ax, paths=paths, resolution=80) is ax
    contours = [c for c in ax.collections if hasattr(c, "levels")]
    assert contours and contours[0].filled
    (diag,) = by_gid(ax, "diagonal")
    np.testing.assert_allclose(diag.get_xdata(), diag.get_ydata())
    (glob,) = by_gid(ax, "global minima")
    assert sorted(zip(glob.get_xdata(), glob.get_ydata())) == [(2.0, 9.5), (9.5, 2.0)]
    (loc,) = by_gid(ax, "local minima")
    found = sorted(zip(loc.get_xdata(), loc.get_ydata()))
    np.testing.assert_allclose(found, [(0.5, 7.4), (7.4, 0.5)])
    for i, path in enumerate(paths):
        (start,) = by_gid(ax, f"path {i} start")
        (end,) = by_gid(ax, f"path {i} end")
        assert (start.get_xdata()[0], start.get_ydata()[0]) == tuple(path[0])
        assert (end.get_xdata()[0], end.get_ydata()[0]) == tuple(path[-1])
    assert ax.get_xlim() == ax.get_ylim()
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match=r"paths\[0\]"):
        plotting.plot_loss_landscape_1d(X_1D, paths=[np.zeros((3, 3))])


def test_plot_loss_slice_marks_kinks_empty_bands_and_slope():
    ts = np.arange(-30, 191) / 10
    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert plotting.plot_loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=ts, ax=ax, slope=True) is ax
    assert len(plt.get_fignums()) == n_figs
    (loss,) = by_gid(ax, "loss")
    np.testing.assert_allclose(np.sort(loss.get_xdata()), np.union1d(ts, KINKS_LINE))
    assert mcolors.same_color(loss.get_color(), cluster_color(0))
    (kinks,) = by_gid(ax, "kinks")
    np.testing.assert_allclose([seg[0, 0] for seg in kinks.get_segments()], KINKS_LINE)
    bands = sorted(by_gid(ax, "empty"), key=lambda b: b.get_x())
    assert len(bands) == 2  # the moving centroid wins nothing for t < -1 and t > 17
    assert bands[0].get_x() == pytest.approx(-3.0)
    assert bands[0].get_x() + bands[0].get_width() == pytest.approx(-1.0)
    assert bands[1].get_x() == pytest.approx(17.0)
    assert bands[1].get_x() + bands[1].get_width() == pytest.approx(19.0)
    assert len(fig.axes) == 2  # the twin axis of the slope
    (slope,) = by_gid(fig.axes[1], "slope")
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
    with pytest.raises(ValueError, match="metric"):
        plotting.plot_loss_slice(X_LINE, M_LINE, 0, [1, 0], metric="cosine")


def test_plot_loss_slice_k1_has_no_kinks_nor_empty_bands():
    # One centroid wins every observation wherever it is: no kink, never an empty cluster.
    ts = np.linspace(-3.0, 8.0, 45)
    ax = plotting.plot_loss_slice(X_TOY, [[0.0], [0.0]], 0, [1.0, 0.0], ts=ts)
    (loss,) = by_gid(ax, "loss")
    np.testing.assert_allclose(loss.get_ydata(), 4 * ts**2 - 20 * ts + 60)
    assert not by_gid(ax, "kinks") and not by_gid(ax, "empty")


def test_the_landscape_maths_is_reexported():
    # Lessons call plotting.loss_slice & co.: the very functions of kmeans_ref.landscape.
    for name in ("loss_slice", "loss_landscape_1d", "local_minima_1d"):
        assert getattr(plotting, name) is getattr(landscape, name), name
