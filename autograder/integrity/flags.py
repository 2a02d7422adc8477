"""The one registry of flag codes: what each means, whether it changes a score, who raises it.

A flag is evidence about a submission that its score alone does not show, recorded in
the batch ledger as ``{"code", "cell", "message"}`` and listed in the class report with
a legend. Every producer in the kit builds its flags through :func:`flag` (or
``scan.Flag``, which checks its kind here), so a code missing from :data:`REGISTRY`
fails where it is raised, not in a report weeks later.

Detectors (``raised_by``):

- ``scan``: the clean room's static reading of the submitted notebook (``integrity.scan``);
- ``clean room``: the clean room's run of the solution cells (``grading.cleanroom``);
- ``nbgrader log``: what nbgrader says it repaired while autograding (``grading.worker``);
- ``worker``: the grading worker itself (``grading.worker``).

A post-grading hook of the course's own may add codes of its own; those are passed
through to the ledger as they are and shown without a legend.

>>> flag("reaches_reference", "imports kmeans_ref", cell="assign")
{'code': 'reaches_reference', 'cell': 'assign', 'message': 'imports kmeans_ref'}
>>> REGISTRY["reaches_reference"].changes_score
True
"""
from __future__ import annotations

from dataclasses import dataclass

SCAN, CLEAN_ROOM, NBGRADER_LOG, WORKER = "scan", "clean room", "nbgrader log", "worker"


@dataclass(frozen=True)
class FlagCode:
    """One flag code: ``meaning`` is the class report's legend for it."""

    code: str
    meaning: str
    changes_score: bool
    raised_by: tuple  # detectors, see the module docstring


class UnknownFlag(KeyError):
    """A producer asked for a flag code that is not in the registry."""


_RESTORED = "nbgrader restored the cell from the gradebook and graded it; no score depends on the change."

_CODES = (
    FlagCode("reaches_reference", "The solution imports or names the course’s reference or grader code. "
             "That exercise scores 0.", True, (SCAN,)),
    FlagCode("kernel_disagrees", "The notebook’s own run scored this test cell differently from the clean room; "
             "the clean room’s score is recorded. Usually code that changed how its own tests behave.",
             True, (CLEAN_ROOM,)),
    FlagCode("runtime_patching", "The code replaced functions of numpy, math or builtins while it ran. "
             "No score depends on it (the checks run apart).", False, (CLEAN_ROOM,)),
    FlagCode("not_plain_data", "A function returned objects that are not numbers or arrays (an object that claims "
             "to equal anything, an array subclass). The checks reject them.", False, (CLEAN_ROOM,)),
    FlagCode("files_beside_notebook", "Python files submitted with the notebook that its own run would import in "
             "place of a module. The clean room does not use them.", False, (SCAN,)),
    FlagCode("introspection", "The code reaches into the interpreter (globals, frames, importlib, ...). "
             "Evidence only.", False, (SCAN,)),
    FlagCode("process_or_files", "The code uses processes, signals or files. Evidence only.", False, (SCAN,)),
    FlagCode("uses_library", "The code imports a library that solves the exercise (scikit-learn, SciPy). "
             "Evidence only.", False, (SCAN,)),
    FlagCode("syntax_error", "The cell does not parse; its exercises score 0.", True, (SCAN,)),
    FlagCode("cell_stops_python", "Running the cell stopped the interpreter (os._exit, a crash); its exercises "
             "score 0, the rest were graded.", True, (CLEAN_ROOM,)),
    FlagCode("in_kernel_failed", "The notebook’s own run failed (dead kernel, time limit); the clean room still "
             "scored every exercise.", False, (WORKER,)),
    FlagCode("cell_edited", "A locked or test cell was edited. " + _RESTORED, False, (SCAN,)),
    FlagCode("cell_deleted", "A locked or test cell was deleted. " + _RESTORED, False, (SCAN,)),
    FlagCode("test_cell_deleted", "A test cell was deleted. " + _RESTORED, False, (NBGRADER_LOG,)),
    FlagCode("points_edited", "The points of a cell were changed. " + _RESTORED, False, (NBGRADER_LOG,)),
    FlagCode("locked_cell_edited", "A locked cell was edited. " + _RESTORED, False, (NBGRADER_LOG,)),
    FlagCode("lock_removed", "A cell was unlocked. " + _RESTORED, False, (NBGRADER_LOG,)),
    FlagCode("cell_type_changed", "The type of a locked or test cell was changed. " + _RESTORED, False,
             (NBGRADER_LOG, SCAN)),
    FlagCode("metadata_changed", "The nbgrader metadata of a cell was changed. " + _RESTORED, False, (SCAN,)),
    FlagCode("weak_isolation", "This machine has no Landlock: the clean room ran without file-system isolation.",
             False, (CLEAN_ROOM,)),
    FlagCode("weak_kernel_isolation", "This machine has no Landlock: the notebook’s kernel ran without its jail.",
             False, (WORKER,)),
    FlagCode("post_grade_error", "The clean-room step failed for this notebook; the notebook’s own scores were "
             "kept.", False, (WORKER,)),
    FlagCode("cleanroom_failed", "The clean room could not run this notebook (see details); its exercises score 0.",
             True, (CLEAN_ROOM,)),
    FlagCode("cleanroom_unreadable", "The clean room could not read the submitted notebook (see details).", False,
             (CLEAN_ROOM,)),
)

REGISTRY: dict[str, FlagCode] = {c.code: c for c in _CODES}
if len(REGISTRY) != len(_CODES):  # pragma: no cover - a typo in the table above
    raise RuntimeError("a flag code is registered twice")

# code -> meaning, for the legend (and the name older callers import from ``integrity.scan``)
FLAG_MEANINGS: dict[str, str] = {c.code: c.meaning for c in _CODES}


def lookup(code: str) -> FlagCode:
    """The registry entry of ``code``; :class:`UnknownFlag` (saying what is known) if there is none."""
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownFlag(f"unknown flag code {code!r}: register it in autograder/integrity/flags.py "
                          f"(known: {', '.join(sorted(REGISTRY))})") from None


def flag(code: str, message: str, cell: str = "") -> dict:
    """A ledger flag ``{"code", "cell", "message"}`` for a registered ``code`` (raises :class:`UnknownFlag`)."""
    lookup(code)
    return {"code": code, "cell": str(cell), "message": str(message)}
