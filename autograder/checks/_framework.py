"""Machinery shared by every checker: cases, safe calls, output normalisation, scoring, diagnosis.

How one check runs (:func:`run`):

1. Build the cases: the fixed visible ones, or hidden ones drawn from the course secret.
2. Call the student's function on a private copy of every case's inputs, with its
   prints captured, warnings silenced and exceptions caught (student code is never
   allowed to write to stderr: nbgrader zeroes a test cell that does).
3. Normalise what came back: the exact type and shape first (``type(out) is
   np.ndarray``; lists, ndarray subclasses and 1x1 arrays are coerced so their
   values can still be judged, but lose the type credit; objects that are not
   plain numbers or arrays are rejected outright, so an object whose ``__eq__``
   always answers True earns nothing). Values are compared only as float arrays
   we built ourselves.
4. Judge each criterion against :mod:`kmeans_ref` with the stated tolerance and
   weigh them into a score (rounded down to quarter points).
5. On any failure, run the mistake catalogue's wrong implementations on the same
   cases: a variant that behaves exactly like the student's function names the
   mistake; otherwise the smallest failing case is described (inputs and outputs
   for visible cases; for hidden cases only sizes, never the data).
"""

import contextlib
import copy
import io
import math
import os
import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

import kmeans_ref

from autograder.checks.results import CheckItem, CheckResult, round_score

__all__ = [
    "Case", "Call", "Exercise", "FunctionExercise", "ref",
    "as_array", "as_scalar", "as_bool", "compare_arrays", "compare_scalars",
    "fmt", "rtol_default",
]

rtol_default = 1e-6   # relative tolerance for float results
atol_default = 1e-9   # absolute tolerance, times max(1, largest |expected|)

# ---------------------------------------------------------------------------------------
# The reference, bound once (a later monkeypatch of kmeans_ref by student code in the
# same kernel does not change what an already-bound checker compares with).
# ---------------------------------------------------------------------------------------
_REF = {}


def ref(name):
    """The reference implementation of exercise ``name`` (bound on first use)."""
    fn = _REF.get(name)
    if fn is None:
        fn = _REF[name] = getattr(kmeans_ref, name)
    return fn


def bind_reference(names):
    """Bind every reference function now (called when the autograder is imported)."""
    for name in names:
        try:
            ref(name)
        except AttributeError:  # pragma: no cover - only while kmeans_ref is incomplete
            pass


# ---------------------------------------------------------------------------------------
# Cases and calls
# ---------------------------------------------------------------------------------------
@dataclass
class Case:
    """One input of a check: positional ``args``, keyword ``kwargs`` and what it tests.

    ``group`` names the criterion (item) the case counts towards for simple functions;
    ``expect_error`` marks inputs on which the function must raise (e.g. ValueError);
    ``info`` carries extra data for the custom checkers (seeds, flags).
    """

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    group: str = "hand"
    expect_error: type = None
    hidden: bool = False
    info: dict = field(default_factory=dict)
    _expected: object = field(default=None, repr=False)
    _has_expected: bool = field(default=False, repr=False)

    def size(self):
        total = 0
        for a in list(self.args) + list(self.kwargs.values()):
            total += np.size(a) if isinstance(a, np.ndarray) else 1
        return total


def fresh(value):
    """A private copy of one input: arrays copied, generators cloned with their state."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)
    if isinstance(value, (list, tuple, dict)):
        return copy.deepcopy(value)
    return value


@dataclass
class Call:
    """What one function did on one case."""

    raw_type: str = ""
    error: BaseException = None
    error_where: str = ""
    mutated: tuple = ()
    printed: bool = False
    value: object = None
    problem: str = None
    usable: bool = False
    criteria: dict = field(default_factory=dict)
    seconds: float = 0.0
    needs_type: bool = True

    @property
    def raised(self):
        return self.error is not None

    @property
    def error_name(self):
        return type(self.error).__name__ if self.error is not None else ""

    @property
    def error_text(self):
        if self.error is None:
            return ""
        msg = str(self.error).strip().splitlines()
        return f"{self.error_name}: {msg[0]}" if msg else self.error_name

    @property
    def type_ok(self):
        return not self.raised and self.problem is None

    @property
    def values_ok(self):
        return all(ok for ok, _ in self.criteria.values())

    @property
    def ok(self):
        return self.values_ok and not self.mutated and (self.type_ok or not self.needs_type)


_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SKIP_DIRS = tuple(
    os.path.dirname(os.path.abspath(m.__file__)) for m in (np, kmeans_ref, contextlib)
) + (_HERE,)


def _where(exc):
    """'line 4 of assign: return D.argmax(0)' for the deepest frame of the student's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    for fr in reversed(frames):
        fname = os.path.abspath(fr.filename) if not fr.filename.startswith("<") else fr.filename
        if fname.startswith(_SKIP_DIRS):
            continue
        line = (fr.line or "").strip()
        where = f"line {fr.lineno} of {fr.name}"
        return f"{where}: {line}" if line else where
    return ""


