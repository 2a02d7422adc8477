"""Checkers of lesson 06-applications: ``kmeans_plus_plus`` and ``quantize``.

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

quantize(image, k, rng): same shape and dtype as the input; at most k colours, all within
the image's colour range; quantisation error (sum of squared differences) at most 5% above
the reference's (+ one unit per channel and pixel for rounding), best of 3 seeds for both.
Visible images: 6x5 uint8 with 3 colour groups (k = 3); 4x7 uint8 with two pairs of close
groups (k = 2); k = 1; a 5x4 float image in [0, 1] (k = 2); an image of exactly two colours
(k = 2, must be reproduced exactly).
"""

import io
import math
import time

import numpy as np

from . import _data
from .calls import Call, Case, _where, call_safely, quiet, ref
from .checker import Checker, _inline
from .compare import as_array, fmt

__all__ = ["KmeansPlusPlus", "Quantize", "CHECKERS", "exact_kpp_distribution"]

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


class _Global:
    """Seeds NumPy's and Python's global generators for the duration of a check, then restores them.

    A student who (wrongly) uses ``np.random`` instead of ``rng`` then still gets a
    deterministic grade.
    """

    def __enter__(self):
        import random

        self.np_state = np.random.get_state()
        self.py_state = random.getstate()
        np.random.seed(20240601)
        random.seed(20240601)

    def __exit__(self, *exc):
        import random

        np.random.set_state(self.np_state)
        random.setstate(self.py_state)
        return False


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
        return _Global()

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


