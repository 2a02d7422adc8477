"""Every bad input gets a clear ValueError or TypeError, and no input is modified.

The toy data set (shared with every docstring)::

    X = [[0, 1, 4, 5],    M = [[1, 4],    Y = [[1, 1, 0, 0],    z = [0, 0, 1, 1]
         [0, 0, 3, 3]]         [1, 2]]         [0, 0, 1, 1]]
"""

import numpy as np
import pytest

import kmeans_ref as ref
from kmeans_ref import _validation as v

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M = np.array([[1.0, 4.0], [1.0, 2.0]])
Y = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
Z = np.array([0, 0, 1, 1])
IMAGE = np.array([[[0, 0, 0], [10, 10, 10]], [[200, 0, 0], [210, 0, 0]]], dtype=np.uint8)


def square_sum(A):
    return float((np.asarray(A) ** 2).sum())


# name -> (function, good keyword arguments)
CALLS = {
    "one_hot": (ref.one_hot, dict(z=Z, k=2)),
    "labels_from_one_hot": (ref.labels_from_one_hot, dict(Y=Y)),
    "reconstruct": (ref.reconstruct, dict(M=M, Y=Y)),
    "sq_distances": (ref.sq_distances, dict(X=X, M=M)),
    "kmeans_loss": (ref.kmeans_loss, dict(X=X, Y=Y, M=M)),
    "min_form_loss": (ref.min_form_loss, dict(X=X, M=M)),
    "assign": (ref.assign, dict(X=X, M=M)),
    "update_means": (ref.update_means, dict(X=X, Y=Y, M_prev=M)),
    "lloyd": (ref.lloyd, dict(X=X, M0=M, max_iter=10)),
    "l1_distances": (ref.l1_distances, dict(X=X, M=M)),
    "assign_l1": (ref.assign_l1, dict(X=X, M=M)),
    "l1_loss": (ref.l1_loss, dict(X=X, Y=Y, M=M)),
    "update_medians": (ref.update_medians, dict(X=X, Y=Y, M_prev=M)),
    "kmedians": (ref.kmedians, dict(X=X, M0=M, max_iter=10)),
    "loss_gradient": (ref.loss_gradient, dict(X=X, M=M)),
    "numerical_gradient": (ref.numerical_gradient, dict(f=square_sum, M=M, eps=1e-6)),
    "gradient_descent": (ref.gradient_descent, dict(X=X, M0=M, lr=0.25, n_steps=3)),
    "kmeans_plus_plus": (ref.kmeans_plus_plus, dict(X=X, k=2, rng=None)),
    "random_init": (ref.random_init, dict(X=X, k=2, rng=None)),
    "quantize": (ref.quantize, dict(image=IMAGE, k=2, rng=None)),
    "minibatch_step": (ref.minibatch_step, dict(X_batch=X, M=M, counts=np.array([3, 0]))),
    "silhouette_scores": (ref.silhouette_scores, dict(X=X, z=Z)),
    "soft_assign": (ref.soft_assign, dict(X=X, M=M, beta=0.5)),
    "soft_update": (ref.soft_update, dict(X=X, R=Y)),
    "em_isotropic": (ref.em_isotropic, dict(X=X, M0=M, n_iter=3)),
}

