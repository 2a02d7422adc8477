"""Checkers of lesson 02-loss: ``sq_distances``, ``kmeans_loss``, ``min_form_loss``.

Tolerance: relative 1e-6 (plus 1e-9 times the largest expected magnitude).
The shared hand case (d = 2, N = 5, k = 3)::

    X = [[0, 1, 4, 5, 9],        M = [[1, 4, 9],
         [0, 0, 3, 3, 0]]             [1, 2, 1]]

    sq_distances(X, M) = [[ 2,  1, 13, 20, 65],      e.g. x_2 = (4, 3), m_0 = (1, 1): 3^2 + 2^2 = 13
                          [20, 13,  1,  2, 29],
                          [82, 65, 29, 20,  1]]
    min_form_loss(X, M) = 2 + 1 + 1 + 2 + 1 = 7
    kmeans_loss(X, one_hot([0, 1, 1, 2, 0], 3), M) = 2 + 13 + 1 + 20 + 65 = 101

Visible cases:

sq_distances(X, M)
    hand     the case above; d = 1: X = [[0, 3, -1, 4]], M = [[1, 2]] -> [[1, 4, 4, 9], [4, 1, 9, 4]]
    edge     centroids on data points with a duplicated point (d = 3, N = 4, k = 2); k = 1
    integer  integer X (d = 2, N = 6) with centroids at half-integers (k = 4)
    random   seeded: (d, N, k) = (3, 7, 4) and (5, 6, 2); coordinates near 1000 (2, 5, 3)
    vectorised  a quarter of the score: the lines of the function's own code executed for
             N = 200 and N = 800 observations (d = 3, k = 4) must not grow with N (a correct loop over
             the observations scores 1.5 / 2 and 0.75 / 1; see autograder.checks.vectorised)
kmeans_loss(X, Y, M)
    hand     the case above with labels [0, 1, 1, 2, 0] (not the nearest centroids): 101
    empty    labels [0, 0, 2, 2, 0] (cluster 1 empty)
    integer  integer X, Y and M
    edge     k = 1
    random   seeded (d, N, k) = (3, 8, 4) and (4, 6, 2)
min_form_loss(X, M)
    hand     the case above: 7; a point equidistant from two centroids
    empty    a centroid far from every point
    edge     k = 1; k = N with M a permutation of X's columns (loss 0)
    integer  integer X and M
    random   seeded (d, N, k) = (3, 7, 4) and (2, 9, 5)
"""

import numpy as np

from . import _data
from .calls import Case
from .checker import FunctionChecker
from .vectorised import xm_inputs

__all__ = ["SqDistances", "KmeansLoss", "MinFormLoss", "CHECKERS", "HAND_X", "HAND_M"]

HAND_X = np.array([[0.0, 1, 4, 5, 9], [0, 0, 3, 3, 0]])
HAND_M = np.array([[1.0, 4, 9], [1, 2, 1]])
HAND_Z = np.array([0, 1, 1, 2, 0])


class _XM(FunctionChecker):
    arg_names = ("X", "M")

    def sizes(self, case):
        X, M = case.args[0], case.args[-1]
        return _data.sizes_text(X, M)


def _xm_hidden(rng, groups=("hand", "ties", "empty", "edge", "integer", "random", "random")):
    """Hidden (X, M) cases with the structure each group needs."""
    cases = []
    for group in groups:
        d, k, N = _data.distinct_sizes(rng)
        X = _data.blobs(rng, d, N, k)
        M = rng.normal(scale=4, size=(d, k)).round(2)
        if group == "ties":
            d = max(d, 2)
            a = rng.integers(-5, 6, size=d)
            b = a.copy()
            b[0] += 2 * int(rng.integers(1, 4))
            X = _data.blobs(rng, d, N, k)
            M = rng.integers(-6, 7, size=(d, k)).astype(float)
            M[:, 0], M[:, k - 1] = a, b            # centroids 0 and k-1 ...
            X[:, int(rng.integers(N))] = (a + b) / 2  # ... tie on this point
            if k > 2:
                M[:, 1] = M[:, 0]                   # and two identical centroids
        elif group == "empty":
            M = _data.far_centroid(X, M, int(rng.integers(k)))
        elif group == "edge":
            if rng.random() < 0.5:
                M = X[:, rng.choice(N, size=k, replace=False)]
                X[:, 0] = X[:, 1]  # a duplicated point
            else:
                M = M[:, :1]
        elif group == "integer":
            X = rng.integers(-9, 10, size=(d, N))
            M = rng.integers(-9, 10, size=(d, k)).astype(float)
            M[0] += 0.5  # one half-integer coordinate: no squared distance is an integer
        cases.append(Case(group, (X, M), group=group))
    return cases


