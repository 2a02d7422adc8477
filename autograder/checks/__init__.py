"""One checker per CURRICULUM exercise, one module per lesson.

``get(name)`` returns the :class:`~autograder.checks._framework.Exercise` object of an
exercise; its ``visible_cases()`` are the fixed, documented cases (each lesson
module's docstring lists them) and ``hidden_cases(rng)`` draws the hidden ones.
"""

from . import applications, gradient, kmedians, labels, lloyd, loss
from ._framework import Exercise, bind_reference, run

__all__ = ["get", "names", "run", "Exercise", "LESSON_MODULES"]

LESSON_MODULES = {
    "01-labels": labels,
    "02-loss": loss,
    "03-lloyd": lloyd,
    "04-kmedians": kmedians,
    "05-gradient-descent": gradient,
    "06-applications": applications,
}

_REGISTRY = {ex.name: ex for module in LESSON_MODULES.values() for ex in module.EXERCISES}
_LESSON_OF = {ex.name: lesson for lesson, module in LESSON_MODULES.items() for ex in module.EXERCISES}

bind_reference(_REGISTRY)


def names():
    """Exercise names in course order."""
    return list(_REGISTRY)


def get(name):
    """The checker of exercise ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(_REGISTRY)}") from None


def lesson_of(name):
    return _LESSON_OF[name]
