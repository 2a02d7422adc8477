"""One checker per exercise, one module per lesson; :func:`run` grades a function with one.

A checker (:class:`~autograder.checks.checker.Checker`) is found through the exercise
registry, ``autograder.exercises.get(name).checker``; its ``visible_cases()`` are the
fixed, documented cases (each lesson module's docstring lists them) and
``hidden_cases(rng)`` draws the hidden ones.

How one check runs (:func:`run`):

1. Build the cases: the fixed visible ones, or hidden ones drawn from the course secret.
2. Call the student's function on a private copy of every case's inputs, with its
   prints captured, warnings silenced and exceptions caught (student code is never
   allowed to write to stderr: nbgrader zeroes a test cell that does) (:mod:`.calls`).
3. Normalise what came back, the exact type and shape first; values are compared only
   as float arrays we built ourselves (:mod:`.compare`).
4. Judge each criterion against :mod:`kmeans_ref` with the stated tolerance and weigh
   them into a score, rounded down to quarter points (:mod:`.checker`).
5. On any failure, name the catalogue mistake the function behaves like, or describe the
   smallest failing case (:mod:`.diagnosis`).

Modules: ``calls`` (cases and safe calls), ``compare`` (output normalisation and
comparison), ``checker`` (the checker base classes and scoring), ``diagnosis``, and one
checker module per lesson (``labels``, ``loss``, ``lloyd``, ``kmedians``, ``gradient``,
``applications``, ``soft``), whose ``CHECKERS`` may come from modules of one exercise each
(``minibatch``; ``quantize``, ``silhouette``).
"""

import time
import warnings

import numpy as np

from autograder import exercises
from autograder.checks import applications, gradient, kmedians, labels, lloyd, loss, soft, vectorised
from autograder.checks.calls import bind_reference
from autograder.checks.checker import TYPE, Checker
from autograder.checks.diagnosis import diagnose
from autograder.checks.results import CheckItem, CheckResult, round_score

__all__ = ["checker", "run", "Checker"]

_CHECKERS = {c.name: c for module in (labels, loss, lloyd, kmedians, gradient, applications,
                                               soft)
             for c in module.CHECKERS}
if list(_CHECKERS) != exercises.names():  # pragma: no cover - caught by the tests at once
    raise ImportError(f"the lesson modules' checkers {list(_CHECKERS)} do not match the exercise registry "
                      f"{exercises.names()}: add or rename the checker in autograder/checks/<lesson>.py")

bind_reference(_CHECKERS)


def checker(name):
    """The checker of exercise ``name`` (prefer ``exercises.get(name).checker``)."""
    try:
        return _CHECKERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(_CHECKERS)}") from None


def run(checker, fn, *, hidden, secret, possible, rng=None):
    """Check ``fn`` against its ``checker``; never raises for faults of ``fn``."""
    from autograder.checks.secret import fingerprint, hidden_rng

    t0 = time.perf_counter()
    flags = _flags(checker.name, fn)
    if hidden and rng is None:
        rng = hidden_rng(checker.name, secret)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = checker.cases(hidden, rng)
        if not callable(fn):
            items = [CheckItem(TYPE, checker.label(TYPE), 1.0, 0, len(cases))]
            diagnosis = [f"`{checker.name}` is not a function (it is a {type(fn).__name__}): "
                         f"run the cell that defines it, and do not reuse its name for a variable."]
            return CheckResult(checker.name, hidden, 0.0, float(possible), items, diagnosis, [], flags,
                               len(cases), time.perf_counter() - t0, fingerprint(secret) if hidden else None)
        calls = checker.evaluate(fn, cases)
        items = checker.items(cases, calls)
        # the vectorisation item scales the score (see autograder.checks.vectorised.judge)
        loop_item, factor, loop_message, loop_mistake = vectorised.judge(checker, fn, items, possible)
        fraction = checker.fraction(items) * factor
        if loop_item is not None:
            items.append(loop_item)
        score = round_score(fraction, possible)
        diagnosis, mistakes = [], []
        if any(not c.ok for c in calls) or fraction < 1:
            diagnosis, mistakes = diagnose(checker, fn, cases, calls)
        if loop_message:
            diagnosis.append(loop_message)
            mistakes.append(loop_mistake)
    if any(c.seconds > checker.slow_call for c in calls):
        diagnosis.append("Your function is slow on these tiny inputs (over "
                         f"{checker.slow_call:g} s for one call): vectorise it with NumPy.")
    return CheckResult(checker.name, hidden, score, float(possible), items, diagnosis, mistakes, flags,
                       len(cases), time.perf_counter() - t0, fingerprint(secret) if hidden else None)


def _flags(name, fn):
    flags = []
    module = getattr(fn, "__module__", "") or ""
    if module.split(".")[0] in ("kmeans_ref", "autograder"):
        flags.append(f"the function comes from the {module.split('.')[0]} package, not from the notebook")
    return flags