@contextlib.contextmanager
def quiet(sink):
    """Capture prints into ``sink``; silence warnings and floating-point errors."""
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield sink


def call_safely(fn, args, kwargs):
    """Run ``fn`` on private copies; return (raw output or None, Call, the copies after the call).

    Prints are captured, warnings and floating-point errors silenced, exceptions kept.
    """
    call = Call()
    given = [fresh(a) for a in args]
    given_kw = {k: fresh(v) for k, v in kwargs.items()}
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in given]
    before_kw = {k: (v.copy() if isinstance(v, np.ndarray) else None) for k, v in given_kw.items()}
    out = None
    sink = io.StringIO()
    t0 = time.perf_counter()
    try:
        with quiet(sink):
            out = fn(*given, **given_kw)
    except (Exception, SystemExit) as exc:  # student faults; KeyboardInterrupt propagates
        call.error = exc
        call.error_where = _where(exc)
    call.seconds = time.perf_counter() - t0
    call.printed = bool(sink.getvalue())
    mutated = []
    for i, (a, b) in enumerate(zip(given, before)):
        if b is not None and not _same_array(a, b):
            mutated.append(i)
    for k, b in before_kw.items():
        if b is not None and not _same_array(given_kw[k], b):
            mutated.append(k)
    call.mutated = tuple(mutated)
    call.raw_type = type(out).__name__
    return out, call


def _same_array(a, b):
    if not isinstance(a, np.ndarray) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    with np.errstate(all="ignore"):
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))


