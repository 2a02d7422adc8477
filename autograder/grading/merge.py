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

The late penalty is nbgrader's, computed in the worker by ``AssignLatePenalties`` with
the course's plugin (``autograder.lms.deadlines``), once per notebook. When the
post-grading step overrides a notebook's scores, the penalty is asked again of the same
plugin for the score that now counts (as nbgrader would have, had it scored the notebook
so), so an override neither erases the penalty nor leaves one computed on another score.

Every merge also records what it changed: per grade cell whose auto score differs from
the one the gradebook held before (and the late penalty, per notebook), old and new, in
the ledger record's ``changes`` (empty when the submission is graded for the first
time). ``batch`` names the run that wrote the record, so the class report can list the
changes of the last one.

The ledger (``autograded/.kmeans-course/ledger.jsonl``) is an append-only log, one
JSON record per merged submission, written after the gradebook commit: killing the
grader loses nothing already recorded, and a re-run skips what the ledger and the
gradebook both say is done for the same content.

Several batches at once (two TAs grading two lessons into one gradebook): each batch
is the one writer of its own lesson's rows, but two may create the same new student
row, or meet each other's lock (SQLite) or a deadlock (PostgreSQL). A merge that hits
such a conflict is rolled back and tried again (:data:`MERGE_ATTEMPTS` times at most,
``autograder.database.is_transient``); SQLite writers wait for each other's lock for
``autograder.database.BUSY_TIMEOUT`` s. The ledger, shared by the batches, is appended
and read under an ``flock`` so no line is cut by another process's.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

from autograder.grading.messages import Result

# Tries of one merge that meets another writer's transient conflict, and the first pause
# between tries (doubled each time): about 3 s in all before the batch gives up.
MERGE_ATTEMPTS = 6
RETRY_PAUSE = 0.1

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
        with open(self.path, "a+b") as fh, _locked(fh, fcntl.LOCK_EX):
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
        with open(self.path, encoding="utf-8") as fh, _locked(fh, fcntl.LOCK_SH):
            # read whole under the lock: another batch's append is never seen half-written
            lines = fh.readlines()
        for line in lines:
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


@contextlib.contextmanager
def _locked(fh, kind):
    """Hold ``flock(kind)`` on an open file for a block (another batch may share the ledger)."""
    fcntl.flock(fh.fileno(), kind)
    try:
        yield fh
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def final_scores(result: Result) -> dict:
    """notebook -> {grade_id: score that counts} (override if any, else nbgrader's auto score)."""
    out = {}
    for name, nb in result.notebooks.items():
        out[name] = {gid: g["auto_score"] for gid, g in nb["grades"].items()}
    for name, overrides in result.overrides.items():
        out.setdefault(name, {}).update(overrides)
    return out


def _score(x):
    return None if x is None else float(x)


def merge_result(gb, result: Result, *, unflag: bool = False, late_step=None) -> dict:
    """Write one submission's outcome into the course gradebook ``gb`` (one transaction).

    ``unflag``: the submission was flagged by an earlier failed grading of ours; a
    successful grading lifts that flag (a flag set by a human stays otherwise).
    ``late_step``: nbgrader's ``AssignLatePenalties`` configured for the course
    (``autograder.lms.deadlines.late_plugin``), to recompute the penalty of a notebook whose
    scores were overridden; None keeps nbgrader's penalty as it is.

    Returns ``{"late_penalty": {notebook: points or None}, "seconds_late": s,
    "changes": [{"notebook", "cell", "old", "new"}], "had_scores": bool}``; ``cell`` is a
    grade id, or ``"late penalty"`` for the notebook's penalty.
    """
    from autograder.lms.deadlines import notebook_penalty

    gb.update_or_create_student(result.student)
    if result.timestamp:
        submission = gb.update_or_create_submission(result.assignment, result.student, timestamp=result.timestamp)
    else:
        submission = gb.update_or_create_submission(result.assignment, result.student)
    seconds_late = float(submission.total_seconds_late or 0.0)
    out = {"late_penalty": {}, "seconds_late": seconds_late, "changes": [], "had_scores": False}
    for snb in submission.notebooks:
        graded = result.notebooks.get(snb.name)  # None: nbgrader did not grade this notebook
        overrides = result.overrides.get(snb.name, {})
        old_penalty = _score(snb.late_submission_penalty)
        for grade in snb.grades:
            old = _score(grade.auto_score)
            out["had_scores"] |= old is not None
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
            if old != _score(auto):
                out["changes"].append({"notebook": snb.name, "cell": name, "old": old, "new": _score(auto)})
        if graded is not None:
            for comment in snb.comments:
                if comment.cell.name in graded["comments"]:
                    comment.auto_comment = graded["comments"][comment.cell.name]
            penalty = graded["late_penalty"]
            if overrides and late_step is not None:
                # the score that counts is the override's: ask the plugin again, as nbgrader would
                score = sum(float((g.manual_score if g.manual_score is not None else g.auto_score) or 0.0)
                            for g in snb.grades)  # nbgrader's SubmittedNotebook.score
                penalty = notebook_penalty(late_step, result.student, score, seconds_late)
            snb.late_submission_penalty = penalty
        else:
            snb.late_submission_penalty = None
        out["late_penalty"][snb.name] = _score(snb.late_submission_penalty)
        if old_penalty != out["late_penalty"][snb.name]:
            out["changes"].append({"notebook": snb.name, "cell": "late penalty", "old": old_penalty,
                                   "new": out["late_penalty"][snb.name]})
        if result.status == "failed":
            snb.flagged = True
        elif unflag:
            snb.flagged = False
    gb.db.commit()
    return out


