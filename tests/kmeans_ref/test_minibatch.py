"""Mini-batch k-means steps (kmeans_ref.minibatch): running means with per-centre step 1/counts_j."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])


def test_hand_computed_toy():
    # computed by hand: assignment [0, 0, 1, 1] (squared distances [[2, 1, 13, 20], [20, 13, 1, 2]]).
    # counts 0: the batch means (0.5, 0) and (4.5, 3).
    M1, counts = ref.minibatch_step(X, M, np.array([0, 0]))
    np.testing.assert_array_equal(M1, [[0.5, 4.5], [0.0, 3.0]])
    np.testing.assert_array_equal(counts, [2, 2])
    # counts 2: m_0 = (2 (1, 1) + (0, 0) + (1, 0)) / 4 = (0.75, 0.5),
    #           m_1 = (2 (4, 2) + (4, 3) + (5, 3)) / 4 = (4.25, 2.5).
    M1, counts = ref.minibatch_step(X, M, [2, 2])
    np.testing.assert_array_equal(M1, [[0.75, 4.25], [0.5, 2.5]])
    np.testing.assert_array_equal(counts, [4, 4])
    # A batch of x_3 = (5, 3) only, counts [2, 1]: m_1 = (1 (4, 2) + (5, 3)) / 2 = (4.5, 2.5); m_0 untouched.
    M_prev = np.array([[0.1 + 0.2, 4.0], [-7.3, 2.0]])
    M1, counts = ref.minibatch_step([[5], [3]], M_prev, [2, 1])
    assert M1[0, 0] == 0.1 + 0.2 and M1[1, 0] == -7.3
    np.testing.assert_array_equal(M1[:, 1], [4.5, 2.5])
    np.testing.assert_array_equal(counts, [2, 2])


def test_ties_go_to_the_lowest_index():
    # Two identical centroids: every observation goes to centroid 0; centroid 1 is not touched.
    M1, counts = ref.minibatch_step(X, [[2.0, 2.0], [1.0, 1.0]], [0, 0])
    np.testing.assert_array_equal(M1, [[2.5, 2.0], [1.5, 1.0]])
    np.testing.assert_array_equal(counts, [4, 0])


def test_counts_come_back_as_a_new_int64_array():
    counts = np.array([3, 0], dtype=np.int32)
    M1, new = ref.minibatch_step(X, M, counts)
    assert new.dtype == np.int64 and new is not counts
    np.testing.assert_array_equal(counts, [3, 0])
    np.testing.assert_array_equal(new, [5, 2])
    assert M1.dtype == np.float64


@st.composite
def problems(draw):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(1, 40))
    k = draw(st.integers(1, 5))
    el = st.floats(-100, 100, allow_nan=False)
    return (draw(hnp.arrays(np.float64, (d, N), elements=el)),
            draw(hnp.arrays(np.float64, (d, k), elements=el)))


@settings(max_examples=80, deadline=None)
@given(problems())
def test_one_batch_from_zero_counts_is_one_lloyd_update(case):
    X, M0 = case
    M1, counts = ref.minibatch_step(X, M0, np.zeros(M0.shape[1], dtype=int))
    Y = ref.assign(X, M0)
    np.testing.assert_array_equal(counts, Y.sum(axis=1))
    # The same numbers as update_means (empty clusters keep their centroid in both) ...
    np.testing.assert_array_equal(M1, ref.update_means(X, Y, M0))
    # ... and as Lloyd's first update (its own arithmetic: equal to rounding).
    M_lloyd = ref.lloyd(X, M0, max_iter=1)[0]
    np.testing.assert_allclose(M1, M_lloyd, rtol=1e-12, atol=1e-12)


@st.composite
def fixed_assignment_batches(draw):
    # Clusters around 100 j on the first axis, offsets in [-1, 1]: every running mean stays
    # within 1 of its cluster centre, so no observation ever changes cluster.
    d = draw(st.integers(1, 3))
    k = draw(st.integers(1, 4))
    centres = np.zeros((d, k))
    centres[0] = 100.0 * np.arange(k)
    batches = []
    for _ in range(draw(st.integers(1, 6))):
        b = draw(st.integers(1, 12))
        z = draw(hnp.arrays(np.int64, b, elements=st.integers(0, k - 1)))
        offsets = draw(hnp.arrays(np.float64, (d, b), elements=st.floats(-1, 1)))
        batches.append((centres[:, z] + offsets, z))
    return centres, batches


@settings(max_examples=80, deadline=None)
@given(fixed_assignment_batches())
def test_the_running_mean_is_the_mean_of_everything_assigned(case):
    centres, batches = case
    k = centres.shape[1]
    M1, counts = centres, np.zeros(k, dtype=int)
    for X_batch, z in batches:
        M1, counts = ref.minibatch_step(X_batch, M1, counts)
        np.testing.assert_array_equal(ref.assign(X_batch, centres).argmax(axis=0), z)  # held fixed
    everything = np.concatenate([X_batch for X_batch, _ in batches], axis=1)
    labels = np.concatenate([z for _, z in batches])
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=k))
    for j in range(k):
        if counts[j]:
            np.testing.assert_allclose(M1[:, j], everything[:, labels == j].mean(axis=1), rtol=0, atol=1e-12 * 100)
        else:
            np.testing.assert_array_equal(M1[:, j], centres[:, j])


@settings(max_examples=40, deadline=None)
@given(problems(), st.data())
def test_inputs_are_not_modified(case, data):
    X, M0 = case
    counts = data.draw(hnp.arrays(np.int64, M0.shape[1], elements=st.integers(0, 50)))
    frozen = [A.copy() for A in (X, M0, counts)]
    for A in (X, M0, counts):
        A.flags.writeable = False  # an in-place write would raise
    ref.minibatch_step(X, M0, counts)
    for A, B in zip((X, M0, counts), frozen):
        np.testing.assert_array_equal(A, B)


@pytest.mark.parametrize("b, k", [(100_000, 8), (5_000, 300)])
def test_large_batches_match_numpy(b, k):
    rng = np.random.default_rng(b)
    X_batch = rng.normal(size=(3, b))
    M0 = rng.normal(size=(3, k))
    counts = rng.integers(0, 1000, size=k)
    M1, new = ref.minibatch_step(X_batch, M0, counts)
    z = ((X_batch[:, None, :] - M0[:, :, None]) ** 2).sum(axis=0).argmin(axis=0)
    n = np.bincount(z, minlength=k)
    assert (n > 0).sum() > 1
    np.testing.assert_array_equal(new, counts + n)
    for j in range(k):
        expected = (counts[j] * M0[:, j] + X_batch[:, z == j].sum(axis=1)) / (counts[j] + n[j])
        np.testing.assert_allclose(M1[:, j], expected, rtol=1e-12, atol=1e-14)