# ---------------------------------------------------------------------------------------
# Normalising outputs: exact types first
# ---------------------------------------------------------------------------------------
_INT_TYPES = (int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
_FLOAT_TYPES = (float, np.float16, np.float32, np.float64, np.longdouble)
_NUMBER_TYPES = frozenset(_INT_TYPES + _FLOAT_TYPES)
_BOOL_TYPES = frozenset((bool, np.bool_))


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(out, shape, kinds="biuf", *, what="array", int_only=False):
    """Normalise an array output: return (value or None, problem or None).

    ``value`` is a float64 (or int64 for ``int_only``) copy we own; ``problem`` is the
    type/shape message (the value may still be usable, e.g. a list of the right numbers).
    """
    problem = None
    tname = type(out).__name__
    if type(out) is np.ndarray:
        arr = out
    elif isinstance(out, np.ndarray):
        arr = np.asarray(out).view(np.ndarray)
        problem = f"returned a {tname} (a subclass of ndarray); return a plain NumPy array: np.asarray(...)"
    elif type(out) in (list, tuple):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.asarray(out)
        except Exception:
            return None, f"returned a {tname} that NumPy cannot turn into a rectangular array"
        if arr.dtype.kind == "O":
            return None, f"returned a {tname} of objects that are not plain numbers"
        problem = f"returned a Python {tname}; return a NumPy array of shape {_shape_text(shape)} (np.array(...))"
    elif out is None:
        return None, "returned None: is the `return` statement missing?"
    elif type(out) in _NUMBER_TYPES or type(out) in _BOOL_TYPES:
        return None, f"returned a single number; expected an {what} of shape {_shape_text(shape)}"
    else:
        return None, f"returned an object of type {tname}; expected a NumPy {what} of shape {_shape_text(shape)}"
    if arr.dtype.kind == "O":
        return None, "returned an array of Python objects (dtype object); it must hold plain numbers"
    if arr.dtype.kind not in "biuf":
        return None, f"returned an array of dtype {arr.dtype}; it must hold real numbers"
    if arr.shape != tuple(shape):
        if arr.ndim == len(shape) == 2 and arr.shape == tuple(shape)[::-1]:
            msg = (f"returned shape {_shape_text(arr.shape)}, the transpose of the expected "
                   f"{_shape_text(shape)}")
        else:
            msg = f"returned shape {_shape_text(arr.shape)}; expected {_shape_text(shape)}"
        return None, msg
    if arr.dtype.kind not in kinds:
        if int_only and arr.dtype.kind in "fb":
            value = np.array(arr, dtype=np.float64)
            if np.all(np.isfinite(value)) and np.all(value == np.round(value)):
                problem = problem or (f"returned {arr.dtype} values; they must be integers "
                                      f"(use .astype(int) or argmax, which gives integers)")
                return value.astype(np.int64), problem
            return value, problem or f"returned {arr.dtype} values; they must be integers"
        problem = problem or f"returned dtype {arr.dtype}; expected {_kinds_text(kinds)}"
    dtype = np.int64 if int_only else np.float64
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = np.array(arr, dtype=dtype)
    return value, problem


def _kinds_text(kinds):
    names = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def as_scalar(out, *, what="a single number"):
    """Normalise a scalar output (a loss): return (float or None, problem or None)."""
    t = type(out)
    if t in _NUMBER_TYPES:
        return float(out), None
    if t is np.ndarray and out.dtype.kind in "iuf":
        if out.shape == ():
            return float(out), None
        if out.size == 1:
            return float(out.reshape(())), (f"returned an array of shape {_shape_text(out.shape)}; "
                                            f"return {what} (float(...) or .item())")
        return None, (f"returned an array of shape {_shape_text(out.shape)}; expected {what} "
                      f"(sum over every axis)")
    if t in _BOOL_TYPES:
        return None, f"returned a boolean; expected {what}"
    if out is None:
        return None, "returned None: is the `return` statement missing?"
    if t in (list, tuple):
        return None, f"returned a {t.__name__} of length {len(out)}; expected {what}"
    return None, f"returned an object of type {t.__name__}; expected {what}"


def as_bool(out):
    """Normalise a boolean output: return (bool or None, problem or None)."""
    t = type(out)
    if t in _BOOL_TYPES:
        return bool(out), None
    if t is np.ndarray and out.shape == () and out.dtype.kind == "b":
        return bool(out), None
    if t in _NUMBER_TYPES and out in (0, 1):
        return bool(out), f"returned the number {out!r}; return True or False"
    if t is np.ndarray:
        return None, (f"returned an array of shape {_shape_text(out.shape)}; return a single True/False "
                      f"(combine element-wise tests with .all())")
    if out is None:
        return None, "returned None: is the `return` statement missing?"
    return None, f"returned an object of type {t.__name__}; expected True or False"


# ---------------------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------------------
def fmt(value, precision=4):
    """Compact text of a value for messages."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=precision, suppress=True, threshold=60, linewidth=88):
            return np.array2string(value, separator=", ")
    if isinstance(value, float):
        return f"{value:.{precision + 2}g}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(fmt(v, precision) for v in value[:12])
        more = ", ..." if len(value) > 12 else ""
        return f"[{inner}{more}]"
    return repr(value)


def _tol(expected, rtol, atol):
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return atol * scale + rtol * np.abs(expected)


def compare_arrays(got, expected, rtol=rtol_default, atol=atol_default, show=True):
    """(ok, detail): equal within ``|got - exp| <= atol * max(1, max|exp|) + rtol * |exp|``."""
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return False, f"shape {_shape_text(got.shape)} instead of {_shape_text(expected.shape)}"
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - expected) <= _tol(expected, rtol, atol))
    if not bad.any():
        return True, ""
    n_bad = int(bad.sum())
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    nan = " (NaN)" if np.isnan(got).any() else ""
    if not show:
        return False, f"{n_bad} of {bad.size} entries differ{nan}"
    where = "[" + ", ".join(map(str, idx)) + "]" if idx else ""
    return False, (f"{n_bad} of {bad.size} entries differ{nan}; first at {where}: "
                   f"expected {expected[idx]:.6g}, got {got[idx]:.6g}")


def compare_scalars(got, expected, rtol=rtol_default, atol=atol_default, show=True):
    """(ok, detail) for two numbers, same tolerance as :func:`compare_arrays`."""
    tol = atol * max(1.0, abs(expected)) + rtol * abs(expected)
    if got is not None and math.isfinite(got) and abs(got - expected) <= tol:
        return True, ""
    if not show:
        return False, "the value differs"
    return False, f"expected {expected:.10g}, got {got:.10g}" if got is not None else "no number returned"


def same_values(a, b, rtol=1e-6, atol=1e-9):
    """Whether two normalised outputs are the same (NaNs equal): used to match mistakes."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k], rtol, atol) for k in a)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        scale = max(1.0, float(np.nanmax(np.abs(a))) if a.size and not np.isnan(a).all() else 1.0)
        close = np.abs(a - b) <= atol * scale + rtol * np.abs(b)
        both_nan = np.isnan(a) & np.isnan(b)
        same_inf = np.isinf(a) & (a == b)
    return bool(np.all(close | both_nan | same_inf))


# ---------------------------------------------------------------------------------------
# Exercises
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
}


