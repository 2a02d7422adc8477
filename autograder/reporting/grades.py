"""``reports/grades.csv``: a row per student, per assignment its score, status and exercises.

A failed or missing assignment has an EMPTY score, never 0, and its status says why.
After the assignments' columns, per assignment its late penalty (points taken, once per
notebook, already subtracted from the score) and nbgrader's seconds late.
"""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.reporting.gather import ClassResults, SubmissionOutcome


def status_text(outcome: SubmissionOutcome) -> str:
    if outcome.status == "failed":
        return f"failed: {outcome.reason}"
    if outcome.status == "missing":
        return "missing" if not outcome.reason else f"missing ({outcome.reason})"
    return "graded" + (" (needs manual grading)" if outcome.needs_manual else "")


def write_grades_csv(results: ClassResults, path: Path) -> Path:
    """A row per student: total, overall status; per assignment score, status and exercises."""
    header = ["student_id", "total", "max_total", "status"]
    for a in results.assignments:
        header += [a, f"{a} status"] + [f"{a}:{ex}" for ex, _ in results.exercises[a]]
    for a in results.assignments:
        header += [f"{a} late penalty", f"{a} seconds late"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for student in results.students:
            row, problems, total = [], [], 0.0
            for a in results.assignments:
                o = results.outcome(student, a)
                if o.status == "graded":
                    total += o.score or 0.0
                else:
                    problems.append(f"{a} {status_text(o)}")
                row += [_num(o.score) if o.status == "graded" else "", status_text(o)]
                row += [_num(o.exercise_score(ex)) if o.status == "graded" else "" for ex, _ in results.exercises[a]]
            for a in results.assignments:
                o = results.outcome(student, a)
                row += [_num(o.late_penalty) if o.status == "graded" else "",
                        f"{o.seconds_late:.0f}" if o.status != "missing" or o.seconds_late else ""]
            overall = "graded" if not problems else "; ".join(problems)
            max_total = sum(results.max_scores.values())
            writer.writerow([student, _num(total), _num(max_total), overall] + row)
    return path


def _num(x) -> str:
    return "" if x is None else f"{x:g}"
