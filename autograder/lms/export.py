"""``kmeans-course export``: grades in the files Canvas and Moodle import.

- ``export canvas --roster EXPORT.csv --out UPLOAD.csv LESSON...``: Canvas's gradebook
  import file, built from a gradebook export (Grades > Export). The roster's identity
  columns (``Student, ID, SIS User ID, SIS Login ID[, Integration ID][, Root Account],
  Section``) are copied cell for cell, the ``Points Possible`` row is kept, and one
  column per lesson is filled. A lesson's column is the roster column whose name
  contains the lesson id (``01-labels: assign (7001)``), or the one named with
  ``--column 01-labels="Lesson 1 (7001)"``. Written with the roster's own CSV dialect,
  line ends and byte-order mark.
- ``export moodle --worksheet WORKSHEET.csv --out UPLOAD.csv LESSON``: Moodle's offline
  grading worksheet (Assignment > "Download grading worksheet") with ``Grade`` filled
  and ``Last modified (grade)`` set to now (Moodle skips a row whose date is older
  than the grade it holds), keyed by the participant id ``collect`` kept.

A score is the gradebook's (``SubmittedAssignment.score`` minus nbgrader's late
penalty, never below 0, as nbgrader's CSV export computes it), scaled to the LMS's
points when they differ (``--no-scale`` keeps raw points). A submission that failed
to grade, or is not graded yet, is left blank with a warning, never 0; so is a
student with no submission. A graded student the LMS file does not list is left out
and named.

Also as nbgrader exporter plugins::

    nbgrader export --exporter=autograder.lms.export.CanvasExportPlugin \\
        --CanvasExportPlugin.roster=EXPORT.csv --to=UPLOAD.csv --assignment=01-labels
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins.export import ExportPlugin
from traitlets import Bool, Dict, Unicode

from autograder.course import Course, CourseError
from autograder.lms.identity import CANVAS_IDENTITY, PARTICIPANT, LmsMap, canvas_student_id, moodle_student_id

ASSIGNMENT_COLUMN = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass
class Score:
    """One student's result on one lesson, as the LMS should get it."""

    status: str  # "graded" | "failed" | "ungraded"
    points: float | None = None
    max_points: float = 0.0
    reason: str = ""
    needs_manual: bool = False


@dataclass
class ExportReport:
    out: Path
    written: dict = field(default_factory=dict)  # lesson -> number of grades written
    warnings: list = field(default_factory=list)
    not_in_lms: list = field(default_factory=list)  # (student, lesson): graded, but the LMS file lacks them
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"wrote {self.out}: " + ", ".join(f"{n} grade(s) for {a}" for a, n in self.written.items())]
        lines += self.notes
        if self.warnings:
            lines.append(f"left blank ({len(self.warnings)}):")
            lines += [f"  {w}" for w in self.warnings]
        if self.not_in_lms:
            lines.append(f"NOT IN THE LMS FILE, left out ({len(self.not_in_lms)}): "
                         + ", ".join(f"{s} ({a})" for s, a in self.not_in_lms))
        return "\n".join(lines)


# ----------------------------------------------------------------------------- scores


def lesson_scores(gb, course: Course, lesson: str) -> dict:
    """student id -> :class:`Score` for every submission of ``lesson`` (open nbgrader ``Gradebook``)."""
    from nbgrader.api import MissingEntry

    from autograder.grading.merge import LEDGER_NAME, Ledger

    try:
        assignment = gb.find_assignment(lesson)
    except MissingEntry:
        known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
        raise CourseError(f"no lesson {lesson!r} in the gradebook (known: {known})") from None
    ledger = Ledger(course.state / LEDGER_NAME).latest()
    out = {}
    for sub in assignment.submissions:
        record = ledger.get(f"{sub.student_id}/{lesson}")
        graded = any(g.auto_score is not None or g.manual_score is not None
                     for nb in sub.notebooks for g in nb.grades)
        if record is not None and record.get("status") == "failed":
            out[sub.student_id] = Score("failed", reason=record.get("reason", "") or "failed to grade")
        elif not graded:
            out[sub.student_id] = Score("ungraded", reason="submitted but not graded yet")
        else:
            penalty = sub.late_submission_penalty or 0.0
            out[sub.student_id] = Score("graded", max(0.0, sub.score - penalty), assignment.max_score,
                                        needs_manual=bool(sub.needs_manual_grade))
    # a student who only has an extension has a submission record and no notebook: not submitted
    for sub in assignment.submissions:
        if sub.student_id in out and out[sub.student_id].status == "ungraded":
            folder = course.submission_dir(sub.student_id, lesson)
            if not folder.is_dir():
                del out[sub.student_id]
    # collected (in submitted/) but never autograded: no gradebook record at all
    if course.submitted.is_dir():
        for folder in course.submitted.glob(f"*/{lesson}"):
            if folder.is_dir() and not folder.parent.name.startswith(".") and folder.parent.name not in out:
                out[folder.parent.name] = Score("ungraded", reason="collected but not graded yet")
    return out


