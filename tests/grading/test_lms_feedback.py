"""Feedback that reaches students: nbgrader's release_feedback/fetch_feedback, Moodle's zip, Canvas folders."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main as cli
from autograder.course import Course, CourseError
from autograder.lms import collect
from autograder.lms.feedback import prepare_all, prepare_for_release
from autograder.lms.identity import read_roster

sys.path.insert(0, str(Path(__file__).parent))
import minicourse as mc  # noqa: E402
from gradingkit import nbgrader_env  # noqa: E402
from test_lms_collect import FIXTURES, lms_zip  # noqa: E402

NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def write_page(course: Course, student: str, lesson: str, text: str) -> Path:
    """A feedback page where ``kmeans-course report`` writes it."""
    path = course.feedback / student / lesson / f"{lesson}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body>{text}</body></html>", encoding="utf-8")
    return path


def nbgrader(args, cwd, exchange: Path, cache: Path):
    proc = subprocess.run([NBGRADER, *args, f"--Exchange.root={exchange}", f"--Exchange.cache={cache}",
                           "--CourseDirectory.course_id=kmeans-course"],
                          cwd=cwd, env=nbgrader_env(), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"nbgrader {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow  # five nbgrader commands in subprocesses
def test_release_feedback_then_fetch_feedback_as_the_student(fresh_course, tmp_path):
    course = Course(fresh_course)
    exchange, cache, home = tmp_path / "exchange", tmp_path / "cache", tmp_path / "home-ann"
    exchange.mkdir()
    home.mkdir()
    nbgrader(["release_assignment", "01-toy"], fresh_course, exchange, cache)
    # the student works in her home and submits through nbgrader's exchange
    (home / "01-toy").mkdir()
    nbformat.write(mc.student_notebook(fresh_course, "01-toy"), str(home / "01-toy" / "01-toy.ipynb"))
    nbgrader(["submit", "01-toy", "--student=ann"], home, exchange, cache)
    nbgrader(["collect", "01-toy"], fresh_course, exchange, cache)
    assert (course.submission_dir("ann", "01-toy") / "submission_secret.txt").is_file()

    write_page(course, "ann", "01-toy", "FEEDBACK-FOR-ANN")
    folder = prepare_for_release(course, "ann", "01-toy")
    assert (folder / "timestamp.txt").read_text() == (course.submission_dir("ann", "01-toy") / "timestamp.txt").read_text()
    nbgrader(["release_feedback", "01-toy"], fresh_course, exchange, cache)
    nbgrader(["fetch_feedback", "01-toy", "--student=ann"], home, exchange, cache)

    fetched = list((home / "01-toy" / "feedback").glob("*/01-toy.html"))
    assert len(fetched) == 1
    assert "FEEDBACK-FOR-ANN" in fetched[0].read_text()
    assert fetched[0].parent.name == (folder / "timestamp.txt").read_text().strip()


def test_lms_collected_feedback_is_accepted_by_release_feedback(fresh_course, tmp_path):
    from nbgrader.utils import notebook_hash

    course = Course(fresh_course)
    collect.collect(lms_zip("canvas_submissions.json", tmp_path / "dl.zip"), course,
                    roster=read_roster(FIXTURES / "canvas_gradebook_export.csv"))
    write_page(course, "canvas-12345", "01-toy", "FOR-12345")
    write_page(course, "canvas-12399", "01-toy", "FOR-12399")
    assert len(prepare_all(course, ["01-toy"])) == 2
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    nbgrader(["release_feedback", "01-toy"], fresh_course, exchange, tmp_path / "cache")
    for student, text in (("canvas-12345", "FOR-12345"), ("canvas-12399", "FOR-12399")):
        secret = (course.submission_dir(student, "01-toy") / "submission_secret.txt").read_text()
        page = exchange / "kmeans-course" / "feedback" / f"{notebook_hash(secret=secret, notebook_id='01-toy')}.html"
        assert text in page.read_text()  # where fetch_feedback looks for a holder of that secret


def test_prepare_without_a_page_says_run_report(fresh_course):
    with pytest.raises(CourseError, match="kmeans-course report 01-toy"):
        prepare_for_release(Course(fresh_course), "ann", "01-toy")


def test_moodle_feedback_zip_has_the_folders_moodle_expects(fresh_course, tmp_path, capsys):
    course = Course(fresh_course)
    collect.collect(lms_zip("moodle_submissions.json", tmp_path / "m.zip"), course,
                    roster=read_roster(FIXTURES / "moodle_grading_worksheet.csv"))
    write_page(course, "moodle-john.smith-at-uni.example", "01-toy", "john")
    write_page(course, "moodle-zoe.obrien-at-uni.example", "01-toy", "zoe")
    write_page(course, "local-only", "01-toy", "no participant id")
    out = tmp_path / "fb.zip"
    assert cli(["--root", str(fresh_course), "feedback-zip", "--lms", "moodle", "01-toy", "--out", str(out)]) == 0
    names = sorted(zipfile.ZipFile(out).namelist())
    assert names == ["John Smith_500101_assignsubmission_file_/01-toy.html",
                     "Zoë O'Brien_500103_assignsubmission_file_/01-toy.html"]
    # Moodle reads the participant id as the second "_"-separated field of a folder name
    assert all(name.split("/")[0].split("_", 4)[1].isdigit() for name in names)
    assert "skipped local-only" in capsys.readouterr().out


def test_canvas_feedback_folders(fresh_course, tmp_path):
    course = Course(fresh_course)
    collect.collect(lms_zip("canvas_submissions.json", tmp_path / "dl.zip"), course,
                    roster=read_roster(FIXTURES / "canvas_gradebook_export.csv"))
    write_page(course, "canvas-12345", "01-toy", "a")
    write_page(course, "canvas-12399", "01-toy", "b")
    out = tmp_path / "canvas"
    assert cli(["--root", str(fresh_course), "feedback-zip", "--lms", "canvas", "01-toy", "--out", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")) == [
        "Smith John_12345/01-toy.html", "Smith John_12399/01-toy.html"]
