"""Checkers of lesson 07-soft-clustering: ``soft_assign``, ``soft_update``, ``em_isotropic``.

The toy case of the lesson (d = 2, N = 4, k = 2)::

    X = [[0, 1, 4, 5],      M = [[1, 4],      sq_distances(X, M) = [[ 2,  1, 13, 20],
         [0, 0, 3, 3]]           [1, 2]]                            [20, 13,  1,  2]]

soft_assign(X, M, ln 2 / 6): the differences 18 and 12 give the factors exp(-3 ln 2) = 1/8 and
exp(-2 ln 2) = 1/4, so the columns are (8/9, 1/9), (4/5, 1/5), (1/5, 4/5), (1/9, 8/9).
soft_update(X, R) with R = [[0.75, 0.75, 0.25, 0.25], [0.25, 0.25, 0.75, 0.75]]: both row totals
are 2, m_0 = (0.75 (0,0) + 0.75 (1,0) + 0.25 (4,3) + 0.25 (5,3)) / 2 = (1.5, 0.75), m_1 = (3.5, 2.25).
em_isotropic(X, [[0.5, 4.5], [0, 3]], 2): every squared distance to the nearest mean is 0.25, so
var = 0.25 / d = 0.125, weights (1/2, 1/2), and log p(x_i) = log(2 / pi) - 1: nothing moves.

Tolerance: relative 1e-6 (plus 1e-9 times the largest expected magnitude), for EM on every
returned value; EM's log-likelihoods must also never decrease (to 1e-9 relative).

Visible cases:

soft_assign(X, M, beta)
    hand     the toy case with beta = ln 2 / 6; the 5-point case of lesson 02 with beta = 0.5
    ties     a point on the bisector of two centroids and two equal centroids, beta = 2 and 1000:
             the tied clusters share equally
    large    the toy case with beta = 1000 (the naive formula gives 0 / 0 = NaN); seeded (3, 7, 4)
             with beta = 1e6
    integer  integer X and M, beta = 1
    random   seeded (3, 8, 4) with beta = 0.3 and (4, 7, 2) with beta = 0.05
    invalid  beta = 0 and beta = -1 must raise ValueError
soft_update(X, R)
    hand     the toy case with R above; a one-hot R (the cluster means)
    edge     k = 1; a row of R with a single positive entry (that observation)
    integer  integer X and integer weights R
    random   seeded (3, 8, 4) with responsibilities (columns summing to 1) and (5, 6, 2) with
             weights whose columns do not sum to 1 (only each row's total matters)
    invalid  a row of R all zeros must raise ValueError
em_isotropic(X, M0, n_iter)
    hand     the toy case from Lloyd's solution (a fixed point), n_iter = 2; from M = [[1, 4], [1, 2]],
             n_iter = 5
    start    n_iter = 0: the starting variances, the weights 1 / k and one log-likelihood
    floor    a mean on an isolated observation: its variance falls to the floor
    dead     a mean far from all the data: weight 0, its mean and variance kept
    integer  integer X and M0
    random   seeded (3, 12, 4) with n_iter = 6 and (2, 15, 3) with n_iter = 8
  criteria: M, var, weights and the whole log-likelihood history equal the reference's from the
  same start; n_iter + 1 log-likelihoods; they never decrease; M0 unchanged.
"""

import numpy as np

from . import _data
from .calls import Case
from .checker import Checker, FunctionChecker, _inline, _space, part_problem
from .compare import as_array, compare_arrays, fmt
from .lloyd import _as_losses
from .loss import HAND_M, HAND_X

__all__ = ["SoftAssign", "SoftUpdate", "EmIsotropic", "CHECKERS", "TOY_X", "TOY_M"]

TOY_X = np.array([[0.0, 1, 4, 5], [0, 0, 3, 3]])
TOY_M = np.array([[1.0, 4], [1, 2]])


