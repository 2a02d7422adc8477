"""Checkers of lesson 05-gradient-descent: ``loss_gradient``, ``numerical_gradient``, ``gradient_descent``.

The lesson's fourth exercise, ``minibatch_step``, has its checker in :mod:`.minibatch`.

loss_gradient(X, M): column j is ``2 * sum_{i in C_j} (m_j - x_i)`` (zero for an empty cluster).
With the hand case of lesson 02 (labels [0, 0, 1, 1, 2])::

    G[:, 0] = 2 * ((1,1)-(0,0) + (1,1)-(1,0)) = (2, 4)
    G[:, 1] = 2 * ((4,2)-(4,3) + (4,2)-(5,3)) = (-2, -4)
    G[:, 2] = 2 * ((9,1)-(9,0))               = (0, 2)

numerical_gradient(f, M, eps): compared with kmeans_ref's central differences on the same
f and eps (to 1e-6 relative). Hand cases: f(A) = sum(A**2) (exactly 2 M) and f(A) = sum(A**3)
with eps = 0.01, where central differences give exactly 3 M^2 + eps^2 and forward
differences 3 M^2 + 3 M eps + eps^2.

gradient_descent(X, M0, lr, n_steps): final M and the whole loss history equal the
reference's from the same start; len(losses) == n_steps + 1; losses[0] is the loss at M0;
and, when lr <= 1/N (each step then lowers every cluster's quadratic), losses never increase.

Visible cases:

loss_gradient   the hand case; a tie (lowest index wins); a far centroid (zero column);
                k = 1; integer X and M; seeded random (3, 8, 4) and (4, 7, 2)
numerical_gradient
    hand     sum(A**2) at a (2, 3) M, eps = 1e-3;  sum(A**3) at a (3, 2) M, eps = 0.01
    cross    A[0, 0] * A[1, 1] + sum(W * A), eps = 1e-4 (entries must be perturbed one at a time)
    default  the min-form loss of a fixed X at a (2, 3) M away from ties, default eps
    random   a seeded cubic polynomial at a (4, 2) M, eps = 0.01
gradient_descent
    hand     X = [[0, 1, 4, 5, 9]] (d = 1), M0 = [[1, 6]], lr = 0.1, n_steps = 3;
             the 2-D hand case, M0 = M, lr = 0.05, n_steps = 4
    edge     n_steps = 0 (M0 and [loss at M0]); a far centroid (its column never moves)
    integer  integer X and M0
    large    lr = 0.3 (steps overshoot; monotonicity not required)
    random   seeded (3, 10, 4), lr = 0.02, n_steps = 5
"""

import numpy as np

from . import _data
from .calls import Case, ref
from .checker import Checker, FunctionChecker, _inline, _space, part_problem
from .compare import as_array, compare_arrays, compare_scalars, fmt
from .lloyd import _as_losses
from .loss import HAND_M, HAND_X, _xm_hidden
from .minibatch import MinibatchStep

__all__ = ["LossGradient", "NumericalGradient", "GradientDescent", "MinibatchStep", "CHECKERS"]


class LossGradient(FunctionChecker):
    name = "loss_gradient"
    arg_names = ("X", "M")
    kinds = "iuf"
    weights = {"type": 0.15, "hand": 0.25, "ties": 0.1, "empty": 0.15, "edge": 0.1, "integer": 0.05,
               "random": 0.1, "unchanged": 0.1}
    labels = {"empty": "empty clusters (zero gradient)", "edge": "k = 1 and centroids on data points",
              "integer": "integer X and M"}

    def sizes(self, case):
        return _data.sizes_text(case.args[0], case.args[1])

    def make_visible_cases(self):
        rng = np.random.default_rng(501)
        a = np.array
        Xt = a([[0.0, 2, 1, 5, -2], [0, 0, 1, 4, 0]])
        return [
            Case("5 points, 3 centroids", (HAND_X, HAND_M), group="hand"),
            Case("a tie and two equal centroids", (Xt, a([[1.0, -1, 1], [0, 0, 0]])), group="ties"),
            Case("a centroid far away", (HAND_X, a([[1.0, 50, 6], [1, 50, 2]])), group="empty"),
            Case("k = 1", (HAND_X, a([[2.0], [1.0]])), group="edge"),
            Case("integer X and M", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), a([[1, 4, 0], [1, 1, 3]])),
                 group="integer"),
            Case("random (3, 8, 4)", (rng.normal(scale=3, size=(3, 8)).round(3),
                                      rng.normal(scale=3, size=(3, 4)).round(3)), group="random"),
            Case("random (4, 7, 2)", (rng.normal(scale=3, size=(4, 7)).round(3),
                                      rng.normal(scale=3, size=(4, 2)).round(3)), group="random"),
        ]

    def hidden_cases(self, rng):
        return _xm_hidden(rng, ("hand", "ties", "ties", "empty", "edge", "integer", "random", "random"))