# Bad values for each kind of argument: (bad value, exception, fragments the message must contain).
BAD_DATA = [
    (np.arange(4.0), ValueError, ["2-D", "(4,)"]),
    (np.zeros((2, 2, 2)), ValueError, ["2-D", "(2, 2, 2)"]),
    (np.zeros((2, 0)), ValueError, ["(2, 0)"]),
    (np.array([[0.0, np.nan, 4, 5], [0, 0, 3, 3]]), ValueError, ["finite", "1 NaN"]),
    (np.array([[0.0, np.inf, 4, 5], [0, 0, 3, 3]]), ValueError, ["finite"]),
    (np.array([["a", "b", "c", "d"], ["a", "b", "c", "d"]]), TypeError, ["real numbers", "<U1"]),
    (np.ones((2, 4), dtype=bool), TypeError, ["booleans"]),
    (np.ones((2, 4), dtype=complex), TypeError, ["complex"]),
    (np.array([[None] * 4] * 2), TypeError, ["object"]),
    ([[0, 1, 4, 5], [0, 0, 3]], TypeError, ["could not convert"]),
]
BAD_CENTROIDS = [
    (np.ones((3, 2)), ValueError, ["d=2", "(3, 2)"]),
    (np.ones((2, 0)), ValueError, ["k >= 1", "(2, 0)"]),
    (np.array([1.0, 4.0]), ValueError, ["2-D", "(2,)"]),
    (np.array([[np.nan, 4.0], [1.0, 2.0]]), ValueError, ["finite"]),
    (np.array([["a", "b"], ["c", "d"]]), TypeError, ["real numbers"]),
]
BAD_LABEL_MATRIX = [
    (np.full((2, 4), 0.5), ValueError, ["only 0 and 1", "= 0.5"]),
    (np.eye(3, 4), ValueError, ["3"]),
    (np.array([[1, 1, 0, 0], [0, 1, 1, 1]]), ValueError, ["column 1 sums to 2"]),
    (np.array([[1, 0, 0, 0], [0, 0, 1, 1]]), ValueError, ["column 1 sums to 0"]),
    (np.array([[2, 1, 0, 0], [-1, 0, 1, 1]]), ValueError, ["only 0 and 1", "Y[0, 0] = 2"]),
    (np.array([1, 1, 0, 0]), ValueError, ["2-D", "(4,)"]),
    (np.array([["1", "1", "0", "0"], ["0", "0", "1", "1"]]), TypeError, ["0/1"]),
]
BAD_LABELS = [
    (np.array([0.0, 0.0, 1.0, 1.0]), TypeError, ["integer labels", "float64"]),
    (np.array([0, 0, 1, 2]), ValueError, ["0..k-1=1", "z[3] = 2"]),
    (np.array([0, -1, 1, 1]), ValueError, ["z[1] = -1"]),
    (np.array([[0, 0, 1, 1]]), ValueError, ["1-D", "(1, 4)"]),
    (np.array(["0", "0", "1", "1"]), TypeError, ["integer labels"]),
]
BAD_COUNT = [
    (0, ValueError, [">= 1", "k=0"]),
    (5, ValueError, ["k=5", "N=4"]),
    (1.5, TypeError, ["integer", "1.5"]),
    (True, TypeError, ["integer"]),
    ("2", TypeError, ["integer"]),
]
BAD_RNG = [
    (None, TypeError, ["numpy.random.Generator", "None"]),
    (0, TypeError, ["numpy.random.Generator", "int"]),
    (np.random.RandomState(0), TypeError, ["RandomState"]),
]
BAD_COUNTS = [
    (np.array([0.0, 0.0]), TypeError, ["integers", "float64", "dtype=int"]),
    (np.array([True, False]), TypeError, ["integers", "bool"]),
    (np.array([0, 0, 0]), ValueError, ["(k,) = (2,)", "(3,)"]),
    (np.array([[0, 0]]), ValueError, ["(k,) = (2,)", "(1, 2)"]),
    (np.array([0, -1]), ValueError, [">= 0", "counts[1] = -1"]),
    (np.array([2 ** 63, 0], dtype=np.uint64), ValueError, ["int64", str(2 ** 63)]),
    (np.array(["0", "0"]), TypeError, ["integers", "<U1"]),
]
BAD_RESPONSIBILITIES = [
    (np.full((2, 3), 0.5), ValueError, ["N=4", "(2, 3)"]),
    (np.full(4, 0.5), ValueError, ["2-D", "(4,)"]),
    (np.zeros((0, 4)), ValueError, ["k >= 1", "(0, 4)"]),
    (np.array([[1.0, np.nan, 0, 0], [0, 0, 1, 1]]), ValueError, ["finite", "1 NaN"]),
    (np.array([[1.0, 1.0, 1.1, 0], [0, 0, -0.1, 1]]), ValueError, [">= 0", "R[1, 2] = -0.1"]),
    (np.array([["1", "1", "0", "0"], ["0", "0", "1", "1"]]), TypeError, ["real numbers"]),
    (np.array([[1.0, 1.0, 1.0, 1.0], [0, 0, 0, 0]]), ValueError, ["cluster 1", "every R[1, i] is 0"]),
    (np.zeros((3, 4)), ValueError, ["cluster 0", "clusters [0, 1, 2] all have total 0"]),
]
BAD_ITERS = [(-1, ValueError, [">= 0", "-1"]), (2.0, TypeError, ["integer", "2.0"])]
BAD_STEP = [(0, ValueError, ["> 0"]), (-1.0, ValueError, ["> 0"]), (np.nan, ValueError, ["nan"]),
            ("0.1", TypeError, ["real number"])]
BAD_BETA = BAD_STEP + [(np.inf, ValueError, ["finite", "beta=inf"])]


