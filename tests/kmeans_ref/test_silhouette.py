"""Silhouette scores (kmeans_ref.silhouette), with scikit-learn's silhouette_samples as an oracle."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref
from kmeans_ref import silhouette as silhouette_module

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])


def brute_force(X, z):
    """The definition, with the full (N, N) distance matrix and a loop over observations."""
    D = np.sqrt(((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0))
    s = np.zeros(X.shape[1])
    for i in range(X.shape[1]):
        own = z == z[i]
        if own.sum() == 1:
            continue
        a = D[i, own].sum() / (own.sum() - 1)
        b = min(D[i, z == c].mean() for c in np.unique(z) if c != z[i])
        s[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return s


def test_hand_computed_toy():
    # computed by hand: |x0 x1| = |x2 x3| = 1, |x0 x2| = |x1 x3| = 5, |x0 x3| = sqrt 34, |x1 x2| = sqrt 18.
    # z = [0, 0, 1, 1]: a = 1 for all; b_0 = b_3 = (5 + sqrt 34) / 2, b_1 = b_2 = (5 + sqrt 18) / 2.
    s0, s1 = 1 - 2 / (5 + np.sqrt(34)), 1 - 2 / (5 + np.sqrt(18))
    np.testing.assert_allclose(ref.silhouette_scores(X, np.array([0, 0, 1, 1])), [s0, s1, s1, s0], rtol=1e-15)
    # z = [0, 0, 0, 1]: x3 alone scores 0; x2: a = (5 + sqrt 18) / 2, b = 1; x0: a = 3, b = sqrt 34;
    # x1: a = (1 + sqrt 18) / 2, b = 5.
    a2 = (5 + np.sqrt(18)) / 2
    expected = [1 - 3 / np.sqrt(34), 1 - (1 + np.sqrt(18)) / 10, (1 - a2) / a2, 0.0]
    np.testing.assert_allclose(ref.silhouette_scores(X, np.array([0, 0, 0, 1])), expected, rtol=1e-15)
    # Two pairs of duplicates 6 apart: a = 0, b = 6, s = 1 exactly.
    np.testing.assert_array_equal(ref.silhouette_scores([[0, 0, 6, 6]], [0, 0, 1, 1]), [1.0, 1.0, 1.0, 1.0])


def test_label_values_do_not_matter():
    # Clusters are the distinct values: {7, 7, 2, 2} is the same clustering as {0, 0, 1, 1}.
    np.testing.assert_array_equal(ref.silhouette_scores(X, [7, 7, 2, 2]), ref.silhouette_scores(X, [0, 0, 1, 1]))


def test_coinciding_points_score_zero_like_scikit_learn():
    # x_i, its cluster and the nearest other cluster all at one point: a = b = 0 -> 0 (not NaN).
    from sklearn.metrics import silhouette_samples

    Xd = np.array([[0.0, 0.0, 0.0, 0.0, 6.0]])
    z = np.array([0, 0, 1, 1, 2])
    s = ref.silhouette_scores(Xd, z)
    np.testing.assert_array_equal(s, [0.0, 0.0, 0.0, 0.0, 0.0])   # x_4 is alone
    np.testing.assert_allclose(s, silhouette_samples(Xd.T, z), rtol=0, atol=1e-12)


@pytest.mark.parametrize("N, d, k, seed", [(30, 2, 2, 0), (200, 3, 3, 1), (500, 5, 7, 2), (3_000, 2, 4, 3)])
def test_matches_scikit_learn(N, d, k, seed):
    from sklearn.metrics import silhouette_samples

    rng = np.random.default_rng(seed)
    Xr = rng.normal(size=(d, N)) + 3.0 * rng.normal(size=(d, k))[:, rng.integers(k, size=N)]
    z = rng.integers(k, size=N)
    z[rng.integers(N)] = k + 5   # a singleton cluster with a label beyond the others
    assert np.sum(z == k + 5) == 1
    s = ref.silhouette_scores(Xr, z)
    expected = silhouette_samples(Xr.T, z)
    np.testing.assert_allclose(s, expected, rtol=1e-12, atol=1e-12)
    assert s[z == k + 5] == 0.0


def test_row_blocks_change_nothing(monkeypatch):
    # Force many tiny row blocks (threads interleave them): the same numbers as one big block.
    rng = np.random.default_rng(4)
    Xr = rng.normal(size=(3, 301))
    z = rng.integers(5, size=301)
    whole = ref.silhouette_scores(Xr, z)
    monkeypatch.setattr(silhouette_module, "_BLOCK_FLOATS", 301 * 3)
    np.testing.assert_array_equal(ref.silhouette_scores(Xr, z), whole)
    np.testing.assert_allclose(whole, brute_force(Xr, z), rtol=1e-13, atol=1e-13)


@st.composite
def clusterings(draw):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(3, 25))
    k = draw(st.integers(2, N - 1))
    X = draw(hnp.arrays(np.float64, (d, N), elements=st.floats(-100, 100, allow_nan=False)))
    z = draw(hnp.arrays(np.int64, N, elements=st.integers(0, k - 1)))
    n_clusters = np.unique(z).size
    if n_clusters < 2 or n_clusters > N - 1:
        z[:2] = [0, 1]
        z[2:] = np.where(z[2:] > 1, z[2:], 1)
        z[2] = 0
    return X, z


@settings(max_examples=80, deadline=None)
@given(clusterings())
def test_agrees_with_the_definition(case):
    X, z = case
    s = ref.silhouette_scores(X, z)
    assert s.shape == z.shape and s.dtype == np.float64
    assert np.all(np.abs(s) <= 1.0)
    np.testing.assert_allclose(s, brute_force(X, z), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("z, fragments", [
    (np.array([0, 0, 0, 0]), ["at least 2 distinct", "only 1", "[0]"]),
    (np.array([3, 3, 3, 3]), ["at least 2 distinct", "[3]"]),
    (np.array([0, 1, 2, 3]), ["at most N-1=3", "z has 4", "alone"]),
    (np.array([0, 0, 1]), ["N=4", "(3,)"]),
])
def test_bad_numbers_of_clusters(z, fragments):
    with pytest.raises(ValueError) as info:
        ref.silhouette_scores(X, z)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
