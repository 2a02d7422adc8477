"""Grading for the k-means course: checkers, mistake catalogue, clean room, batch, reports.

In a notebook's test cells::

    from autograder import check
    check("assign", assign)                  # visible cases: fixed and documented
    check("assign", assign, hidden=True)     # hidden cases: drawn from the course secret

``check`` returns a :class:`CheckResult` whose ``repr`` is the score (nbgrader reads it
as the cell's partial credit) and whose HTML shows the checklist and the diagnosis; a
score of zero raises :class:`CheckFailed` with the diagnosis as its message. Either
way the student reads the diagnosis once: after a partial score shown as a cell's value
it goes to stderr (where nbgrader's Validate reads it) instead of into the HTML.

Programmatic use (the clean-room grader): ``run_check(name, fn, hidden=..., secret=...)``
never raises for the student's faults.

The exercises (names, lessons, signatures, points) are listed once, in
:mod:`autograder.exercises`; their contract is ``docs/curriculum.md``.

``import autograder`` imports only the exercise registry (no NumPy: the kernel jail, a
launcher started as ``python -m autograder.isolation.kernel_jail`` for every grading kernel,
pays this import each time); the checkers, NumPy and :mod:`kmeans_ref` load with the first
check, the mistake catalogue the first time a function fails.
"""

from autograder import deferred_imports, exercises, validating
from autograder.exercises import Exercise

deferred_imports.defer_rfc3987_syntax()  # before anything of the kit imports nbformat

__all__ = ["check", "run_check", "CheckFailed", "CheckResult", "CheckItem", "POINTS", "EXERCISES",
           "Exercise", "exercises"]

#: exercise name -> its :class:`~autograder.exercises.Exercise` record, in course order
#: (a view of :mod:`autograder.exercises`, the registry)
EXERCISES = {exercise.name: exercise for exercise in exercises.EXERCISES}

#: exercise name -> (visible points, hidden points); the test cells' metadata must match
POINTS = {exercise.name: exercise.points for exercise in exercises.EXERCISES}


def run_check(name, fn, *, hidden=False, secret=None):
    """Check ``fn`` as exercise ``name`` and return a :class:`CheckResult`; never raises for ``fn``'s faults.

    ``hidden=True`` uses cases drawn from ``secret`` (default: the environment variable
    ``KMEANS_COURSE_SECRET``, else the development secret). Raises ValueError only for
    an unknown exercise name.
    """
    from . import checks

    exercise = exercises.get(name)
    return checks.run(exercise.checker, fn, hidden=hidden, secret=secret, possible=exercise.possible(hidden))


def check(name, fn, *, hidden=False):
    """Check exercise ``name`` from a notebook test cell.

    Returns the :class:`CheckResult` (its ``repr`` is the score, read by nbgrader as
    partial credit); raises :class:`CheckFailed` with the diagnosis when the score is 0.
    When ``fn`` fails and calls another exercise of its lesson that fails its own visible
    checks (looked up where ``fn`` finds it, the notebook's namespace), the diagnosis
    starts by saying to fix that one first (:mod:`autograder.checks.dependencies`).
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame in tracebacks
    result = run_check(name, fn, hidden=hidden)
    if not result.full_marks:
        # A failure inherited from another exercise the function calls: say which to fix
        # first, as the clean room does (the score stays what the checker gave).
        from autograder.checks import dependencies

        callees = dependencies.failing_callees(name, fn)
        if callees:
            result.diagnosis.insert(0, dependencies.note(name, callees))
    from autograder.checks import results

    if result.score <= 0:
        _raise(results.CheckFailed(result))
    results.note_partial_credit(result)
    return result


_FROM_RESULTS = ("CheckFailed", "CheckItem", "CheckResult")


def __getattr__(name):
    """``autograder.CheckFailed`` and the other result types, loaded with the checkers on first use."""
    if name in _FROM_RESULTS:
        from autograder.checks import results

        return getattr(results, name)
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")


# The frame that raises is always shown by IPython: a one-line function with a readable
# source line, so the student sees the diagnosis rather than the checker's code.
def _make_raise():
    import linecache

    source = "def _raise(exc): raise exc from None  # the explanation follows\n"
    linecache.cache["<autograder>"] = (len(source), None, [source], "<autograder>")
    namespace = {}
    exec(compile(source, "<autograder>", "exec"), namespace)
    return namespace["_raise"]


_raise = _make_raise()

# In the kernel nbgrader's Validate starts, figures are not drawn (nobody sees them).
validating.draw_no_figures_when_validating()
