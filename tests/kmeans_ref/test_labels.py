"""Labels as vectors and one-hot matrices (kmeans_ref.labels)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref


def test_hand_computed_toy():
    # z = [0, 0, 1, 1], k = 2: observation i has its 1 in row z[i].
    Y = ref.one_hot([0, 0, 1, 1], 2)
    np.testing.assert_array_equal(Y, [[1, 1, 0, 0], [0, 0, 1, 1]])
    np.testing.assert_array_equal(ref.labels_from_one_hot(Y), [0, 0, 1, 1])
    # Every observation replaced by its centroid: m_0 = (1, 1) twice, m_1 = (4, 2) twice.
    np.testing.assert_array_equal(ref.reconstruct([[1, 4], [1, 2]], Y), [[1, 1, 4, 4], [1, 1, 2, 2]])


@pytest.mark.parametrize("z", [[], (), np.array([]), np.zeros(0, dtype=int)], ids=["list", "tuple", "float array", "int array"])
def test_one_hot_of_no_labels_is_a_k_by_0_matrix(z):
    Y = ref.one_hot(z, 3)
    assert Y.shape == (3, 0) and Y.dtype == np.float64
    assert ref.labels_from_one_hot(Y).shape == (0,)


def test_one_hot_still_refuses_non_integer_labels():
    with pytest.raises(TypeError, match="integer"):
        ref.one_hot([0.0, 1.0], 2)


def test_one_hot_allows_empty_clusters():
    # k = 4 with labels {0, 2}: rows 1 and 3 stay zero.
    Y = ref.one_hot([2, 0], 4)
    np.testing.assert_array_equal(Y, [[0, 1], [0, 0], [1, 0], [0, 0]])
    assert ref.is_label_matrix(Y)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    st.just(k), hnp.arrays(np.int64, st.integers(0, 20), elements=st.integers(0, k - 1)))))
def test_round_trip_and_shape(case):
    k, z = case
    Y = ref.one_hot(z, k)
    assert Y.shape == (k, z.shape[0])
    assert ref.is_label_matrix(Y)
    if z.size:
        np.testing.assert_array_equal(ref.labels_from_one_hot(Y), z)
        np.testing.assert_array_equal(Y.sum(axis=0), 1)


def test_is_label_matrix_never_raises():
    bad = [None, "abc", [[1, 0], [1, 0]], [[0.5, 1], [0.5, 0]], [1, 0], np.zeros((0, 3)),
           [[np.nan, 1], [1, 0]], [[True, False], [False, True, True]], object()]
    assert not any(ref.is_label_matrix(Y) for Y in bad)
    assert ref.is_label_matrix([[True, False], [False, True]])
    assert ref.is_label_matrix(np.eye(3, dtype=np.float32))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                  elements=st.floats(-1e6, 1e6)),
       st.data())
def test_reconstruct_is_m_times_y(M, data):
    k = M.shape[1]
    z = data.draw(hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(0, k - 1)))
    Y = ref.one_hot(z, k)
    np.testing.assert_allclose(ref.reconstruct(M, Y), M @ Y)
    np.testing.assert_array_equal(ref.reconstruct(M, Y), M[:, z])
