"""Cases and safe calls: what a check feeds a function, and what the function did.

A :class:`Case` is one input (positional ``args``, ``kwargs``, the criterion it counts
towards); :func:`call_safely` runs a function on private copies of it, with prints
captured, warnings silenced and exceptions caught, and returns a :class:`Call`
(raised what, where, which inputs it changed in place). :func:`ref` is the reference
implementation of an exercise, bound once.
"""

import contextlib
import copy
import io
import os
import time
import traceback
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np

import kmeans_ref

__all__ = ["Case", "Call", "fresh", "quiet", "call_safely", "ref", "bind_reference"]

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


# Functions that were interrupted or ran out of time, with what stopped them: a checker
# never calls them again (each case would cost one more time limit).
_STOPPED = weakref.WeakKeyDictionary()


def _stops(exc) -> bool:
    """Whether ``exc`` ends every further call of the function: an interrupt (the cell
    timeout), or a clean-room call that timed out or died (``SandboxError.stops_function``)."""
    return isinstance(exc, KeyboardInterrupt) or bool(getattr(exc, "stops_function", False))


def call_safely(fn, args, kwargs):
    """Run ``fn`` on private copies; return (raw output or None, Call, the copies after the call).

    Prints are captured, warnings and floating-point errors silenced, exceptions kept.
    A function once interrupted or timed out is not called again: every later case
    gets the same error at once.
    """
    call = Call()
    stopped = _stopped_by(fn)
    if stopped is not None:
        call.error, call.raw_type = stopped, "NoneType"
        return None, call
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
        if _stops(exc):
            _remember_stopped(fn, exc)
    except KeyboardInterrupt as exc:
        _remember_stopped(fn, exc)
        raise
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


def _stopped_by(fn):
    try:
        return _STOPPED.get(fn)
    except TypeError:  # not weakly referenceable or not hashable: never remembered
        return None


def _remember_stopped(fn, exc) -> None:
    try:
        _STOPPED[fn] = exc
    except TypeError:
        pass


def _same_array(a, b):
    if not isinstance(a, np.ndarray) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    with np.errstate(all="ignore"):
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