def ledger_record(result: Result, merged: dict | None = None, *, batch: str = "") -> dict:
    """The ledger's view of a result: status, reason, flags, final and in-kernel scores.

    ``merged``: what :func:`merge_result` returned (late penalties as stored, seconds late,
    changes); ``batch``: the id of the run that merged it.
    """
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
        "cleanroom_seconds": round(result.cleanroom_seconds, 3),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "log": result.log,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if merged is not None:
        record["late_penalty"] = {name: p for name, p in merged["late_penalty"].items() if name in result.notebooks}
        record["seconds_late"] = merged["seconds_late"]
        record["regraded"] = bool(merged["had_scores"])  # it had scores before: a regrade, not a first grading
        record["changes"] = merged["changes"] if merged["had_scores"] else []
    if batch:
        record["batch"] = batch
    if result.diagnoses:
        record["diagnoses"] = result.diagnoses
    if result.overrides:
        record["in_kernel_scores"] = {name: {gid: g["auto_score"] for gid, g in nb["grades"].items()}
                                      for name, nb in result.notebooks.items()}
    return record


class Merger:
    """The one writer of a batch: gradebook transaction first, then the ledger line."""

    def __init__(self, db_url: str, course_id: str, ledger: Ledger, *, config=None, batch: str = ""):
        """``config``: the course's nbgrader config (for its late-penalty plugin); ``batch``: the run's id."""
        from nbgrader.api import Gradebook

        from autograder.lms.deadlines import late_plugin

        from autograder.database import with_busy_timeout

        self.late_step = late_plugin(config) if config is not None else None
        self.gb = Gradebook(with_busy_timeout(db_url), course_id)
        self.ledger = ledger
        self.batch = batch

    def merge(self, result: Result, *, previous: dict | None = None) -> dict:
        import warnings

        start = time.perf_counter()
        unflag = bool(previous) and previous.get("status") == "failed"
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy's autoflush warnings (harmless, noisy)
            warnings.simplefilter("ignore")
            merged = self._merge_retrying(result, unflag)
        merged["had_scores"] |= bool(previous)  # a regrade, even of one that failed before
        record = ledger_record(result, merged, batch=self.batch)
        record["merge_seconds"] = round(time.perf_counter() - start, 3)  # this process's write, before the line
        self.ledger.append(record)
        return record

    def _merge_retrying(self, result: Result, unflag: bool) -> dict:
        """:func:`merge_result`, rolled back and tried again when another writer got in its way."""
        from autograder.database import is_transient

        pause = RETRY_PAUSE
        for attempt in range(1, MERGE_ATTEMPTS + 1):
            try:
                return merge_result(self.gb, result, unflag=unflag, late_step=self.late_step)
            except Exception as exc:
                self.gb.db.rollback()  # nothing of this try stays: the next starts from the database
                if not is_transient(exc) or attempt == MERGE_ATTEMPTS:
                    raise
                time.sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")

    def close(self):
        self.gb.close()
