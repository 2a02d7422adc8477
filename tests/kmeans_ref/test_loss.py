"""The k-means loss, the min-form loss and the L1 loss (kmeans_ref.loss)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])
Y = np.array([[1, 1, 0, 0], [0, 0, 1, 1]])


def test_hand_computed_toy():
    # Squared distances to the own centroid: 2, 1, 1, 2 -> 6; L1: 2, 1, 1, 2 -> 6.
    assert ref.kmeans_loss(X, Y, M) == 6.0
    assert ref.min_form_loss(X, M) == 6.0
    assert ref.l1_loss(X, Y, M) == 6.0
    # The other labelling, all to cluster 1: 20 + 13 + 1 + 2 = 36; L1: 6 + 5 + 1 + 2 = 14.
    Y1 = np.array([[0, 0, 0, 0], [1, 1, 1, 1]])
    assert ref.kmeans_loss(X, Y1, M) == 36.0
    assert ref.l1_loss(X, Y1, M) == 14.0
    # At the means (0.5, 0), (4.5, 3): each point 0.5 away in x -> 4 * 0.25 = 1, L1 4 * 0.5 = 2.
    means = np.array([[0.5, 4.5], [0.0, 3.0]])
    assert ref.kmeans_loss(X, Y, means) == 1.0
    assert ref.l1_loss(X, Y, means) == 2.0
    assert isinstance(ref.kmeans_loss(X, Y, M), float)


@st.composite
def problems(draw):
    d = draw(st.integers(1, 4))
    N = draw(st.integers(1, 30))
    k = draw(st.integers(1, 5))
    el = st.floats(-100, 100, allow_nan=False)
    X = draw(hnp.arrays(np.float64, (d, N), elements=el))
    M = draw(hnp.arrays(np.float64, (d, k), elements=el))
    z = draw(hnp.arrays(np.int64, N, elements=st.integers(0, k - 1)))
    return X, M, ref.one_hot(z, k)


@settings(max_examples=80, deadline=None)
@given(problems())
def test_loss_is_frobenius_norm_of_reconstruction_error(case):
    X, M, Y = case
    expected = np.linalg.norm(X - M @ Y) ** 2
    np.testing.assert_allclose(ref.kmeans_loss(X, Y, M), expected, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(ref.l1_loss(X, Y, M), np.abs(X - M @ Y).sum(), rtol=1e-12)


@settings(max_examples=80, deadline=None)
@given(problems())
def test_min_form_is_the_loss_of_the_best_labels(case):
    X, M, Y = case
    best = ((X[:, None, :] - M[:, :, None]) ** 2).sum(0).min(0).sum()
    np.testing.assert_allclose(ref.min_form_loss(X, M), best, rtol=1e-10, atol=1e-9)
    assert ref.min_form_loss(X, M) <= ref.kmeans_loss(X, Y, M) * (1 + 1e-12) + 1e-9
    assert ref.min_form_loss(X, M) == ref.kmeans_loss(X, ref.assign(X, M), M)
