"""``kmeans-course export``: Canvas's gradebook import file and Moodle's grading worksheet.

Grades are written into the toy course's gradebook through nbgrader's own API (what the
autograder's merge leaves there), so no notebook is executed here.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main as cli
from autograder.course import Course, CourseError
from autograder.grading.merge import LEDGER_NAME, Ledger
from autograder.lms import collect, export
from autograder.lms.identity import read_roster

sys.path.insert(0, str(Path(__file__).parent))
from gradingkit import nbgrader_env  # noqa: E402
from test_lms_collect import FIXTURES, lms_zip  # noqa: E402

# toy lesson 01: add 1+1, mul 2+1, written 2 = 7 points; Canvas's column is worth 7 as well


def give(course: Course, student: str, lesson: str, scores: dict | None, *, penalty: float = 0.0) -> None:
    """Record grades as autograding and a TA leave them (``scores=None``: nothing graded).

    ``scores``: grade id -> score (others get full marks); the written answer's score is
    a manual one, and ``None`` leaves it waiting for manual grading.
    """
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_student(student)
        sub = gb.update_or_create_submission(lesson, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if scores is None:
                    continue
                value = scores.get(grade.name, grade.max_score)
                if grade.name.startswith("written"):
                    grade.manual_score, grade.needs_manual_grade = value, value is None
                else:
                    grade.auto_score, grade.needs_manual_grade = value, False
            nb.late_submission_penalty = penalty
        gb.db.commit()


@pytest.fixture
def graded(fresh_course, tmp_path) -> Course:
    """The Canvas download collected with the roster, then graded by hand in the gradebook.

    canvas-12345 full marks but the written answer (5 of 7); canvas-22222 late: 7 - 2 penalty;
    canvas-12399 failed to grade; canvas-33333 collected, not graded yet; canvas-55555 (not
    on the roster) graded.
    """
    course = Course(fresh_course)
    collect.collect(lms_zip("canvas_submissions.json", tmp_path / "dl.zip"), course,
                    roster=read_roster(FIXTURES / "canvas_gradebook_export.csv"))
    give(course, "canvas-12345", "01-toy", {"written_why": 0.0})
    give(course, "canvas-22222", "01-toy", {}, penalty=2.0)
    give(course, "canvas-12399", "01-toy", None)
    give(course, "canvas-33333", "01-toy", None)
    give(course, "canvas-55555", "01-toy", {})
    Ledger(course.state / LEDGER_NAME).append({"key": "canvas-12399/01-toy", "student": "canvas-12399",
                                                "assignment": "01-toy", "status": "failed",
                                                "reason": "the kernel died"})
    return course


def read_csv(path: Path) -> list:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_canvas_upload_keeps_identities_and_fills_the_lesson(graded, tmp_path):
    out = tmp_path / "upload.csv"
    report = export.export_canvas(graded, FIXTURES / "canvas_gradebook_export.csv", out, ["01-toy"])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the export's BOM and line ends
    rows = read_csv(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01-toy: add and multiply (7001)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "7.00"]
    by_id = {r[1]: r for r in rows[2:]}
    assert by_id["12345"] == ["Smith, John", "12345", "S0001", "jsmith", "K-means 101, Section A", "5"]
    assert by_id["22222"][-1] == "5"  # 7 minus nbgrader's late penalty of 2
    assert by_id["12399"][-1] == ""  # failed to grade: blank, never 0
    assert by_id["33333"] == ['Álvarez-Núñez, José "Pepe"', "33333", "S0004", "jalvarez",
                              "K-means 101, Section B", ""]  # not graded yet
    assert by_id["44444"][-1] == ""  # no submission
    assert set(by_id) == {"12345", "12399", "22222", "33333", "44444", "99999"}
    assert report.not_in_lms == [("canvas-55555", "01-toy")]
    text = report.summary()
    assert "canvas-12399 01-toy: failed: the kernel died (blank, not 0)" in text
    assert "canvas-33333 01-toy: ungraded" in text
    assert "NOT IN THE LMS FILE" in text and "canvas-55555" in text
    assert "written answers not graded yet" not in text  # the written cell has a score (0)
    assert report.written == {"01-toy": 2}
    # the quoting survives: the row is byte-identical in its identity cells to the export's
    assert '"Álvarez-Núñez, José ""Pepe"""' in raw.decode("utf-8-sig")


