"""The single writer: merge a worker's results into the course gradebook, and keep the ledger.

Workers grade into scratch gradebooks; only the parent process writes the course's
``gradebook.db`` (or the PostgreSQL database named by nbgrader's ``db_url``), one
submission per transaction, through nbgrader's own ``Gradebook`` API, so formgrader
and ``nbgrader export`` see exactly what ``nbgrader autograde`` would have written.

What a merge writes, per grade cell, is nbgrader's ``SaveAutoGrades`` policy:
``auto_score`` from the autograder (or the post-grading override), and
``needs_manual_grade`` when there is no auto score or a human already graded the cell
(manual scores are never touched). A submission that FAILED to grade is not left
looking like a 0: its auto scores are cleared (None), every cell is marked as needing
manual grading, and the submitted notebook is flagged, so formgrader shows it as
"needs grading"; the reason is in the ledger and in ``grades.csv``.

The ledger (``autograded/.kmeans-course/ledger.jsonl``) is an append-only log, one
JSON record per merged submission, written after the gradebook commit: killing the
grader loses nothing already recorded, and a re-run skips what the ledger and the
gradebook both say is done for the same content.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from autograder.grading.messages import Result

LEDGER_NAME = "ledger.jsonl"


class Ledger:
    """Append-only JSON-lines record of grading outcomes; the last record of a key wins.

    >>> import tempfile
    >>> ledger = Ledger(Path(tempfile.mkdtemp()) / "ledger.jsonl")
    >>> ledger.append({"key": "ann/01-labels", "status": "failed"})
    >>> ledger.append({"key": "ann/01-labels", "status": "graded"})
    >>> ledger.latest()["ann/01-labels"]["status"]
    'graded'
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, sort_keys=True) + "\n"
        with open(self.path, "a+b") as fh:
            # a line cut short by a crash must not swallow this record: start a fresh line
            fh.seek(0, os.SEEK_END)
            if fh.tell():
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    line = "\n" + line
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

    def records(self):
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:  # a line cut short by a crash
                    continue

    def latest(self) -> dict:
        out = {}
        for record in self.records():
            out[record["key"]] = record
        return out


def final_scores(result: Result) -> dict:
    """notebook -> {grade_id: score that counts} (override if any, else nbgrader's auto score)."""
    out = {}
    for name, nb in result.notebooks.items():
        out[name] = {gid: g["auto_score"] for gid, g in nb["grades"].items()}
    for name, overrides in result.overrides.items():
        out.setdefault(name, {}).update(overrides)
    return out


def merge_result(gb, result: Result, *, unflag: bool = False) -> None:
    """Write one submission's outcome into the course gradebook ``gb`` (one transaction).

    ``unflag``: the submission was flagged by an earlier failed grading of ours; a
    successful grading lifts that flag (a flag set by a human stays otherwise).
    """
    gb.update_or_create_student(result.student)
    if result.timestamp:
        submission = gb.update_or_create_submission(result.assignment, result.student, timestamp=result.timestamp)
    else:
        submission = gb.update_or_create_submission(result.assignment, result.student)
    for snb in submission.notebooks:
        graded = result.notebooks.get(snb.name)  # None: nbgrader did not grade this notebook
        overrides = result.overrides.get(snb.name, {})
        for grade in snb.grades:
            name = grade.cell.name
            if name in overrides:
                auto = overrides[name]
            elif graded is not None and name in graded["grades"]:
                auto = graded["grades"][name]["auto_score"]
            else:
                auto = None  # not graded: no score, never a silent 0
            grade.auto_score = auto
            # nbgrader's SaveAutoGrades policy: a human's score or no auto score needs a human.
            grade.needs_manual_grade = grade.manual_score is not None or auto is None
        if graded is not None:
            for comment in snb.comments:
                if comment.cell.name in graded["comments"]:
                    comment.auto_comment = graded["comments"][comment.cell.name]
            snb.late_submission_penalty = graded["late_penalty"]
        else:
            snb.late_submission_penalty = None
        if result.status == "failed":
            snb.flagged = True
        elif unflag:
            snb.flagged = False
    gb.db.commit()


def ledger_record(result: Result) -> dict:
    """The ledger's view of a result: status, reason, flags, final and in-kernel scores."""
    record = {
        "key": result.key,
        "student": result.student,
        "assignment": result.assignment,
        "hash": result.content_hash,
        "status": result.status,
        "reason": result.reason,
        "flags": result.flags,
        "scores": final_scores(result),
        "max_scores": {name: {gid: g["max_score"] for gid, g in nb["grades"].items()}
                       for name, nb in result.notebooks.items()},
        "late_penalty": {name: nb["late_penalty"] for name, nb in result.notebooks.items()},
        "seconds": round(result.seconds, 3),
        "execute_seconds": round(result.execute_seconds, 3),
        "kernel_seconds": round(result.kernel_seconds, 3),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "log": result.log,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if result.diagnoses:
        record["diagnoses"] = result.diagnoses
    if result.overrides:
        record["in_kernel_scores"] = {name: {gid: g["auto_score"] for gid, g in nb["grades"].items()}
                                      for name, nb in result.notebooks.items()}
    return record


class Merger:
    """The one writer of a batch: gradebook transaction first, then the ledger line."""

    def __init__(self, db_url: str, course_id: str, ledger: Ledger):
        from nbgrader.api import Gradebook

        self.gb = Gradebook(db_url, course_id)
        self.ledger = ledger

    def merge(self, result: Result, *, previous: dict | None = None) -> dict:
        import warnings

        unflag = bool(previous) and previous.get("status") == "failed"
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy's autoflush warnings (harmless, noisy)
            warnings.simplefilter("ignore")
            merge_result(self.gb, result, unflag=unflag)
        record = ledger_record(result)
        self.ledger.append(record)
        return record

    def close(self):
        self.gb.close()
