"""The checker of one exercise: its cases, how an output is judged, and how the items are scored.

:class:`Checker` is the base class (cases, per-case evaluation, scoring by weighted
items, the rule for "fails exactly like a catalogue mistake", text for messages);
:class:`FunctionChecker` compares an output entry by entry with the reference's.
"""

import contextlib
import warnings

import numpy as np

from autograder.checks.calls import call_safely, fresh, ref
from autograder.checks.compare import (as_array, as_bool, as_scalar, atol_default, compare_arrays,
                                       compare_scalars, fmt, rtol_default, same_values)
from autograder.checks.results import CheckItem

__all__ = ["Checker", "FunctionChecker", "TYPE", "UNCHANGED", "COMMON_LABELS", "part_problem"]

# ---------------------------------------------------------------------------------------
# Checkers
# ---------------------------------------------------------------------------------------
TYPE, UNCHANGED = "type", "unchanged"

COMMON_LABELS = {
    TYPE: "returns the right type and shape",
    UNCHANGED: "leaves its inputs unchanged",
    "hand": "small cases computed by hand",
    "random": "random cases (d, N, k all different)",
    "ties": "ties (the lowest index wins)",
    "empty": "empty clusters",
    "integer": "integer input",
    "edge": "edge cases (k = 1, k = N, duplicate points)",
    "invalid": "rejects invalid input with ValueError",
    "vectorised": "vectorised (no Python loop over the observations)",
}