# --- soft_assign -------------------------------------------------------------------------
class SoftAssign(FunctionChecker):
    name = "soft_assign"
    arg_names = ("X", "M", "beta")
    kinds = "f"
    weights = {"type": 0.15, "hand": 0.2, "ties": 0.1, "large": 0.15, "integer": 0.05, "random": 0.1,
               "invalid": 0.15, "unchanged": 0.1}
    labels = {"ties": "equidistant centroids share the observation equally",
              "large": "a large beta (no overflow, no NaN)",
              "integer": "integer X and M",
              "invalid": "raises ValueError for beta <= 0"}

    def sizes(self, case):
        return f"{_data.sizes_text(case.args[0], case.args[1])}, beta={case.args[2]:g}"

    def make_visible_cases(self):
        rng = np.random.default_rng(701)
        a = np.array
        Xt = a([[0.0, 2, 1, 3, -2], [0, 0, 1, 4, 0]])
        Mt = a([[1.0, -1, 3], [0, 0, 4]])       # (0, 0) is on the bisector of m_0 and m_1
        Me = a([[1.0, 1, 4], [1, 1, 2]])        # m_0 == m_1
        X3 = rng.normal(scale=3, size=(3, 7)).round(3)
        return [
            Case("the toy case, beta = ln 2 / 6", (TOY_X, TOY_M, float(np.log(2) / 6)), group="hand"),
            Case("5 points, 3 centroids", (HAND_X, HAND_M, 0.5), group="hand"),
            Case("a point on a bisector", (Xt, Mt, 2.0), group="ties"),
            Case("two equal centroids, beta = 1000", (TOY_X, Me, 1000.0), group="ties"),
            Case("the toy case, beta = 1000", (TOY_X, TOY_M, 1000.0), group="large"),
            Case("random (3, 7, 4), beta = 1e6", (X3, rng.normal(scale=3, size=(3, 4)).round(3), 1e6),
                 group="large"),
            Case("integer X and M", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), a([[1, 4, 0], [1, 1, 3]]), 1),
                 group="integer"),
            Case("random (3, 8, 4)", (rng.normal(scale=3, size=(3, 8)).round(3),
                                      rng.normal(scale=3, size=(3, 4)).round(3), 0.3), group="random"),
            Case("random (4, 7, 2)", (rng.normal(scale=3, size=(4, 7)).round(3),
                                      rng.normal(scale=3, size=(4, 2)).round(3), 0.05), group="random"),
            Case("beta = 0", (TOY_X, TOY_M, 0.0), expect_error=ValueError),
            Case("beta = -1", (TOY_X, TOY_M, -1.0), expect_error=ValueError),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "ties", "ties", "large", "large", "integer", "random", "random"):
            d, k, N = _data.distinct_sizes(rng)
            X = _data.blobs(rng, d, N, k)
            M = rng.normal(scale=4, size=(d, k)).round(2)
            beta = float(rng.choice([0.05, 0.2, 0.5, 1.0]))
            if group == "ties":
                # integer centroids and their midpoint: exactly equidistant in floats
                d = max(d, 2)
                X = _data.blobs(rng, d, N, k)
                M = rng.integers(-6, 7, size=(d, k)).astype(float)
                M[:, k - 1] = M[:, 0]
                M[0, k - 1] += 2 * int(rng.integers(1, 4))
                X[:, int(rng.integers(N))] = (M[:, 0] + M[:, k - 1]) / 2
                if k > 2 and rng.random() < 0.5:
                    M[:, 1] = M[:, 0]
                beta = float(rng.choice([1.0, 5.0, 1e3]))
            elif group == "large":
                # every exp(-beta D) underflows: beta times the smallest distance is over 2000
                D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
                beta = float(np.ceil(2000 / max(D.min(), 1e-3)))
            elif group == "integer":
                X = rng.integers(-9, 10, size=(d, N))
                M = rng.integers(-9, 10, size=(d, k))
                beta = float(rng.choice([0.1, 1.0]))
            cases.append(Case(group, (X, M, beta), group=group))
        cases.append(Case("beta = 0", (X, M, 0.0), expect_error=ValueError))
        cases.append(Case("beta < 0", (X, M, -round(float(rng.uniform(0.1, 5)), 2)), expect_error=ValueError))
        return cases


# --- soft_update -------------------------------------------------------------------------
def _responsibilities(rng, k, N, decimals=3):
    """Columns of positive weights summing to 1 (rounded, then renormalised)."""
    R = rng.dirichlet(np.ones(k), size=N).T.round(decimals) + 10.0 ** -decimals
    return R / R.sum(axis=0)


