"""The mistake catalogue: plausible wrong implementations of every exercise.

Each entry is a :class:`Mistake`: a stable id (``"<exercise>.<slug>"``, e.g.
``"sq_distances.not_squared"``), the targeted message a student sees when their
function behaves exactly like it, and the wrong function as SOURCE TEXT, written
as a student would write it (``import numpy as np`` and one function with the
CURRICULUM signature, using nothing but NumPy). Each variant is correct except
for its one mistake, so a student with two mistakes is explained by two entries.

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

import numpy as np  # noqa: F401  (used by the doctest above)

__all__ = ["Mistake", "mistake", "for_exercise", "get", "all_mistakes", "CATALOGUE"]

_FUNCTIONS = {}


@dataclass(frozen=True)
class Mistake:
    """One wrong implementation of an exercise and the message that names it."""

    id: str
    message: str
    source: str

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


def mistake(id, message, source):
    """Build a catalogue entry; ``source`` is dedented and must define the exercise's function."""
    source = textwrap.dedent(source).strip("\n") + "\n"
    message = " ".join(textwrap.dedent(message).split())
    return Mistake(id, message, source)


def _load():
    from . import applications, gradient, kmedians, labels, lloyd, loss

    catalogue = {}
    for module in (labels, loss, lloyd, kmedians, gradient, applications):
        for m in module.MISTAKES:
            if m.id in catalogue:
                raise ValueError(f"duplicate mistake id {m.id}")
            catalogue[m.id] = m
            m.function  # compile now: a broken entry fails at import, not while grading
    return catalogue


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
