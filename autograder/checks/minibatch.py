"""Checker of lesson 05's ``minibatch_step(X_batch, M, counts) -> (M, counts)``.

Every column of ``X_batch`` goes to its nearest centroid of ``M`` (ties to the lowest index);
with ``b_j`` batch observations of sum ``s_j`` assigned to centroid j,
``m_j <- (counts_j m_j + s_j) / (counts_j + b_j)`` and ``counts_j <- counts_j + b_j``; a centroid
that no batch observation chose is unchanged (its count too). Both returned values are compared
with the reference's: M to 1e-6 relative, counts exactly (integers, shape (k,)).

By hand, with X_batch = [[0, 1, 4, 5], [0, 0, 3, 3]] and M = [[1, 4], [1, 2]] the batch splits
into {(0, 0), (1, 0)} for m_0 and {(4, 3), (5, 3)} for m_1 (b = (2, 2)):

    counts = (0, 0):  M -> [[0.5, 4.5], [0, 3]]  (the batch means), counts -> (2, 2)
    counts = (2, 2):  m_0 -> (2 (1, 1) + (1, 0)) / 4 = (0.75, 0.5),
                      m_1 -> (2 (4, 2) + (9, 6)) / 4 = (4.25, 2.5),   counts -> (4, 4)

Visible cases:

hand      the two cases above
running   counts = (3, 1, 0) on a (2, 5) batch with k = 3 (centroid 2 starts from nothing)
ties      a batch point exactly halfway between centroids 0 and 2, and two equal centroids
empty     a far centroid with count 0 and one with count 7: both unchanged, counts unchanged
edge      k = 1; a batch of one observation; integer X_batch and M
random    seeded (3, b = 7, k = 4) and (4, b = 9, k = 2), counts in 0..20

Criteria: the centroids of each case count towards the case's group, the counts towards
``counts`` on every case; inputs must not change (``unchanged``).
"""

import numpy as np

from . import _data
from .calls import Case
from .checker import Checker, _inline, _space, part_problem
from .compare import as_array, compare_arrays, fmt

__all__ = ["MinibatchStep"]


