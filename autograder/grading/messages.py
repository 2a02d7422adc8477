"""What crosses between the batch's parent and its grading workers, and the post-grading hook's types.

A task or a result is plain data (dataclasses of str/float/dict/list), so the pipe
between the processes never pickles a live nbgrader object.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

@dataclass
class Task:
    """One submission to grade: ``submitted/<student>/<assignment>/``."""

    student: str
    assignment: str
    content_hash: str
    extension_seconds: Optional[float] = None  # the student's extension, from the gradebook

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class NotebookGrades:
    """What nbgrader recorded for one notebook of a submission."""

    grades: dict = field(default_factory=dict)  # grade_id -> {"auto_score", "max_score", "needs_manual_grade"}
    comments: dict = field(default_factory=dict)  # grade_id -> auto_comment
    late_penalty: Optional[float] = None


@dataclass
class Result:
    """The outcome of grading one submission (sent to the parent, merged, logged)."""

    student: str
    assignment: str
    content_hash: str
    status: str  # "graded" | "failed"
    reason: str = ""
    notebooks: dict = field(default_factory=dict)  # notebook name -> NotebookGrades (as dict)
    timestamp: Optional[str] = None  # submission time (timestamp.txt), ISO format
    flags: list = field(default_factory=list)  # list of {"code", "message", "cell"}
    overrides: dict = field(default_factory=dict)  # notebook -> {grade_id: score} from the hook
    diagnoses: dict = field(default_factory=dict)  # notebook -> {grade_id: text} from the hook
    seconds: float = 0.0  # wall time of the whole pipeline
    execute_seconds: float = 0.0  # time spent executing cells
    kernel_seconds: float = 0.0  # time spent starting kernels
    cleanroom_seconds: float = 0.0  # time spent in the post-grading hook (the clean room)
    peak_rss_mb: float = 0.0  # this worker's peak resident memory so far
    worker: int = -1
    log: str = ""  # path of nbgrader's log for this submission

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class SubmissionInfo:
    """What the post-grading hook learns about the submission it adjusts."""

    student: str
    assignment: str
    notebook: str  # notebook name (without .ipynb)
    root: Path  # course root
    submitted: Path  # the student's file, as collected
    autograded: Optional[Path]  # nbgrader's autograded notebook; None when nbgrader failed
    scores: dict  # grade_id -> in-kernel auto score (None when unknown)
    max_scores: dict  # grade_id -> points
    status: str  # "graded" or "failed" (before the hook)
    reason: str = ""
    # False when the kernel ran without the course secret, so its hidden cases were not the real ones
    kernel_had_secret: bool = True
    # the clean room's resource limits (an ``autograder.isolation.sandbox.Limits``); None: its defaults
    clean_room_limits: Any = None


@dataclass
class PostGradeResult:
    """A post-grading hook's answer: score overrides (grade_id -> points), flags, diagnoses.

    A flag is a dict ``{"code": short id, "message": sentence, "cell": grade_id or ""}``
    (a plain string is accepted and becomes the message).
    """

    overrides: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    diagnoses: dict = field(default_factory=dict)  # grade_id -> text shown in feedback and reports
    failed: str = ""  # when set: the submission is recorded as failed, with this reason, and no scores


# A post-grading hook: called once per notebook, after nbgrader, in the worker.
PostGradeHook = Callable[[Optional[Path], SubmissionInfo], Optional[PostGradeResult]]


def no_post_grade(autograded: Optional[Path], submission: SubmissionInfo) -> None:
    """The default hook: the in-kernel scores stand, no flags."""
    return None


def resolve_hook(spec) -> PostGradeHook:
    """A hook from a callable or a ``"package.module:function"`` string (None: the default)."""
    if spec is None or spec == "":
        return no_post_grade
    if callable(spec):
        return spec
    module, _, name = str(spec).partition(":")
    if not name:
        module, _, name = str(spec).rpartition(".")
    return getattr(importlib.import_module(module), name)



class GraderFault(RuntimeError):
    """The grader itself cannot grade (a lesson's setup fails in every kernel, the kit cannot be
    imported): the batch stops, and no student is recorded as failed for it."""
