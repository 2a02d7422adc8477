"""Whether a function loops over the observations: lines of the student's code executed at N and 4N.

A wall-clock threshold misjudges a loaded machine; a count of executed lines does not. The
student's function runs on two inputs that differ only in the number of observations, N and
4N, while a trace function counts the line events of the student's own code (not NumPy's, not
the kit's). A vectorised function executes the same lines whatever N is; a Python loop over the
observations, a comprehension over them or ``np.apply_along_axis`` with a Python function
executes at least one more line per added observation. A loop over the k centroids or the d
features is fine: it does not grow with N.

The count is taken where the function runs: in this process (a notebook's ``check()``), or, for
the clean room's stand-in of a student function, in the sandboxed child, which counts the lines
of its own ``<cell ...>`` code (the stand-in carries a ``count_lines`` method).

>>> import numpy as np
>>> def looped(X, M):
...     return np.array([((X[:, [i]] - M) ** 2).sum(axis=0) for i in range(X.shape[1])]).T
>>> probe = Probe(xm_inputs)
>>> probe.measure(looped).grows, probe.measure(lambda X, M: M.T @ X).grows
(True, False)
"""

import io
import os
import sys
from dataclasses import dataclass

import numpy as np

import kmeans_ref
from autograder.checks.calls import fresh, quiet

__all__ = ["Probe", "Measure", "lines_executed", "xm_inputs", "judge", "SIZES", "ITEM"]

ITEM = "vectorised"
SLUG = "loop_over_observations"

#: the two numbers of observations compared (the second is 4 times the first)
SIZES = (200, 800)

# the kit's packages and the installed libraries: their lines are not the student's
_KIT = tuple(os.path.dirname(os.path.abspath(path)) + os.sep
             for path in (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/__init__.py",
                          kmeans_ref.__file__))
_LIBRARY = tuple({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                         os.path.dirname(os.__file__),
                                                         os.path.dirname(os.path.dirname(np.__file__)))})


def _is_student_code(filename):
    """True for code a student wrote (a notebook cell, a test file), False for libraries and the kit."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    path = os.path.abspath(filename)
    return not path.startswith(_LIBRARY) and not path.startswith(_KIT)


def lines_executed(fn, args):
    """How many line events of the student's own code ``fn(*args)`` executes (None if it raises).

    A stand-in from the clean room counts in the sandboxed child (its ``count_lines``).
    """
    remote = getattr(fn, "count_lines", None)
    if callable(remote):
        try:
            return remote(*[fresh(a) for a in args])
        except Exception:
            return None
    count = 0
    student = {}

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def on_call(frame, event, arg):
        nonlocal count
        code = frame.f_code
        mine = student.get(code)
        if mine is None:
            mine = student[code] = _is_student_code(code.co_filename)
        if mine:
            count += 1
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        with quiet(io.StringIO()):
            fn(*[fresh(a) for a in args])
    except (Exception, SystemExit):
        return None
    finally:
        sys.settrace(previous)
    return count


def xm_inputs(n):
    """(X, M) with d = 3, k = 4 and ``n`` observations (the same seed for every n)."""
    rng = np.random.default_rng(404)
    return rng.normal(size=(3, n)), rng.normal(size=(3, 4))


@dataclass
class Measure:
    """Line counts at the two sizes; ``grows`` when the larger input executed at least N more lines."""

    small: int
    large: int

    @property
    def grows(self):
        # 3N more observations: a loop over them adds >= 3N line events; allow any
        # work that does not scale with N (up to N extra lines)
        return self.large - self.small >= SIZES[0]

    def evidence(self):
        n, m = SIZES
        return (f"Lines of your code executed: {self.small} for N = {n} observations, {self.large} for "
                f"N = {m} (a vectorised function executes the same lines whatever N is).")


class Probe:
    """Measures a function on ``inputs(N)`` for the two sizes of :data:`SIZES`."""

    def __init__(self, inputs):
        self.inputs = inputs

    def measure(self, fn):
        """A :class:`Measure`, or None if the function raised on either input."""
        counts = [lines_executed(fn, self.inputs(n)) for n in SIZES]
        if any(c is None for c in counts):
            return None
        return Measure(*counts)


def judge(checker, fn, items, possible):
    """The "vectorised" item of ``checker`` for ``fn``, the factor on its score, and (message, mistake id).

    Returns (None, 1.0, None, None) when the exercise does not grade vectorisation or ``fn``
    raised on the probe's inputs (its other items already fail). A loop over the observations
    multiplies the score by ``1 - checker.vectorised_share``: a correct loop loses exactly that
    share, and a vectorised function earns nothing for being vectorised unless it is right. The
    item's weight shows that share next to the other items.
    """
    from autograder import exercises
    from autograder.checks.results import CheckItem

    share = checker.vectorised_share
    if not share:
        return None, 1.0, None, None
    measure = Probe(checker.probe_inputs).measure(fn)
    if measure is None:
        return None, 1.0, None, None
    weight = share * sum(item.weight for item in items) / (1 - share)
    item = CheckItem(ITEM, checker.label(ITEM), weight, 0 if measure.grows else 1, 1)
    if not measure.grows:
        return item, 1.0, None, None
    mistake = next(m for m in exercises.get(checker.name).mistakes if m.slug == SLUG)
    points = f"{possible:g} point{'' if possible == 1 else 's'}"
    message = (f"{mistake.message}\n{measure.evidence()} The criterion \"{checker.label(ITEM)}\" is "
               f"worth {share * possible:g} of this check's {points}.")
    return item, 1 - share, message, mistake.id
