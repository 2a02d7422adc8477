"""Checkers of lesson 01-labels: ``one_hot``, ``labels_from_one_hot``, ``is_label_matrix``, ``reconstruct``.

Visible cases (fixed; values compared exactly, up to 1e-9 for reconstruct):

one_hot(z, k)
    hand     z = [0, 2, 1, 2], k = 3            -> Y = [[1,0,0,0],[0,0,1,0],[0,1,0,1]]
             z = [0, 2, 2, 0, 2], k = 3         (label 1 unused: row 1 is all zeros)
    empty    z = [1, 0, 1], k = 4               (rows 2 and 3 empty: k is NOT max(z) + 1)
    edge     z = [0, 0, 0], k = 1;  z = [2], k = 3;  int32 labels z = [1, 0, 2, 1, 3], k = 5
    random   two seeded cases (N = 7, k = 5 and N = 9, k = 2)
    invalid  z = [0, 3, 1], k = 3 and z = [0, -1, 1], k = 2 must raise ValueError
labels_from_one_hot(Y)
    hand     Y = one_hot([1, 0, 2, 2, 0], 3)    -> z = [1, 0, 2, 2, 0] (integers)
    empty    Y = one_hot([0, 0, 2], 4)
    edge     Y = ones((1, 3));  Y = one_hot([1], 2)
    integer  Y = one_hot([2, 0, 1, 1], 3) as an int array
    random   two seeded cases
is_label_matrix(Y)   (True/False; a function answering the same for every input earns no value credit)
    valid    one_hot([0, 2, 1, 1, 0], 3); an int one-hot; one with empty rows; ones((1, 3));
             one_hot([2, 0, 1], 3) (a permutation)
    entries  [[0.5, 1, 0], [0.5, 0, 1]]; [[2, 0, 1], [-1, 1, 0]]; [[3, 0], [0, 1]]
    sums     [[1, 1, 0], [1, 0, 1]] (a column with two 1s); [[1, 0, 0], [0, 0, 1]] (an all-zero column);
             [[1, 0, 1], [1, 0, 1]] (no column sums to 1)
    shape    [0, 1, 0] (1-D); a (2, 2, 3) array whose axis-0 sums are all 1
reconstruct(M, Y)
    hand     M = [[1, 4, 9], [1, 2, 0]], Y = one_hot([0, 1, 1, 2, 0], 3) -> [[1,4,4,9,1],[1,2,2,0,1]]
    empty    M (2, 3), Y = one_hot([0, 0, 2, 2], 3)
    edge     k = 1: M = [[2], [3], [5]], Y = ones((1, 4))
    integer  int M and int Y
    random   two seeded cases with d, N, k all different
"""

import numpy as np

from .calls import Case
from .checker import FunctionChecker

__all__ = ["OneHot", "LabelsFromOneHot", "IsLabelMatrix", "Reconstruct", "CHECKERS"]


def _one_hot(z, k):
    z = np.asarray(z)
    Y = np.zeros((k, z.size))
    Y[z, np.arange(z.size)] = 1.0
    return Y


def _labels(rng, N, k, leave_out=True):
    """N labels in 0..k-1 using at least two clusters and (if possible) leaving one out."""
    if k == 1:
        return np.zeros(N, dtype=np.int64)
    used = rng.choice(k, size=max(2, k - 1) if leave_out and k > 2 else k, replace=False)
    z = rng.choice(used, size=N)
    z[: len(used)] = used[: min(len(used), N)]
    rng.shuffle(z)
    return z.astype(np.int64)


