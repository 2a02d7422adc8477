"""Due dates, extensions and submission times, where nbgrader keeps and reads them.

- A submission's time is nbgrader's ``timestamp.txt`` beside the notebook
  (``submitted/<student>/<lesson>/timestamp.txt``), written by ``collect`` in the format
  nbgrader's own exchange writes (``2025-09-01 12:00:00.000000 UTC``) and read back
  with nbgrader's ``parse_utc``. nbgrader's autograde copies it into the gradebook
  (``SubmittedAssignment.timestamp``).
- A lesson's due date is the gradebook's ``Assignment.duedate`` (nbgrader 0.9.6 has
  no ``db_assignments`` setting any more; ``generate_assignment`` keeps a due date
  set here). Stored in UTC, as nbgrader stores it.
- A student's extension is the gradebook's ``SubmittedAssignment.extension``, set by
  nbgrader's own ``Gradebook.grant_extension``; nbgrader's ``total_seconds_late``
  counts from due date + extension. :func:`seconds_late` is that number.

- A late submission's penalty is nbgrader's: its ``AssignLatePenalties`` step (run by
  ``nbgrader autograde`` and by every grading worker of ``kmeans-course autograde``) asks
  the plugin named by ``c.AssignLatePenalties.plugin_class`` for each notebook's penalty
  and stores it as ``SubmittedNotebook.late_submission_penalty``: once per notebook, not per
  cell. :class:`LatePenalty` is the kit's plugin (none, a fixed penalty, or points per
  hour late, capped at a share of the notebook's score); any ``LateSubmissionPlugin``
  subclass the course names works too.

Example (from the course root)::

    kmeans-course duedate 01-labels "2026-12-01 23:59 Europe/Berlin"
    kmeans-course extend canvas-12345 01-labels --hours 48

and in nbgrader_config.py::

    c.AssignLatePenalties.plugin_class = "autograder.lms.deadlines.LatePenalty"
    c.LatePenalty.kind = "per_hour"
    c.LatePenalty.points_per_hour = 0.5
    c.LatePenalty.max_fraction = 0.5
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

from autograder.course import Course, CourseError

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's Exchange.timestamp_format default
TIMESTAMP = "timestamp.txt"


def format_timestamp(epoch: float) -> str:
    """nbgrader's timestamp text for a POSIX time, in UTC.

    >>> format_timestamp(0)
    '1970-01-01 00:00:00.000000 UTC'
    """
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime(TIMESTAMP_FORMAT)


def parse_when(text: str) -> _dt.datetime:
    """A date and time as nbgrader parses it, as naive UTC (how the gradebook stores it).

    Takes nbgrader's forms: ``2026-12-01 23:59 UTC``, ``2026-12-01 23:59:00 -0500``,
    ``2026-12-01 23:59 Europe/Berlin``, ISO ``2026-12-01T23:59:00+01:00``. A time with
    no zone is refused (it would silently mean UTC).

    >>> parse_when("2026-12-01 23:59 Europe/Berlin")
    datetime.datetime(2026, 12, 1, 22, 59)
    """
    from dateutil.tz import gettz
    from nbgrader.utils import parse_utc

    import re

    text = " ".join(text.split())
    parts = text.split(" ")
    if len(parts) == 3 and re.fullmatch(r"[+-]\d\d:?\d\d", parts[2]):
        # nbgrader's parse_utc reads a separate "-0500" as -500 SECONDS: glue the offset to the time
        text, parts = f"{parts[0]} {parts[1]}{parts[2]}", [parts[0], parts[1] + parts[2]]
    zoned = len(parts) == 3 or text.endswith("Z") or "+" in text[10:] or "-" in text[10:]
    if len(parts) == 3 and not parts[2].lstrip("+-").isdigit() and gettz(parts[2]) is None:
        raise CourseError(f"unknown time zone {parts[2]!r} in {text!r}: use UTC, an offset like +0100, "
                          "or a zone name like Europe/Berlin")
    if not zoned:
        raise CourseError(f"{text!r} has no time zone: write it like \"2026-12-01 23:59 UTC\" or "
                          "\"2026-12-01 23:59 Europe/Berlin\"")
    try:
        return parse_utc(text)
    except (ValueError, OverflowError) as exc:
        raise CourseError(f"cannot read {text!r} as a date and time ({exc}); "
                          "write it like \"2026-12-01 23:59 UTC\"") from exc


def read_timestamp(folder: Path) -> _dt.datetime | None:
    """The submission time in ``folder/timestamp.txt`` (naive UTC), or None."""
    from nbgrader.utils import parse_utc

    path = Path(folder) / TIMESTAMP
    if not path.is_file():
        return None
    text = path.read_text().strip()
    return parse_utc(text) if text else None


def _gradebook(course: Course):
    from nbgrader.api import Gradebook

    course.require_gradebook()
    return Gradebook(course.db_url, course.course_id)


def set_duedate(course: Course, lesson: str, when: str | None) -> _dt.datetime | None:
    """Set (or with ``when=None`` clear) a lesson's due date in the gradebook."""
    from nbgrader.api import MissingEntry

    duedate = parse_when(when) if when else None
    with _gradebook(course) as gb:
        try:
            gb.find_assignment(lesson)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
            raise CourseError(f"no lesson {lesson!r} in the gradebook (known: {known}); "
                              "run `kmeans-course release` first") from None
        gb.update_or_create_assignment(lesson, duedate=duedate)
    return duedate