# --- numerical_gradient ----------------------------------------------------------------
class _F:
    """A scalar test function f(A) with a readable description (shown for visible cases)."""

    def __init__(self, text, fn):
        self.text, self.fn = text, fn

    def __call__(self, A):
        return self.fn(np.asarray(A, dtype=float))

    def __repr__(self):
        return self.text


def _sum_squares():
    return _F("f(A) = np.sum(A ** 2)", lambda A: float(np.sum(A ** 2)))


def _sum_cubes():
    return _F("f(A) = np.sum(A ** 3)", lambda A: float(np.sum(A ** 3)))


def _cross(W):
    return _F(f"f(A) = A[0, 0] * A[1, 1] + np.sum(W * A) with W = {fmt(W)}",
              lambda A: float(A[0, 0] * A[1, 1] + np.sum(W * A)))


def _min_form(X):
    return _F(f"f(A) = min_form_loss(X, A) with X = {fmt(X)}", lambda A: float(ref("min_form_loss")(X, A)))


def _cubic(C2, C3, W):
    return _F("a cubic polynomial of the entries of A",
              lambda A: float(np.sum(C3 * A ** 3) + np.sum(C2 * A ** 2) + np.sum(W * A) + A[0, 0] * A[-1, -1]))


class NumericalGradient(FunctionChecker):
    name = "numerical_gradient"
    arg_names = ("f", "M", "eps")
    kinds = "iuf"
    rtol = 1e-6
    atol = 1e-8
    weights = {"type": 0.15, "hand": 0.3, "cross": 0.15, "default": 0.15, "random": 0.15, "unchanged": 0.1}
    labels = {"hand": "f(A) = sum(A**2) and sum(A**3) (computed by hand)",
              "cross": "a function with a cross term (one entry at a time)",
              "default": "the default eps",
              "random": "random cubic polynomials"}

    def evidence_rank(self, case):
        return 0 if case.group == "hand" else 1  # f(A) = sum(A**3) shows mistakes most plainly

    def sizes(self, case):
        d, k = np.shape(case.args[1])
        eps = case.args[2] if len(case.args) > 2 else "default"
        return f"M of shape ({d}, {k}), eps={eps}"

    def describe_inputs(self, case):
        lines = [f"f: {case.args[0]!r}", f"M = {_inline(fmt(case.args[1]))}"]
        if len(case.args) > 2:
            lines.append(f"eps = {case.args[2]}")
        return lines

    def make_visible_cases(self):
        rng = np.random.default_rng(502)
        a = np.array
        X = a([[0.0, 1, 4, 5, 9, 8.5], [0, 0, 3, 3, 0, 1]])
        W = a([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        M4 = rng.normal(size=(4, 2)).round(2)
        return [
            Case("sum of squares", (_sum_squares(), a([[1.0, -2, 0.5], [3, 0, -1]]), 1e-3), group="hand"),
            Case("sum of cubes", (_sum_cubes(), a([[1.0, -2], [0.5, 3], [0, -1]]), 1e-2), group="hand"),
            Case("a cross term", (_cross(W), a([[2.0, 1, -1], [0.5, -3, 4]]), 1e-4), group="cross"),
            Case("min-form loss, default eps", (_min_form(X), a([[0.5, 4.4, 8.8], [0.1, 2.9, 0.4]])),
                 group="default"),
            Case("a cubic polynomial", (_cubic(rng.normal(size=(4, 2)).round(2), rng.normal(size=(4, 2)).round(2),
                                                rng.normal(size=(4, 2)).round(2)), M4, 1e-2), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "cross", "default", "random", "random"):
            d, k = int(rng.integers(2, 5)), int(rng.integers(2, 4))
            M = rng.normal(scale=2, size=(d, k)).round(2)
            eps = float(rng.choice([1e-2, 5e-3, 1e-3]))
            if group == "hand":
                f = _sum_cubes()
            elif group == "cross":
                f, eps = _cross(rng.normal(size=(d, k)).round(2)), 1e-4
            elif group == "default":
                X = _data.blobs(rng, d, 8, k)
                M = X[:, :k] + 0.3
                f = _min_form(X)
                cases.append(Case(group, (f, M), group=group))
                continue
            else:
                f = _cubic(*(rng.normal(size=(d, k)).round(2) for _ in range(3)))
            cases.append(Case(group, (f, M, eps), group=group))
        return cases


# --- gradient_descent ---------------------------------------------------------------------
class GradientDescent(Checker):
    name = "gradient_descent"
    arg_names = ("X", "M0", "lr", "n_steps")
    weights = {"type": 0.15, "final": 0.3, "history": 0.15, "length": 0.1, "initial": 0.1, "monotone": 0.1,
               "unchanged": 0.1}
    labels = {"final": "final M equals the reference's from the same start",
              "history": "the loss history equals the reference's",
              "length": "n_steps + 1 losses",
              "initial": "losses[0] is the loss at M0",
              "monotone": "the losses never increase (small lr)"}

    def sizes(self, case):
        X, M0, lr, n_steps = case.args
        return f"{_data.sizes_text(X, M0)}, lr={lr:g}, n_steps={n_steps}"

    def keys(self, case):
        X, M0, lr, n_steps = case.args
        keys = ["final", "history", "length", "initial"]
        if lr <= 1.0 / np.shape(X)[1]:
            keys.append("monotone")
        return keys

    def normalise(self, out, case):
        X, M0, lr, n_steps = case.args
        if type(out) not in (tuple, list) or len(out) != 2:
            n = f" of {len(out)} values" if type(out) in (tuple, list) else ""
            return None, f"returned a {type(out).__name__}{n}; expected the pair (M, losses)"
        problems = []
        M, p = as_array(out[0], np.shape(M0), "iuf")
        if p:
            problems.append(part_problem(p, "first", "M"))
        losses, p = _as_losses(out[1])
        if p:
            problems.append(part_problem("returned " + p, "second", "losses"))
        if M is None and losses is None:
            return None, "; ".join(problems)
        return {"M": M, "losses": losses}, ("; ".join(problems) or None)

    def judge(self, value, case):
        X, M0, lr, n_steps = case.args
        M_ref, losses_ref = self.expected(case)
        losses_ref = np.asarray(losses_ref, dtype=float)
        show = not case.hidden
        out = {}
        M, losses = value["M"], value["losses"]
        if M is None:
            out["final"] = (False, "M has the wrong type or shape")
        else:
            ok, detail = compare_arrays(M, M_ref, rtol=1e-6, show=show)
            out["final"] = (ok, detail and "final M: " + detail)
        if losses is None:
            for key in ("history", "length", "initial", "monotone"):
                out[key] = (False, "losses is not a list of numbers")
            return out
        n, n_ref = len(losses), len(losses_ref)
        out["length"] = (n == n_ref, "" if n == n_ref else f"expected {n_ref} losses (n_steps + 1), got {n}")
        if n == n_ref:
            ok, detail = compare_arrays(losses, losses_ref, show=show)
            out["history"] = (ok, detail and "losses: " + detail)
        else:
            out["history"] = (False, "wrong length")
        if n:
            ok, detail = compare_scalars(float(losses[0]), float(losses_ref[0]), show=show)
            out["initial"] = (ok, detail and "losses[0]: " + detail)
        else:
            out["initial"] = (False, "no losses")
        with np.errstate(invalid="ignore"):
            rising = ~(np.diff(losses) <= 1e-9 * np.maximum(1.0, np.abs(losses[:-1])))
        bad = bool(np.any(rising)) or not np.all(np.isfinite(losses))
        out["monotone"] = (not bad, "" if not bad else "the loss increases (or is NaN)")
        return out

    def describe_inputs(self, case):
        X, M0, lr, n_steps = case.args
        return [f"X = {_inline(fmt(X))}", f"M0 = {_inline(fmt(M0))}", f"lr = {lr}", f"n_steps = {n_steps}"]

    def describe_expected(self, case):
        M, losses = self.expected(case)
        return f"M ={_space(_inline(fmt(np.asarray(M))))}\n    losses = {fmt([float(x) for x in losses])}"

    def describe_value(self, value):
        parts = []
        if value["M"] is not None:
            parts.append(f"M ={_space(_inline(fmt(value['M'])))}")
        if value["losses"] is not None:
            parts.append(f"losses = {fmt([float(x) for x in value['losses']])}")
        return "\n    ".join(parts)

    def make_visible_cases(self):
        rng = np.random.default_rng(503)
        a = np.array
        X3 = _data.blobs(rng, 3, 10, 4)
        return [
            Case("d = 1, two centroids", (a([[0.0, 1, 4, 5, 9]]), a([[1.0, 6]]), 0.1, 3), group="hand"),
            Case("5 points, 3 centroids", (HAND_X, HAND_M, 0.05, 4), group="hand"),
            Case("n_steps = 0", (HAND_X, HAND_M, 0.05, 0), group="edge"),
            Case("a centroid far away", (HAND_X, a([[1.0, 50, 6], [1, 50, 2]]), 0.1, 3), group="edge"),
            Case("integer X and M0", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), a([[1, 4, 0], [1, 1, 3]]), 0.1, 3),
                 group="integer"),
            Case("large lr", (HAND_X, HAND_M, 0.3, 3), group="large"),
            Case("random (3, 10, 4)", (X3, X3[:, :4] + 0.5, 0.02, 5), group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "edge", "empty", "integer", "large", "random"):
            for _ in range(100):
                d, k, N = _data.distinct_sizes(rng, d=(1, 4), k=(2, 4), N=(6, 11))
                X = _data.blobs(rng, d, N, k, spread=3.0)
                M0 = X[:, rng.choice(N, size=k, replace=False)] + rng.normal(scale=0.5, size=(d, k)).round(2)
                lr = float(rng.choice([0.5, 0.8, 1.0])) / N
                n_steps = int(rng.integers(3, 7))
                if group == "edge":
                    n_steps = 0
                elif group == "empty":
                    M0 = _data.far_centroid(X, M0, int(rng.integers(k)))
                elif group == "integer":
                    X = rng.integers(-9, 10, size=(d, N))
                    M0 = rng.integers(-9, 10, size=(d, k))
                elif group == "large":
                    lr = float(rng.uniform(0.2, 0.35))
                if _gd_min_gap(X, M0, lr, n_steps) > 1e-6:
                    cases.append(Case(group, (X, M0, lr, n_steps), group="edge" if group == "empty" else group))
                    break
        return cases


def _gd_min_gap(X, M0, lr, n_steps):
    """Smallest relative nearest/second-nearest gap along the GD trajectory (near-ties are avoided)."""
    X = np.asarray(X, dtype=float)
    M = np.asarray(M0, dtype=float)
    if M.shape[1] < 2:
        return np.inf
    gaps = []
    for _ in range(n_steps + 1):
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        part = np.sort(D, axis=0)
        gaps.append(float(np.min((part[1] - part[0]) / np.maximum(1.0, part[0]))))
        z = np.argmin(D, axis=0)
        G = np.zeros_like(M)
        for j in range(M.shape[1]):
            G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)
        M = M - lr * G
    return min(gaps)


CHECKERS = [LossGradient(), NumericalGradient(), GradientDescent(), MinibatchStep()]
