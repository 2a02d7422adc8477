"""Feedback for one student and one assignment: scores, their own code, each check's diagnosis.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is, and that
notebook holds the hidden tests' source (nbgrader restores it before executing). This
module builds the page itself (``templates/feedback.html``) from three things, so
nothing hidden can leak:

- the scores that count, from the gradebook (manual grades and overrides included);
- the student's own solution cells and written answers, from the autograded notebook;
- for every test cell, the diagnosis only (``autograder.reporting.diagnosis``). Test-cell
  source and tracebacks are never shown; a visible test is named by its released source
  (which the student already has), a hidden one only as "hidden test".

Pages go to ``feedback/<student>/<assignment>/<assignment>.html`` (nbgrader's feedback
folder, so ``nbgrader release_feedback`` can hand them out).
"""
from __future__ import annotations

from pathlib import Path

from autograder.course import Course, make_writable_and_remove
from autograder.reporting.diagnosis import HIDDEN_BLOCK
from autograder.reporting.gather import ClassResults, SubmissionOutcome
from autograder.reporting.render import num, render


def _cls(score, possible) -> str:
    if score is None:
        return "todo"
    if score >= possible:
        return "ok"
    return "part" if score > 0 else "bad"


def _exercises(outcome: SubmissionOutcome, released_sources: dict) -> list:
    """One dict per exercise: its points and status, the student's code, each cell's result."""
    out = []
    for ex in outcome.exercises():
        cells = [c for c in outcome.cells if c.exercise == ex]
        score = None if any(c.score is None for c in cells) else sum(c.score for c in cells)
        possible = sum(c.max_score for c in cells)
        status = "needs manual grading" if score is None else (
            "full marks" if score >= possible else ("partial credit" if score > 0 else "no credit"))
        code = outcome.solutions.get(ex)
        rows = []
        for c in cells:
            failing = c.messages and (c.score is None or c.score < c.max_score)
            rows.append({
                "label": "hidden test" if c.hidden else ("written answer" if c.kind == "written" else "test"),
                "score": "needs manual grading" if c.score is None else f"{num(c.score)} / {num(c.max_score)}",
                "css": _cls(c.score, c.max_score),
                "test_source": (released_sources.get(c.grade_id) or "").strip()
                if not c.hidden and c.kind == "test" else "",
                "answer": c.answer if c.kind == "written" else None,
                "messages": c.messages if failing else [],
                "diag_class": "diag partial" if (c.score or 0) > 0 else "diag",
            })
        out.append({"name": ex, "score": score, "possible": possible, "status": status,
                    "css": _cls(score, possible), "cells": rows,
                    "code": None if code is None else HIDDEN_BLOCK.sub("", code)})
    return out


def render_feedback(outcome: SubmissionOutcome, *, course_id: str = "", released_sources: dict | None = None) -> str:
    """The feedback page (one self-contained HTML string) of a ``SubmissionOutcome``."""
    return render("feedback.html", outcome=outcome, course_id=course_id,
                  exercises=_exercises(outcome, released_sources or {}) if outcome.status != "failed" else [])


def write_feedback(course: Course, results: ClassResults) -> list[Path]:
    """A page per graded or failed submission (none for a missing one); returns their paths."""
    from autograder.grading.logflags import cell_sources as _cell_sources

    released, written = {}, []
    for (student, a), outcome in sorted(results.outcomes.items()):
        if outcome.status == "missing":
            continue
        if a not in released:
            released[a] = {}
            for nb in sorted((course.release / a).glob("*.ipynb")) if (course.release / a).is_dir() else []:
                released[a].update(_cell_sources(nb))
        path = course.feedback / student / a / f"{a}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            make_writable_and_remove(path)
        path.write_text(render_feedback(outcome, course_id=results.course_id, released_sources=released[a]),
                        encoding="utf-8")
        written.append(path)
    return written