def _fmt(x: float) -> str:
    """Up to two decimals, no exponent: 5, 5.5, 5.25."""
    return ("%.2f" % x).rstrip("0").rstrip(".")


def _value(score: Score | None, student: str, lesson: str, lms_points: float | None, scale: bool,
           report: ExportReport) -> str:
    if score is None:
        return ""
    if score.status != "graded":
        report.warnings.append(f"{student} {lesson}: {score.status}: {score.reason} (blank, not 0)")
        return ""
    points = score.points
    if scale and lms_points and score.max_points and abs(lms_points - score.max_points) > 1e-9:
        points = points * lms_points / score.max_points
    if score.needs_manual:
        report.notes.append(f"{student} {lesson}: written answers not graded yet; exported the points so far")
    return _fmt(points)


# ----------------------------------------------------------------------------- CSV in the LMS's own dialect


@dataclass
class Table:
    header: list
    rows: list
    delimiter: str
    bom: bool
    newline: str

    @classmethod
    def read(cls, path: Path) -> "Table":
        path = Path(path)
        if not path.is_file():
            raise CourseError(f"{path} does not exist")
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CourseError(f"{path}: not UTF-8 ({exc}); download it again from the LMS, do not re-save it "
                              "in a spreadsheet") from exc
        try:  # only the delimiter: LMSs quote the RFC 4180 way ("" inside quotes)
            delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if not rows:
            raise CourseError(f"{path} is empty")
        newline = "\r\n" if "\r\n" in text[:4096] else "\n"
        return cls(rows[0], rows[1:], delimiter, bom, newline)

    def write(self, path: Path, header: list, rows: list) -> None:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=self.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator=self.newline)
        writer.writerow(header)
        writer.writerows(rows)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(("\ufeff" if self.bom else "").encode() + buf.getvalue().encode("utf-8"))


# ----------------------------------------------------------------------------- Canvas


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def canvas_columns(header: list, lessons: list, columns: dict | None = None) -> dict:
    """lesson -> index of its Canvas column (explicit ``columns`` first, else by lesson id in the name)."""
    columns = columns or {}
    assignment_cols = {i: h for i, h in enumerate(header) if h not in CANVAS_IDENTITY and ASSIGNMENT_COLUMN.match(h)}
    listing = "; ".join(assignment_cols.values()) or "none"
    out = {}
    for lesson in lessons:
        if lesson in columns:
            want = columns[lesson]
            hits = [i for i, h in assignment_cols.items() if h == want or ASSIGNMENT_COLUMN.match(h)["name"] == want
                    or ASSIGNMENT_COLUMN.match(h)["id"] == want]
        else:
            hits = [i for i, h in assignment_cols.items() if _norm(lesson) in _norm(ASSIGNMENT_COLUMN.match(h)["name"])]
        if len(hits) != 1:
            which = f"named {columns[lesson]!r}" if lesson in columns else f"whose name contains {lesson!r}"
            raise CourseError(f"{'no' if not hits else len(hits)} Canvas column(s) {which}; pass "
                              f"--column {lesson}=\"<column name (id)>\". Assignment columns: {listing}")
        out[lesson] = hits[0]
    return out


