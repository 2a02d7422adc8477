"""Checkers of lesson 06-applications: ``kmeans_plus_plus`` here, ``quantize`` and ``silhouette_scores``.

kmeans_plus_plus(X, k, rng) is random, so it is judged statistically, never by replaying
the reference's random stream (any correct use of ``rng`` passes):

distribution   200 runs (seeds 0..199 for the visible check) on three groups of points
               (k = 3): the histogram of which group each centre came from, in order, is
               compared with its EXACT k-means++ probabilities (first centre uniform, then
               D^2 sampling), computed by enumerating every sequence of picks. Pearson's
               chi-square test, cells with an expected count under 5 pooled, rejects at
               p = 1e-6 (a correct function fails one check in a million).
observations   k = 1; k = N (every point once); duplicated points with k = the number of
               distinct points (each distinct point once); a general (3, 9, 4) case: every
               column is a column of X and no point is chosen twice
rng            the same seed three times gives the same centres; eight seeds give at least two
               different results (randomness comes only from ``rng``)

The lesson's other checkers have modules of their own: ``quantize`` (:mod:`.quantize`) and
``silhouette_scores`` (:mod:`.silhouette`); ``CHECKERS`` lists all three in course order.
"""

import io
import math
import time

import numpy as np

from . import _data
from ._globalseeds import GlobalSeeds
from .calls import Call, Case, _where, call_safely, quiet
from .checker import Checker, _inline
from .compare import as_array, fmt
from .quantize import Quantize
from .silhouette import SilhouetteScores

__all__ = ["KmeansPlusPlus", "Quantize", "SilhouetteScores", "CHECKERS", "exact_kpp_distribution"]

_Z_1E6 = 4.753424  # standard normal quantile for a one-sided p = 1e-6


def chi2_critical(df, z=_Z_1E6):
    """Wilson-Hilferty approximation of the chi-square quantile for ``df`` degrees of freedom.

    At p = 1e-6 it slightly overestimates the exact quantile (by 1 to 15 %), so a correct
    function fails even less often than one check in a million.
    """
    if df <= 0:
        return math.inf
    h = 2.0 / (9.0 * df)
    return df * (1.0 - h + z * math.sqrt(h)) ** 3


