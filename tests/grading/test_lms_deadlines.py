"""Due dates and extensions where nbgrader reads them, and the submission time collect records."""
from __future__ import annotations

import datetime as dt
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main as cli
from autograder.course import Course, CourseError
from autograder.lms import collect, deadlines

sys.path.insert(0, str(Path(__file__).parent))
import minicourse as mc  # noqa: E402


def gradebook(course: Course):
    from nbgrader.api import Gradebook

    return Gradebook(course.db_url, course.course_id)


def test_parse_when_needs_a_zone():
    assert deadlines.parse_when("2026-12-01 23:59 UTC") == dt.datetime(2026, 12, 1, 23, 59)
    assert deadlines.parse_when("2026-12-01 23:59:00 -0500") == dt.datetime(2026, 12, 2, 4, 59)
    assert deadlines.parse_when("2026-07-01T12:00:00+02:00") == dt.datetime(2026, 7, 1, 10, 0)
    with pytest.raises(CourseError, match="no time zone"):
        deadlines.parse_when("2026-12-01 23:59")
    with pytest.raises(CourseError, match="unknown time zone"):
        deadlines.parse_when("2026-12-01 23:59 Mars/Olympus")


def test_duedate_and_extension_verbs(fresh_course, capsys):
    course = Course(fresh_course)
    root = ["--root", str(fresh_course)]
    assert cli(root + ["duedate", "01-toy", "2026-09-15 00:00 Europe/Berlin"]) == 0
    with gradebook(course) as gb:
        assert gb.find_assignment("01-toy").duedate == dt.datetime(2026, 9, 14, 22, 0)
    assert cli(root + ["duedate", "09-none", "2026-09-15 00:00 UTC"]) == 2
    assert "no lesson '09-none'" in capsys.readouterr().err
    assert cli(root + ["extend", "nobody", "01-toy", "--hours", "3"]) == 2
    assert "no student 'nobody'" in capsys.readouterr().err
    # a student who has not submitted yet can get an extension (nbgrader's formgrader does the same)
    with gradebook(course) as gb:
        gb.update_or_create_student("canvas-1")
    assert cli(root + ["extend", "canvas-1", "01-toy", "--hours", "48"]) == 0
    with gradebook(course) as gb:
        assert gb.find_submission("01-toy", "canvas-1").extension == dt.timedelta(hours=48)
    assert cli(root + ["extend", "canvas-1", "01-toy", "--hours", "0"]) == 0
    with gradebook(course) as gb:
        assert gb.find_submission("01-toy", "canvas-1").extension is None
    assert cli(root + ["duedate", "01-toy", "--clear"]) == 0
    with gradebook(course) as gb:
        assert gb.find_assignment("01-toy").duedate is None


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_collected_time_reaches_nbgrader_and_an_extension_counts(fresh_course, tmp_path):
    """Canvas zip time -> timestamp.txt -> autograde -> SubmittedAssignment.timestamp -> seconds late."""
    from autograder.grading import autograde

    course = Course(fresh_course)
    nb = mc.student_notebook(fresh_course, "01-toy")
    z = tmp_path / "dl.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(zipfile.ZipInfo("leeann_LATE_777_9001_01-toy.ipynb", (2026, 9, 15, 3, 0, 0)),
                    nbformat.writes(nb))
    collect.collect(z, course)
    deadlines.set_duedate(course, "01-toy", "2026-09-15 00:00 UTC")
    summary = autograde.main(root=fresh_course, dev_secret=True, workers=1, progress=False, quiet=True)
    assert summary.graded == 1, summary.summary()
    with gradebook(course) as gb:
        sub = gb.find_submission("01-toy", "canvas-777")
        assert sub.timestamp == dt.datetime(2026, 9, 15, 3, 0)
        assert deadlines.seconds_late(gb, "canvas-777", "01-toy") == 3 * 3600
        assert deadlines.seconds_late(gb, "canvas-nobody", "01-toy") == 0
    deadlines.extend(course, "canvas-777", "01-toy", hours=2)
    with gradebook(course) as gb:
        assert deadlines.seconds_late(gb, "canvas-777", "01-toy") == 3600
    deadlines.extend(course, "canvas-777", "01-toy", days=1)
    with gradebook(course) as gb:
        assert deadlines.seconds_late(gb, "canvas-777", "01-toy") == 0