def test_canvas_scaling_and_explicit_columns(graded, tmp_path):
    out = tmp_path / "upload.csv"
    # map the lesson onto the 12-point column by its name: 5 of 7 becomes 8.57 of 12
    report = export.export_canvas(graded, FIXTURES / "canvas_gradebook_export.csv", out, ["01-toy"],
                                  columns={"01-toy": "02-toy: squares"})
    rows = read_csv(out)
    assert rows[0][-1] == "02-toy: squares (7002)"
    assert {r[1]: r[-1] for r in rows[2:]}["12345"] == "8.57"
    assert any("scaled from 7 to Canvas's 12 points" in n for n in report.notes)
    export.export_canvas(graded, FIXTURES / "canvas_gradebook_export.csv", out, ["01-toy"],
                         columns={"01-toy": "7002"}, scale=False)
    assert {r[1]: r[-1] for r in read_csv(out)[2:]}["12345"] == "5"
    with pytest.raises(CourseError, match="--column 03-none="):  # no column names the lesson
        export.canvas_columns(read_csv(FIXTURES / "canvas_gradebook_export.csv")[0], ["02-toy", "03-none"])


def test_moodle_worksheet_gets_grades_and_a_fresh_modified_date(fresh_course, tmp_path):
    course = Course(fresh_course)
    collect.collect(lms_zip("moodle_submissions.json", tmp_path / "m.zip"), course,
                    roster=read_roster(FIXTURES / "moodle_grading_worksheet.csv"))
    give(course, "moodle-john.smith-at-uni.example", "01-toy", {})
    give(course, "moodle-zoe.obrien-at-uni.example", "01-toy", {"written_why": None})
    out = tmp_path / "moodle_upload.csv"
    report = export.export_moodle(course, FIXTURES / "moodle_grading_worksheet.csv", out, "01-toy",
                                  now=dt.datetime(2026, 9, 20, 14, 5))
    rows = read_csv(out)
    source = read_csv(FIXTURES / "moodle_grading_worksheet.csv")
    assert rows[0] == source[0]
    by_pid = {r[0]: r for r in rows[1:]}
    grade, modified = rows[0].index("Grade"), rows[0].index("Last modified (grade)")
    assert by_pid["Participant 500101"][grade] == "7"
    assert by_pid["Participant 500101"][modified] == "Sunday, 20 September 2026, 2:05 PM"
    assert by_pid["Participant 500103"][grade] == "5"
    # collected but not graded: blank, date untouched (Moodle skips blank grades)
    assert by_pid["Participant 500102"][grade] == "" and by_pid["Participant 500102"][modified] == "-"
    assert by_pid["Participant 500104"] == source[4]  # no submission: row unchanged
    assert report.written == {"01-toy": 2}
    assert "moodle-john.smith2-at-uni.example 01-toy: ungraded" in report.summary()
    assert "moodle-zoe.obrien-at-uni.example 01-toy: written answers not graded yet" in report.summary()


def test_cli_export_and_its_errors(graded, tmp_path, capsys):
    out = tmp_path / "u.csv"
    code = cli(["--root", str(graded.root), "export", "canvas", "--roster",
                str(FIXTURES / "canvas_gradebook_export.csv"), "--out", str(out), "01-toy"])
    assert code == 0 and out.exists()
    assert "NOT IN THE LMS FILE" in capsys.readouterr().out
    code = cli(["--root", str(graded.root), "export", "moodle", "--out", str(out), "01-toy"])
    assert code == 2 and "--worksheet" in capsys.readouterr().err
    code = cli(["--root", str(graded.root), "export", "canvas", "--roster", str(FIXTURES / "moodle_participants.csv"),
                "--out", str(out), "01-toy"])
    assert code == 2 and "no Student, ID column" in capsys.readouterr().err
    code = cli(["--root", str(graded.root), "export", "canvas", "--roster",
                str(FIXTURES / "canvas_gradebook_export.csv"), "--out", str(out), "--column", "01-toy", "01-toy"])
    assert code == 2 and "LESSON=" in capsys.readouterr().err


def test_nbgrader_export_with_the_canvas_plugin(graded, tmp_path):
    out = tmp_path / "via_nbgrader.csv"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "export",
         "--exporter=autograder.lms.export.CanvasExportPlugin",
         f"--CanvasExportPlugin.roster={FIXTURES / 'canvas_gradebook_export.csv'}",
         f"--to={out}", "--assignment=['01-toy']"],
        cwd=graded.root, env=nbgrader_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert {r[1]: r[-1] for r in read_csv(out)[2:]}["12345"] == "5"
