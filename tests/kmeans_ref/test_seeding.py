"""Initial centroids: uniform choice and k-means++ (kmeans_ref.seeding)."""

import numpy as np
import pytest
from scipy import stats

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])


def columns_of(M, X):
    """Index in X of every column of M (asserts that each is a column of X)."""
    idx = []
    for m in M.T:
        hits = np.flatnonzero((X == m[:, None]).all(axis=0))
        assert hits.size, f"{m} is not an observation"
        idx.append(hits[0])
    return idx


def test_hand_computed_second_centre_probabilities():
    # 1-D points 0, 1, 3, 6. If the first centre is 0, D^2 = [0, 1, 9, 36] (sum 46), so the
    # second centre is 1, 3, 6 with probabilities 1/46, 9/46, 36/46 and never 0 again.
    x = np.array([[0.0, 1.0, 3.0, 6.0]])
    rng = np.random.default_rng(12345)
    counts = np.zeros((4, 4))
    for _ in range(3000):
        first, second = columns_of(ref.kmeans_plus_plus(x, 2, rng), x)
        counts[first, second] += 1
    assert np.all(np.diag(counts) == 0)  # a chosen point has D^2 = 0
    # First centre uniform: chi-square with 3 degrees of freedom.
    first = counts.sum(axis=1)
    assert stats.chisquare(first).pvalue > 1e-3
    # Second centre given the first: D^2 probabilities, one chi-square test per first centre.
    for f in range(4):
        d2 = (x[0] - x[0, f]) ** 2
        expected = counts[f].sum() * d2 / d2.sum()
        others = d2 > 0
        assert stats.chisquare(counts[f, others], expected[others]).pvalue > 1e-3


def test_returns_observations_in_choice_order():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(3, 200))
    for init in (ref.kmeans_plus_plus, ref.random_init):
        M0 = init(Xr, 10, np.random.default_rng(1))
        assert M0.shape == (3, 10)
        assert len(set(columns_of(M0, Xr))) == 10  # distinct observations
        np.testing.assert_array_equal(M0, init(Xr, 10, np.random.default_rng(1)))  # same rng, same draw


def test_k_equals_n_and_duplicates():
    # k = N: every observation once. Four copies of one point and k = 3: after the first centre
    # every D^2 is 0, so the rest are drawn uniformly and coincide.
    assert sorted(columns_of(ref.kmeans_plus_plus(X, 4, np.random.default_rng(0)), X)) == [0, 1, 2, 3]
    M0 = ref.kmeans_plus_plus(np.ones((2, 4)), 3, np.random.default_rng(0))
    np.testing.assert_array_equal(M0, np.ones((2, 3)))


def test_random_init_is_uniform():
    # Each of the 4 observations is picked with probability k / N = 1/2.
    rng = np.random.default_rng(7)
    counts = np.zeros(4)
    for _ in range(2000):
        counts[columns_of(ref.random_init(X, 2, rng), X)] += 1
    assert stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize("init", [ref.kmeans_plus_plus, ref.random_init])
def test_uses_only_the_given_rng(init):
    np.random.seed(0)
    a = init(X, 2, np.random.default_rng(5))
    np.random.seed(1)
    b = init(X, 2, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