def _cases():
    kinds = {
        "X": BAD_DATA, "M": BAD_CENTROIDS, "M0": BAD_CENTROIDS, "M_prev": BAD_CENTROIDS,
        "Y": BAD_LABEL_MATRIX, "z": BAD_LABELS, "rng": BAD_RNG,
        "max_iter": BAD_ITERS, "n_steps": BAD_ITERS, "lr": BAD_STEP, "eps": BAD_STEP,
        "X_batch": BAD_DATA, "counts": BAD_COUNTS, "R": BAD_RESPONSIBILITIES, "beta": BAD_BETA,
        "n_iter": BAD_ITERS,
    }
    for name, (fn, good) in CALLS.items():
        for arg in good:
            bad_values = kinds.get(arg, [])
            if arg == "k" and name != "one_hot":
                bad_values = BAD_COUNT
            if arg == "X" and name in ("kmeans_loss", "l1_loss", "update_means", "update_medians"):
                # an empty X makes Y's shape wrong first; the other bad X values apply
                bad_values = [b for b in bad_values if getattr(b[0], "shape", None) != (2, 0)]
            if arg == "z" and name == "silhouette_scores":
                # any non-negative labels are clusters there: no k to exceed
                bad_values = [b for b in bad_values if "0..k-1=1" not in b[2]]
            if arg in ("M", "M0", "M_prev") and name in ("reconstruct", "numerical_gradient"):
                bad_values = [b for b in bad_values if getattr(b[0], "shape", None) != (3, 2)]  # no X to compare d with
            for i, (bad, exc, fragments) in enumerate(bad_values):
                yield pytest.param(name, arg, bad, exc, fragments, id=f"{name}-{arg}-{i}")


def _call(name, **override):
    fn, good = CALLS[name]
    kwargs = dict(good)
    if "rng" in kwargs:
        kwargs["rng"] = np.random.default_rng(0)
    kwargs.update(override)
    return fn(**kwargs)


@pytest.mark.parametrize("name, arg, bad, exc, fragments", list(_cases()))
def test_bad_input_raises_a_clear_error(name, arg, bad, exc, fragments):
    with pytest.raises(exc) as info:
        _call(name, **{arg: bad})
    message = str(info.value)
    shown = {"M0": "M0", "M_prev": "M_prev"}.get(arg, arg)
    assert shown in message or arg in ("k",) and "k" in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("bad, exc, fragments", [
    (0, ValueError, [">= 1", "k=0"]), (1.5, TypeError, ["integer"]), (1, ValueError, ["0..k-1=0"]),
])
def test_one_hot_bad_k(bad, exc, fragments):
    with pytest.raises(exc) as info:
        ref.one_hot(Z, bad)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_numerical_gradient_needs_a_callable_returning_a_scalar():
    with pytest.raises(TypeError, match="callable"):
        ref.numerical_gradient(3.0, M)
    with pytest.raises(TypeError, match="real scalar"):
        ref.numerical_gradient(lambda A: A, M)


@pytest.mark.parametrize("image, exc, fragment", [
    (np.zeros((2, 2)), ValueError, "(H, W, 3)"),
    (np.zeros((2, 2, 4)), ValueError, "(2, 2, 4)"),
    (np.zeros((0, 2, 3)), ValueError, "at least one pixel"),
    (np.full((2, 2, 3), np.nan), ValueError, "finite"),
    (np.full((2, 2, 3), "a"), TypeError, "dtype"),
])
def test_quantize_bad_image(image, exc, fragment):
    with pytest.raises(exc, match=None) as info:
        ref.quantize(image, 1, np.random.default_rng(0))
    assert fragment in str(info.value)


def test_quantize_k_larger_than_pixels():
    with pytest.raises(ValueError, match="k=5 must be <= the number of observations N=4"):
        ref.quantize(IMAGE, 5, np.random.default_rng(0))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inputs_are_not_modified(name):
    # Read-only inputs: any in-place write would raise; copies prove nothing changed.
    fn, good = CALLS[name]
    kwargs = {}
    for arg, value in good.items():
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        kwargs[arg] = value
    if "rng" in kwargs:
        kwargs["rng"] = np.random.default_rng(0)
    before = {a: val.copy() for a, val in kwargs.items() if isinstance(val, np.ndarray)}
    fn(**kwargs)
    for arg, value in before.items():
        np.testing.assert_array_equal(kwargs[arg], value)


def test_lists_and_integer_arrays_are_accepted():
    # Hand computation in the module docstring: squared distances [[2, 1, 13, 20], [20, 13, 1, 2]].
    D = ref.sq_distances(X.astype(np.int64).tolist(), M.astype(np.int32))
    np.testing.assert_array_equal(D, [[2, 1, 13, 20], [20, 13, 1, 2]])
    assert D.dtype == np.float64


def test_label_matrix_accepts_bool_int_and_float():
    for dtype in (bool, np.int8, np.float32):
        np.testing.assert_array_equal(ref.labels_from_one_hot(Y.astype(dtype)), Z)


def test_check_helpers_return_float64_without_copying_float64():
    A = np.ones((2, 3))
    assert v.check_data(A) is A
    assert v.check_int(np.int64(3), "k") == 3
    assert v.check_positive_float(np.float32(0.5), "lr") == 0.5