def extend(course: Course, student: str, lesson: str, *, hours: float = 0, days: float = 0) -> _dt.timedelta | None:
    """Give ``student`` an extension on ``lesson`` (0 removes it); nbgrader's own ``grant_extension``.

    The student need not have submitted yet: the submission record is created (as
    nbgrader's formgrader does). Extensions do not stack: the last one given counts.
    """
    from nbgrader.api import MissingEntry

    if hours < 0 or days < 0:
        raise CourseError("an extension cannot be negative; pass --hours 0 to remove one")
    with _gradebook(course) as gb:
        try:
            gb.find_assignment(lesson)
        except MissingEntry:
            raise CourseError(f"no lesson {lesson!r} in the gradebook; run `kmeans-course release` first") from None
        try:
            gb.find_submission(lesson, student)
        except MissingEntry:
            try:
                gb.find_student(student)
            except MissingEntry:
                known = sorted(s.id for s in gb.students)
                raise CourseError(f"no student {student!r} in the gradebook (collect their submission first; "
                                  f"known: {', '.join(known[:8]) or 'none'}{' ...' if len(known) > 8 else ''})"
                                  ) from None
            gb.update_or_create_submission(lesson, student)
        gb.grant_extension(lesson, student, hours=hours, days=days)
        return gb.find_submission(lesson, student).extension


def seconds_late(gradebook, student: str, lesson: str) -> float:
    """How late ``student`` handed in ``lesson``: nbgrader's ``total_seconds_late``.

    Submission time minus (due date + extension), never below 0; 0 when there is no
    due date, no recorded time, or no submission. ``gradebook`` is an open
    ``nbgrader.api.Gradebook``.
    """
    from nbgrader.api import MissingEntry

    try:
        return float(gradebook.find_submission(lesson, student).total_seconds_late)
    except MissingEntry:
        return 0.0


