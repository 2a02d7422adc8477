"""Checker of lesson 06's ``silhouette_scores(X, z) -> (N,)``.

With Euclidean (not squared) distances, ``a_i`` is the mean distance from ``x_i`` to the OTHER
members of its cluster (divide by n - 1), ``b_i`` the smallest, over the other clusters, of the
mean distance from ``x_i`` to that cluster's members, and ``s_i = (b_i - a_i) / max(a_i, b_i)``;
``s_i = 0`` for an observation alone in its cluster; ValueError when z has fewer than 2 distinct
clusters. The clusters are the label values that occur (an unused value is no cluster).
Compared with the reference entry by entry, to 1e-6 relative.

By hand, X = [[0, 1, 4, 5], [0, 0, 3, 3]]: |x0 x1| = |x2 x3| = 1, |x0 x2| = |x1 x3| = 5,
|x0 x3| = sqrt(34), |x1 x2| = sqrt(18).

    z = [0, 0, 1, 1]:  s_0 = 1 - 1 / ((5 + sqrt(34)) / 2) = 0.8153,  s_1 = 1 - 1 / ((sqrt(18) + 5) / 2) = 0.7836
    z = [0, 0, 0, 1]:  s_3 = 0 (alone),  s_2 = (1 - a) / a with a = (5 + sqrt(18)) / 2: -0.7836

Visible cases:

hand        the two labellings above
singletons  d = 1, observations 0, 1, 2, 10, 20 with the last two alone in their clusters
edge        labels with a gap (0, 1, 3: no cluster 2); duplicated points (a_i = 0, s_i = 1);
            integer X
random      seeded (3, N = 9, 3 clusters) and (2, N = 11, 4 clusters)
invalid     every observation in one cluster: ValueError
"""

import numpy as np

from . import _data
from .calls import Case
from .checker import FunctionChecker

__all__ = ["SilhouetteScores"]


class SilhouetteScores(FunctionChecker):
    name = "silhouette_scores"
    arg_names = ("X", "z")
    weights = {"type": 0.15, "hand": 0.25, "singletons": 0.15, "edge": 0.1, "random": 0.15, "invalid": 0.1,
               "unchanged": 0.1}
    labels = {"singletons": "an observation alone in its cluster scores 0",
              "edge": "labels with a gap, duplicated points, integer X",
              "invalid": "ValueError for fewer than 2 clusters"}

    def sizes(self, case):
        X, z = case.args
        return f"d={np.shape(X)[0]}, N={np.shape(X)[1]}, {len(np.unique(z))} clusters"

    def make_visible_cases(self):
        rng = np.random.default_rng(603)
        a = np.array
        Xh = a([[0.0, 1, 4, 5], [0, 0, 3, 3]])
        X3 = _data.blobs(rng, 3, 9, 3)
        X2 = _data.blobs(rng, 2, 11, 4)
        return [
            _case("two clusters of two", Xh, [0, 0, 1, 1], "hand"),
            _case("three and one", Xh, [0, 0, 0, 1], "hand"),
            _case("two singletons", a([[0.0, 1, 2, 10, 20]]), [0, 0, 0, 1, 2], "singletons"),
            _case("labels 0, 1, 3 (no cluster 2)", a([[0.0, 1, 5, 6, 9, 9.5], [0, 1, 0, 1, 5, 5]]),
                  [0, 0, 1, 1, 3, 3], "edge"),
            _case("duplicated points", a([[1.0, 1, 1, 4, 5], [2, 2, 2, 0, 0]]), [0, 0, 0, 1, 1], "edge"),
            _case("integer X", a([[0, 2, 1, 7, 8, 9], [0, 1, 3, 7, 6, 8]]), [0, 0, 0, 1, 1, 1], "edge"),
            _case("random (3, 9, 3)", X3, _data.labels(rng, 9, 3), "random"),
            _case("random (2, 11, 4)", X2, _data.labels(rng, 11, 4), "random"),
            Case("one cluster", (a([[0.0, 1, 2], [1, 1, 0]]), np.zeros(3, dtype=np.int64)), group="invalid",
                 expect_error=ValueError),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "singletons", "edge", "edge", "random", "random", "invalid"):
            for _ in range(100):
                case = _hidden_case(rng, group)
                if case is not None:
                    cases.append(case)
                    break
        return cases


def _hidden_case(rng, group):
    """One hidden case of ``group``, or None when the draw is degenerate (draw again)."""
    d, K, N = _data.distinct_sizes(rng, d=(1, 4), k=(2, 4), N=(6, 12))
    X = _data.blobs(rng, d, N, K)
    z = _data.labels(rng, N, K)
    if group == "hand":
        X = rng.integers(-5, 6, size=(d, N)).astype(float)
    elif group == "singletons":
        z = np.where(z == K - 1, 0, z)          # cluster K - 1 holds ...
        z[int(rng.integers(N))] = K - 1         # ... exactly one observation
    elif group == "edge":
        if rng.random() < 0.5:
            z = np.where(z >= 1, z + 1, z)      # labels 0, 2, 3, ...: no cluster 1
        else:
            same = np.flatnonzero(z == z[0])
            X[:, same[-1]] = X[:, 0]            # a duplicate inside one cluster
            X = X if rng.random() < 0.5 else np.rint(X).astype(np.int64)
    elif group == "invalid":
        return Case(group, (X, np.full(N, int(rng.integers(K)), dtype=np.int64)), group=group,
                    expect_error=ValueError)
    if len(np.unique(z)) < 2 or _degenerate(X, z):
        return None
    return _case(group, X, z, group)


def _case(label, X, z, group):
    return Case(label, (X, np.asarray(z, dtype=np.int64)), group=group)


def _degenerate(X, z):
    """Whether some observation has a_i = b_i = 0 (its cluster and another one on its point): avoided."""
    X = np.asarray(X, dtype=float)
    D = np.sqrt(((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0))
    for c in np.unique(z):
        own = z == c
        others = [D[:, z == o].mean(axis=1) for o in np.unique(z) if o != c]
        a = D[:, own].sum(axis=1)
        b = np.min(others, axis=0)
        if np.any(own & (a == 0) & (b == 0)):
            return True
    return False
