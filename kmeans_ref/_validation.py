"""Input checks shared by the public functions of :mod:`kmeans_ref`.

Every public function validates its arguments here and then calls a private
worker that assumes valid input. Each check returns a *new view or copy* in the
dtype the workers expect and never writes to the caller's array.

What is accepted
----------------
- Data ``X`` and centroids ``M``: real numbers (integer or floating dtypes,
  nested lists of them); converted to float64. Booleans, complex numbers,
  strings and objects raise ``TypeError``; NaN and infinity raise ``ValueError``.
- Label matrices ``Y``: bool, integer or floating entries that are exactly 0 or
  1 with every column summing to 1.
- Label vectors ``z``: integer dtypes only (a float array of labels is almost
  always a bug, so it raises ``TypeError``); values in ``0 .. k-1``.
- Responsibilities ``R``: real numbers like ``X``, finite and ``>= 0``; a column
  need not sum to 1 (the weighted means only use the row sums).
- Per-centroid counts (mini-batch k-means): integer dtypes only, ``>= 0``.
- Counts such as ``k``: Python or NumPy integers (not bool).
- Random generators: ``numpy.random.Generator`` only (``np.random.default_rng(seed)``).
"""

import numbers

import numpy as np

__all__ = [
    "check_data",
    "check_centroids",
    "check_label_matrix",
    "check_labels",
    "check_responsibilities",
    "check_counts",
    "check_n_clusters",
    "check_int",
    "check_positive_float",
    "check_rng",
]


def _as_real_array(A, name):
    """Convert ``A`` to a float64 ndarray, rejecting non-numeric dtypes."""
    try:
        arr = np.asarray(A)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be an array of real numbers; could not convert it: {exc}") from None
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, not booleans; got dtype {arr.dtype}")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (int or float); got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_finite(arr, name):
    # A NaN or an infinity anywhere makes the sum non-finite; a finite sum (one fast
    # pass, no temporary) proves there is none. Only an overflowing sum needs the full check.
    with np.errstate(all="ignore"):
        if np.isfinite(arr.sum()):
            return
    n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if n_bad:
        raise ValueError(f"{name} must contain only finite values; got {n_bad} NaN or infinite entries")


def check_data(X, name="X", shape="(d, N)"):
    """Return ``X`` as a finite float64 array of shape (d, N) with d, N >= 1.

    ``shape`` names the axes in messages: the estimator passes ``"(n_samples, n_features)"``.
    """
    arr = _as_real_array(X, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape {shape}; got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape {shape} with both sizes >= 1; got shape {arr.shape}")
    _check_finite(arr, name)
    return arr


def check_centroids(M, d=None, name="M"):
    """Return ``M`` as a finite float64 array of shape (d, k) with k >= 1."""
    arr = _as_real_array(M, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (d, k); got shape {arr.shape}")
    if d is not None and arr.shape[0] != d:
        raise ValueError(
            f"{name} must have d={d} rows (one per feature, like X); got shape {arr.shape}"
        )
    if arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one column (k >= 1); got shape {arr.shape}")
    _check_finite(arr, name)
    return arr


def check_label_matrix(Y, k=None, N=None, name="Y"):
    """Return ``Y`` as a float64 one-hot matrix of shape (k, N)."""
    try:
        arr = np.asarray(Y)
    except Exception as exc:
        raise TypeError(f"{name} must be a one-hot array; could not convert it: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold 0/1 numbers or booleans; got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D one-hot array of shape (k, N); got shape {arr.shape}")
    if k is not None and arr.shape[0] != k:
        raise ValueError(f"{name} must have k={k} rows (one per cluster); got shape {arr.shape}")
    if N is not None and arr.shape[1] != N:
        raise ValueError(f"{name} must have N={N} columns (one per observation); got shape {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row (k >= 1); got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    bad = ~((arr == 0) | (arr == 1))
    if bad.any():
        j, i = np.argwhere(bad)[0]
        raise ValueError(f"{name} must contain only 0 and 1; got {name}[{j}, {i}] = {arr[j, i]:g}")
    sums = arr.sum(axis=0)
    if arr.shape[1] and not (sums == 1).all():
        i = int(np.flatnonzero(sums != 1)[0])
        raise ValueError(
            f"every column of {name} must contain exactly one 1 (one cluster per observation); "
            f"column {i} sums to {sums[i]:g}"
        )
    return arr


def check_labels(z, k=None, name="z", N=None):
    """Return ``z`` as an int64 vector of shape (N,) with values in 0..k-1."""
    try:
        arr = np.asarray(z)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of integer labels; could not convert it: {exc}") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer labels; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (N,); got shape {arr.shape}")
    if N is not None and arr.shape[0] != N:
        raise ValueError(
            f"{name} must have N={N} labels (one per observation, a column of X); got shape {arr.shape}"
        )
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0 or (k is not None and hi >= k):
            bad = lo if lo < 0 else hi
            i = int(np.flatnonzero(arr == bad)[0])
            upper = "k-1" if k is None else f"k-1={k - 1}"
            raise ValueError(f"labels in {name} must lie in 0..{upper}; got {name}[{i}] = {int(bad)}")
    return arr.astype(np.int64, copy=False)


def check_responsibilities(R, N, name="R"):
    """Return ``R`` as a finite, non-negative float64 array of shape (k, N) with k >= 1."""
    arr = _as_real_array(R, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (k, N); got shape {arr.shape}")
    if arr.shape[1] != N:
        raise ValueError(f"{name} must have N={N} columns (one per observation, like X); got shape {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row (k >= 1); got shape {arr.shape}")
    _check_finite(arr, name)
    if arr.min() < 0:
        j, i = np.argwhere(arr < 0)[0]
        raise ValueError(f"{name} must contain only weights >= 0; got {name}[{j}, {i}] = {arr[j, i]:g}")
    return arr


def check_counts(counts, k, name="counts"):
    """Return ``counts`` as an int64 vector of shape (k,) with entries >= 0."""
    try:
        arr = np.asarray(counts)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of integers; could not convert it: {exc}") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integers (observations absorbed by each centroid, "
            f"e.g. np.zeros(k, dtype=int)); got dtype {arr.dtype}"
        )
    if arr.shape != (k,):
        raise ValueError(f"{name} must have shape (k,) = ({k},), one count per centroid; got shape {arr.shape}")
    if arr.min() < 0:
        i = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"{name} must be >= 0; got {name}[{i}] = {int(arr[i])}")
    if arr.dtype.kind == "u" and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit in int64; got a count of {int(arr.max())}")
    return arr.astype(np.int64, copy=False)


def check_int(value, name, low=None, high=None):
    """Return ``value`` as a Python int, checking ``low <= value <= high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {name}={value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}; got {name}={value}")
    return value


def check_n_clusters(k, N, name="k"):
    """Return the number of clusters ``k`` checked against ``1 <= k <= N``."""
    k = check_int(k, name)
    if k < 1:
        raise ValueError(f"{name} must be >= 1; got {name}={k}")
    if k > N:
        raise ValueError(f"{name}={k} must be <= the number of observations N={N}")
    return k


def check_positive_float(value, name):
    """Return ``value`` as a finite, strictly positive Python float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {name}={value!r}")
    return value


def check_rng(rng, name="rng"):
    """Return ``rng`` if it is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)); "
            f"got {rng!r} of type {type(rng).__name__}"
        )
    return rng