class OneHot(FunctionChecker):
    name = "one_hot"
    arg_names = ("z", "k")
    kind = "array"
    weights = {"type": 0.15, "hand": 0.25, "empty": 0.15, "edge": 0.1, "random": 0.15, "invalid": 0.1,
               "unchanged": 0.1}
    labels = {"empty": "empty clusters (k larger than the largest label + 1)",
              "edge": "k = 1, one observation, int32 labels",
              "invalid": "raises ValueError for labels outside 0..k-1"}

    def sizes(self, case):
        return f"N={np.size(case.args[0])}, k={case.args[1]}"

    def make_visible_cases(self):
        rng = np.random.default_rng(101)
        a = np.array
        return [
            Case("4 labels, k = 3", (a([0, 2, 1, 2]), 3), group="hand"),
            Case("label 1 unused", (a([0, 2, 2, 0, 2]), 3), group="hand"),
            Case("k = 4 but labels only 0 and 1", (a([1, 0, 1]), 4), group="empty"),
            Case("k = 1", (a([0, 0, 0]), 1), group="edge"),
            Case("one observation", (a([2]), 3), group="edge"),
            Case("int32 labels", (a([1, 0, 2, 1, 3], dtype=np.int32), 5), group="edge"),
            Case("random, N = 7, k = 5", (_labels(rng, 7, 5), 5), group="random"),
            Case("random, N = 9, k = 2", (_labels(rng, 9, 2, leave_out=False), 2), group="random"),
            Case("label 3 with k = 3", (a([0, 3, 1]), 3), expect_error=ValueError),
            Case("label -1", (a([0, -1, 1]), 2), expect_error=ValueError),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "empty", "random", "random"):
            N, k = int(rng.integers(4, 12)), int(rng.integers(3, 7))
            z = _labels(rng, N, k, leave_out=(group != "random"))
            if group == "empty":
                z = np.minimum(z, k - 3)  # the two top clusters stay empty
                z[0] = 0
            cases.append(Case(f"{group}", (z, k), group=group))
        cases.append(Case("k = 1", (np.zeros(int(rng.integers(2, 6)), dtype=np.int64), 1), group="edge"))
        cases.append(Case("int32", (_labels(rng, 6, 4).astype(np.int32), 4), group="edge"))
        k = int(rng.integers(2, 6))
        z = _labels(rng, 6, k)
        z_hi, z_lo = z.copy(), z.copy()
        z_hi[int(rng.integers(6))] = k
        z_lo[int(rng.integers(6))] = -1
        cases.append(Case("label k", (z_hi, k), expect_error=ValueError))
        cases.append(Case("label -1", (z_lo, k), expect_error=ValueError))
        return cases


