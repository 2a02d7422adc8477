"""Reading a course's results: the gradebook, the batch ledger and the autograded notebooks.

:func:`gather` returns a :class:`ClassResults`: per student and assignment a
:class:`SubmissionOutcome` (graded / failed and why / missing, the scores that count:
nbgrader's auto scores, post-grading overrides, manual grades, late penalties; the
flags; per grade cell a :class:`CellOutcome` with what its outputs diagnose).

The late penalty is nbgrader's ``SubmittedNotebook.late_submission_penalty``, taken ONCE
per notebook (summed over the assignment's notebooks, as nbgrader's
``SubmittedAssignment.late_submission_penalty`` does), never once per grade cell; the
seconds late are nbgrader's ``total_seconds_late`` (extension included).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course
from autograder.grading.merge import LEDGER_NAME, Ledger
from autograder.nbcells import nbgrader_meta
from autograder.reporting.diagnosis import _text, diagnose_cell, exercise_of


# ----------------------------------------------------------------------------- data


@dataclass
class CellOutcome:
    """One grade cell of one submission: its score and what its outputs diagnose."""

    grade_id: str
    exercise: str
    hidden: bool
    kind: str  # "test" | "written" | "other"
    score: float | None
    max_score: float
    messages: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    answer: str | None = None  # a written answer's text


@dataclass
class SubmissionOutcome:
    """One student's result on one assignment."""

    student: str
    assignment: str
    status: str  # "graded" | "failed" | "missing"
    reason: str = ""
    score: float | None = None
    max_score: float = 0.0
    late_penalty: float = 0.0
    seconds_late: float = 0.0  # nbgrader's total_seconds_late (after due date + extension)
    cells: list = field(default_factory=list)
    solutions: dict = field(default_factory=dict)  # exercise -> the student's code
    flags: list = field(default_factory=list)
    needs_manual: bool = False

    @property
    def late_text(self) -> str:
        """``submitted 3.2 h late: -1.6 points``, or "" when on time."""
        from autograder.lms.deadlines import describe_late

        return describe_late(self.seconds_late, self.late_penalty) if self.seconds_late > 0 else ""

    @property
    def auto_fraction(self):
        """Score over the points graded so far (cells awaiting a human left out), late penalty included."""
        graded = [c for c in self.cells if c.score is not None]
        possible = sum(c.max_score for c in graded)
        if not possible:
            return None
        return max(0.0, sum(c.score for c in graded) - (self.late_penalty or 0.0)) / possible

    def exercises(self) -> list:
        seen = []
        for c in self.cells:
            if c.exercise not in seen:
                seen.append(c.exercise)
        return seen

    def exercise_score(self, exercise: str):
        cells = [c for c in self.cells if c.exercise == exercise]
        if not cells or any(c.score is None for c in cells):
            return None
        return sum(c.score for c in cells)


@dataclass
class ClassResults:
    """Everything the reports need, per assignment and student."""

    course_id: str
    assignments: list  # ids in order
    exercises: dict  # assignment -> [(exercise, max points)] in notebook order
    students: list  # ids, sorted
    outcomes: dict  # (student, assignment) -> SubmissionOutcome
    max_scores: dict  # assignment -> max points
    last_batch: object = None  # autograder.reporting.changes.BatchChanges of the last batch in the ledger

    def outcome(self, student: str, assignment: str) -> SubmissionOutcome:
        return self.outcomes.get((student, assignment)) or SubmissionOutcome(student, assignment, "missing")


# ----------------------------------------------------------------------------- reading


def _mistake_index() -> dict:
    """exercise -> [(catalogue message, id)] (empty if the catalogue is not importable)."""
    try:
        from autograder import mistakes
    except Exception:
        return {}
    index = defaultdict(list)
    for m in mistakes.all_mistakes():
        index[m.exercise].append((m.message, m.id))
    return index


def _match_mistakes(exercise: str, messages: list, index: dict) -> list:
    found = []
    for text in messages:
        for message, mid in index.get(exercise, []):
            if message and message in text and mid not in found:
                found.append(mid)
    return found


def _read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _late_rows(gb) -> tuple[dict, dict]:
    """Per (student, assignment): the late penalty (each notebook's once) and nbgrader's seconds late."""
    from nbgrader.api import SubmittedAssignment

    penalties, seconds = {}, {}
    for sub in gb.db.query(SubmittedAssignment):
        key = (sub.student_id, sub.assignment.name)
        penalties[key] = sum(float(nb.late_submission_penalty or 0.0) for nb in sub.notebooks)
        seconds[key] = float(sub.total_seconds_late or 0.0)
    return penalties, seconds


def _grade_rows(gb) -> list:
    """(student, assignment, notebook, cell, score, auto, manual, max, late penalty) of every grade."""
    from nbgrader.api import (Assignment, Grade, GradeCell, Notebook, SubmittedAssignment, SubmittedNotebook,
                              TaskCell)

    rows = []
    for cell_cls in (GradeCell, TaskCell):
        q = (gb.db.query(SubmittedAssignment.student_id, Assignment.name, Notebook.name, cell_cls.name,
                         Grade.score, Grade.auto_score, Grade.manual_score, cell_cls.max_score,
                         SubmittedNotebook.late_submission_penalty)
             .join(SubmittedNotebook, SubmittedNotebook.id == Grade.notebook_id)
             .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
             .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
             .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)
             .join(cell_cls, cell_cls.id == Grade.cell_id))
        rows.extend(q.all())
    return rows


