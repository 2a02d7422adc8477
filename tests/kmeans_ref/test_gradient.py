"""Gradient of the min-form loss, finite differences and gradient descent (kmeans_ref.gradient)."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def test_hand_computed_toy():
    # Cluster 0 = {(0,0), (1,0)}, m_0 = (1,1): 2 * ((1,1) + (0,1)) = (2, 4).
    # Cluster 1 = {(4,3), (5,3)}, m_1 = (4,2): 2 * ((0,-1) + (-1,-1)) = (-2, -4).
    np.testing.assert_array_equal(ref.loss_gradient(X, M), [[2, -2], [4, -4]])
    # lr = 1/4 = 1/(2 n_j): one step lands on the means; then the gradient is zero.
    M1, losses = ref.gradient_descent(X, M, lr=0.25, n_steps=2)
    np.testing.assert_array_equal(M1, [[0.5, 4.5], [0.0, 3.0]])
    assert losses == [6.0, 1.0, 1.0]


def test_empty_cluster_has_zero_gradient():
    # The centroid at (100, 100) is nobody's nearest.
    G = ref.loss_gradient(X, np.array([[1.0, 4.0, 100.0], [1.0, 2.0, 100.0]]))
    np.testing.assert_array_equal(G[:, 2], [0, 0])


def test_numerical_gradient_hand_computed_and_leaves_m_alone():
    # f(A) = sum A^2 has gradient 2 A; f may even try to modify its argument.
    def f(A):
        value = float((A ** 2).sum())
        A[...] = 0.0
        return value

    M_copy = M.copy()
    np.testing.assert_allclose(ref.numerical_gradient(f, M), 2 * M, rtol=1e-8)
    np.testing.assert_array_equal(M, M_copy)
    assert ref.gradient_descent(X, M, 0.1, 0)[1] == [6.0]


@st.composite
def separated(draw):
    d = draw(st.integers(1, 3))
    el = st.integers(-40, 40).map(float)
    X = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, 20))), elements=el))
    M = draw(hnp.arrays(np.float64, (d, draw(st.integers(1, 4))), elements=el)) + 0.25
    D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(0)
    if M.shape[1] > 1:
        two = np.sort(D, axis=0)[:2]
        assume(np.all(two[1] - two[0] > 1e-2))  # away from ties: the loss is smooth there
    return X, M


@settings(max_examples=60, deadline=None)
@given(separated())
def test_gradient_agrees_with_finite_differences(case):
    X, M = case
    G = ref.loss_gradient(X, M)
    G_num = ref.numerical_gradient(lambda A: ref.min_form_loss(X, A), M, eps=1e-5)
    np.testing.assert_allclose(G, G_num, rtol=1e-6, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(separated())
def test_newton_step_is_a_lloyd_update(case):
    # m_j - G_j / (2 n_j) = m_j - (m_j - mean_j) = mean_j for every non-empty cluster.
    X, M = case
    Y = ref.assign(X, M)
    n = Y.sum(axis=1)
    step = np.where(n > 0, 1 / (2 * np.maximum(n, 1)), 0.0)
    M_gd = M - ref.loss_gradient(X, M) * step
    np.testing.assert_allclose(M_gd, ref.update_means(X, Y, M), rtol=1e-12, atol=1e-12)


def test_gradient_descent_bookkeeping():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(2, 100))
    M0 = Xr[:, :3]
    M, losses = ref.gradient_descent(Xr, M0, lr=0.001, n_steps=25)
    assert len(losses) == 26 and losses[0] == ref.min_form_loss(Xr, M0)
    assert losses[-1] == ref.min_form_loss(Xr, M)
    assert all(b <= a for a, b in zip(losses, losses[1:]))  # small steps: descent