# ---------------------------------------------------------------------------------------
class Quantize(Checker):
    name = "quantize"
    arg_names = ("image", "k", "rng")
    seeds = (0, 1, 2)
    weights = {"type": 0.2, "palette": 0.2, "error": 0.5, "unchanged": 0.1}
    labels = {"type": "same shape and dtype as the input image",
              "palette": "at most k colours, inside the image's colour range",
              "error": "quantisation error within 5% of the reference's (best of 3 seeds)"}

    def sizes(self, case):
        image, k = case.args[0], case.args[1]
        return f"image {np.shape(image)[0]}x{np.shape(image)[1]} {np.asarray(image).dtype}, k={k}"

    def keys(self, case):
        return ["palette", "error"]

    def make_visible_cases(self):
        rng = np.random.default_rng(602)
        three = _image(rng, 6, 5, [[200, 30, 30], [30, 180, 60], [40, 50, 210]], noise=8)
        pairs = _image(rng, 4, 7, [[220, 40, 40], [200, 60, 50], [30, 40, 200], [50, 30, 220]], noise=5)
        two = _image(rng, 3, 4, [[10, 200, 30], [250, 250, 0]], noise=0)
        flt = _image(rng, 5, 4, [[0.9, 0.2, 0.1], [0.1, 0.3, 0.8]], noise=0.04, dtype=np.float64)
        return [
            Case("6x5, three colour groups, k = 3", (three, 3), group="hand"),
            Case("4x7, two pairs of close groups, k = 2", (pairs, 2), group="hand"),
            Case("k = 1", (three, 1), group="edge"),
            Case("float image in [0, 1], k = 2", (flt, 2), group="float"),
            Case("exactly two colours, k = 2", (two, 2), group="edge"),
        ]

    def hidden_cases(self, rng):
        cases = []
        for kind in ("groups", "groups", "k1", "float", "two"):
            H, W = (int(x) for x in rng.integers(3, 8, size=2))
            n_groups = int(rng.integers(2, 5))
            colours = _spread_colours(rng, n_groups)
            if kind == "float":
                img = _image(rng, H, W, colours / 255.0, noise=0.03, dtype=np.float64)
                k = n_groups
            elif kind == "two":
                img = _image(rng, H, W, colours[:2], noise=0)
                k = 2
            else:
                img = _image(rng, H, W, colours, noise=float(rng.uniform(3, 9)))
                k = 1 if kind == "k1" else n_groups
            cases.append(Case(kind, (img, k), group=kind))
        return cases

    # --- running ------------------------------------------------------------------------
    def context(self):
        return _Global()

    def run_case(self, fn, case):
        image, k = case.args
        total = Call()
        errors, palette_ok, palette_detail = [], True, ""
        for seed in self.seeds:
            out, call = call_safely(fn, (image, k, np.random.default_rng(seed)), {})
            total.seconds += call.seconds
            total.printed |= call.printed
            total.mutated = total.mutated or call.mutated
            if call.raised:
                total.error, total.error_where = call.error, call.error_where
                total.criteria = {key: (False, f"raised {call.error_name}") for key in self.keys(case)}
                return total
            value, problem = self._normalise(out, image)
            if problem and total.problem is None:
                total.problem = problem
            if value is None:
                total.criteria = {key: (False, problem) for key in self.keys(case)}
                return total
            ok, detail = self._palette(value, image, k)
            if not ok and palette_ok:
                palette_ok, palette_detail = False, detail
            errors.append(float(((value - np.asarray(image, dtype=float)) ** 2).sum()))
            total.value = value if total.value is None else total.value
        total.usable = True
        best = min(errors)
        ref_best = self.reference_error(case)
        slack = image.shape[0] * image.shape[1] * 3 * (1.0 if np.asarray(image).dtype.kind in "iu" else 1e-9)
        ok = best <= 1.05 * ref_best + slack
        detail = "" if ok else (f"quantisation error {best:.6g} (best of 3 seeds); the reference reaches "
                                f"{ref_best:.6g}" if not case.hidden else "quantisation error too large")
        total.criteria = {"palette": (palette_ok, palette_detail), "error": (ok, detail)}
        total.value = {"image": total.value, "error": best}
        return total

    def reference_error(self, case):
        if "ref_error" not in case.info:
            image, k = case.args
            errs = []
            for seed in self.seeds:
                out = ref(self.name)(image.copy(), k, np.random.default_rng(seed))
                errs.append(float(((np.asarray(out, dtype=float) - np.asarray(image, dtype=float)) ** 2).sum()))
            case.info["ref_error"] = min(errs)
        return case.info["ref_error"]

    def expected(self, case):
        return None

    def _normalise(self, out, image):
        image = np.asarray(image)
        value, problem = as_array(out, image.shape, "iuf", what="image")
        if value is None:
            if type(out) is np.ndarray and out.shape == image.shape[:2]:
                problem = (f"returned an array of shape {out.shape} (one label per pixel?); return the image "
                           f"of shape {image.shape} with every pixel replaced by its cluster's colour")
            return None, problem
        if type(out) is np.ndarray and out.dtype != image.dtype:
            problem = problem or (f"returned dtype {out.dtype}; quantize returns the input's dtype ({image.dtype}): "
                                  f"round and convert with .astype(image.dtype)")
        return value, problem

    @staticmethod
    def _palette(value, image, k):
        colours = np.unique(value.reshape(-1, 3), axis=0)
        if len(colours) > k:
            return False, f"{len(colours)} different colours for k = {k}"
        img = np.asarray(image, dtype=float).reshape(-1, 3)
        lo, hi = img.min(axis=0), img.max(axis=0)
        tol = 1.0 if np.asarray(image).dtype.kind in "iu" else 1e-9
        if np.any(colours < lo - tol) or np.any(colours > hi + tol):
            return False, "colours outside the image's colour range (the means of pixels cannot be)"
        return True, ""

    def same_behaviour(self, s, v, case):
        if s.ok or v.ok:
            return s.ok == v.ok
        if s.raised or v.raised:
            return s.raised and v.raised and s.error_name == v.error_name and str(s.error) == str(v.error)
        if s.problem != v.problem:
            return False
        failed = lambda c: {k for k, (ok, _) in c.criteria.items() if not ok}  # noqa: E731
        if failed(s) != failed(v):
            return False
        if s.usable and v.usable and "error" in failed(s):
            a, b = s.value["error"], v.value["error"]
            return abs(a - b) <= 0.1 * max(abs(a), abs(b), 1.0)
        return True

    def describe_inputs(self, case):
        image, k = case.args
        return [f"image: {self.sizes(case)}", f"rng = np.random.default_rng(seed) for seed in {list(self.seeds)}"]

    def describe_expected(self, case):
        image, k = case.args
        return (f"an image of shape {np.shape(image)} and dtype {np.asarray(image).dtype} with at most {k} colours, "
                f"error about {self.reference_error(case):.6g}")

    def describe_value(self, value):
        if isinstance(value, dict):
            img = value["image"]
            n = len(np.unique(img.reshape(-1, 3), axis=0)) if img is not None else "?"
            return f"{n} colours, error {value['error']:.6g}"
        return "an image"


def _image(rng, H, W, colours, noise, dtype=np.uint8):
    """An H x W image whose pixels come from ``colours`` (each used at least once) plus noise."""
    colours = np.asarray(colours, dtype=float)
    n = H * W
    z = np.concatenate([np.arange(len(colours)), rng.integers(0, len(colours), size=n - len(colours))])
    rng.shuffle(z)
    pixels = colours[z] + rng.normal(scale=noise, size=(n, 3)) if noise else colours[z]
    if dtype == np.uint8:
        pixels = np.clip(np.rint(pixels), 0, 255)
    else:
        pixels = np.clip(pixels, 0.0, 1.0)
    return pixels.reshape(H, W, 3).astype(dtype)


def _spread_colours(rng, n):
    """n colours far apart from each other (pairwise distance over 120)."""
    while True:
        colours = rng.integers(20, 236, size=(n, 3)).astype(float)
        if n < 2:
            return colours
        d = np.sqrt(((colours[:, None] - colours[None]) ** 2).sum(-1))
        if d[np.triu_indices(n, 1)].min() > 120:
            return colours


CHECKERS = [KmeansPlusPlus(), Quantize()]
