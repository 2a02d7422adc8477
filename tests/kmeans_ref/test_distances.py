"""Squared Euclidean and L1 distances (kmeans_ref.distances)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref
from kmeans_ref._fused import data_shift

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def brute_sq(X, M):
    return ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)


def brute_l1(X, M):
    return np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)


def test_hand_computed_toy():
    # m_0 = (1, 1): (1-0)^2+(1-0)^2 = 2, (1-1)^2+(1-0)^2 = 1, (1-4)^2+(1-3)^2 = 13, (1-5)^2+(1-3)^2 = 20
    # m_1 = (4, 2): 16+4 = 20, 9+4 = 13, 0+1 = 1, 1+1 = 2
    np.testing.assert_array_equal(ref.sq_distances(X, M), [[2, 1, 13, 20], [20, 13, 1, 2]])
    # L1: |1-0|+|1-0| = 2, 0+1 = 1, 3+2 = 5, 4+2 = 6 ; 4+2 = 6, 3+2 = 5, 0+1 = 1, 1+1 = 2
    np.testing.assert_array_equal(ref.l1_distances(X, M), [[2, 1, 5, 6], [6, 5, 1, 2]])


finite = st.floats(-1e3, 1e3, allow_nan=False)


@st.composite
def data_and_centroids(draw, max_n=40):
    d = draw(st.integers(1, 5))
    X = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, max_n))), elements=finite))
    M = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, 6))), elements=finite))
    return X, M


@settings(max_examples=80, deadline=None)
@given(data_and_centroids())
def test_agree_with_brute_force(case):
    X, M = case
    D = ref.sq_distances(X, M)
    B = brute_sq(X, M)
    assert D.shape == (M.shape[1], X.shape[1])
    assert (D >= 0).all()
    # Norm trick: absolute error a few ulps of ||x - s||^2 + ||m - s||^2 (s near the data).
    s = data_shift(X)[:, None]
    scale = ((X - s) ** 2).sum(0)[None, :] + ((M - s) ** 2).sum(0)[:, None]
    assert np.all(np.abs(D - B) <= 1e-13 * scale + 1e-300)
    np.testing.assert_array_equal(ref.l1_distances(X, M), brute_l1(X, M))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 30), st.integers(1, 5), st.integers(-10**6, 10**6), st.data())
def test_integer_data_is_exact_even_far_from_the_origin(d, N, k, offset, data):
    ints = st.integers(-50, 50)
    X = data.draw(hnp.arrays(np.int64, (d, N), elements=ints)) + offset
    M = data.draw(hnp.arrays(np.int64, (d, k), elements=ints)) + offset
    np.testing.assert_array_equal(ref.sq_distances(X, M), brute_sq(X, M))


def test_a_point_on_a_centroid_is_at_distance_zero():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 50)) * 7 + 1e3
    D = ref.sq_distances(X, X[:, [4, 9]])
    assert D[0, 4] == 0 and D[1, 9] == 0  # clip at 0 and exact shift keep it exactly zero or tiny
    np.testing.assert_allclose(D, brute_sq(X, X[:, [4, 9]]), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("N, k, d", [(10_007, 3, 2), (5_000, 40, 7), (3, 300, 1)])
def test_blocks_and_padding(N, k, d):
    # Shapes that cut into several blocks with a partial last block.
    rng = np.random.default_rng(N)
    X = rng.normal(size=(d, N))
    M = rng.normal(size=(d, k))
    np.testing.assert_allclose(ref.sq_distances(X, M), brute_sq(X, M), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ref.l1_distances(X, M), brute_l1(X, M), rtol=1e-13)


def test_shift_is_exact_for_integers():
    X = np.array([[0.0, 1, 4, 5], [0, 0, 3, 3]])
    s = data_shift(X)
    assert np.all(s == np.round(s))
    assert np.all(data_shift(np.full((2, 5), 0.1)) == 0.1)  # constant feature: its value
