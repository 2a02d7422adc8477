"""Which submissions a batch grades: everything new or changed since the ledger last saw it.

A submission is graded again only when its content hash (the submitted files plus the
assignment as recorded in the gradebook) differs from the ledger's, or its autograded
notebook or gradebook entry is gone, or with ``force``. A submission that failed to
grade is not retried for the same content unless ``retry_failed``. ``students`` limits a
batch to those students' submissions, all of them graded again (a targeted regrade);
nobody else's is looked at.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Course, CourseError
from autograder.grading.gradebook import alembic_version, export_structure
from autograder.grading.merge import LEDGER_NAME, Ledger
from autograder.grading.messages import Task

IGNORED = (".ipynb_checkpoints", "__pycache__", "*.pyc", "feedback", ".*")


def _ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED)


def content_hash(submission_dir: Path, assignment_digest: str) -> str:
    """SHA-256 of the submitted files (names and bytes) and the assignment's gradebook record."""
    h = hashlib.sha256(assignment_digest.encode())
    for dirpath, dirnames, filenames in os.walk(submission_dir):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d))
        for name in sorted(filenames):
            if _ignored(name):
                continue
            path = Path(dirpath) / name
            h.update(str(path.relative_to(submission_dir)).encode() + b"\0")
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            h.update(b"\0")
    return h.hexdigest()


@dataclass
class Plan:
    tasks: list
    skipped: list  # keys already graded (or failed) for the same content
    structure: dict
    alembic_version: str = ""


def assignments_to_grade(course: Course, assignments=None) -> list:
    """The assignment ids a batch of ``assignments`` grades (default: every one in the gradebook)."""
    from nbgrader.api import Gradebook

    course.require_gradebook()
    with Gradebook(course.db_url, course.course_id) as gb:
        return _wanted(gb, assignments)


def _wanted(gb, assignments) -> list:
    known = sorted(a.name for a in gb.assignments)
    if not known:
        raise CourseError("the gradebook has no assignments: run `kmeans-course release` first")
    if not assignments:
        return known
    unknown = [a for a in assignments if a not in known]
    if unknown:
        raise CourseError(f"not in the gradebook: {', '.join(unknown)}; run `kmeans-course release` first"
                          f" (known: {', '.join(known) or 'none'})")
    return list(assignments)


def plan(course: Course, assignments=None, *, force=False, retry_failed=False, students=None) -> Plan:
    """Which submissions to grade: everything missing or changed (all of them with ``force``).

    ``students``: only these students' submissions (of ``assignments``), every one graded
    again. A student with no submission of them is an error.
    """
    from nbgrader.api import Assignment, Gradebook, SubmittedAssignment

    course.require_gradebook()
    with Gradebook(course.db_url, course.course_id) as gb:
        wanted = _wanted(gb, assignments)
        structure = export_structure(gb, wanted)
        version = alembic_version(gb)
        submitted = {}
        for sub, name in (gb.db.query(SubmittedAssignment, Assignment.name)
                          .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)):
            submitted[(sub.student_id, name)] = sub.extension.total_seconds() if sub.extension else None
    digests = {a: hashlib.sha256(json.dumps(structure[a], sort_keys=True).encode()).hexdigest()
               for a in wanted}
    latest = Ledger(course.state / LEDGER_NAME).latest()

    tasks, skipped = [], []
    if students:
        _check_students(course, students, wanted)
        force = True
    if not course.submitted.is_dir():
        return Plan(tasks, skipped, structure, version)
    for student_dir in sorted(course.submitted.iterdir()):
        if not student_dir.is_dir() or student_dir.name.startswith("."):
            continue
        student = student_dir.name
        if students and student not in students:
            continue
        for assignment in wanted:
            sub_dir = student_dir / assignment
            if not sub_dir.is_dir():
                continue
            digest = content_hash(sub_dir, digests[assignment])
            task = Task(student, assignment, digest, extension_seconds=submitted.get((student, assignment)))
            record = latest.get(task.key)
            if not force and record and record.get("hash") == digest:
                if record["status"] == "failed" and not retry_failed:
                    skipped.append(task.key)
                    continue
                if (record["status"] == "graded" and (student, assignment) in submitted
                        and course.autograded_dir(student, assignment).is_dir()):
                    skipped.append(task.key)
                    continue
            tasks.append(task)
    return Plan(tasks, skipped, structure, version)


def _check_students(course: Course, students, assignments) -> None:
    """Every student named has a submission of at least one of ``assignments``; else a clear error."""
    missing = [s for s in students
               if not any((course.submitted / s / a).is_dir() for a in assignments)]
    if missing:
        present = sorted(p.name for p in course.submitted.iterdir()
                         if p.is_dir() and not p.name.startswith(".")) if course.submitted.is_dir() else []
        raise CourseError(
            f"no submission of {', '.join(assignments)} under {course.submitted} for: {', '.join(missing)}"
            f" (students with submissions: {', '.join(present[:8]) or 'none'}{' ...' if len(present) > 8 else ''});"
            " check the student id, or collect the submission first")
