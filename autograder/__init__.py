"""Grading for the k-means course: checkers, mistake catalogue, clean room, batch, reports.

In a notebook's test cells::

    from autograder import check
    check("assign", assign)                  # visible cases: fixed and documented
    check("assign", assign, hidden=True)     # hidden cases: drawn from the course secret

``check`` returns a :class:`CheckResult` whose ``repr`` is the score (nbgrader reads it
as the cell's partial credit) and whose HTML shows the diagnosis; a score of zero
raises :class:`CheckFailed` with the diagnosis as its message.

Programmatic use (the clean-room grader): ``run_check(name, fn, hidden=..., secret=...)``
never raises for the student's faults.

``import autograder`` needs only NumPy and :mod:`kmeans_ref`; the mistake catalogue is
loaded the first time a function fails.
"""

from collections import namedtuple

from autograder.checks import results as _results
from autograder.checks.results import CheckFailed, CheckItem, CheckResult

__all__ = ["check", "run_check", "CheckFailed", "CheckResult", "CheckItem", "POINTS", "EXERCISES",
           "Exercise"]

Exercise = namedtuple("Exercise", ["lesson", "signature"])

#: exercise -> (lesson id, signature), in course order
EXERCISES = {
    "one_hot": Exercise("01-labels", "one_hot(z, k)"),
    "labels_from_one_hot": Exercise("01-labels", "labels_from_one_hot(Y)"),
    "is_label_matrix": Exercise("01-labels", "is_label_matrix(Y)"),
    "reconstruct": Exercise("01-labels", "reconstruct(M, Y)"),
    "sq_distances": Exercise("02-loss", "sq_distances(X, M)"),
    "kmeans_loss": Exercise("02-loss", "kmeans_loss(X, Y, M)"),
    "min_form_loss": Exercise("02-loss", "min_form_loss(X, M)"),
    "assign": Exercise("03-lloyd", "assign(X, M)"),
    "update_means": Exercise("03-lloyd", "update_means(X, Y, M_prev)"),
    "lloyd": Exercise("03-lloyd", "lloyd(X, M0, max_iter=100)"),
    "l1_distances": Exercise("04-kmedians", "l1_distances(X, M)"),
    "assign_l1": Exercise("04-kmedians", "assign_l1(X, M)"),
    "l1_loss": Exercise("04-kmedians", "l1_loss(X, Y, M)"),
    "update_medians": Exercise("04-kmedians", "update_medians(X, Y, M_prev)"),
    "kmedians": Exercise("04-kmedians", "kmedians(X, M0, max_iter=100)"),
    "loss_gradient": Exercise("05-gradient-descent", "loss_gradient(X, M)"),
    "numerical_gradient": Exercise("05-gradient-descent", "numerical_gradient(f, M, eps=1e-6)"),
    "gradient_descent": Exercise("05-gradient-descent", "gradient_descent(X, M0, lr, n_steps)"),
    "kmeans_plus_plus": Exercise("06-applications", "kmeans_plus_plus(X, k, rng)"),
    "quantize": Exercise("06-applications", "quantize(image, k, rng)"),
}

#: exercise -> (visible points, hidden points); test-cell metadata must match
POINTS = {
    "one_hot": (1, 1),
    "labels_from_one_hot": (1, 1),
    "is_label_matrix": (1, 1),
    "reconstruct": (1, 1),
    "sq_distances": (2, 1),
    "kmeans_loss": (1, 1),
    "min_form_loss": (1, 1),
    "assign": (1, 1),
    "update_means": (2, 1),
    "lloyd": (2, 2),
    "l1_distances": (1, 1),
    "assign_l1": (1, 1),
    "l1_loss": (1, 1),
    "update_medians": (2, 1),
    "kmedians": (2, 1),
    "loss_gradient": (2, 1),
    "numerical_gradient": (1, 1),
    "gradient_descent": (2, 1),
    "kmeans_plus_plus": (2, 1),
    "quantize": (2, 1),
}


def run_check(name, fn, *, hidden=False, secret=None):
    """Check ``fn`` as exercise ``name`` and return a :class:`CheckResult`; never raises for ``fn``'s faults.

    ``hidden=True`` uses cases drawn from ``secret`` (default: the environment variable
    ``KMEANS_COURSE_SECRET``, else the development secret). Raises ValueError only for
    an unknown exercise name.
    """
    from . import checks

    exercise = checks.get(name)
    possible = POINTS[name][1 if hidden else 0]
    return checks.run(exercise, fn, hidden=hidden, secret=secret, possible=possible)


def check(name, fn, *, hidden=False):
    """Check exercise ``name`` from a notebook test cell.

    Returns the :class:`CheckResult` (its ``repr`` is the score, read by nbgrader as
    partial credit); raises :class:`CheckFailed` with the diagnosis when the score is 0.
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame in tracebacks
    result = run_check(name, fn, hidden=hidden)
    if result.score <= 0:
        _raise(CheckFailed(result))
    _results.note_partial_credit(result)
    return result


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
