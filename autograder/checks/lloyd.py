"""Checkers of lesson 03-lloyd: ``assign``, ``update_means``, ``lloyd``.

The hand case of lesson 02 again (X (2, 5), M (2, 3), see :mod:`autograder.checks.loss`):
``assign(X, M)`` labels the points ``[0, 0, 1, 1, 2]``; with labels ``z = [0, 1, 1, 2, 0]``
``update_means`` gives ``m_0 = mean{(0,0), (9,0)} = (4.5, 0)``, ``m_1 = mean{(1,0), (4,3)} =
(2.5, 1.5)``, ``m_2 = (5, 3)``.

Visible cases:

assign(X, M)
    hand     the hand case -> labels [0, 0, 1, 1, 2]; a point nearer in L2 but not in L1
    ties     X = [[0, 2, 1, 5, -2], [0, 0, 1, 4, 0]], M = [[1, -1, 1], [0, 0, 0]]: (0, 0) is
             equidistant from m_0 and m_1 (-> 0); m_0 == m_2, so nobody joins cluster 2
    empty    one centroid far from every point
    edge     k = 1; k = N with M = X's columns (each point its own cluster)
    integer  integer X and M
    random   seeded (d, N, k) = (3, 8, 4) and (4, 7, 2)
update_means(X, Y, M_prev)
    hand     the hand case with labels [0, 1, 1, 2, 0]
    empty    labels [0, 0, 2, 2, 0]: m_1 keeps M_prev[:, 1] = (7, -3)
    integer  integer X, Y, M_prev whose means are not integers
    edge     k = 1; k = N with duplicate points
    random   seeded (3, 8, 4) with an empty cluster and (5, 7, 2)
lloyd(X, M0, max_iter)   (judged by its contract; every case also compared with kmeans_ref.lloyd)
    hand     a zigzag chain of 9 points (d = 2, k = 3), M0 = its first three points: 4 updates
    max_iter the same start with max_iter = 1 and 2 (stopped before convergence)
    empty    M0 with a centroid far away: its cluster stays empty and keeps M0's column
    ties     integer data with a point equidistant from two initial centroids
    integer  integer X and integer M0
    edge     k = 1
    random   seeded (d, N, k) = (3, 10, 4) and (4, 12, 2)
  criteria: final M and Y equal the reference's from the same start (Y may also be
  assign(X, M)); the whole loss history equals the reference's; its length (one loss per
  update); losses never increase; at convergence Y == assign(X, M) and M is the mean of
  its clusters (the fixed point); M0 unchanged.
"""

import numpy as np

from . import _data
from .calls import Case, ref
from .checker import Checker, FunctionChecker, _inline, _space, part_problem
from .compare import as_array, as_scalar, compare_arrays, fmt
from .loss import HAND_M, HAND_X, HAND_Z

__all__ = ["Assign", "UpdateMeans", "Lloyd", "LoopChecker", "CHECKERS", "min_gap"]


class Assign(FunctionChecker):
    name = "assign"
    arg_names = ("X", "M")
    distances = "sq_distances"
    weights = {"type": 0.2, "hand": 0.2, "ties": 0.15, "empty": 0.1, "edge": 0.1, "integer": 0.05,
               "random": 0.1, "unchanged": 0.1}
    labels = {"edge": "k = 1 and k = N", "integer": "integer X and M"}

    def sizes(self, case):
        return _data.sizes_text(case.args[0], case.args[1])

    def make_visible_cases(self):
        rng = np.random.default_rng(301)
        a = np.array
        Xt = a([[0.0, 2, 1, 5, -2], [0, 0, 1, 4, 0]])
        X4 = a([[0.0, 6, 1, 7], [0, 6, 5, 7]])
        return [
            Case("5 points, 3 centroids", (HAND_X, HAND_M), group="hand"),
            Case("nearest in L2, not in L1", (X4, a([[2.0, 3, 6], [2, 0, 6]])), group="hand"),
            Case("a tie and two equal centroids", (Xt, a([[1.0, -1, 1], [0, 0, 0]])), group="ties"),
            Case("a centroid far away", (HAND_X, a([[1.0, 50, 6], [1, 50, 2]])), group="empty"),
            Case("k = 1", (HAND_X, a([[2.0], [1.0]])), group="edge"),
            Case("k = N", (X4, X4[:, [3, 1, 0, 2]]), group="edge"),
            Case("integer X and M", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), a([[1, 4, 0], [1, 1, 3]])),
                 group="integer"),
            Case("random (3, 8, 4)", (rng.normal(scale=3, size=(3, 8)).round(3),
                                      rng.normal(scale=3, size=(3, 4)).round(3)), group="random"),
            Case("random (4, 7, 2)", (rng.normal(scale=3, size=(4, 7)).round(3),
                                      rng.normal(scale=3, size=(4, 2)).round(3)), group="random"),
        ]

    def hidden_cases(self, rng):
        from .loss import _xm_hidden

        cases = _xm_hidden(rng, ("hand", "ties", "ties", "empty", "edge", "integer", "random", "random"))
        cases.append(_l1_l2_disagree(rng))
        return cases


