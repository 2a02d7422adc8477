"""Lenient coercion of the inputs of :mod:`kmeans_ref.landscape` and :mod:`kmeans_ref.plotting`.

Figures accept lists or arrays of any real dtype and convert them to float64; each check
raises a ``ValueError`` naming the expected shape. (The exercises' stricter checks are in
``_validation``.) Also the padded range that default grids and axis limits cover. NumPy only.
"""

import numpy as np

METRICS = ("l2", "l1")


def as_2d_points(X, name="X") -> np.ndarray:
    """``X`` as float64 of shape (2, N), one 2-D observation per column."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(
            f"{name} must have shape (2, N) (one 2-D observation per column), "
            f"got an array of shape {X.shape}"
        )
    return X


def as_centroids(M, d: int, name="M") -> np.ndarray:
    """``M`` as float64 of shape (d, k), k >= 1, one centroid per column."""
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != d or M.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape ({d}, k) (one centroid per column), "
            f"got an array of shape {M.shape}"
        )
    return M


def as_1d(x, name="x") -> np.ndarray:
    """``x`` as a non-empty float64 vector of shape (N,); a (1, N) or (N, 1) array is flattened."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and 1 in x.shape:
        x = x.ravel()
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of shape (N,), got shape {x.shape}")
    return x


def check_metric(metric: str) -> str:
    """``metric`` itself if it is "l2" (squared Euclidean) or "l1" (Manhattan)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be 'l2' or 'l1', got metric={metric!r}")
    return metric


def padded_limits(values, pad=0.08):
    """``(lo, hi)``: the range of ``values`` widened by ``pad`` times its span on each side.

    A single value (zero span) is widened by ``pad * max(|value|, 1)``.

    >>> padded_limits([0.0, 10.0], 0.1)
    (-1.0, 11.0)
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span