class Exercise:
    """Base class of a checker for one CURRICULUM exercise.

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


class FunctionExercise(Exercise):
    """An exercise whose output is compared entry by entry with the reference's.

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


# ---------------------------------------------------------------------------------------
# Running a whole check and writing the diagnosis
# ---------------------------------------------------------------------------------------
def run(exercise, fn, *, hidden, secret, possible, rng=None):
    """Check ``fn`` against ``exercise``; never raises for faults of ``fn``."""
    from autograder.checks.secret import fingerprint, hidden_rng

    t0 = time.perf_counter()
    flags = _flags(exercise.name, fn)
    if hidden and rng is None:
        rng = hidden_rng(exercise.name, secret)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = exercise.cases(hidden, rng)
        if not callable(fn):
            items = [CheckItem(TYPE, exercise.label(TYPE), 1.0, 0, len(cases))]
            diagnosis = [f"`{exercise.name}` is not a function (it is a {type(fn).__name__}): "
                         f"run the cell that defines it, and do not reuse its name for a variable."]
            return CheckResult(exercise.name, hidden, 0.0, float(possible), items, diagnosis, [], flags,
                               len(cases), time.perf_counter() - t0, fingerprint(secret) if hidden else None)
        calls = exercise.evaluate(fn, cases)
        items = exercise.items(cases, calls)
        fraction = exercise.fraction(items)
        score = round_score(fraction, possible)
        diagnosis, mistakes = [], []
        if any(not c.ok for c in calls) or fraction < 1:
            diagnosis, mistakes = diagnose(exercise, fn, cases, calls)
    if any(c.seconds > exercise.slow_call for c in calls):
        diagnosis.append("Your function is slow on these tiny inputs (over "
                         f"{exercise.slow_call:g} s for one call): vectorise it with NumPy.")
    return CheckResult(exercise.name, hidden, score, float(possible), items, diagnosis, mistakes, flags,
                       len(cases), time.perf_counter() - t0, fingerprint(secret) if hidden else None)


def _flags(name, fn):
    flags = []
    module = getattr(fn, "__module__", "") or ""
    if module.split(".")[0] in ("kmeans_ref", "autograder"):
        flags.append(f"the function comes from the {module.split('.')[0]} package, not from the notebook")
    return flags


def diagnose(exercise, fn, cases, calls):
    """(messages, matched mistake ids) for a function that failed some check."""
    failing = [i for i, c in enumerate(calls) if not c.ok]
    if not failing:
        return [], []
    normal = [c for c, case in zip(calls, cases) if case.expect_error is None]
    if normal and all(isinstance(c.error, NotImplementedError) for c in normal):
        return [f"`{exercise.name}` is not implemented yet: replace `raise NotImplementedError()` "
                f"with your code."], []

    def smallest(indices):
        return min(indices, key=lambda i: (exercise.evidence_rank(cases[i]), cases[i].size(), i))

    messages, ids = [], []
    early = exercise.pre_diagnosis(cases, calls)
    if early:
        return [early], []
    chosen, unexplained = match_catalogue(exercise, cases, calls)
    for mistake, explained in chosen:
        ids.append(mistake.id)
        i = smallest(explained)
        evidence = describe_failure(exercise, cases[i], calls[i], brief=True)
        messages.append(f"{mistake.message}\n{evidence}" if evidence else mistake.message)
    if unexplained:
        text = describe_failure(exercise, cases[smallest(unexplained)], calls[smallest(unexplained)], brief=False)
        messages.append(("Also: " + text[0].lower() + text[1:]) if chosen else text)
    mutated = [i for i, c in enumerate(calls) if c.mutated]
    if mutated and not any(_variant_mutates(m) for m, _ in chosen):
        names = sorted({_arg_name(exercise, m) for i in mutated for m in calls[i].mutated})
        messages.append(f"Your function changes its input{'s' if len(names) > 1 else ''} "
                        f"{', '.join(names)} in place (on {len(mutated)} of {len(calls)} cases). "
                        f"Work on a copy (e.g. `M = M_prev.copy()`) or build a new array.")
    problems = [c.problem for i, c in sorted(enumerate(calls), key=lambda ic: cases[ic[0]].size())
                if c.problem and c.usable]
    if problems and not chosen and not any(problems[0] in m for m in messages):
        messages.append(f"Type: your function {problems[0]}.")
    if any(c.printed for c in calls):
        messages.append("(Your function prints: the checker hides that output; remove debugging prints.)")
    return messages, ids