class SoftUpdate(FunctionChecker):
    name = "soft_update"
    arg_names = ("X", "R")
    kinds = "f"
    weights = {"type": 0.15, "hand": 0.25, "edge": 0.1, "integer": 0.05, "random": 0.2, "invalid": 0.15,
               "unchanged": 0.1}
    labels = {"edge": "k = 1 and a cluster with one weighted observation",
              "integer": "integer X and R",
              "invalid": "raises ValueError for a cluster of total responsibility 0"}

    def sizes(self, case):
        X, R = case.args
        return f"{_data.sizes_text(X)}, k={np.shape(R)[0]}"

    def make_visible_cases(self):
        rng = np.random.default_rng(702)
        a = np.array
        X3 = rng.normal(scale=3, size=(3, 8)).round(3)
        W = rng.uniform(0.1, 3, size=(2, 6)).round(2)
        return [
            Case("the toy case", (TOY_X, a([[0.75, 0.75, 0.25, 0.25], [0.25, 0.25, 0.75, 0.75]])), group="hand"),
            Case("a one-hot R", (TOY_X, a([[1.0, 1, 0, 0], [0, 0, 1, 1]])), group="hand"),
            Case("k = 1", (HAND_X, a([[0.5, 1, 1, 0.25, 2]])), group="edge"),
            Case("one weighted observation", (HAND_X, a([[0.0, 0, 0.3, 0, 0], [1, 1, 0.7, 1, 1]])), group="edge"),
            Case("integer X and R", (a([[0, 2, 4, 1, 3], [1, 0, 2, 3, 3]]), a([[2, 0, 1, 1, 0], [0, 3, 1, 0, 2]])),
                 group="integer"),
            Case("random (3, 8, 4)", (X3, _responsibilities(rng, 4, 8)), group="random"),
            Case("random (5, 6, 2), rows of any total", (rng.normal(scale=3, size=(5, 6)).round(3), W),
                 group="random"),
            Case("a row of zeros", (TOY_X, a([[0.5, 1, 0, 0.25], [0, 0, 0, 0], [0.5, 0, 1, 0.75]])),
                 expect_error=ValueError),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "edge", "integer", "random", "random", "random"):
            d, k, N = _data.distinct_sizes(rng)
            X = _data.blobs(rng, d, N, k)
            R = _responsibilities(rng, k, N)
            if group == "hand":
                R = _data.one_hot(_data.labels(rng, N, k), k) * 0.6 + 0.4 / k
            elif group == "edge":
                R = R[:1] if rng.random() < 0.5 else R
                R[0] = 0.0
                R[0, int(rng.integers(N))] = round(float(rng.uniform(0.1, 1)), 2)
            elif group == "integer":
                X = rng.integers(-9, 10, size=(d, N))
                R = rng.integers(0, 4, size=(k, N))
                R[:, 0] = 1  # every row has a positive total
            elif rng.random() < 0.5:
                R = R * rng.uniform(0.1, 5, size=(1, N)).round(2)  # columns of any total
            cases.append(Case(group, (X, R), group=group))
        R = _responsibilities(rng, 3, 5)
        R[int(rng.integers(3))] = 0.0
        cases.append(Case("a row of zeros", (_data.blobs(rng, 2, 5, 3), R), expect_error=ValueError))
        return cases