class Checker:
    """Base class of the checker of one exercise (the contract: docs/curriculum.md).

    Subclasses provide the cases (:meth:`visible_cases`, :meth:`hidden_cases`), how an
    output is normalised (:meth:`normalise`) and the criteria (:meth:`judge`).
    ``weights`` maps item keys to their share of the exercise's points.
    """

    name = ""
    arg_names = ()
    weights = {}
    labels = {}
    #: seconds; a student function slower than this on the tiny cases is reported
    slow_call = 2.0
    #: share of the score for running without a Python loop over the observations (0: not
    #: graded); measured on :meth:`probe_inputs` by :mod:`autograder.checks.vectorised`
    vectorised_share = 0.0

    def probe_inputs(self, n):  # pragma: no cover - only checkers with a vectorised_share
        """The inputs, with ``n`` observations, on which vectorisation is measured."""
        raise NotImplementedError

    def __init__(self):
        self._visible = None

    # --- cases ----------------------------------------------------------------------
    def visible_cases(self):
        if self._visible is None:
            self._visible = self.make_visible_cases()
        return self._visible

    def make_visible_cases(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def hidden_cases(self, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def cases(self, hidden, rng=None):
        if hidden:
            cases = self.hidden_cases(rng)
            for c in cases:
                c.hidden = True
            return cases
        return self.visible_cases()

    def expected(self, case):
        """The reference's output on ``case`` (cached on the case)."""
        if not case._has_expected:
            args = [fresh(a) for a in case.args]
            kwargs = {k: fresh(v) for k, v in case.kwargs.items()}
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                case._expected = ref(self.name)(*args, **kwargs)
            case._has_expected = True
        return case._expected

    def keys(self, case):
        """Item keys this case counts towards (besides type and unchanged)."""
        return ["invalid"] if case.expect_error else [case.group]

    def label(self, key):
        return self.labels.get(key) or COMMON_LABELS.get(key, key)

    # --- per-case evaluation -----------------------------------------------------------
    def normalise(self, out, case):  # pragma: no cover - abstract
        """Return (value or None, problem or None)."""
        raise NotImplementedError

    def judge(self, value, case):  # pragma: no cover - abstract
        """Return {key: (ok, detail)} for a usable value."""
        raise NotImplementedError

    def run_case(self, fn, case):
        out, call = call_safely(fn, case.args, case.kwargs)
        keys = self.keys(case)
        call.needs_type = case.expect_error is None
        if case.expect_error is not None:
            ok = call.raised and isinstance(call.error, case.expect_error)
            if ok:
                detail = ""
            elif call.raised:
                detail = f"raised {call.error_name} instead of {case.expect_error.__name__}"
            else:
                detail = f"returned normally; it should raise {case.expect_error.__name__}"
            call.criteria = {k: (ok, detail) for k in keys}
            call.problem = None
            call.usable = False
            return call
        if call.raised:
            call.criteria = {k: (False, f"raised {call.error_name}") for k in keys}
            return call
        value, problem = self.normalise(out, case)
        call.value, call.problem = value, problem
        call.usable = value is not None
        if value is None:
            call.criteria = {k: (False, problem) for k in keys}
        else:
            judged = self.judge(value, case)
            call.criteria = {k: judged.get(k, (False, problem or "not judged")) for k in keys}
        return call

    def context(self):
        """A context manager around every evaluation (e.g. seeding global generators)."""
        return contextlib.nullcontext()

    def evaluate(self, fn, cases):
        with self.context():
            return [self.run_case(fn, c) for c in cases]

    def match_order(self, cases):
        """The order in which a catalogue variant is tried on the cases (cheap ones first)."""
        return list(range(len(cases)))

    def evidence_rank(self, case):
        """Cases with a lower rank are preferred as evidence in messages (then the smallest)."""
        return 0

    def pre_diagnosis(self, cases, calls):
        """A message that makes catalogue matching pointless (e.g. a constant answer), or None."""
        return None

    # --- scoring ---------------------------------------------------------------------
    def items(self, cases, calls):
        tallies = {}

        def add(key, ok):
            p, t = tallies.get(key, (0, 0))
            tallies[key] = (p + int(bool(ok)), t + 1)

        for case, call in zip(cases, calls):
            if case.expect_error is None:
                add(TYPE, call.type_ok)
                if not call.raised:
                    add(UNCHANGED, not call.mutated)
            for key, (ok, _) in call.criteria.items():
                add(key, ok)
        items = []
        for key, weight in self.weights.items():
            if key in tallies:
                p, t = tallies[key]
                items.append(CheckItem(key, self.label(key), weight, p, t))
        return items

    @staticmethod
    def fraction(items):
        total = sum(it.weight for it in items)
        return sum(it.weight * it.fraction for it in items) / total if total else 0.0

    # --- matching a mistake ------------------------------------------------------------
    def same_behaviour(self, s, v, case):
        """Whether the student's call ``s`` fails exactly like the variant's call ``v`` on ``case``."""
        if s.ok or v.ok:
            return s.ok == v.ok
        if v.mutated and s.mutated != v.mutated:
            return False
        if case.expect_error is not None:
            return s.raised == v.raised and (not s.raised or s.error_name == v.error_name)
        if s.raised or v.raised:
            return s.raised and v.raised and s.error_name == v.error_name and str(s.error) == str(v.error)
        if {k for k, (ok, _) in s.criteria.items() if not ok} != {k for k, (ok, _) in v.criteria.items() if not ok}:
            return False
        if s.problem != v.problem:
            return False
        if not s.usable or not v.usable:
            return s.usable == v.usable
        return same_values(s.value, v.value)

    # --- describing cases for messages --------------------------------------------------------
    def sizes(self, case):
        """'d=2, N=5, k=3' style description of a case's sizes (safe for hidden cases)."""
        return case.info.get("sizes", "")

    def describe_inputs(self, case):
        lines = []
        for name, a in zip(self.arg_names, case.args):
            lines.append(f"{name} = {_inline(fmt(a))}" if not callable(a) else f"{name} = {case.info.get('f_text', 'a function')}")
        for k, v in case.kwargs.items():
            lines.append(f"{k} = {_inline(fmt(v))}")
        return lines

    def describe_expected(self, case):
        if case.expect_error is not None:
            return f"raise {case.expect_error.__name__}"
        return _inline(fmt(self.expected(case)))

    def describe_value(self, value):
        return _inline(fmt(value))


def part_problem(problem, ordinal, name):
    """Rephrase an output problem for one value of a returned tuple."""
    if problem.startswith("returned "):
        return f"returned, as its {ordinal} value ({name}), " + problem[len("returned "):]
    return f"{ordinal} value ({name}): {problem}"


def _space(text, width=1):
    return text if text.startswith("\n") else " " * width + text


def _inline(text):
    """A value for 'name: value' lines: multi-line values start on their own, indented line."""
    lines = text.splitlines()
    if len(lines) <= 1:
        return text
    return "\n    " + "\n    ".join(lines)


class FunctionChecker(Checker):
    """A checker that compares an output entry by entry with the reference's.

    ``kind``: "array" (an ndarray shaped like the reference's), "scalar" (a number),
    "bool" (True/False) or "labels" (an integer array).
    """

    kind = "array"
    kinds = "biuf"
    rtol = rtol_default
    atol = atol_default

    def normalise(self, out, case):
        exp = self.expected(case)
        if self.kind == "scalar":
            return as_scalar(out)
        if self.kind == "bool":
            return as_bool(out)
        shape = np.shape(exp)
        return as_array(out, shape, self.kinds, int_only=(self.kind == "labels"))

    def judge(self, value, case):
        exp = self.expected(case)
        show = not case.hidden
        if self.kind == "scalar":
            ok, detail = compare_scalars(value, float(exp), self.rtol, self.atol, show)
        elif self.kind == "bool":
            ok = value == bool(exp)
            detail = "" if ok else (f"expected {bool(exp)}, got {value}" if show else f"expected {bool(exp)}")
        else:
            ok, detail = compare_arrays(value, np.asarray(exp, dtype=np.float64), self.rtol, self.atol, show)
        return {k: (ok, detail) for k in self.keys(case)}