class SqDistances(_XM):
    name = "sq_distances"
    kinds = "iuf"
    # a Python loop over the observations costs a quarter of the score (0.5 of 2 visible points)
    vectorised_share = 0.25
    probe_inputs = staticmethod(xm_inputs)
    weights = {"type": 0.2, "hand": 0.25, "edge": 0.1, "integer": 0.1, "random": 0.25, "unchanged": 0.1}
    labels = {"edge": "centroids on data points, duplicate points, k = 1",
              "integer": "integer X with non-integer centroids"}

    def make_visible_cases(self):
        rng = np.random.default_rng(201)
        a = np.array
        X3 = a([[1.0, 1, 2, 0], [2, 2, 0, 0], [0, 0, 1, 3]])
        big = 1000 + rng.normal(scale=10, size=(2, 5)).round(3)
        return [
            Case("5 points, 3 centroids", (HAND_X, HAND_M), group="hand"),
            Case("d = 1", (a([[0.0, 3, -1, 4]]), a([[1.0, 2]])), group="hand"),
            Case("centroids on data points", (X3, X3[:, [0, 3]]), group="edge"),
            Case("k = 1", (a([[0.0, 2, 4], [1, 1, -1]]), a([[1.0], [0.0]])), group="edge"),
            Case("integer X", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]),
                               a([[0.5, 2.5, 4.5, 1.0], [0.5, 1.5, 3.0, 2.5]])), group="integer"),
            Case("random (3, 7, 4)", (rng.normal(scale=3, size=(3, 7)).round(3),
                                      rng.normal(scale=3, size=(3, 4)).round(3)), group="random"),
            Case("random (5, 6, 2)", (rng.normal(scale=3, size=(5, 6)).round(3),
                                      rng.normal(scale=3, size=(5, 2)).round(3)), group="random"),
            Case("coordinates near 1000", (big, big[:, [0, 2, 4]] + 0.5), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = _xm_hidden(rng, ("hand", "edge", "edge", "integer", "random", "random"))
        d, k, N = _data.distinct_sizes(rng)
        X = 1000 + _data.blobs(rng, d, N, k, decimals=3)
        cases.append(Case("large", (X, X[:, :k] + 0.25), group="random"))
        return cases


class KmeansLoss(FunctionChecker):
    name = "kmeans_loss"
    arg_names = ("X", "Y", "M")
    kind = "scalar"
    weights = {"type": 0.2, "hand": 0.25, "empty": 0.1, "integer": 0.1, "edge": 0.1, "random": 0.15,
               "unchanged": 0.1}
    labels = {"edge": "one cluster (k = 1)", "integer": "integer X, Y and M"}

    def sizes(self, case):
        return _data.sizes_text(case.args[0], case.args[2])

    def make_visible_cases(self):
        rng = np.random.default_rng(202)
        oh = _data.one_hot
        a = np.array
        Xi = a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]])
        X3 = rng.normal(scale=3, size=(3, 8)).round(3)
        X4 = rng.normal(scale=3, size=(4, 6)).round(3)
        return [
            Case("labels not nearest", (HAND_X, oh(HAND_Z, 3), HAND_M), group="hand"),
            Case("cluster 1 empty", (HAND_X, oh([0, 0, 2, 2, 0], 3), HAND_M), group="empty"),
            Case("all integer", (Xi, oh([0, 1, 1, 0, 1, 1], 2).astype(np.int64), a([[1, 3], [0, 2]])),
                 group="integer"),
            Case("k = 1", (HAND_X, np.ones((1, 5)), a([[2.0], [1.0]])), group="edge"),
            Case("random (3, 8, 4)", (X3, oh(_data.labels(rng, 8, 4), 4), rng.normal(size=(3, 4)).round(3)),
                 group="random"),
            Case("random (4, 6, 2)", (X4, oh(_data.labels(rng, 6, 2), 2), rng.normal(size=(4, 2)).round(3)),
                 group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "empty", "integer", "edge", "random", "random"):
            d, k, N = _data.distinct_sizes(rng)
            if group == "edge":
                k = 1
            X = _data.blobs(rng, d, N, k)
            M = rng.normal(scale=4, size=(d, k)).round(2)
            z = _data.labels(rng, N, k, leave_out=1 if group == "empty" else 0)
            Y = _data.one_hot(z, k)
            if group == "integer":
                X, M, Y = rng.integers(-9, 10, size=(d, N)), rng.integers(-9, 10, size=(d, k)), Y.astype(int)
            cases.append(Case(group, (X, Y, M), group=group))
        return cases


class MinFormLoss(_XM):
    name = "min_form_loss"
    kind = "scalar"
    weights = {"type": 0.2, "hand": 0.25, "empty": 0.1, "edge": 0.1, "integer": 0.1, "random": 0.15,
               "unchanged": 0.1}
    labels = {"edge": "k = 1 and k = N", "integer": "integer X and M"}

    def make_visible_cases(self):
        rng = np.random.default_rng(203)
        a = np.array
        Xt = a([[0.0, 2, 1, 5], [0, 0, 1, 4]])
        return [
            Case("5 points, 3 centroids", (HAND_X, HAND_M), group="hand"),
            Case("a point equidistant from two centroids", (Xt, a([[-1.0, 1, 5], [0, 0, 5]])), group="hand"),
            Case("a centroid far away", (HAND_X, a([[1.0, 50, 6], [1, 50, 2]])), group="empty"),
            Case("k = 1", (HAND_X, a([[2.0], [1.0]])), group="edge"),
            Case("k = N, M = X's columns", (Xt, Xt[:, [2, 0, 3, 1]]), group="edge"),
            Case("integer X and M", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), a([[1, 4, 0], [1, 1, 3]])),
                 group="integer"),
            Case("random (3, 7, 4)", (rng.normal(scale=3, size=(3, 7)).round(3),
                                      rng.normal(scale=3, size=(3, 4)).round(3)), group="random"),
            Case("random (2, 9, 5)", (rng.normal(scale=3, size=(2, 9)).round(3),
                                      rng.normal(scale=3, size=(2, 5)).round(3)), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = _xm_hidden(rng, ("hand", "ties", "empty", "edge", "integer", "random", "random"))
        for c in cases:
            if c.group == "ties":
                c.group = "hand"
        d, k, N = _data.distinct_sizes(rng)
        X = _data.blobs(rng, d, N, k)
        cases.append(Case("k = 1", (X, X[:, :1] + 0.5), group="edge"))
        return cases


CHECKERS = [SqDistances(), KmeansLoss(), MinFormLoss()]