def export_canvas(course: Course, roster: Path, out: Path, lessons: list, *, columns: dict | None = None,
                  scale: bool = True, gradebook=None) -> ExportReport:
    """Write Canvas's gradebook import file for ``lessons``; see the module docs."""
    from nbgrader.api import Gradebook

    table = Table.read(roster)
    header = [h.strip() for h in table.header]
    missing = [c for c in ("Student", "ID") if c not in header]
    if missing:
        raise CourseError(f"{roster}: no {', '.join(missing)} column: pass Canvas's gradebook export "
                          "(Grades > Export > Export Entire Gradebook)")
    ident = [i for i, h in enumerate(header) if h in CANVAS_IDENTITY]
    cols = canvas_columns(header, lessons, columns)
    sid_col, id_col = header.index("Student"), header.index("ID")
    report = ExportReport(Path(out))
    lmsmap = LmsMap(course)

    def cell(row, i):
        return row[i] if i < len(row) else ""

    points = {}
    for row in table.rows:
        if cell(row, sid_col).strip() == "Points Possible":
            for lesson, i in cols.items():
                try:
                    points[lesson] = float(cell(row, i))
                except ValueError:
                    points[lesson] = None
    own = gradebook is None
    gb = Gradebook(course.db_url, course.course_id) if own else gradebook
    try:
        scores = {lesson: lesson_scores(gb, course, lesson) for lesson in lessons}
    finally:
        if own:
            gb.close()

    rows, listed = [], set()
    for row in table.rows:
        uid = cell(row, id_col).strip()
        values = []
        for lesson, i in cols.items():
            if not uid.isdigit():  # Points Possible, Manual Posting: kept as they are
                values.append(cell(row, i))
                continue
            person = lmsmap.by_canvas(uid)
            student = person.student_id if person else canvas_student_id(uid)
            listed.add(student)
            value = _value(scores[lesson].get(student), student, lesson, points.get(lesson), scale, report)
            report.written[lesson] = report.written.get(lesson, 0) + bool(value)
            values.append(value)
        rows.append([cell(row, i) for i in ident] + values)
    for lesson in lessons:
        report.written.setdefault(lesson, 0)
        report.not_in_lms += [(s, lesson) for s in sorted(scores[lesson]) if s not in listed]
        if scale and points.get(lesson) and scores[lesson]:
            mx = max((s.max_points for s in scores[lesson].values()), default=0.0)
            if mx and abs(points[lesson] - mx) > 1e-9:
                report.notes.append(f"{lesson}: scaled from {_fmt(mx)} to Canvas's {_fmt(points[lesson])} points "
                                    "(--no-scale keeps raw points)")
    table.write(out, [table.header[i] for i in ident] + [table.header[i] for i in cols.values()], rows)
    return report


# ----------------------------------------------------------------------------- Moodle


def moodle_date(when: _dt.datetime) -> str:
    """A date as Moodle's worksheet writes it (English, 12-hour clock).

    >>> moodle_date(_dt.datetime(2026, 9, 15, 14, 5))
    'Tuesday, 15 September 2026, 2:05 PM'
    """
    hour = when.hour % 12 or 12
    return (f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year}, "
            f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}")


def export_moodle(course: Course, worksheet: Path, out: Path, lesson: str, *, scale: bool = True,
                  now: _dt.datetime | None = None, gradebook=None) -> ExportReport:
    """Fill Moodle's grading worksheet for ``lesson``; see the module docs.

    ``now``: the "Last modified (grade)" time, in the Moodle server's zone (default:
    this machine's local time).
    """
    from nbgrader.api import Gradebook

    table = Table.read(worksheet)
    header = [h.strip() for h in table.header]
    need = ("Identifier", "Grade", "Maximum Grade", "Last modified (grade)")
    missing = [c for c in need if c not in header]
    if missing:
        raise CourseError(f"{worksheet}: no {', '.join(missing)} column: pass the assignment's "
                          "\"Download grading worksheet\" CSV (enable \"Offline grading worksheet\" feedback)")
    col = {h: header.index(h) for h in need + ("Email address",) if h in header}
    stamp = moodle_date(now or _dt.datetime.now())
    report = ExportReport(Path(out))
    lmsmap = LmsMap(course)
    own = gradebook is None
    gb = Gradebook(course.db_url, course.course_id) if own else gradebook
    try:
        scores = lesson_scores(gb, course, lesson)
    finally:
        if own:
            gb.close()
    rows, listed, written = [], set(), 0
    for row in table.rows:
        row = list(row) + [""] * (len(header) - len(row))
        m = PARTICIPANT.match(row[col["Identifier"]])
        if not m:
            rows.append(row)
            continue
        pid = m.group(1)
        person = lmsmap.by_participant(lesson, pid)
        email = row[col["Email address"]].strip() if "Email address" in col else ""
        student = person.student_id if person else moodle_student_id(email=email, participant=pid)
        listed.add(student)
        try:
            maximum = float(row[col["Maximum Grade"]].replace(",", "."))
        except ValueError:
            maximum = None
        value = _value(scores.get(student), student, lesson, maximum, scale, report)
        if value:
            row[col["Grade"]] = value
            row[col["Last modified (grade)"]] = stamp
            written += 1
        rows.append(row)
    report.written[lesson] = written
    report.not_in_lms = [(s, lesson) for s in sorted(scores) if s not in listed]
    table.write(out, table.header, rows)
    return report


