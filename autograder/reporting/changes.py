"""What the last regrade changed: the ``changes`` the merge writes into each ledger record.

Every ledger record carries the id of the batch that merged it (``batch``) and, when
the submission had been graded before, the auto scores (and late penalties) that merge
changed, old and new. :func:`last_batch_changes` collects those of the latest batch in
the ledger, for the terminal and the class report's "Changed by the last regrade".
"""
from __future__ import annotations

from dataclasses import dataclass

from autograder.reporting.diagnosis import exercise_of


@dataclass(frozen=True)
class ScoreChange:
    """One changed score: ``cell`` is a grade id, or ``"late penalty"``; None means no score."""

    student: str
    assignment: str
    notebook: str
    cell: str
    old: float | None
    new: float | None

    @property
    def exercise(self) -> str:
        return self.cell if self.cell == "late penalty" else exercise_of(self.cell)[0]


def _score(x) -> str:
    return "no score" if x is None else f"{x:g}"


def change_line(student, assignment, notebook, cell, old, new) -> str:
    """A changed score as one line of text.

    >>> change_line("ann", "01-toy", "01-toy", "test_add", 1.0, 0.5)
    'ann  01-toy  add (test_add): 1 -> 0.5'
    >>> change_line("bob", "01-toy", "01-toy", "late penalty", None, 1.6)
    'bob  01-toy  late penalty: no score -> 1.6'
    """
    where = cell if cell == "late penalty" else f"{exercise_of(cell)[0]} ({cell})"
    return f"{student}  {assignment}  {where}: {_score(old)} -> {_score(new)}"


@dataclass
class BatchChanges:
    """The latest batch in the ledger: its id, when it ran, how many it regraded, what changed."""

    batch: str = ""
    graded_at: str = ""
    regraded: int = 0
    changes: list = None  # [ScoreChange]

    def __post_init__(self):
        if self.changes is None:
            self.changes = []


def last_batch_changes(records, assignments=None) -> BatchChanges:
    """The changes of the last batch among ledger ``records`` (in file order), of ``assignments`` if given.

    Records written before batches had ids (no ``batch``) are never "the last batch".
    """
    records = [r for r in records if r.get("batch")]
    if not records:
        return BatchChanges()
    last = records[-1]["batch"]
    out = BatchChanges(batch=last)
    for r in records:
        if r["batch"] != last or (assignments and r.get("assignment") not in assignments):
            continue
        out.graded_at = r.get("graded_at", out.graded_at)
        out.regraded += bool(r.get("regraded"))
        for c in r.get("changes", []):
            out.changes.append(ScoreChange(r["student"], r["assignment"], c["notebook"], c["cell"],
                                           c["old"], c["new"]))
    return out