def gather(course: Course, assignments: list | None = None) -> ClassResults:
    """Read gradebook, ledger and autograded notebooks into a :class:`ClassResults`."""
    from nbgrader.api import Gradebook

    from autograder.grading.gradebook import export_structure

    from autograder.reporting.changes import last_batch_changes

    log = Ledger(course.state / LEDGER_NAME)
    ledger = log.latest()
    course.require_gradebook()
    with Gradebook(course.db_url, course.course_id) as gb:
        known = sorted(a.name for a in gb.assignments)
        wanted = [a for a in (assignments or known) if a in known]
        structure = export_structure(gb, wanted)
        students = {s.id for s in gb.students}
        rows = _grade_rows(gb)
        late, seconds_late = _late_rows(gb)

    exercises, max_scores, cell_order = {}, {}, {}
    for a in wanted:
        order, ex_points = [], {}
        for nb in structure[a]["notebooks"]:
            for cell in nb["cells"]:
                if cell["type"] in ("GradeCell", "TaskCell"):
                    order.append((nb["name"], cell["name"]))
                    ex, _ = exercise_of(cell["name"])
                    ex_points[ex] = ex_points.get(ex, 0.0) + cell["max_score"]
        cell_order[a] = order
        exercises[a] = list(ex_points.items())
        max_scores[a] = sum(ex_points.values())

    by_submission = defaultdict(dict)
    for student, a, nb, cell, score, auto, manual, max_score, _penalty in rows:
        if a not in wanted:
            continue
        by_submission[(student, a)][(nb, cell)] = (score, auto, manual, max_score)

    # submissions: in the ledger, in the gradebook, or waiting in submitted/
    keys = set(by_submission)
    for rec in ledger.values():
        if rec.get("assignment") in wanted:
            keys.add((rec["student"], rec["assignment"]))
    if course.submitted.is_dir():
        for sdir in course.submitted.iterdir():
            if sdir.is_dir() and not sdir.name.startswith("."):
                students.add(sdir.name)
                for a in wanted:
                    if (sdir / a).is_dir():
                        keys.add((sdir.name, a))
    students |= {s for s, _ in keys}

    index = _mistake_index()
    outcomes = {}
    for student, a in sorted(keys):
        outcomes[(student, a)] = _outcome(course, student, a, ledger.get(f"{student}/{a}"),
                                          by_submission.get((student, a), {}), cell_order[a],
                                          late.get((student, a), 0.0), index)
        outcomes[(student, a)].seconds_late = seconds_late.get((student, a), 0.0)
    return ClassResults(course.course_id, wanted, exercises, sorted(students), outcomes, max_scores,
                        last_batch=last_batch_changes(log.records(), wanted))


def _outcome(course, student, assignment, record, grades, order, late_penalty, index) -> SubmissionOutcome:
    path = course.autograded_dir(student, assignment)
    if record is None and all(auto is None and manual is None for _, auto, manual, _ in grades.values()):
        # collected but never graded (or stock nbgrader failed on it, leaving no scores)
        return SubmissionOutcome(student, assignment, "missing", reason="submitted but not graded yet")
    if record is not None and record["status"] == "failed":
        return SubmissionOutcome(student, assignment, "failed", reason=record.get("reason", ""),
                                 flags=record.get("flags", []), max_score=0.0)
    outcome = SubmissionOutcome(student, assignment, "graded", flags=(record or {}).get("flags", []),
                                late_penalty=late_penalty)
    diagnoses_from_hook = (record or {}).get("diagnoses", {})
    notebooks = {}
    for nb_name, _ in order:
        if nb_name not in notebooks:
            notebooks[nb_name] = _read_notebook(path / f"{nb_name}.ipynb") or {"cells": []}
    cells_by_id = {}
    for nb_name, nb in notebooks.items():
        for cell in nb.get("cells", []):
            nbg = nbgrader_meta(cell)
            if nbg.get("grade_id"):
                cells_by_id[(nb_name, nbg["grade_id"])] = cell
                if nbg.get("solution") and not nbg.get("grade") and cell.get("cell_type") == "code":
                    outcome.solutions[nbg["grade_id"]] = _text(cell.get("source"))
    total, possible = 0.0, 0.0
    for nb_name, gid in order:
        score, auto, manual, max_score = grades.get((nb_name, gid), (None, None, None, 0.0))
        if auto is None and manual is None:
            score = None
        ex, hidden = exercise_of(gid)
        cell = cells_by_id.get((nb_name, gid), {})
        nbg = nbgrader_meta(cell)
        kind = "written" if nbg.get("solution") else ("test" if gid.startswith("test_") else "other")
        c = CellOutcome(gid, ex, hidden, kind, score, float(max_score or 0.0))
        if kind == "written":
            c.answer = _text(cell.get("source"))
        elif cell:
            diag = diagnose_cell(cell, hidden=hidden)
            c.messages = diag.messages
        hook_text = diagnoses_from_hook.get(nb_name, {}).get(gid)
        if hook_text:
            c.messages = [hook_text]
        c.mistakes = _match_mistakes(ex, c.messages, index)
        outcome.cells.append(c)
        possible += c.max_score
        if score is None:
            outcome.needs_manual = True
        else:
            total += score
    outcome.max_score = possible
    outcome.score = max(0.0, total - (late_penalty or 0.0))
    return outcome
