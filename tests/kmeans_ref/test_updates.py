"""The refitting step: means and coordinate-wise medians (kmeans_ref.updates)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])
Y = np.array([[1, 1, 0, 0], [0, 0, 1, 1]])


def test_hand_computed_toy():
    # Means: ((0+1)/2, (0+0)/2) = (0.5, 0) and ((4+5)/2, (3+3)/2) = (4.5, 3).
    # Medians of two values are their midpoint here: the same.
    np.testing.assert_array_equal(ref.update_means(X, Y, M), [[0.5, 4.5], [0.0, 3.0]])
    np.testing.assert_array_equal(ref.update_medians(X, Y, M), [[0.5, 4.5], [0.0, 3.0]])


def test_mean_and_median_differ_with_an_outlier():
    # k = 1, d = 1: values 1, 2, 3, 4, 100. Mean 110 / 5 = 22; median 3.
    x = np.array([[1.0, 2.0, 3.0, 4.0, 100.0]])
    Y1 = np.ones((1, 5))
    assert ref.update_means(x, Y1, [[0.0]])[0, 0] == 22.0
    assert ref.update_medians(x, Y1, [[0.0]])[0, 0] == 3.0
    # Even count: 1, 2, 3, 100 -> midpoint of 2 and 3 (np.median's convention).
    assert ref.update_medians(x[:, [0, 1, 2, 4]], np.ones((1, 4)), [[0.0]])[0, 0] == 2.5


def test_empty_cluster_keeps_its_previous_centroid():
    # Cluster 1 of 3 is empty: its column comes back unchanged, bit for bit.
    M_prev = np.array([[1.0, 0.1 + 0.2, 4.0], [1.0, -7.3, 2.0]])
    Y3 = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]])
    for update in (ref.update_means, ref.update_medians):
        M_new = update(X, Y3, M_prev)
        assert M_new[0, 1] == 0.1 + 0.2 and M_new[1, 1] == -7.3
        np.testing.assert_array_equal(M_new[:, [0, 2]], [[0.5, 4.5], [0.0, 3.0]])


def test_matrix_form_of_the_means():
    # M = X Y^T (Y Y^T)^-1 when no cluster is empty.
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(3, 50))
    Yr = ref.one_hot(np.arange(50) % 4, 4)
    expected = Xr @ Yr.T @ np.linalg.inv(Yr @ Yr.T)
    np.testing.assert_allclose(ref.update_means(Xr, Yr, np.zeros((3, 4))), expected, rtol=1e-12)


@st.composite
def clusters(draw):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(1, 25))
    k = draw(st.integers(1, 4))
    X = draw(hnp.arrays(np.float64, (d, N), elements=st.floats(-1e3, 1e3, allow_nan=False)))
    z = draw(hnp.arrays(np.int64, N, elements=st.integers(0, k - 1)))
    M_prev = draw(hnp.arrays(np.float64, (d, k), elements=st.floats(-10, 10)))
    return X, ref.one_hot(z, k), M_prev


@settings(max_examples=80, deadline=None)
@given(clusters(), st.data())
def test_the_mean_minimises_the_loss(case, data):
    X, Y, M_prev = case
    M_new = ref.update_means(X, Y, M_prev)
    best = ref.kmeans_loss(X, Y, M_new)
    delta = data.draw(hnp.arrays(np.float64, M_new.shape, elements=st.floats(-1, 1)))
    scale = 1e-12 * (1 + (X ** 2).sum())
    assert ref.kmeans_loss(X, Y, M_new + delta) >= best - scale
    # ... exactly by n_j ||delta_j||^2 (the loss is quadratic around the mean).
    counts = Y.sum(axis=1)
    expected = best + (counts * (delta ** 2).sum(axis=0)).sum()
    np.testing.assert_allclose(ref.kmeans_loss(X, Y, M_new + delta), expected, rtol=1e-9, atol=scale)


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e3, 1e3, allow_nan=False)),
       st.floats(0, 1))
def test_the_median_interval_minimises_l1(values, where):
    # Every point between the two middle values minimises sum_i |x_i - t|; update_medians
    # returns a point of that interval, and no t does better.
    x = np.sort(values)
    n = x.size
    lo, hi = x[(n - 1) // 2], x[n // 2]
    l1 = lambda t: np.abs(values - t).sum()  # noqa: E731
    m = ref.update_medians(values[None, :], np.ones((1, n)), [[0.0]])[0, 0]
    assert lo <= m <= hi
    t = lo + where * (hi - lo)
    tol = 1e-9 * (1 + np.abs(values).sum())
    assert abs(l1(t) - l1(m)) <= tol
    for other in (x[0] - 1, x[-1] + 1, *x, (x[0] + x[-1]) / 2):
        assert l1(other) >= l1(m) - tol


@settings(max_examples=60, deadline=None)
@given(clusters())
def test_update_medians_is_numpy_median_per_cluster(case):
    X, Y, M_prev = case
    z = Y.argmax(axis=0)
    M_new = ref.update_medians(X, Y, M_prev)
    for j in range(Y.shape[0]):
        expected = np.median(X[:, z == j], axis=1) if (z == j).any() else M_prev[:, j]
        np.testing.assert_array_equal(M_new[:, j], expected)


@pytest.mark.parametrize("N, k", [(50_000, 7), (3_000, 400)])
def test_large_updates_match_numpy(N, k):
    # Many observations (blocks, threads) and many small clusters (the lexsort path).
    rng = np.random.default_rng(N)
    Xr = rng.normal(size=(3, N))
    z = rng.integers(k, size=N)
    Yr = ref.one_hot(z, k)
    means = ref.update_means(Xr, Yr, np.zeros((3, k)))
    medians = ref.update_medians(Xr, Yr, np.zeros((3, k)))
    for j in range(k):
        if (z == j).any():
            np.testing.assert_allclose(means[:, j], Xr[:, z == j].mean(axis=1), rtol=1e-12, atol=1e-15)
            np.testing.assert_array_equal(medians[:, j], np.median(Xr[:, z == j], axis=1))
