"""Soft assignment and soft update (kmeans_ref.soft): responsibilities R instead of one-hot Y."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def test_hand_computed_soft_assign():
    # computed by hand: squared distances [[2, 1, 13, 20], [20, 13, 1, 2]]; with beta = ln 2 / 6,
    # exp(-12 beta) = 1/4 and exp(-18 beta) = 1/8: x_0 -> (1, 1/8) / (9/8) = (8/9, 1/9),
    # x_1 -> (1, 1/4) / (5/4) = (4/5, 1/5); x_2, x_3 mirror x_1, x_0.
    R = ref.soft_assign(X, M, np.log(2) / 6)
    np.testing.assert_allclose(R, np.array([[40, 36, 9, 5], [5, 9, 36, 40]]) / 45, rtol=1e-14)
    # beta = 1: x_0 -> (1, e^-18) / (1 + e^-18).
    R = ref.soft_assign(X, M, 1.0)
    np.testing.assert_allclose(R[1, 0], np.exp(-18) / (1 + np.exp(-18)), rtol=1e-14)
    # Huge beta: exactly the one-hot Y of assign.
    np.testing.assert_array_equal(ref.soft_assign(X, M, 1e6), ref.assign(X, M))


def test_hand_computed_soft_update():
    # computed by hand: m_0 = (0.75 (0, 0) + 0.75 (1, 0) + 0.25 (4, 3) + 0.25 (5, 3)) / 2 = (1.5, 0.75),
    # m_1 = (0.25 (1, 0) + 0.75 (9, 6)) / 2 = (3.5, 2.25).
    R = np.array([[0.75, 0.75, 0.25, 0.25], [0.25, 0.25, 0.75, 0.75]])
    np.testing.assert_allclose(ref.soft_update(X, R), [[1.5, 3.5], [0.75, 2.25]], rtol=1e-15)
    # One-hot R: the cluster means.
    np.testing.assert_array_equal(ref.soft_update(X, ref.assign(X, M)), [[0.5, 4.5], [0.0, 3.0]])


def test_ties_are_split_equally():
    # Centroids 0 and 2 coincide: they share exactly; the far centroid 1 gets nothing at large beta.
    M3 = np.array([[2.0, 50.0, 2.0], [1.0, 50.0, 1.0]])
    for beta in (1e-3, 1.0, 1e6):
        R = ref.soft_assign(X, M3, beta)
        np.testing.assert_array_equal(R[0], R[2])
    np.testing.assert_array_equal(ref.soft_assign(X, M3, 1e6), [[0.5] * 4, [0.0] * 4, [0.5] * 4])


def test_tiny_and_scaled_weights_give_the_same_means():
    # Each row is scaled by its maximum first: weights near the underflow limit still work.
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(3, 40)) + 1e4
    R = rng.random((4, 40))
    expected = (Xr @ R.T) / R.sum(axis=1)
    for scale in (1.0, 1e-300, 1e300 / 40):
        np.testing.assert_allclose(ref.soft_update(Xr, R * scale), expected, rtol=1e-13)


@st.composite
def problems(draw, scale=100.0):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(1, 30))
    k = draw(st.integers(1, 5))
    el = st.floats(-scale, scale, allow_nan=False)
    return (draw(hnp.arrays(np.float64, (d, N), elements=el)),
            draw(hnp.arrays(np.float64, (d, k), elements=el)))


betas = st.floats(-3, 6).map(lambda e: 10.0 ** e)


@settings(max_examples=100, deadline=None)
@given(problems(scale=1e6), betas)
def test_columns_sum_to_one_and_stay_finite(case, beta):
    # Distances up to ~1e13 times beta up to 1e6: exp(-1e19) underflows to 0, never to NaN.
    X, M = case
    R = ref.soft_assign(X, M, beta)
    assert R.shape == (M.shape[1], X.shape[1])
    assert np.isfinite(R).all() and (R >= 0).all() and (R <= 1).all()
    np.testing.assert_allclose(R.sum(axis=0), 1.0, rtol=0, atol=1e-14 * M.shape[1])


@settings(max_examples=100, deadline=None)
@given(problems())
def test_large_beta_approaches_the_one_hot_assignment(case):
    X, M = case
    k = M.shape[1]
    Y = ref.assign(X, M)
    D = ref.sq_distances(X, M)
    nearest = np.sort(D, axis=0)
    gap = nearest[1] - nearest[0] if k > 1 else np.full(X.shape[1], np.inf)
    clear = gap > 1e-9 * (1 + D.max())   # no near-tie: assign's choice is unambiguous
    winner_share = []
    for beta in (1e-2, 1.0, 1e2, 1e4, 1e6):
        R = ref.soft_assign(X, M, beta)
        # The exact rate: the others share at most (k - 1) exp(-beta gap) of the column.
        bound = (k - 1) * np.exp(-beta * gap[clear])
        assert np.all(np.abs(R - Y)[:, clear] <= bound + 1e-12)
        winner_share.append((R * Y).sum(axis=0))
    # The nearest centroid's share only grows with beta.
    assert all(np.all(b >= a - 1e-12) for a, b in zip(winner_share, winner_share[1:]))


@settings(max_examples=80, deadline=None)
@given(problems(), st.data())
def test_soft_update_minimises_the_weighted_loss(case, data):
    X, M = case
    R = ref.soft_assign(X, M, data.draw(betas))
    R = R[R.max(axis=1) > 0]
    M_new = ref.soft_update(X, R)
    # Weighted means with each cluster's weights scaled to sum to 1 first: weights as small
    # as exp(-59.5**2 / 2) are subnormal, and x * r / r then loses digits (59.499999 for 59.5).
    W = R / R.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(M_new, X @ W.T, rtol=1e-9, atol=1e-9)

    def weighted_loss(A):
        return float((R * ref.sq_distances(X, A)).sum())

    # The weighted loss is quadratic around the weighted means: + (sum_i R_ji) ||delta_j||^2.
    delta = data.draw(hnp.arrays(np.float64, M_new.shape, elements=st.floats(-1, 1)))
    expected = weighted_loss(M_new) + (R.sum(axis=1) * (delta ** 2).sum(axis=0)).sum()
    tol = 1e-9 * (1 + (X ** 2).sum())
    np.testing.assert_allclose(weighted_loss(M_new + delta), expected, rtol=1e-9, atol=tol)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_one_hot_responsibilities_give_update_means(case):
    X, M = case
    Y = ref.assign(X, M)
    Y_full = Y[Y.sum(axis=1) > 0]
    M_soft = ref.soft_update(X, Y_full)
    M_means = ref.update_means(X, Y, M)[:, Y.sum(axis=1) > 0]
    np.testing.assert_allclose(M_soft, M_means, rtol=1e-12, atol=1e-12)