# ----------------------------------------------------------------------------- nbgrader plugins


class CanvasExportPlugin(ExportPlugin):
    """``nbgrader export`` to Canvas's gradebook import file (run in the course root)."""

    roster = Unicode("", help="Canvas's gradebook export CSV (Grades > Export)").tag(config=True)
    columns = Dict({}, help="lesson id -> Canvas column name, for lessons whose column does not contain the id"
                   ).tag(config=True)
    scale = Bool(True, help="scale scores to Canvas's points possible").tag(config=True)

    def export(self, gradebook) -> None:
        if not self.roster:
            raise CourseError("set --CanvasExportPlugin.roster=<Canvas gradebook export CSV>")
        lessons = [str(a) for a in self.assignment] or sorted(a.name for a in gradebook.assignments)
        report = export_canvas(Course("."), Path(self.roster), Path(self.to or "canvas_upload.csv"), lessons,
                               columns=dict(self.columns), scale=self.scale, gradebook=gradebook)
        self.log.info("%s", report.summary())


class MoodleExportPlugin(ExportPlugin):
    """``nbgrader export`` into Moodle's grading worksheet (one lesson; run in the course root)."""

    worksheet = Unicode("", help="the lesson's Moodle grading worksheet CSV").tag(config=True)
    scale = Bool(True, help="scale scores to Moodle's Maximum Grade").tag(config=True)

    def export(self, gradebook) -> None:
        if not self.worksheet or len(self.assignment) != 1:
            raise CourseError("set --MoodleExportPlugin.worksheet=<worksheet CSV> and exactly one --assignment")
        report = export_moodle(Course("."), Path(self.worksheet), Path(self.to or "moodle_upload.csv"),
                               str(self.assignment[0]), scale=self.scale, gradebook=gradebook)
        self.log.info("%s", report.summary())


def parse_columns(pairs: list) -> dict:
    """``["01-labels=Lesson 1 (7001)"]`` -> ``{"01-labels": "Lesson 1 (7001)"}``."""
    out = {}
    for pair in pairs or []:
        lesson, sep, column = pair.partition("=")
        if not sep or not lesson.strip() or not column.strip():
            raise CourseError(f"--column {pair!r}: write it as LESSON=\"Column name (id)\"")
        out[lesson.strip()] = column.strip()
    return out


def main(*, lms: str, root=".", out, lessons: list, roster=None, worksheet=None, columns=None,
         scale: bool = True, quiet: bool = False) -> ExportReport:
    course = Course(root)
    course.require_gradebook()
    if lms == "canvas":
        if not roster:
            raise CourseError("export canvas needs --roster <Canvas gradebook export CSV>")
        report = export_canvas(course, Path(roster), Path(out), lessons, columns=parse_columns(columns),
                               scale=scale)
    else:
        if not worksheet or len(lessons) != 1:
            raise CourseError("export moodle needs --worksheet <grading worksheet CSV> and exactly one LESSON "
                              "(a worksheet belongs to one assignment)")
        report = export_moodle(course, Path(worksheet), Path(out), lessons[0], scale=scale)
    if not quiet:
        print(report.summary(), file=sys.stdout)
    return report
