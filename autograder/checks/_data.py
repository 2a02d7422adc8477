"""Random test data with the structure the checkers need (sizes all different, ties, empty clusters).

Every function takes a ``numpy.random.Generator`` so that visible cases (fixed seeds)
and hidden cases (seeded by the course secret) come from the same code.
"""

import numpy as np

__all__ = ["distinct_sizes", "blobs", "one_hot", "labels", "far_centroid", "tie_point", "sizes_text"]


def distinct_sizes(rng, d=(1, 4), k=(2, 5), N=(5, 10)):
    """Sizes (d, k, N), pairwise different, each drawn uniformly from its inclusive range."""
    while True:
        dd, kk, NN = (int(rng.integers(lo, hi + 1)) for lo, hi in (d, k, N))
        if len({dd, kk, NN}) == 3:
            return dd, kk, NN


def blobs(rng, d, N, k, spread=4.0, noise=1.0, decimals=2):
    """X (d, N): N points around k random centres, rounded to ``decimals``; every centre used."""
    centres = rng.normal(scale=spread, size=(d, k))
    z = np.concatenate([np.arange(k), rng.integers(0, k, size=max(N - k, 0))])[:N]
    rng.shuffle(z)
    X = centres[:, z] + rng.normal(scale=noise, size=(d, N))
    return X.round(decimals)


def one_hot(z, k):
    z = np.asarray(z)
    Y = np.zeros((k, z.size))
    Y[z, np.arange(z.size)] = 1.0
    return Y


def labels(rng, N, k, leave_out=0):
    """N labels in 0..k-1; ``leave_out`` clusters (not the first) get no observation."""
    used = np.arange(k)
    if leave_out:
        used = np.concatenate([[0], rng.permutation(np.arange(1, k))[: k - 1 - leave_out]])
    z = np.concatenate([used, rng.choice(used, size=max(N - len(used), 0))])[:N]
    rng.shuffle(z)
    return z.astype(np.int64)


def far_centroid(X, M, j, distance=100.0):
    """M with column j moved far from every observation, so that cluster j is empty."""
    M = M.copy()
    M[:, j] = X.max(axis=1) + distance * (1 + j)
    return M


def tie_point(rng, d, a, b):
    """An integer-valued pair of centroids and their midpoint: exactly equidistant in floats.

    ``a`` and ``b`` are integer vectors; the midpoint has half-integer coordinates, so
    every method of computing squared distances gets exactly the same numbers.
    """
    return (np.asarray(a, dtype=float) + np.asarray(b, dtype=float)) / 2


def sizes_text(X=None, M=None, Y=None):
    parts = []
    if X is not None:
        d, N = np.shape(X)
        parts += [f"d={d}", f"N={N}"]
    if M is not None:
        if X is None:
            parts.append(f"d={np.shape(M)[0]}")
        parts.append(f"k={np.shape(M)[1]}")
    elif Y is not None:
        parts.append(f"k={np.shape(Y)[0]}")
    return ", ".join(parts)