def _l1_l2_disagree(rng):
    """A case where the nearest centroid in L2 is not the nearest in L1 (and vice versa)."""
    s = float(rng.integers(1, 4))
    off = rng.normal(scale=20, size=2).round(1)
    X = np.array([[0.0, 7, -6, 3], [0, 9, 5, -8]]) * s + off[:, None]
    M = np.array([[2.0, 3, -20], [2, 0, 20]]) * s + off[:, None]
    return Case("L1 and L2 disagree", (X, M), group="hand")


class UpdateMeans(FunctionChecker):
    name = "update_means"
    arg_names = ("X", "Y", "M_prev")
    kinds = "iuf"
    weights = {"type": 0.15, "hand": 0.25, "empty": 0.2, "integer": 0.1, "edge": 0.1, "random": 0.1,
               "unchanged": 0.1}
    labels = {"empty": "empty clusters keep M_prev's column", "edge": "k = 1, k = N, duplicate points",
              "integer": "integer input (the means are not integers)"}

    def sizes(self, case):
        return _data.sizes_text(case.args[0], case.args[2])

    def make_visible_cases(self):
        rng = np.random.default_rng(302)
        oh = _data.one_hot
        a = np.array
        Xd = a([[1.0, 1, 4, 2], [3, 3, 0, 2]])  # a duplicated point
        X3 = rng.normal(scale=3, size=(3, 8)).round(3)
        X5 = rng.normal(scale=3, size=(5, 7)).round(3)
        return [
            Case("labels [0, 1, 1, 2, 0]", (HAND_X, oh(HAND_Z, 3), HAND_M), group="hand"),
            Case("cluster 1 empty", (HAND_X, oh([0, 0, 2, 2, 0], 3), a([[1.0, 7, 9], [1, -3, 1]])), group="empty"),
            Case("integer input", (a([[0, 2, 4, 1, 3, 5], [1, 0, 2, 3, 3, 0]]), oh([0, 1, 1, 0, 1, 0], 2).astype(int),
                                   a([[1, 4], [1, 1]])), group="integer"),
            Case("k = 1", (HAND_X, np.ones((1, 5)), a([[0.0], [0.0]])), group="edge"),
            Case("k = N, a duplicated point", (Xd, oh([2, 0, 3, 1], 4), Xd[:, [1, 3, 0, 2]] + 1), group="edge"),
            Case("random (3, 8, 4), cluster empty", (X3, oh(_data.labels(rng, 8, 4, leave_out=1), 4),
                                                     rng.normal(size=(3, 4)).round(3)), group="random"),
            Case("random (5, 7, 2)", (X5, oh(_data.labels(rng, 7, 2), 2), rng.normal(size=(5, 2)).round(3)),
                 group="random"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for group in ("hand", "empty", "empty", "integer", "edge", "random", "random"):
            d, k, N = _data.distinct_sizes(rng)
            if group == "edge":
                k = 1
            X = _data.blobs(rng, d, N, k)
            z = _data.labels(rng, N, k, leave_out=1 if group == "empty" else 0)
            M_prev = rng.normal(scale=4, size=(d, k)).round(2)
            Y = _data.one_hot(z, k)
            if group == "hand":
                # labels that are not the nearest centroids of M_prev
                Y = _data.one_hot(np.roll(np.argmin(ref("sq_distances")(X, M_prev), axis=0), 1) % k, k)
                if Y.sum(axis=1).min() == 0:
                    Y = _data.one_hot(z, k)
            if group == "integer":
                X = rng.integers(-9, 10, size=(d, N))
                Y = Y.astype(int)
                M_prev = rng.integers(-9, 10, size=(d, k))
                counts = np.bincount(z, minlength=k)
                j = int(np.argmax(counts))  # a cluster with at least two points
                members = np.flatnonzero(z == j)
                if X[0, members].sum() % counts[j] == 0:
                    X[0, members[0]] += 1  # its mean is not an integer
            cases.append(Case(group, (X, Y, M_prev), group=group))
        return cases


# ---------------------------------------------------------------------------------------
# Loops: lloyd (here) and kmedians (lesson 04) share the contract checker
# ---------------------------------------------------------------------------------------
def _nearest(X, M, metric):
    diff = X[:, None, :] - M[:, :, None]
    D = (diff ** 2).sum(axis=0) if metric == "l2" else np.abs(diff).sum(axis=0)
    return D


def min_gap(X, M0, max_iter, metric="l2", update="mean", skip_first=False):
    """Smallest relative gap between the nearest and second-nearest centroid along a trajectory.

    Used to keep hidden loop cases away from near-ties, where two correct implementations
    could round differently and part ways.
    """
    X = np.asarray(X, dtype=float)
    M = np.asarray(M0, dtype=float).copy()
    k = M.shape[1]
    gaps = []
    z = None
    for step in range(max_iter + 1):
        D = _nearest(X, M, metric)
        if k > 1 and not (skip_first and step == 0):
            part = np.sort(D, axis=0)
            gaps.append(float(np.min((part[1] - part[0]) / np.maximum(1.0, part[0]))))
        z_new = np.argmin(D, axis=0)
        if z is not None and np.array_equal(z, z_new):
            break
        z = z_new
        for j in range(k):
            if np.any(z == j):
                pts = X[:, z == j]
                M[:, j] = pts.mean(axis=1) if update == "mean" else np.median(pts, axis=1)
    return min(gaps) if gaps else np.inf


class LoopChecker(Checker):
    """Judges ``(M, Y, losses) = loop(X, M0, max_iter)`` by its contract (lloyd, kmedians)."""

    arg_names = ("X", "M0", "max_iter")
    assign_name = "assign"
    update_name = "update_means"
    loss_name = "kmeans_loss"
    weights = {"type": 0.15, "final": 0.3, "history": 0.15, "length": 0.1, "monotone": 0.1, "fixed": 0.1,
               "unchanged": 0.1}
    labels = {"final": "final M and Y equal the reference's from the same start",
              "history": "the loss history equals the reference's",
              "length": "one loss per update (the length of the history)",
              "monotone": "the losses never increase",
              "fixed": "at convergence: Y == assign(X, M) and M is the update of Y (a fixed point)"}

    def sizes(self, case):
        text = _data.sizes_text(case.args[0], case.args[1])
        return f"{text}, max_iter={case.args[2]}"

    def keys(self, case):
        keys = ["final", "history", "length", "monotone"]
        if self.converged(case):
            keys.append("fixed")
        return keys

    def converged(self, case):
        if "converged" not in case.info:
            X, M0, max_iter = case.args
            M, Y, _ = self.expected(case)
            z = np.argmax(np.asarray(ref(self.assign_name)(X, M)), axis=0)
            case.info["converged"] = bool(np.array_equal(z, np.argmax(np.asarray(Y), axis=0)))
        return case.info["converged"]

    def normalise(self, out, case):
        X, M0, _ = case.args
        d, k, N = X.shape[0], M0.shape[1], X.shape[1]
        if type(out) not in (tuple, list) or len(out) != 3:
            if type(out) in (tuple, list):
                return None, f"returned a {type(out).__name__} of {len(out)} values; expected (M, Y, losses)"
            return None, f"returned a {type(out).__name__}; expected the tuple (M, Y, losses)"
        problems = []
        M, p = as_array(out[0], (d, k), "iuf")
        if p:
            problems.append(part_problem(p, "first", "M"))
        Y, p = as_array(out[1], (k, N), "biuf")
        if p:
            if np.shape(out[1]) == (N,):
                p = f"returned the labels z (shape ({N},)) instead of the one-hot Y of shape ({k}, {N})"
            else:
                p = part_problem(p, "second", "Y")
            problems.append(p)
        losses, p = _as_losses(out[2])
        if p:
            problems.append(part_problem("returned " + p, "third", "losses"))
        if M is None and Y is None and losses is None:
            return None, "; ".join(problems)
        return {"M": M, "Y": Y, "losses": losses}, ("; ".join(problems) or None)

    def judge(self, value, case):
        X, M0, max_iter = case.args
        M_ref, Y_ref, losses_ref = self.expected(case)
        losses_ref = np.asarray(losses_ref, dtype=float)
        show = not case.hidden
        M, Y, losses = value["M"], value["Y"], value["losses"]
        out = {}
        # final state
        if M is None or Y is None:
            out["final"] = (False, "M or Y has the wrong type or shape")
        else:
            ok_y = self.acceptable_y(X, Y, M_ref, Y_ref, losses_ref)
            if ok_y:
                ok_m, detail = self.final_m(M, np.asarray(M_ref), X, Y, show, case)
                detail = "" if ok_m else "final M: " + detail
            else:
                ok_m, detail = False, "final Y differs from the reference's"
            out["final"] = (ok_y and ok_m, detail)
        # history
        if losses is None:
            for key in ("history", "length", "monotone"):
                out[key] = (False, "losses is not a list of numbers")
        else:
            n, n_ref = len(losses), len(losses_ref)
            out["length"] = (n == n_ref, "" if n == n_ref else
                             f"expected {n_ref} loss{'es' if n_ref != 1 else ''} (one per update), got {n}")
            if n == n_ref:
                ok, detail = compare_arrays(losses, losses_ref, show=show)
                out["history"] = (ok, detail and "losses: " + detail)
            else:
                out["history"] = (False, f"{n} losses instead of {n_ref}" if show else "wrong length")
            with np.errstate(invalid="ignore"):
                steps = np.diff(losses)
                tol = 1e-9 * np.maximum(1.0, np.abs(losses[:-1]))
                rising = ~(steps <= tol)
            bad = bool(np.any(rising)) or not np.all(np.isfinite(losses))
            out["monotone"] = (not bad, "" if not bad else
                               ("a loss is NaN" if not np.all(np.isfinite(losses)) else
                                f"the loss increases at step {int(np.argmax(rising)) + 1}"))
        # fixed point (only when the reference converged)
        if self.converged(case):
            if M is None or Y is None or not np.all(np.isfinite(M)):
                out["fixed"] = (False, "no usable M and Y")
            else:
                Y_next = np.asarray(ref(self.assign_name)(X, M))
                ok_y = np.array_equal(Y, Y_next)
                ok_m = ok_y and self.is_update(X, Y, M)
                out["fixed"] = (ok_y and ok_m, "" if ok_y and ok_m else
                                ("Y is not assign(X, M)" if not ok_y else "M is not the update of Y"))
        return out

    def is_update(self, X, Y, M):
        """Whether M is what the update step makes of labels Y (empty clusters: M's own column)."""
        return compare_arrays(M, ref(self.update_name)(X, Y, M))[0]

    def final_m(self, M, M_ref, X, Y, show, case=None):
        return compare_arrays(M, M_ref, show=show)

    def acceptable_y(self, X, Y, M_ref, Y_ref, losses_ref):
        """Y of the final state: the reference's, assign(X, M), or any labels that M is the update of
        (with the same final loss): stopping at max_iter, both conventions are reasonable."""
        if np.array_equal(Y, np.asarray(Y_ref)) or np.array_equal(Y, np.asarray(ref(self.assign_name)(X, M_ref))):
            return True
        if len(losses_ref) == 0 or not _one_hot_ok(Y):
            return False
        loss = ref(self.loss_name)(X, Y, M_ref)
        return self.is_update(X, Y, M_ref) and abs(loss - losses_ref[-1]) <= 1e-9 * max(1.0, abs(losses_ref[-1]))

    def describe_inputs(self, case):
        X, M0, max_iter = case.args
        return [f"X = {_inline(fmt(X))}", f"M0 = {_inline(fmt(M0))}", f"max_iter = {max_iter}"]

    def describe_expected(self, case):
        M, Y, losses = self.expected(case)
        z = np.argmax(np.asarray(Y), axis=0)
        return (f"M ={_space(_inline(fmt(np.asarray(M))))}\n    labels = {fmt(z)}, "
                f"losses = {fmt([float(x) for x in losses])}")

    def describe_value(self, value):
        parts = []
        if value["M"] is not None:
            parts.append(f"M ={_space(_inline(fmt(value['M'])))}")
        if value["Y"] is not None:
            parts.append(f"labels = {fmt(np.argmax(value['Y'], axis=0))}")
        if value["losses"] is not None:
            parts.append(f"losses = {fmt([float(x) for x in value['losses']])}")
        return "\n    ".join(parts)


def _one_hot_ok(Y):
    Y = np.asarray(Y, dtype=float)
    return Y.ndim == 2 and bool(np.all((Y == 0) | (Y == 1))) and bool(np.all(Y.sum(axis=0) == 1))


def _as_losses(out):
    """losses: a list/tuple of numbers or a 1-D numeric array -> float array."""
    if type(out) is np.ndarray:
        if out.ndim == 1 and out.dtype.kind in "iuf":
            return out.astype(float), None
        return None, f"an array of shape {out.shape}; expected a list of numbers"
    if type(out) not in (list, tuple):
        return None, f"a {type(out).__name__}; expected a list of numbers"
    values = []
    for x in out:
        v, p = as_scalar(x)
        if v is None:
            return None, f"an element is not a number ({p})"
        values.append(v)
    return np.array(values, dtype=float), None


def loop_case(label, X, M0, max_iter, group):
    return Case(label, (np.asarray(X), np.asarray(M0), int(max_iter)), group=group)


class Lloyd(LoopChecker):
    name = "lloyd"

    def make_visible_cases(self):
        rng = np.random.default_rng(303)
        a = np.array
        X = a([[0.0, 1, 2, 3, 4, 5, 6, 7, 8.5], [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0]])
        M0 = X[:, [0, 1, 2]]
        Xt = a([[0, 1, 2, 8, 9, 10, 5], [0, 1, 0, 0, 1, 0, 8]])
        X3 = _data.blobs(rng, 3, 10, 4)
        X4 = _data.blobs(rng, 4, 12, 2)
        return [
            loop_case("a chain of 9 points, M0 at one end", X, M0, 100, "hand"),
            loop_case("max_iter = 1", X, M0, 1, "max_iter"),
            loop_case("max_iter = 2", X, M0, 2, "max_iter"),
            loop_case("a centroid far away", X, a([[0.0, 6.5, 60], [0, 0, 60]]), 100, "empty"),
            loop_case("a point equidistant from two centroids", Xt, a([[3.0, 7, 5], [0, 0, 2]]), 100, "ties"),
            loop_case("integer X and M0", Xt, Xt[:, [0, 3, 6]], 100, "integer"),
            loop_case("k = 1", X, a([[2.0], [2.0]]), 100, "edge"),
            loop_case("random (3, 10, 4)", X3, X3[:, [0, 1, 2, 3]], 100, "random"),
            loop_case("random (4, 12, 2)", X4, X4[:, [0, 1]], 100, "random"),
        ]

    def hidden_cases(self, rng):
        return hidden_loop_cases(rng, "l2")


def hidden_loop_cases(rng, metric, robust=None):
    """Loop cases drawn from ``rng``, kept only if no near-tie occurs along the trajectory."""
    update = "mean" if metric == "l2" else "median"
    cases = []
    for group in ("hand", "max_iter", "empty", "integer", "edge", "random", "random"):
        for _ in range(200):
            d, k, N = _data.distinct_sizes(rng, d=(2, 4), k=(2, 4), N=(7, 12))
            if group == "edge":
                k = 1
            X = _data.blobs(rng, d, N, k, spread=3.0)
            M0 = X[:, rng.choice(N, size=k, replace=False)]
            max_iter = 100
            if group == "max_iter":
                max_iter = int(rng.integers(1, 3))
            elif group == "empty":
                M0 = _data.far_centroid(X, M0, int(rng.integers(k)))
            elif group == "integer":
                X = rng.integers(-9, 10, size=(d, N))
                M0 = X[:, rng.choice(N, size=k, replace=False)]
            if np.unique(M0, axis=1).shape[1] < k:
                continue
            if min_gap(X, M0, max_iter, metric, update) < 1e-6:
                continue
            if robust is not None and not robust(X, M0, max_iter):
                continue
            need = max_iter + 2 if group == "max_iter" else 2
            if group in ("hand", "max_iter") and _n_updates(X, M0, metric) < need:
                continue  # a run that needs a few updates (and more than max_iter + 1)
            cases.append(loop_case(group, X, M0, max_iter, group))
            break
    return cases


def _n_updates(X, M0, metric):
    update = "mean" if metric == "l2" else "median"
    X = np.asarray(X, dtype=float)
    M = np.asarray(M0, dtype=float).copy()
    z = np.argmin(_nearest(X, M, metric), axis=0)
    for n in range(1, 50):
        for j in range(M.shape[1]):
            if np.any(z == j):
                pts = X[:, z == j]
                M[:, j] = pts.mean(axis=1) if update == "mean" else np.median(pts, axis=1)
        z_new = np.argmin(_nearest(X, M, metric), axis=0)
        if np.array_equal(z_new, z):
            return n
        z = z_new
    return 50


CHECKERS = [Assign(), UpdateMeans(), Lloyd()]
