"""kmeans_ref.landscape: the loss along a line, its kinks, slope and empty-cluster intervals,
the 1-D k = 2 landscape and its minima, Voronoi region labels; all NumPy, worked by hand."""

import subprocess
import sys

import numpy as np
import pytest

import kmeans_ref as ref
from kmeans_ref import landscape

# The toy data set of the kmeans_ref docstrings.
X_TOY = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])

# Three points on the x-axis; m_0 moves along the x-axis, m_1 = (8, 3) stays.
X_LINE = np.array([[4.0, 8.0, 12.0], [0.0, 0.0, 0.0]])
M_LINE = np.array([[0.0, 8.0], [0.0, 3.0]])
# By hand: the nearest other centroid m_1 is at squared distance 16 + 9 = 25 from x = 4,
# 9 from x = 8 and 25 from x = 12. The moving centroid (t, 0) wins x = 4 while
# (4 - t)^2 < 25, t in (-1, 9); x = 8 while (8 - t)^2 < 9, t in (5, 11); x = 12 for t in
# (7, 17). Kinks at -1, 5, 7, 9, 11, 17; outside (-1, 17) it wins nothing.
KINKS_LINE = [-1.0, 5.0, 7.0, 9.0, 11.0, 17.0]

X_1D = np.array([0.0, 0.5, 1.0, 4.0, 4.5, 9.0, 9.5, 10.0])


def test_landscape_is_numpy_only():
    code = "import sys, kmeans_ref.landscape; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_region_labels_hand_case_l2_and_l1_ties():
    # L2, centroids (0, 0) and (2, 0): the boundary is x = 1; (1, 0) is a tie, to cluster 0.
    P = [[0.5, 1.5, 1.0], [1.5, -1.5, 0.0]]
    np.testing.assert_array_equal(landscape.region_labels(P, [[0.0, 2.0], [0.0, 0.0]]), [0, 1, 0])
    # L1, centroids (0, 0) and (1, 1): (-1, 3) is at 1 + 3 = 4 from (0, 0) and 2 + 2 = 4 from
    # (1, 1), a tie, to cluster 0, as is (3, -1); (2, 2) is nearer to (1, 1) (2 < 4).
    P = [[-1.0, 3.0, 2.0], [3.0, -1.0, 2.0]]
    M = [[0.0, 1.0], [0.0, 1.0]]
    np.testing.assert_array_equal(landscape.region_labels(P, M, metric="l1"), [0, 0, 1])
    # with squared L2 distances they are no ties: (-1, 3) and (3, -1) are nearer to (1, 1), 8 < 10
    np.testing.assert_array_equal(landscape.region_labels(P, M), [1, 1, 1])
    with pytest.raises(ValueError, match="metric"):
        landscape.region_labels(P, M, metric="cosine")


def test_region_labels_agree_with_assign():
    rng = np.random.default_rng(5)
    P, M = rng.normal(size=(2, 300)), rng.normal(size=(2, 4))
    np.testing.assert_array_equal(landscape.region_labels(P, M),
                                  ref.labels_from_one_hot(ref.assign(P, M)))
    np.testing.assert_array_equal(landscape.region_labels(P, M, metric="l1"),
                                  ref.labels_from_one_hot(ref.assign_l1(P, M)))


def test_loss_landscape_is_the_min_form_loss_and_symmetric():
    mu, L = landscape.loss_landscape_1d(X_1D, lim=(-1, 11), resolution=61)
    assert mu.shape == (61,) and L.shape == (61, 61)
    np.testing.assert_allclose(L, L.T)  # swapping the two centres changes nothing
    for a, b in [(0, 60), (10, 45), (30, 30), (52, 7)]:
        M = np.array([[mu[a], mu[b]]])
        assert L[a, b] == pytest.approx(ref.min_form_loss(X_1D[None, :], M))


