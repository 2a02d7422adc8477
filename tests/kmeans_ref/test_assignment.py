"""The assignment step (kmeans_ref.assignment)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def test_hand_computed_toy():
    # Squared distances [[2, 1, 13, 20], [20, 13, 1, 2]] -> labels [0, 0, 1, 1];
    # L1 distances [[2, 1, 5, 6], [6, 5, 1, 2]] -> the same labels.
    np.testing.assert_array_equal(ref.assign(X, M), [[1, 1, 0, 0], [0, 0, 1, 1]])
    np.testing.assert_array_equal(ref.assign_l1(X, M), [[1, 1, 0, 0], [0, 0, 1, 1]])


def test_ties_go_to_the_lowest_index():
    # Centroids m_0 = 2, m_1 = 0: x = 0 -> 1, x = 1 is at distance 1 from both -> 0, x = 2 -> 0.
    # x = (3, 4) and (5, 0) are both at squared distance 25 from three equal centroids at the origin.
    np.testing.assert_array_equal(ref.assign([[0.0, 1.0, 2.0]], [[2.0, 0.0]]).argmax(0), [1, 0, 0])
    np.testing.assert_array_equal(ref.assign([[1.0]], [[0.0, 2.0]]), [[1], [0]])
    np.testing.assert_array_equal(ref.assign([[3.0, 5.0], [4.0, 0.0]], np.zeros((2, 3))).argmax(0), [0, 0])
    # L1: (1, 1) is at L1 distance 2 from (0, 0) and from (2, 0).
    np.testing.assert_array_equal(ref.assign_l1([[1.0], [1.0]], [[2.0, 0.0], [0.0, 0.0]]), [[1], [0]])
    # Different metrics, different winners: (3, 0) vs centroids (0, 0) and (2, 2):
    # L2 9 vs 5 -> 1; L1 3 vs 3 -> tie -> 0.
    assert ref.assign([[3.0], [0.0]], [[0.0, 2.0], [0.0, 2.0]]).argmax() == 1
    assert ref.assign_l1([[3.0], [0.0]], [[0.0, 2.0], [0.0, 2.0]]).argmax() == 0


@st.composite
def problems(draw):
    d = draw(st.integers(1, 4))
    # Half-integers: distances are exact, so ties are real ties.
    el = st.integers(-20, 20).map(lambda v: v / 2)
    X = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, 40))), elements=el))
    M = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, 6))), elements=el))
    return X, M


@settings(max_examples=100, deadline=None)
@given(problems())
def test_assign_is_the_argmin_of_the_distances(case):
    X, M = case
    Y = ref.assign(X, M)
    assert ref.is_label_matrix(Y) and Y.shape == (M.shape[1], X.shape[1])
    brute = ((X[:, None, :] - M[:, :, None]) ** 2).sum(0)
    np.testing.assert_array_equal(Y.argmax(0), brute.argmin(0))
    brute1 = np.abs(X[:, None, :] - M[:, :, None]).sum(0)
    np.testing.assert_array_equal(ref.assign_l1(X, M).argmax(0), brute1.argmin(0))


def test_large_input_matches_brute_force():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 30_011)) * 2 + 5
    M = rng.normal(size=(6, 17)) * 2 + 5
    brute = ((X[:, None, :] - M[:, :, None]) ** 2).sum(0)
    np.testing.assert_array_equal(ref.assign(X, M).argmax(0), brute.argmin(0))
