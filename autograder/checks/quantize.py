"""Checker of lesson 06's ``quantize(image, k, rng)``.

quantize(image, k, rng): same shape and dtype as the input; at most k colours, all within
the image's colour range; quantisation error (sum of squared differences) at most 5% above
the reference's (+ one unit per channel and pixel for rounding), best of 3 seeds for both.
Visible images: 6x5 uint8 with 3 colour groups (k = 3); 4x7 uint8 with two pairs of close
groups (k = 2); k = 1; a 5x4 float image in [0, 1] (k = 2); an image of exactly two colours
(k = 2, must be reproduced exactly).
"""

import numpy as np

from ._globalseeds import GlobalSeeds
from .calls import Call, Case, call_safely, ref
from .checker import Checker
from .compare import as_array

__all__ = ["Quantize"]


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
        return GlobalSeeds()

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