def test_local_minima_1d_hand_case():
    # Splits of the sorted data into a left and a right group whose means keep the split:
    # {0, .5, 1, 4, 4.5 | 9, 9.5, 10}: means 2 and 9.5, loss 17.5 + 0.5 = 18 (global);
    # {0, .5, 1 | 4, 4.5, 9, 9.5, 10}: means 0.5 and 7.4, loss 0.5 + 33.7 = 34.2 (local).
    minima = landscape.local_minima_1d(X_1D)
    np.testing.assert_allclose(minima, [[2.0, 9.5, 18.0], [0.5, 7.4, 34.2]])
    # each is a fixed point of Lloyd's algorithm
    for m1, m2, _ in minima:
        M, _, _ = ref.lloyd(X_1D[None, :], np.array([[m1, m2]]))
        np.testing.assert_allclose(M, [[m1, m2]])
    # the global one agrees with the grid minimum of the landscape
    mu, L = landscape.loss_landscape_1d(X_1D, resolution=241)
    assert L.min() >= minima[0, 2] - 1e-9 and L.min() < minima[0, 2] + 0.05


def test_loss_slice_hand_case():
    ts = np.arange(-30, 191) / 10  # -3.0 .. 19.0, holds 0.0 and 6.0 exactly
    out_ts, L, kinks = landscape.loss_slice(X_LINE, M_LINE, 0, [1.0, 0.0], ts=ts)
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
    np.testing.assert_allclose(landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=[0, 6])[2], [5])
    # the default range covers every kink
    ts_default, _, kinks_default = landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0])
    np.testing.assert_allclose(kinks_default, KINKS_LINE)
    assert ts_default.min() < -1 and ts_default.max() > 17


def test_loss_slice_l1_hand_case():
    # L1: the other centroid (8, 3) is 4 + 3 = 7 from x = 4, 3 from x = 8, 7 from x = 12;
    # |4 - t| < 7 for t in (-3, 11), |8 - t| < 3 in (5, 11), |12 - t| < 7 in (5, 19).
    ts, L, kinks = landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=[-4.0, 0.0, 20.0],
                                       metric="l1")
    np.testing.assert_allclose(kinks, [-3.0, 5.0, 11.0, 19.0])
    np.testing.assert_allclose(L, [7 + 3 + 7, 4 + 3 + 7, 7 + 3 + 7])


def test_loss_slice_k1_is_a_parabola_without_kinks():
    # One centroid (t, 0) for X_TOY: sum_i (x_i1 - t)^2 + x_i2^2 = 4 t^2 - 20 t + 42 + 18.
    ts = np.linspace(-3.0, 8.0, 45)
    _, L, kinks = landscape.loss_slice(X_TOY, [[0.0], [0.0]], 0, [1.0, 0.0], ts=ts)
    assert kinks.size == 0
    np.testing.assert_allclose(L, 4 * ts**2 - 20 * ts + 60)


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_loss_slice_kinks_are_exactly_where_an_assignment_changes(metric):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2, 12))
    M = rng.normal(size=(2, 3))
    u = np.array([0.8, -0.6])
    assign = ref.assign if metric == "l2" else ref.assign_l1
    ts = np.linspace(-4.0, 4.0, 1601)
    _, L, kinks = landscape.loss_slice(X, M, 1, u, ts=ts, metric=metric)
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


def test_loss_slice_errors():
    with pytest.raises(ValueError, match="direction"):
        landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0, 0])
    with pytest.raises(ValueError, match="metric"):
        landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0], metric="cosine")
    with pytest.raises(ValueError, match=r"M must have shape \(2, k\)"):
        landscape.loss_slice(X_LINE, np.zeros((3, 2)), 0, [1, 0])
    with pytest.raises(ValueError, match="j must be a centroid index in 0..1"):
        landscape.loss_slice(X_LINE, M_LINE, True, [1, 0])
    with pytest.raises(ValueError, match="ts must be a non-empty 1-D array of finite numbers"):
        landscape.loss_slice(X_LINE, M_LINE, 0, [1, 0], ts=[0.0, np.nan])


def test_loss_slice_slope_hand_case_l2():
    # (t, 0) wins x = 4 alone at t = -0.5 and at t = 0: slope 2 (t - 4) = -9, -8; at t = 6 it
    # wins x = 4 and x = 8: 2 (6 - 4) + 2 (6 - 8) = 0; at t = 16 only x = 12: 2 (16 - 12) = 8;
    # at t = 18 nothing: 0. At every kink the slope is undefined.
    ts = [-0.5, 0.0, 6.0, 16.0, 18.0]
    slope = landscape.loss_slice_slope(X_LINE, M_LINE, 0, [1, 0], ts)
    np.testing.assert_array_equal(slope, [-9.0, -8.0, 0.0, 8.0, 0.0])
    assert np.isnan(landscape.loss_slice_slope(X_LINE, M_LINE, 0, [1, 0], KINKS_LINE)).all()