class LabelsFromOneHot(FunctionChecker):
    name = "labels_from_one_hot"
    arg_names = ("Y",)
    kind = "labels"
    kinds = "iu"
    weights = {"type": 0.2, "hand": 0.2, "empty": 0.15, "edge": 0.1, "integer": 0.1, "random": 0.15,
               "unchanged": 0.1}
    labels = {"integer": "an integer (not float) label matrix", "edge": "k = 1 and one observation"}

    def sizes(self, case):
        k, N = np.shape(case.args[0])
        return f"k={k}, N={N}"

    def make_visible_cases(self):
        rng = np.random.default_rng(102)
        return [
            Case("z = [1, 0, 2, 2, 0]", (_one_hot([1, 0, 2, 2, 0], 3),), group="hand"),
            Case("empty rows 1 and 3", (_one_hot([0, 0, 2], 4),), group="empty"),
            Case("k = 1", (np.ones((1, 3)),), group="edge"),
            Case("one observation", (_one_hot([1], 2),), group="edge"),
            Case("int one-hot", (_one_hot([2, 0, 1, 1], 3).astype(np.int64),), group="integer"),
            Case("random, k = 4, N = 7", (_one_hot(_labels(rng, 7, 4), 4),), group="random"),
            Case("random, k = 6, N = 5", (_one_hot(_labels(rng, 5, 6), 6),), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "empty", "random", "random"):
            N, k = int(rng.integers(4, 11)), int(rng.integers(3, 7))
            z = _labels(rng, N, k, leave_out=(group == "empty"))
            while group == "hand" and np.all(np.diff(z) >= 0):
                rng.shuffle(z)
            cases.append(Case(group, (_one_hot(z, k),), group=group))
        cases.append(Case("k = 1", (np.ones((1, int(rng.integers(2, 6)))),), group="edge"))
        cases.append(Case("int", (_one_hot(_labels(rng, 6, 3), 3).astype(np.int64),), group="integer"))
        return cases


class IsLabelMatrix(FunctionChecker):
    name = "is_label_matrix"
    arg_names = ("Y",)
    kind = "bool"
    weights = {"type": 0.1, "valid": 0.3, "entries": 0.2, "sums": 0.2, "shape": 0.1, "unchanged": 0.1}
    labels = {"valid": "valid label matrices (True)",
              "entries": "entries other than 0 and 1 (False)",
              "sums": "columns that do not hold exactly one 1 (False)",
              "shape": "arrays that are not 2-D (False)"}

    def sizes(self, case):
        return f"shape {np.shape(case.args[0])}"

    def make_visible_cases(self):
        a = np.array
        Y3 = np.zeros((2, 2, 3))
        Y3[0, 0, :] = 1
        Y3[1, 1, :] = 1  # every Y3[:, i, j] holds exactly one 1, but Y3 is 3-D
        return [
            Case("one_hot([0, 2, 1, 1, 0], 3)", (_one_hot([0, 2, 1, 1, 0], 3),), group="valid"),
            Case("int one-hot", (_one_hot([1, 1, 0], 2).astype(np.int64),), group="valid"),
            Case("empty rows", (_one_hot([0, 0, 2, 2], 4),), group="valid"),
            Case("k = 1", (np.ones((1, 3)),), group="valid"),
            Case("a permutation (k = N)", (_one_hot([2, 0, 1], 3),), group="valid"),
            Case("halves", (a([[0.5, 1, 0], [0.5, 0, 1]]),), group="entries"),
            Case("2 and -1", (a([[2, 0, 1], [-1, 1, 0]]),), group="entries"),
            Case("a 3", (a([[3, 0], [0, 1]]),), group="entries"),
            Case("two 1s in a column", (a([[1, 1, 0], [1, 0, 1]]),), group="sums"),
            Case("an all-zero column", (a([[1, 0, 0], [0, 0, 1]]),), group="sums"),
            Case("no column sums to 1", (a([[1, 0, 1], [1, 0, 1]]),), group="sums"),
            Case("1-D array", (a([0, 1, 0]),), group="shape"),
            Case("3-D array", (Y3,), group="shape"),
        ]

    def hidden_cases(self, rng):
        def valid(k, N):
            return _one_hot(_labels(rng, N, k), k)

        cases = []
        for _ in range(3):
            k, N = int(rng.integers(2, 6)), int(rng.integers(3, 9))
            cases.append(Case("valid", (valid(k, N),), group="valid"))
        k, N = int(rng.integers(2, 5)), int(rng.integers(3, 8))
        cases.append(Case("valid int", (valid(k, N).astype(np.int64),), group="valid"))
        n = int(rng.integers(2, 6))
        cases.append(Case("permutation", (_one_hot(rng.permutation(n), n),), group="valid"))
        # entries: keep column sums at 1 with non-binary values
        for kind in ("halves", "negative", "big"):
            Y = valid(int(rng.integers(2, 5)), int(rng.integers(3, 8)))
            i = int(rng.integers(Y.shape[1]))
            j = int(np.argmax(Y[:, i]))
            other = (j + 1) % Y.shape[0]
            if kind == "halves":
                Y[j, i], Y[other, i] = 0.5, 0.5
            elif kind == "negative":
                Y[j, i], Y[other, i] = 2, -1
            else:
                Y[j, i] = 3
            cases.append(Case(kind, (Y,), group="entries"))
        Y = valid(int(rng.integers(2, 5)), int(rng.integers(3, 8)))
        i = int(rng.integers(Y.shape[1]))
        Y[:, i] = 1
        cases.append(Case("two 1s", (Y,), group="sums"))
        Y = valid(int(rng.integers(2, 5)), int(rng.integers(3, 8)))
        Y[:, int(rng.integers(Y.shape[1]))] = 0
        cases.append(Case("zero column", (Y,), group="sums"))
        Y = np.zeros((int(rng.integers(2, 5)), int(rng.integers(3, 8))))
        Y[:2, ::2] = 1  # columns sum to 2 or 0, never 1
        cases.append(Case("no column sums to 1", (Y,), group="sums"))
        v = np.zeros(int(rng.integers(3, 7)))
        v[int(rng.integers(v.size))] = 1  # one 1: sums to 1, binary, but 1-D
        cases.append(Case("1-D", (v,), group="shape"))
        Y3 = np.stack([valid(2, 4), valid(2, 4)], axis=1)  # (2, 2, 4): axis-0 sums are 1
        cases.append(Case("3-D", (Y3,), group="shape"))
        return cases

    def evaluate(self, fn, cases):
        calls = super().evaluate(fn, cases)
        answer = self.constant_answer(calls)
        if answer is not None:
            for c in calls:
                c.criteria = {k: (False, f"your function answers {answer} for every input")
                              for k in c.criteria}
        return calls

    @staticmethod
    def constant_answer(calls):
        answers = {c.value for c in calls if c.usable}
        if len(answers) == 1 and all(c.usable for c in calls):
            return next(iter(answers))
        return None

    def pre_diagnosis(self, cases, calls):
        answer = self.constant_answer(calls)
        if answer is None:
            return None
        return (f"Your function answers {answer} for every input, so it cannot tell a label matrix from "
                f"anything else. Check the three conditions: Y is 2-D, its entries are 0 or 1, and every "
                f"column sums to 1.")


class Reconstruct(FunctionChecker):
    name = "reconstruct"
    arg_names = ("M", "Y")
    kind = "array"
    kinds = "iuf"
    weights = {"type": 0.2, "hand": 0.25, "empty": 0.1, "edge": 0.1, "integer": 0.1, "random": 0.15,
               "unchanged": 0.1}
    labels = {"edge": "one cluster (k = 1)"}

    def sizes(self, case):
        (d, k), (_, N) = np.shape(case.args[0]), np.shape(case.args[1])
        return f"d={d}, k={k}, N={N}"

    def make_visible_cases(self):
        rng = np.random.default_rng(103)
        a = np.array
        M = a([[1.0, 4.0, 9.0], [1.0, 2.0, 0.0]])
        return [
            Case("M (2, 3), 5 observations", (M, _one_hot([0, 1, 1, 2, 0], 3)), group="hand"),
            Case("cluster 1 empty", (a([[0.5, 2.0, -1.0], [3.0, 1.5, 2.5]]), _one_hot([0, 0, 2, 2], 3)),
                 group="empty"),
            Case("k = 1", (a([[2.0], [3.0], [5.0]]), np.ones((1, 4))), group="edge"),
            Case("int M and Y", (a([[1, 7], [2, 0], [3, 5]]), _one_hot([1, 0, 0, 1, 1], 2).astype(np.int64)),
                 group="integer"),
            Case("random, d = 3, k = 4, N = 6",
                 (rng.normal(size=(3, 4)).round(3), _one_hot(_labels(rng, 6, 4), 4)), group="random"),
            Case("random, d = 4, k = 2, N = 7",
                 (rng.normal(size=(4, 2)).round(3), _one_hot(_labels(rng, 7, 2, False), 2)), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "empty", "random", "random"):
            d, k, N = _distinct(rng)
            M = rng.normal(scale=3, size=(d, k)).round(2)
            cases.append(Case(group, (M, _one_hot(_labels(rng, N, k, group == "empty"), k)), group=group))
        d, N = int(rng.integers(2, 5)), int(rng.integers(3, 7))
        cases.append(Case("k = 1", (rng.normal(size=(d, 1)), np.ones((1, N))), group="edge"))
        d, k, N = _distinct(rng)
        cases.append(Case("int", (rng.integers(-9, 10, size=(d, k)), _one_hot(_labels(rng, N, k), k).astype(int)),
                          group="integer"))
        return cases


def _distinct(rng, d=(1, 5), k=(2, 5), N=(5, 10)):
    """Sizes d, k, N, all different."""
    while True:
        dd, kk, NN = (int(rng.integers(lo, hi + 1)) for lo, hi in (d, k, N))
        if len({dd, kk, NN}) == 3:
            return dd, kk, NN


CHECKERS = [OneHot(), LabelsFromOneHot(), IsLabelMatrix(), Reconstruct()]