class LatePenalty(LateSubmissionPlugin):
    """The kit's late policy, an nbgrader ``LateSubmissionPlugin``: none, fixed, or per hour late.

    nbgrader calls :meth:`late_submission_penalty` once per late notebook with the
    notebook's score and the submission's seconds late (extension included), and clamps
    the answer to 0..score itself.

    >>> from traitlets.config import Config
    >>> c = Config(); c.LatePenalty.kind = "per_hour"; c.LatePenalty.points_per_hour = 0.5
    >>> LatePenalty(config=c).late_submission_penalty("ann", 5.0, 3.2 * 3600)
    1.6
    >>> c.LatePenalty.max_fraction = 0.1
    >>> LatePenalty(config=c).late_submission_penalty("ann", 5.0, 3.2 * 3600)
    0.5
    """

    kind = Enum(("none", "fixed", "per_hour"), default_value="none",
                help="'none': no penalty; 'fixed': fixed_points for any late notebook; "
                     "'per_hour': points_per_hour for every hour late (fractions of an hour count pro rata)."
                ).tag(config=True)
    fixed_points = Float(0.0, help="Points taken from a late notebook when kind = 'fixed'.").tag(config=True)
    points_per_hour = Float(0.0, help="Points taken per hour late when kind = 'per_hour'.").tag(config=True)
    max_fraction = Float(1.0, help="The penalty never exceeds this share of the notebook's score (0..1)."
                         ).tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        """Points to subtract from a notebook ``total_seconds_late`` seconds late (None: no penalty)."""
        if self.kind == "none" or not total_seconds_late or total_seconds_late <= 0:
            return None
        if self.kind == "fixed":
            points = self.fixed_points
        else:
            points = self.points_per_hour * total_seconds_late / 3600.0
        cap = max(0.0, min(1.0, self.max_fraction)) * max(0.0, float(score or 0.0))
        return round(min(points, cap), 6)


def late_plugin(config):
    """The late-penalty plugin ``config`` names (``c.AssignLatePenalties.plugin_class``), ready to call.

    Raises CourseError when the class cannot be imported or a setting of it is invalid, so
    a batch stops before grading rather than failing every late notebook.
    """
    from nbgrader.preprocessors import AssignLatePenalties
    from traitlets import TraitError

    try:
        step = AssignLatePenalties(config=config)
        step.init_plugin()
    except (TraitError, ImportError, ValueError) as exc:
        raise CourseError(f"the late-penalty settings in nbgrader_config.py are not valid: {exc}. "
                          "Name a LateSubmissionPlugin, e.g. c.AssignLatePenalties.plugin_class = "
                          "\"autograder.lms.deadlines.LatePenalty\" with c.LatePenalty.kind one of "
                          "none, fixed, per_hour") from None
    return step


def notebook_penalty(step, student: str, score: float, total_seconds_late: float):
    """What nbgrader's ``AssignLatePenalties`` stores for one notebook with ``score`` points.

    The same calls in the same order: None when not late or the plugin gives none, else
    the plugin's answer clamped to 0..score (nbgrader's ``_check_late_penalty``).
    """
    if not total_seconds_late or total_seconds_late <= 0:
        return None
    penalty = step.plugin_inst.late_submission_penalty(student, score, total_seconds_late)
    if penalty is None:
        return None
    return 0 if penalty < 0 else min(penalty, score)


def describe_late(seconds: float, penalty: float) -> str:
    """How a late submission is described to students and TAs.

    >>> describe_late(3.2 * 3600, 1.6)
    'submitted 3.2 h late: -1.6 points'
    >>> describe_late(90, 0)
    'submitted 0.0 h late: no penalty'
    """
    hours = f"submitted {seconds / 3600:.1f} h late"
    return f"{hours}: -{penalty:g} points" if penalty else f"{hours}: no penalty"


def main_duedate(*, root=".", lesson: str, when: str | None, quiet: bool = False):
    course = Course(root)
    due = set_duedate(course, lesson, when)
    if not quiet:
        print(f"{lesson}: due {due:%Y-%m-%d %H:%M} UTC" if due else f"{lesson}: no due date")
    return due


def main_extend(*, root=".", student: str, lesson: str, hours: float = 0, days: float = 0, quiet: bool = False):
    course = Course(root)
    ext = extend(course, student, lesson, hours=hours, days=days)
    if not quiet:
        print(f"{student} / {lesson}: " + (f"extension of {ext}" if ext else "no extension")
              + " (regrade with `kmeans-course autograde --force LESSON` if it was graded already)")
    return ext