def match_catalogue(exercise, cases, calls):
    """Catalogue mistakes that explain the student's failures: ([(mistake, case indices)], unexplained).

    A wrong variant *explains* the student's function when, on every case where the
    variant fails, the student's function fails in exactly the same way (same output,
    same exception, same type problem, same inputs changed). Variants explaining the
    most failing cases come first; one that adds nothing new is dropped.
    """
    from .. import mistakes as catalogue

    student_fail = {i for i, c in enumerate(calls) if not c.ok}
    order = exercise.match_order(cases)
    candidates = []
    for mistake in catalogue.for_exercise(exercise.name):
        variant_fail = set()
        try:
            variant = mistake.function
            with exercise.context():
                for i in order:
                    v = exercise.run_case(variant, cases[i])
                    if v.ok:
                        continue
                    if i not in student_fail or not exercise.same_behaviour(calls[i], v, cases[i]):
                        break
                    variant_fail.add(i)
                else:
                    if variant_fail:
                        candidates.append((mistake, variant_fail))
        except Exception:  # pragma: no cover - a broken entry must never break grading
            continue
    chosen, explained = [], set()
    for mistake, variant_fail in sorted(candidates, key=lambda mv: -len(mv[1])):
        if variant_fail - explained:
            chosen.append((mistake, variant_fail))
            explained |= variant_fail
    return chosen, student_fail - explained


def _variant_mutates(mistake):
    return "mutat" in mistake.id or "in_place" in mistake.id


def _arg_name(exercise, key):
    if isinstance(key, int) and key < len(exercise.arg_names):
        return exercise.arg_names[key]
    return str(key)


def describe_failure(exercise, case, call, brief):
    """What went wrong on one case. Hidden cases: sizes only, never inputs or outputs."""
    text = _describe_failure(exercise, case, call, brief)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _describe_failure(exercise, case, call, brief):
    sizes = exercise.sizes(case)
    where = f'hidden case ({sizes})' if case.hidden else f'case "{case.label}"' + (f" ({sizes})" if sizes else "")
    lines = []
    if brief:
        lines.append(f"  Seen on the smallest failing {where}.")
    else:
        lines.append(f"On the smallest failing {where}:")
    if not case.hidden:
        call_text = f"{exercise.name}({', '.join(exercise.arg_names[:len(case.args)])}"
        if case.kwargs:
            call_text += ", " + ", ".join(f"{k}={v!r}" for k, v in case.kwargs.items() if not isinstance(v, np.ndarray))
        call_text += ")"
        if not brief:
            lines.append(f"  {call_text} with")
            lines.extend("    " + ln for ln in exercise.describe_inputs(case))
    if case.expect_error is not None:
        if call.raised:
            lines.append(f"  expected {case.expect_error.__name__}; your function raised {call.error_name}")
        else:
            lines.append(f"  expected it to raise {case.expect_error.__name__}; it returned normally")
        return "\n".join(lines)
    if call.raised:
        if case.hidden:
            lines.append(f"  your function raised {call.error_name}"
                         + (f" at {call.error_where}" if call.error_where else ""))
        else:
            lines.append(f"  your function raised {call.error_text}"
                         + (f"\n    at {call.error_where}" if call.error_where else ""))
        if not case.hidden and not brief:
            lines.append(f"  expected:{_space(exercise.describe_expected(case))}")
        return "\n".join(lines)
    if call.problem:
        lines.append(f"  your function {call.problem}")
    failed = [(k, d) for k, (ok, d) in call.criteria.items() if not ok and d and d != call.problem]
    if not case.hidden:
        lines.append(f"  expected:{_space(exercise.describe_expected(case))}")
        if call.usable:
            lines.append(f"  got:{_space(exercise.describe_value(call.value), 6)}")
    for key, detail in failed[:3]:
        lines.append(f"  {exercise.label(key)}: {detail}")
    if call.mutated and not failed and not call.problem:
        lines.append(f"  the values are right, but the input(s) "
                     f"{', '.join(_arg_name(exercise, m) for m in call.mutated)} were changed in place")
    return "\n".join(lines)
