"""Lloyd's algorithm and k-medians (kmeans_ref.loops), with scikit-learn as an oracle."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def test_hand_computed_toy():
    # Assignment [0, 0, 1, 1]; update to the means (0.5, 0), (4.5, 3) with loss 4 * 0.25 = 1;
    # the next assignment is the same, so Lloyd stops after one update.
    M1, Y, losses = ref.lloyd(X, M)
    np.testing.assert_array_equal(M1, [[0.5, 4.5], [0.0, 3.0]])
    np.testing.assert_array_equal(Y, [[1, 1, 0, 0], [0, 0, 1, 1]])
    assert losses == [1.0]
    # k-medians: medians equal the means here; L1 loss 4 * 0.5 = 2.
    M1, Y, losses = ref.kmedians(X, M)
    np.testing.assert_array_equal(M1, [[0.5, 4.5], [0.0, 3.0]])
    assert losses == [2.0]


def test_hand_computed_three_updates():
    # 1-D points 0, 2, 3, 10 from centroids 0 and 2.
    # 1. Assign: 0 -> 0; 2, 3, 10 -> 1. Means 0 and 5; loss 0 + 9 + 4 + 25 = 38.
    # 2. Assign: 0, 2 -> 0 (2 is 2 from 0, 3 from 5); 3, 10 -> 1. Means 1 and 6.5;
    #    loss 1 + 1 + 3.5^2 + 3.5^2 = 26.5.
    # 3. Assign: 0, 2, 3 -> 0 (3 is 2 from 1, 3.5 from 6.5); 10 -> 1. Means 5/3 and 10;
    #    loss (25 + 1 + 16) / 9 + 0 = 14/3.
    # 4. Assign: unchanged -> stop after three updates.
    x = np.array([[0.0, 2.0, 3.0, 10.0]])
    M1, Y, losses = ref.lloyd(x, [[0.0, 2.0]])
    assert losses == pytest.approx([38.0, 26.5, 14 / 3], rel=1e-14)
    np.testing.assert_allclose(M1, [[5 / 3, 10.0]], rtol=1e-15)
    np.testing.assert_array_equal(Y.argmax(0), [0, 0, 0, 1])
    # max_iter=1 stops after the first update: Y is the assignment M was fitted to.
    M1, Y, losses = ref.lloyd(x, [[0.0, 2.0]], max_iter=1)
    np.testing.assert_array_equal(M1, [[0.0, 5.0]])
    np.testing.assert_array_equal(Y.argmax(0), [0, 1, 1, 1])
    assert losses == [38.0] == [ref.kmeans_loss(x, Y, M1)]
    # max_iter=0: no update at all.
    M1, Y, losses = ref.lloyd(x, [[0.0, 2.0]], max_iter=0)
    assert losses == [] and np.array_equal(M1, [[0.0, 2.0]])


def test_empty_cluster_keeps_its_centroid():
    # The centroid at 100 never gets a point: it stays at exactly 100.
    x = np.array([[0.0, 1.0, 2.0, 3.0]])
    for loop in (ref.lloyd, ref.kmedians):
        M1, Y, _ = loop(x, [[0.0, 3.0, 100.0]])
        assert M1[0, 2] == 100.0 and Y[2].sum() == 0


@st.composite
def problems(draw):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(1, 40))
    k = draw(st.integers(1, 5))
    el = st.floats(-100, 100, allow_nan=False)
    return (draw(hnp.arrays(np.float64, (d, N), elements=el)),
            draw(hnp.arrays(np.float64, (d, k), elements=el)))


@settings(max_examples=60, deadline=None)
@given(problems())
def test_losses_never_increase_and_y_matches_m(case):
    X, M0 = case
    tol = 1e-10 * (1 + (X ** 2).sum() + np.abs(X).sum())
    for loop, loss, assign in ((ref.lloyd, ref.kmeans_loss, ref.assign),
                               (ref.kmedians, ref.l1_loss, ref.assign_l1)):
        M, Y, losses = loop(X, M0, max_iter=50)
        assert 1 <= len(losses) <= 50
        assert all(b <= a + tol for a, b in zip(losses, losses[1:])), losses
        assert abs(losses[-1] - loss(X, Y, M)) <= tol
        if len(losses) < 50:  # converged: the assignment is stable
            np.testing.assert_array_equal(Y, assign(X, M))


def blobs(N, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(d, k))
    X = centres[:, rng.integers(k, size=N)] + rng.normal(size=(d, N))
    return X, ref.kmeans_plus_plus(X, k, rng)


@pytest.mark.parametrize("N, d, k, seed", [(20, 2, 3, 0), (1_000, 3, 5, 1), (20_000, 7, 12, 2),
                                           (100_000, 4, 8, 3)])
def test_lloyd_matches_scikit_learn(N, d, k, seed):
    # Same data, same initial centres, Lloyd to convergence: identical labels, loss and centres.
    from sklearn.cluster import KMeans

    X, M0 = blobs(N, d, k, seed)
    M, Y, losses = ref.lloyd(X, M0, max_iter=300)
    sk = KMeans(k, init=M0.T, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(X.T)
    np.testing.assert_array_equal(Y.argmax(axis=0), sk.labels_)
    assert abs(losses[-1] - sk.inertia_) <= 1e-9 * sk.inertia_
    np.testing.assert_allclose(M.T, sk.cluster_centers_, rtol=1e-9, atol=1e-9)
    # scikit-learn counts the final pass that confirms the labels did not change.
    assert len(losses) == sk.n_iter_ - 1


def test_kmedians_on_an_outlier():
    # k = 1: the median ignores the outlier, the mean does not.
    x = np.array([[1.0, 2.0, 3.0, 4.0, 100.0]])
    assert ref.kmedians(x, [[0.0]])[0][0, 0] == 3.0
    assert ref.lloyd(x, [[0.0]])[0][0, 0] == 22.0


def test_kmedians_matches_a_plain_implementation():
    X, M0 = blobs(5_000, 3, 6, 4)
    M, Y, losses = ref.kmedians(X, M0, max_iter=100)
    # Plain version of the same loop.
    Mp, z = M0.copy(), np.abs(X[:, None, :] - M0[:, :, None]).sum(0).argmin(0)
    for _ in range(len(losses)):
        Mp = np.stack([np.median(X[:, z == j], axis=1) if (z == j).any() else Mp[:, j]
                       for j in range(6)], axis=1)
        z_new = np.abs(X[:, None, :] - Mp[:, :, None]).sum(0).argmin(0)
        if np.array_equal(z_new, z):
            break
        z = z_new
    np.testing.assert_array_equal(M, Mp)
    np.testing.assert_array_equal(Y.argmax(0), z)
