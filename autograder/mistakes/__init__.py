"""The mistake catalogue: plausible wrong implementations of every exercise.

Each entry is a :class:`Mistake`: a stable id (``"<exercise>.<slug>"``, e.g.
``"sq_distances.not_squared"``), the targeted message a student sees when their
function behaves exactly like it, and the wrong function as SOURCE TEXT, written
as a student would write it (``import numpy as np`` and one function with the
signature of docs/curriculum.md, using nothing but NumPy). Each variant is correct except
for its one mistake, so a student with two mistakes is explained by two entries.

Each exercise's correct, student-style solution is written once, as its
*baseline* (:func:`baseline`); a mistake is usually a small edit of it
(:func:`variant`: one or a few ``(old, new)`` replacements, each old text found
exactly once in the baseline), so a change to a solution is made in one place.
An entry whose mistake is a different structure altogether keeps a full source,
with a comment saying why.

The source is compiled when this package is imported, so ``Mistake.function`` is
a real function; ``Mistake.body`` is the indented body, ready to paste under the
``def`` line of a notebook's solution cell (the class generator of the demo does).

>>> m = get("sq_distances.not_squared")
>>> m.exercise, m.signature
('sq_distances', 'def sq_distances(X, M):')
>>> m.function(np.array([[0.0, 3.0], [0.0, 4.0]]), np.zeros((2, 1)))
array([[0., 5.]])
>>> len(for_exercise("assign")) >= 3
True
"""

import linecache
import textwrap
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np  # noqa: F401  (used by the doctest above)

__all__ = ["Mistake", "Variant", "mistake", "baseline", "variant", "for_exercise", "get", "baseline_of",
           "all_mistakes", "CATALOGUE", "BASELINES"]

_FUNCTIONS = {}


@dataclass(frozen=True)
class Mistake:
    """One wrong implementation of an exercise and the message that names it."""

    id: str
    message: str
    source: str
    #: the exercise's baseline and the edits that made ``source`` from it; None and () for a full source
    baseline: str = None
    edits: tuple = ()

    @property
    def exercise(self):
        return self.id.split(".", 1)[0]

    @property
    def slug(self):
        return self.id.split(".", 1)[1]

    @property
    def function(self):
        """The compiled wrong function (compiled once, at import)."""
        fn = _FUNCTIONS.get(self.id)
        if fn is None:
            fn = _FUNCTIONS[self.id] = _compile(self)
        return fn

    @property
    def filename(self):
        return f"<mistake {self.id}>"

    @property
    def signature(self):
        """The ``def`` line of the source."""
        return next(line for line in self.source.splitlines() if line.startswith("def "))

    @property
    def body(self):
        """The function body, indented by four spaces, without the ``def`` line."""
        lines = self.source.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("def "))
        return "\n".join(lines[start + 1:]).rstrip() + "\n"


def _compile(m):
    namespace = {"__name__": f"kmeans_mistake_{m.exercise}"}
    lines = m.source.splitlines(keepends=True)
    # Register the text so tracebacks and inspect.getsource show the wrong code.
    linecache.cache[m.filename] = (len(m.source), None, lines, m.filename)
    exec(compile(m.source, m.filename, "exec"), namespace)
    fn = namespace.get(m.exercise)
    if not callable(fn):
        raise ValueError(f"mistake {m.id}: its source does not define {m.exercise}()")
    return fn


def _normalise(source):
    return textwrap.dedent(source).strip("\n") + "\n"


def baseline(source):
    """An exercise's correct solution as source text (dedented): what its variants edit."""
    return _normalise(source)


class Variant(NamedTuple):
    """A baseline and the ``(old, new)`` replacements that turn it into one wrong implementation."""

    baseline: str
    edits: tuple

    def apply(self):
        """The edited source; ValueError unless every old text occurs exactly once in the baseline."""
        source = self.baseline
        for old, new in self.edits:
            found = self.baseline.count(old)
            if found != 1 or source.count(old) != 1:
                raise ValueError(f"the edit {old!r} -> {new!r} must match exactly once in the baseline "
                                 f"(it matches {found} times): quote more of the line to make it unique")
            if old == new:
                raise ValueError(f"the edit {old!r} changes nothing")
            source = source.replace(old, new)
        return source


def variant(base, *edits):
    """``base`` with each ``(old, new)`` edit applied; each ``old`` must occur exactly once in ``base``."""
    if not edits:
        raise ValueError("a variant needs at least one (old, new) edit; use the baseline itself otherwise")
    return Variant(base, tuple(tuple(edit) for edit in edits))


def mistake(id, message, source):
    """Build a catalogue entry from a :func:`variant` of a baseline, or a full source (dedented).

    Either way the source must define the exercise's function.
    """
    message = " ".join(textwrap.dedent(message).split())
    if isinstance(source, Variant):
        return Mistake(id, message, source.apply(), source.baseline, source.edits)
    return Mistake(id, message, _normalise(source))


def _load():
    from . import applications, gradient, kmedians, labels, lloyd, loss
    from . import soft

    catalogue = {}
    for module in (labels, loss, lloyd, kmedians, gradient, applications,
                   soft):
        BASELINES.update(module.BASELINES)
        for m in module.MISTAKES:
            if m.id in catalogue:
                raise ValueError(f"duplicate mistake id {m.id}")
            catalogue[m.id] = m
            m.function  # compile now: a broken entry fails at import, not while grading
    return catalogue


#: exercise -> its baseline source (the correct solution the variants edit)
BASELINES = {}
CATALOGUE = _load()


def all_mistakes():
    """Every entry, in catalogue order (lesson order, then the order within each lesson)."""
    return list(CATALOGUE.values())


def for_exercise(name):
    """The entries for one exercise, in catalogue order."""
    return [m for m in CATALOGUE.values() if m.exercise == name]


def get(id):
    """The entry with this id (KeyError if unknown)."""
    return CATALOGUE[id]


def baseline_of(name):
    """The baseline source of exercise ``name`` (KeyError if unknown)."""
    return BASELINES[name]