class MinibatchStep(Checker):
    name = "minibatch_step"
    arg_names = ("X_batch", "M", "counts")
    weights = {"type": 0.15, "hand": 0.15, "running": 0.15, "ties": 0.1, "empty": 0.1, "edge": 0.05,
               "random": 0.05, "counts": 0.15, "unchanged": 0.1}
    labels = {"hand": "small cases computed by hand (counts 0 and 2)",
              "running": "the running mean over everything assigned so far",
              "empty": "a centroid with no batch observation stays as it was",
              "edge": "k = 1, a batch of one, integer inputs",
              "random": "random cases (d, b, k all different, counts in 0..20)",
              "counts": "counts updated by the batch sizes b_j"}

    def sizes(self, case):
        X, M, counts = case.args
        d, b = np.shape(X)
        return f"d={d}, b={b}, k={np.shape(M)[1]}"

    def keys(self, case):
        return [case.group, "counts"]

    def normalise(self, out, case):
        X, M, counts = case.args
        if type(out) not in (tuple, list) or len(out) != 2:
            n = f" of {len(out)} values" if type(out) in (tuple, list) else ""
            return None, f"returned a {type(out).__name__}{n}; expected the pair (M, counts)"
        problems = []
        M_out, p = as_array(out[0], np.shape(M), "f")
        if p:
            problems.append(part_problem(p, "first", "M"))
        counts_out, p = as_array(out[1], np.shape(counts), "iu", int_only=True)
        if p:
            problems.append(part_problem(p, "second", "counts"))
        if M_out is None and counts_out is None:
            return None, "; ".join(problems)
        return {"M": M_out, "counts": counts_out}, ("; ".join(problems) or None)

    def judge(self, value, case):
        M_ref, counts_ref = self.expected(case)
        show = not case.hidden
        if value["M"] is None:
            centroids = (False, "M has the wrong type or shape")
        else:
            ok, detail = compare_arrays(value["M"], M_ref, rtol=1e-6, show=show)
            centroids = (ok, detail and "M: " + detail)
        if value["counts"] is None:
            counts = (False, "counts has the wrong type or shape")
        elif np.array_equal(value["counts"], counts_ref):
            counts = (True, "")
        else:
            got = f", got {fmt(value['counts'])}" if show else ""
            counts = (False, f"counts: expected {fmt(np.asarray(counts_ref)) if show else 'other values'}{got}")
        return {case.group: centroids, "counts": counts}

    def describe_inputs(self, case):
        return [f"{name} = {_inline(fmt(np.asarray(a)))}" for name, a in zip(self.arg_names, case.args)]

    def describe_expected(self, case):
        M, counts = self.expected(case)
        return f"M ={_space(_inline(fmt(np.asarray(M))))}\n    counts = {fmt(np.asarray(counts))}"

    def describe_value(self, value):
        parts = []
        if value["M"] is not None:
            parts.append(f"M ={_space(_inline(fmt(value['M'])))}")
        if value["counts"] is not None:
            parts.append(f"counts = {fmt(value['counts'])}")
        return "\n    ".join(parts)

    # --- cases ----------------------------------------------------------------------------
    def make_visible_cases(self):
        rng = np.random.default_rng(504)
        a = np.array
        Xh = a([[0.0, 1, 4, 5], [0, 0, 3, 3]])
        Mh = a([[1.0, 4], [1, 2]])
        X3 = _data.blobs(rng, 3, 7, 4)
        X4 = _data.blobs(rng, 4, 9, 2)
        return [
            _case("counts 0: the batch means", Xh, Mh, [0, 0], "hand"),
            _case("counts (2, 2)", Xh, Mh, [2, 2], "hand"),
            _case("counts (3, 1, 0)", a([[0.0, 1, 6, 7, 3], [0, 1, 0, 1, 5]]), a([[0.5, 6.5, 3], [0, 0, 4]]),
                  [3, 1, 0], "running"),
            # (1, 0) is 1 from m_0 = (0, 0) and from m_2 = (2, 0); m_1 == m_0
            _case("a tie and two equal centroids", a([[1.0, -1, 3], [0, 0, 1]]), a([[0.0, 0, 2], [0, 0, 0]]),
                  [1, 4, 1], "ties"),
            _case("two far centroids", a([[0.0, 1, 2, 8, 9, 8], [0, 1, 0, 8, 8, 9]]),
                  a([[1.0, 50, 8, -40], [0, 50, 8, 30]]), [2, 0, 5, 7], "empty"),
            _case("k = 1", a([[0.0, 2, 4], [1, 1, 4]]), a([[1.0], [1.0]]), [3], "edge"),
            _case("a batch of one", a([[2.0], [4], [6]]), a([[0.0, 5], [0, 5], [0, 5]]), [4, 6], "edge"),
            _case("integer X_batch and M", a([[0, 2, 7, 9, 4], [1, 0, 6, 8, 1]]), a([[1, 8, 4], [1, 7, 0]]),
                  [1, 2, 3], "edge"),
            _case("random (3, 7, 4)", X3, X3[:, :4] + 0.5, rng.integers(0, 21, size=4), "random"),
            _case("random (4, 9, 2)", X4, X4[:, [0, 5]] - 0.25, rng.integers(0, 21, size=2), "random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "running", "ties", "empty", "edge", "random", "random"):
            for _ in range(100):
                d, k, b = _data.distinct_sizes(rng, d=(1, 4), k=(2, 5), N=(3, 9))
                X = _data.blobs(rng, d, b, k)
                M = (X[:, rng.integers(b, size=k)] + rng.normal(scale=0.7, size=(d, k))).round(2)
                counts = rng.integers(1, 21, size=k)
                if group == "hand":
                    counts[:] = 0
                elif group == "running":
                    counts[int(rng.integers(k))] = 0
                elif group == "ties":
                    d = max(d, 2)
                    X = _data.blobs(rng, d, b, k)
                    M = rng.integers(-6, 7, size=(d, k)).astype(float)
                    low = rng.integers(-5, 6, size=d)
                    high = low.copy()
                    high[0] += 2 * int(rng.integers(1, 4))
                    M[:, 0], M[:, k - 1] = low, high
                    X[:, int(rng.integers(b))] = _data.tie_point(rng, d, low, high)
                    if k > 2:
                        M[:, 1] = M[:, 0]
                elif group == "empty":
                    j = int(rng.integers(k))
                    M = _data.far_centroid(X, M, j)
                    counts[j] = 0 if rng.random() < 0.5 else counts[j]
                elif group == "edge":
                    X = rng.integers(-9, 10, size=(d, b))
                    M = rng.integers(-9, 10, size=(d, k))
                if group == "ties" or _min_gap(X, M) > 1e-6:
                    cases.append(_case(group, X, M, counts, group))
                    break
        return cases


def _case(label, X, M, counts, group):
    return Case(label, (X, M, np.asarray(counts, dtype=np.int64)), group=group)


def _min_gap(X, M):
    """Smallest relative gap between nearest and second-nearest squared distance (near-ties are avoided)."""
    X, M = np.asarray(X, dtype=float), np.asarray(M, dtype=float)
    if M.shape[1] < 2:
        return np.inf
    D = np.sort(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
    return float(np.min((D[1] - D[0]) / np.maximum(1.0, D[0])))