def test_loss_slice_slope_hand_case_l1():
    # L1 (levels 7, 3, 7 as in the L1 loss test): at t = 0 only x = 4 is won, d/dt |4 - t|
    # = -1; at t = 6 all three: +1 - 1 - 1 = -1; at t = 15 only x = 12: d/dt |12 - t| = +1.
    slope = landscape.loss_slice_slope(X_LINE, M_LINE, 0, [1, 0], [0.0, 6.0, 15.0], metric="l1")
    np.testing.assert_array_equal(slope, [-1.0, -1.0, 1.0])


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_loss_slice_slope_is_the_derivative_of_the_loss(metric):
    rng = np.random.default_rng(11)
    X, M = rng.normal(size=(2, 15)), rng.normal(size=(2, 3))
    u = np.array([0.6, 0.8])
    ts = np.linspace(-3.0, 3.0, 61)
    slope = landscape.loss_slice_slope(X, M, 2, u, ts, metric=metric)
    _, _, kinks = landscape.loss_slice(X, M, 2, u, ts=ts, metric=metric)
    h = 1e-6
    away = np.min(np.abs(ts[:, None] - kinks[None, :]), axis=1) > 10 * h
    assert away.sum() > 40
    L_plus = landscape.loss_slice(X, M, 2, u, ts=ts[away] + h, metric=metric)[1]
    L_minus = landscape.loss_slice(X, M, 2, u, ts=ts[away] - h, metric=metric)[1]
    np.testing.assert_allclose(slope[away], (L_plus - L_minus) / (2 * h), atol=1e-5)


def test_empty_cluster_intervals_hand_case():
    # L2: m_0 wins x = 4, 8, 12 on (-1, 9), (5, 11), (7, 17): nothing outside (-1, 17).
    assert landscape.empty_cluster_intervals(X_LINE, M_LINE, 0, [1, 0], (-3.0, 19.0)) == [
        (-3.0, -1.0), (17.0, 19.0)]
    assert landscape.empty_cluster_intervals(X_LINE, M_LINE, 0, [1, 0], (0.0, 6.0)) == []
    # L1: (-3, 11), (5, 11), (5, 19): nothing outside (-3, 19).
    assert landscape.empty_cluster_intervals(X_LINE, M_LINE, 0, [1, 0], (-4.0, 20.0),
                                             metric="l1") == [(-4.0, -3.0), (19.0, 20.0)]
    # k = 1: the only centroid wins every observation wherever it goes
    assert landscape.empty_cluster_intervals(X_TOY, [[0.0], [0.0]], 0, [1, 0], (-9.0, 9.0)) == []
    with pytest.raises(ValueError, match="start <= stop"):
        landscape.empty_cluster_intervals(X_LINE, M_LINE, 0, [1, 0], (2.0, 1.0))


def test_local_minima_1d_ties_and_no_split():
    # 0, 1, 2: {0 | 1, 2} (means 0 and 1.5) and {0, 1 | 2} (means 0.5 and 2) both keep their
    # split and both cost 0.5: two global minima. Two equal points cannot be split (m1 = m2).
    np.testing.assert_allclose(landscape.local_minima_1d([2.0, 0.0, 1.0]),
                               [[0.0, 1.5, 0.5], [0.5, 2.0, 0.5]])
    assert landscape.local_minima_1d([1.0, 1.0]).shape == (0, 3)
    with pytest.raises(ValueError, match=r"non-empty 1-D array of shape \(N,\)"):
        landscape.local_minima_1d([])


def test_loss_landscape_1d_hand_case():
    # x = 0, 4 on the grid 0, 2, 4: L[a, b] = min((0 - mu_a)^2, (0 - mu_b)^2) + same for 4.
    mu, L = landscape.loss_landscape_1d([0.0, 4.0], lim=(0, 4), resolution=3)
    np.testing.assert_array_equal(mu, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(L, [[16.0, 4.0, 0.0], [4.0, 8.0, 4.0], [0.0, 4.0, 16.0]])