def exact_kpp_distribution(X, k, groups):
    """Probabilities of every sequence of group labels under exact k-means++ seeding.

    First centre uniform; each next one with probability D(x)^2 / sum D^2, D the distance to
    the nearest centre chosen so far. Enumerates the N (N-1) ... sequences (small N only).
    """
    X = np.asarray(X, dtype=float)
    N = X.shape[1]
    D = ((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0)
    probs = {}

    def walk(seq, p, closest):
        if len(seq) == k:
            key = tuple(groups[i] for i in seq)
            probs[key] = probs.get(key, 0.0) + p
            return
        total = closest.sum()
        for i in np.flatnonzero(closest > 0):
            walk(seq + [int(i)], p * closest[i] / total, np.minimum(closest, D[i]))

    for i in range(N):
        walk([i], 1.0 / N, D[i].copy())
    return probs


def chi_square(counts, probs, R):
    """(statistic, critical value, detail) of Pearson's test of ``counts`` against ``probs``."""
    impossible = {key: c for key, c in counts.items() if key not in probs}
    if impossible:
        return math.inf, 0.0, "outcomes that k-means++ never produces"
    big = [key for key, p in probs.items() if p * R >= 5]
    stat = 0.0
    for key in big:
        e = probs[key] * R
        stat += (counts.get(key, 0) - e) ** 2 / e
    other_e = R * sum(p for key, p in probs.items() if key not in big)
    cells = len(big)
    if other_e > 0:
        other_o = sum(c for key, c in counts.items() if key not in big)
        stat += (other_o - other_e) ** 2 / other_e
        cells += 1
    return stat, chi2_critical(cells - 1), ""


def two_sample_same(a, b):
    """Whether two histograms over the same number of runs look like the same distribution (p > 1e-3)."""
    keys = set(a) | set(b)
    pooled_a = pooled_b = 0
    stat, cells = 0.0, 0
    for key in keys:
        x, y = a.get(key, 0), b.get(key, 0)
        if x + y < 10:
            pooled_a, pooled_b = pooled_a + x, pooled_b + y
            continue
        stat += (x - y) ** 2 / (x + y)
        cells += 1
    if pooled_a + pooled_b > 0:
        stat += (pooled_a - pooled_b) ** 2 / (pooled_a + pooled_b)
        cells += 1
    if cells <= 1:
        return a == b
    return stat <= chi2_critical(cells - 1, z=3.090)  # one-sided p = 1e-3


class KmeansPlusPlus(Checker):
    name = "kmeans_plus_plus"
    arg_names = ("X", "k", "rng")
    runs = 200
    weights = {"type": 0.15, "observations": 0.15, "rng": 0.15, "distribution": 0.45, "unchanged": 0.1}
    labels = {"observations": "picks k different observations of X",
              "rng": "randomness only from rng (same seed, same centres; other seeds, other centres)",
              "distribution": "first centre uniform, then D^2 sampling (statistical test)"}

    def sizes(self, case):
        X, k = case.args[0], case.args[1]
        d, N = np.shape(X)
        extra = f", {len(case.info['seeds'])} runs" if case.info.get("kind") == "stat" else ""
        return f"d={d}, N={N}, k={k}{extra}"

    def keys(self, case):
        return {"stat": ["distribution"], "repro": ["rng"]}.get(case.info.get("kind"), ["observations"])

    # --- cases ------------------------------------------------------------------------
    def make_visible_cases(self):
        a = np.array
        X = a([[0.0, 0.5, 0.0, 4.0, 4.5, 9.0], [0.0, 0.0, 0.5, 0.0, 0.5, 3.0]])
        groups = [0, 0, 0, 1, 1, 2]
        rng = np.random.default_rng(601)
        Xg = rng.normal(scale=3, size=(3, 9)).round(2)
        Xd = a([[0.0, 1, 0, 1, 5, 5], [0, 0, 2, 0, 5, 5]])  # 4 distinct points, two duplicated
        return [
            _stat_case("three groups, k = 3", X, 3, groups, range(self.runs)),
            _draw_case("k = 1", a([[0.0, 1, 2, 3, 4], [1, 0, 1, 0, 1]]), 1, 11),
            _draw_case("k = N", a([[0.0, 1, 5], [0, 2, 2], [1, 1, 0]]), 3, 12),
            _draw_case("duplicated points, k = 4", Xd, 4, 13),
            _draw_case("general (3, 9, 4)", Xg, 4, 14),
            _repro_case("same seed three times", _data.blobs(rng, 2, 12, 4), 4, 15),
        ]

    def hidden_cases(self, rng):
        cases = []
        # three groups of 2 or 3 points: near, middle and far, in random directions and scales
        sizes = [int(rng.integers(2, 4)), int(rng.integers(1, 3)), 1]
        scale = float(rng.uniform(1, 5))
        d = int(rng.integers(2, 4))
        centres = [np.zeros(d), rng.normal(size=d), rng.normal(size=d)]
        centres[1] *= 4 * scale / np.linalg.norm(centres[1])
        centres[2] *= 9 * scale / np.linalg.norm(centres[2])
        cols, groups = [], []
        for g, (c, n) in enumerate(zip(centres, sizes)):
            for _ in range(n):
                cols.append(c + rng.normal(scale=0.3 * scale, size=d))
                groups.append(g)
        X = np.array(cols).T.round(3)
        seeds = rng.integers(0, 2**63, size=self.runs)
        cases.append(_stat_case("groups", X, 3, groups, seeds))
        d, k, N = _data.distinct_sizes(rng, d=(1, 4), k=(2, 4), N=(5, 9))
        Xg = _data.blobs(rng, d, N, k)
        cases.append(_draw_case("k = 1", Xg, 1, int(rng.integers(2**31))))
        cases.append(_draw_case("k = N", Xg[:, :4], 4, int(rng.integers(2**31))))
        Xd = Xg[:, [0, 1, 2, 0, 1]]
        cases.append(_draw_case("duplicates", Xd, 3, int(rng.integers(2**31))))
        cases.append(_draw_case("general", Xg, k, int(rng.integers(2**31))))
        cases.append(_repro_case("repro", _data.blobs(rng, 2, 12, 4), 4, int(rng.integers(2**31))))
        return cases

    # --- running ----------------------------------------------------------------------
    def context(self):
        return GlobalSeeds()

    def match_order(self, cases):
        return sorted(range(len(cases)), key=lambda i: cases[i].info.get("kind") == "stat")

    def normalise(self, out, case):
        X, k = case.args[0], case.args[1]
        d = np.shape(X)[0]
        value, problem = as_array(out, (d, k), "iuf")
        if value is None and type(out) is np.ndarray and out.shape == (k,) and out.dtype.kind in "iu":
            problem = f"returned the indices of the chosen points (shape ({k},)); return the points X[:, idx]"
        return value, problem

    def judge(self, value, case):
        X, k = case.args[0], case.args[1]
        X = np.asarray(X, dtype=float)
        matches = np.all(value.T[:, :, None] == X[None, :, :], axis=1)  # (k, N)
        if not matches.any(axis=1).all():
            return {"observations": (False, "a centre is not one of the observations (a column of X)")}
        n_distinct_X = np.unique(X, axis=1).shape[1]
        if np.unique(value, axis=1).shape[1] < min(k, n_distinct_X):
            return {"observations": (False, "the same point was chosen twice")}
        return {"observations": (True, "")}

    def run_case(self, fn, case):
        kind = case.info.get("kind")
        if kind == "stat":
            return self._run_stat(fn, case)
        if kind == "repro":
            return self._run_repro(fn, case)
        return super().run_case(fn, case)

    def _run_stat(self, fn, case):
        X, k, _ = case.args
        groups = case.info["groups"]
        cols = {tuple(c): i for i, c in enumerate(np.asarray(X, dtype=float).T)}
        counts = {}
        total = Call(needs_type=False)
        sink = io.StringIO()
        t0 = time.perf_counter()
        with quiet(sink):  # one capture for all runs: this loop is the costly part of the check
            for seed in case.info["seeds"]:
                try:
                    out = fn(X.copy(), k, np.random.default_rng(int(seed)))
                except (Exception, SystemExit) as exc:
                    total.error, total.error_where = exc, _where(exc)
                    break
                value, problem = self.normalise(out, case)
                if value is None:
                    total.problem = problem
                    break
                key = tuple(groups[cols[tuple(c)]] if tuple(c) in cols else -1 for c in value.T)
                counts[key] = counts.get(key, 0) + 1
        total.seconds = time.perf_counter() - t0
        total.printed = bool(sink.getvalue())
        if total.raised:
            total.criteria = {"distribution": (False, f"raised {total.error_name}")}
            return total
        if total.problem:
            total.criteria = {"distribution": (False, total.problem)}
            return total
        R = sum(counts.values())
        stat, crit, detail = chi_square(counts, case.info["probs"], R)
        ok = stat <= crit
        if not ok and not detail:
            detail = (f"chi-square statistic {stat:.1f} > {crit:.1f} (p < 1e-6): "
                      f"the centres are not drawn as k-means++ draws them")
        total.value, total.usable = counts, True
        total.criteria = {"distribution": (ok, detail)}
        return total

    def _run_repro(self, fn, case):
        X, k, seed = case.args
        call = Call(needs_type=False)
        outs = []
        for s in [seed, seed, seed] + [seed + 1 + i for i in range(7)]:
            out, c = call_safely(fn, (X, k, np.random.default_rng(int(s))), {})
            call.seconds += c.seconds
            if c.raised:
                call.error, call.error_where = c.error, c.error_where
                call.criteria = {"rng": (False, f"raised {c.error_name}")}
                return call
            outs.append(np.array(out, dtype=float) if type(out) is np.ndarray and out.dtype.kind in "biuf" else None)
        if any(o is None for o in outs):
            call.criteria = {"rng": (False, "no array returned")}
            return call
        same = all(o.shape == outs[0].shape and np.array_equal(o, outs[0]) for o in outs[1:3])
        varies = len({o.tobytes() + bytes(str(o.shape), "ascii") for o in outs[2:]}) > 1
        call.value, call.usable = (same, varies), True
        if not same:
            detail = "the same seed gave different centres: draw every random number from rng (not np.random)"
        elif not varies:
            detail = "eight different seeds all gave the same centres: use the rng you are given"
        else:
            detail = ""
        call.criteria = {"rng": (same and varies, detail)}
        return call

    def same_behaviour(self, s, v, case):
        if s.ok or v.ok:
            return s.ok == v.ok
        kind = case.info.get("kind")
        if s.raised or v.raised:
            return s.raised and v.raised and s.error_name == v.error_name and str(s.error) == str(v.error)
        if s.problem != v.problem:
            return False
        if kind == "stat":
            return s.usable == v.usable and (not s.usable or two_sample_same(s.value, v.value))
        if kind == "repro":
            return s.value == v.value
        failed = lambda c: {k for k, (ok, _) in c.criteria.items() if not ok}  # noqa: E731
        return failed(s) == failed(v) and (not v.mutated or s.mutated == v.mutated)

    def expected(self, case):
        return None

    def describe_inputs(self, case):
        X, k = case.args[0], case.args[1]
        return [f"X = {_inline(fmt(np.asarray(X)))}", f"k = {k}", self._rng_text(case)]

    def _rng_text(self, case):
        kind = case.info.get("kind")
        if kind == "stat":
            return f"rng = np.random.default_rng(seed) for seed in 0..{len(case.info['seeds']) - 1}"
        seed = case.args[2] if kind == "repro" else case.info.get("seed")
        return f"rng = np.random.default_rng({seed})"

    def describe_expected(self, case):
        kind = case.info.get("kind")
        if kind == "stat":
            top = sorted(case.info["probs"].items(), key=lambda kv: -kv[1])[:4]
            return "groups of the centres, most likely first: " + ", ".join(
                f"{key}: {p:.1%}" for key, p in top)
        if kind == "repro":
            return "identical centres for the same seed, different ones across seeds"
        return f"{case.args[1]} different columns of X"

    def describe_value(self, value):
        if isinstance(value, dict):
            R = sum(value.values())
            top = sorted(value.items(), key=lambda kv: -kv[1])[:4]
            return "your groups: " + ", ".join(f"{key}: {c / R:.1%}" for key, c in top)
        if isinstance(value, tuple):
            return f"same seed gives the same centres: {value[0]}; seeds change the centres: {value[1]}"
        return _inline(fmt(value))


def _stat_case(label, X, k, groups, seeds):
    probs = exact_kpp_distribution(X, k, groups)
    return Case(label, (X, k, None), info={"kind": "stat", "groups": list(groups), "seeds": list(seeds),
                                           "probs": probs})


def _draw_case(label, X, k, seed):
    return Case(label, (X, k, np.random.default_rng(seed)), info={"kind": "draw", "seed": seed})


def _repro_case(label, X, k, seed):
    return Case(label, (X, k, int(seed)), info={"kind": "repro"})


CHECKERS = [KmeansPlusPlus(), Quantize(), SilhouetteScores()]