# --- em_isotropic --------------------------------------------------------------------------
class EmIsotropic(Checker):
    name = "em_isotropic"
    arg_names = ("X", "M0", "n_iter")
    rtol = 1e-6
    weights = {"type": 0.1, "means": 0.2, "variances": 0.15, "weights": 0.1, "history": 0.15, "length": 0.1,
               "monotone": 0.1, "unchanged": 0.1}
    labels = {"means": "M equals the reference's from the same start",
              "variances": "var equals the reference's",
              "weights": "weights equal the reference's",
              "history": "the log-likelihood history equals the reference's",
              "length": "n_iter + 1 log-likelihoods",
              "monotone": "the log-likelihood never decreases"}
    _parts = (("M", "first"), ("var", "second"), ("weights", "third"))

    def sizes(self, case):
        X, M0, n_iter = case.args
        return f"{_data.sizes_text(X, M0)}, n_iter={n_iter}"

    def keys(self, case):
        return ["means", "variances", "weights", "history", "length", "monotone"]

    def normalise(self, out, case):
        X, M0, _ = case.args
        d, k = np.shape(M0)
        if type(out) not in (tuple, list) or len(out) != 4:
            n = f" of {len(out)} values" if type(out) in (tuple, list) else ""
            return None, f"returned a {type(out).__name__}{n}; expected (M, var, weights, log_likelihoods)"
        value, problems = {}, []
        for (name, ordinal), raw, shape in zip(self._parts, out, ((d, k), (k,), (k,))):
            value[name], p = as_array(raw, shape, "iuf")
            if p:
                problems.append(part_problem(p, ordinal, name))
        value["lls"], p = _as_losses(out[3])
        if p:
            problems.append(part_problem("returned " + p, "fourth", "log_likelihoods"))
        if all(v is None for v in value.values()):
            return None, "; ".join(problems)
        return value, ("; ".join(problems) or None)

    def judge(self, value, case):
        expected = dict(zip(("M", "var", "weights", "lls"), self.expected(case)))
        show = not case.hidden
        out = {}
        for key, name in (("means", "M"), ("variances", "var"), ("weights", "weights")):
            if value[name] is None:
                out[key] = (False, f"{name} has the wrong type or shape")
            else:
                ok, detail = compare_arrays(value[name], expected[name], rtol=self.rtol, show=show)
                out[key] = (ok, detail and f"{name}: {detail}")
        lls, lls_ref = value["lls"], np.asarray(expected["lls"], dtype=float)
        if lls is None:
            for key in ("history", "length", "monotone"):
                out[key] = (False, "log_likelihoods is not a list of numbers")
            return out
        n, n_ref = len(lls), len(lls_ref)
        out["length"] = (n == n_ref, "" if n == n_ref else f"expected {n_ref} log-likelihoods (n_iter + 1), got {n}")
        if n == n_ref:
            ok, detail = compare_arrays(lls, lls_ref, rtol=self.rtol, show=show)
            out["history"] = (ok, detail and "log_likelihoods: " + detail)
        else:
            out["history"] = (False, "wrong length")
        with np.errstate(invalid="ignore"):
            falling = ~(np.diff(lls) >= -1e-9 * np.maximum(1.0, np.abs(lls[:-1])))
        finite = bool(np.all(np.isfinite(lls)))
        bad = bool(np.any(falling)) or not finite
        out["monotone"] = (not bad, "" if not bad else
                           ("a log-likelihood is not finite" if not finite else
                            f"the log-likelihood decreases at iteration {int(np.argmax(falling)) + 1}"))
        return out

    def describe_inputs(self, case):
        X, M0, n_iter = case.args
        return [f"X = {_inline(fmt(X))}", f"M0 = {_inline(fmt(M0))}", f"n_iter = {n_iter}"]

    def describe_expected(self, case):
        M, var, weights, lls = self.expected(case)
        return (f"M ={_space(_inline(fmt(np.asarray(M))))}\n    var = {fmt(np.asarray(var))}, "
                f"weights = {fmt(np.asarray(weights))}\n    log_likelihoods = {fmt([float(x) for x in lls])}")

    def describe_value(self, value):
        parts = []
        if value["M"] is not None:
            parts.append(f"M ={_space(_inline(fmt(value['M'])))}")
        parts += [f"{name} = {fmt(value[name])}" for name in ("var", "weights") if value[name] is not None]
        if value["lls"] is not None:
            parts.append(f"log_likelihoods = {fmt([float(x) for x in value['lls']])}")
        return "\n    ".join(parts)

    def make_visible_cases(self):
        rng = np.random.default_rng(703)
        a = np.array
        X3 = _data.blobs(rng, 3, 12, 4, spread=3.0)
        X2 = _data.blobs(rng, 2, 15, 3, spread=3.0)
        # six observations around (0, 0) and one alone at (40, 30): the mean put on it keeps only it
        Xf = a([[0.0, 1, -1, 0.5, 0, -0.5, 40], [0, 0.5, 0, -1, 1, 0.5, 30]])
        return [
            Case("the toy case from Lloyd's solution", (TOY_X, a([[0.5, 4.5], [0.0, 3]]), 2), group="hand"),
            Case("the toy case, 5 iterations", (TOY_X, TOY_M, 5), group="hand"),
            Case("n_iter = 0", (HAND_X, HAND_M, 0), group="start"),
            Case("a mean on an isolated observation", (Xf, a([[0.0, 40], [0, 30]]), 3), group="floor"),
            Case("a mean far from the data", (HAND_X, a([[1.0, 300, 6], [1, 300, 2]]), 3), group="dead"),
            Case("integer X and M0", (a([[0, 2, 4, 1, 3, 5, 8], [1, 0, 2, 3, 3, 0, 6]]), a([[1, 4], [1, 3]]), 4),
                 group="integer"),
            Case("random (3, 12, 4)", (X3, X3[:, :4] + 0.5, 6), group="random"),
            Case("random (2, 15, 3)", (X2, X2[:, [0, 5, 10]] - 0.25, 8), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "start", "floor", "dead", "integer", "random", "random"):
            d, k, N = _data.distinct_sizes(rng, d=(1, 4), k=(2, 4), N=(8, 16))
            X = _data.blobs(rng, d, N, k, spread=3.0)
            M0 = X[:, rng.choice(N, size=k, replace=False)] + rng.normal(scale=0.5, size=(d, k)).round(2)
            n_iter = int(rng.integers(2, 9))
            if group == "start":
                n_iter = 0
            elif group == "floor":
                X[:, -1] = X.max(axis=1) + 200 + rng.integers(0, 10, size=d)  # an isolated observation ...
                M0[:, -1] = X[:, -1]                                         # ... and a mean on it
            elif group == "dead":
                M0 = _data.far_centroid(X, M0, int(rng.integers(k)), distance=300.0)
            elif group == "integer":
                X = rng.integers(-9, 10, size=(d, N))
                M0 = X[:, rng.choice(N, size=k, replace=False)] + rng.integers(-1, 2, size=(d, k))
            cases.append(Case(group, (X, M0, n_iter), group=group))
        return cases


CHECKERS = [SoftAssign(), SoftUpdate(), EmIsotropic()]
