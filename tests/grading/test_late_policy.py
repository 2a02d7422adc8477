"""The late policy: nbgrader's LateSubmissionPlugin, the same penalty as stock nbgrader, once per notebook."""
from __future__ import annotations

import csv
import sqlite3

import pytest

import minicourse as mc
from gradingkit import copy_course, run_stock_autograde

DUE = "2026-09-15 00:00 UTC"
# student -> submission time; eve has a 2 h extension
SUBMITTED = {"ann": "2026-09-15 03:12:00.000000 UTC",   # 3.2 h late: 0.5 * 3.2 = 1.6 points
             "bob": "2026-09-14 23:00:00.000000 UTC",   # on time
             "eve": "2026-09-15 03:12:00.000000 UTC",   # 1.2 h late after her extension: 0.6
             "fay": "2026-09-15 20:00:00.000000 UTC"}   # 20 h late: 10, capped at half of 5 = 2.5
POLICY = '''
c.AssignLatePenalties.plugin_class = "autograder.lms.deadlines.LatePenalty"
c.LatePenalty.kind = "per_hour"
c.LatePenalty.points_per_hour = 0.5
c.LatePenalty.max_fraction = 0.5
'''


def penalties(root) -> dict:
    """student -> late_submission_penalty of their 01-toy notebook, straight from gradebook.db."""
    con = sqlite3.connect(root / "gradebook.db")
    try:
        return dict(con.execute("""
            SELECT sa.student_id, sn.late_submission_penalty FROM submitted_notebook sn
            JOIN submitted_assignment sa ON sa.id = sn.assignment_id""").fetchall())
    finally:
        con.close()


def late_course(root):
    """``root`` with the per-hour policy, a due date, four timed submissions and an extension."""
    from nbgrader.api import Gradebook

    from autograder.course import Course
    from autograder.lms import deadlines

    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(POLICY)
    course = Course(root)
    deadlines.set_duedate(course, "01-toy", DUE)
    for student, when in SUBMITTED.items():
        mc.submit(root, student, "01-toy", mc.student_notebook(root, "01-toy"))
        (root / "submitted" / student / "01-toy" / "timestamp.txt").write_text(when)
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_student("eve")
    deadlines.extend(course, "eve", "01-toy", hours=2)
    return root


@pytest.fixture(scope="module")
def late_class(released_course, tmp_path_factory):
    """(kit-graded root, stock-graded root, kit-graded root with score overrides)."""
    from autograder.grading import autograde as batch

    base = tmp_path_factory.mktemp("late")
    root = late_course(copy_course(released_course, base / "course"))
    stock = copy_course(root, base / "stock")
    hooked = copy_course(root, base / "hooked")
    batch.main(root=root, dev_secret=True, workers=2, progress=False, quiet=True)
    run_stock_autograde(stock, ["01-toy"])
    batch.main(root=hooked, dev_secret=True, workers=2, progress=False, quiet=True,
               post_grade="hooks_for_tests:halve_add")
    return root, stock, hooked


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_the_batch_stores_the_penalty_stock_nbgrader_stores(late_class):
    root, stock, _ = late_class
    kit, nbgrader = penalties(root), penalties(stock)
    assert set(kit) == set(SUBMITTED)
    assert kit == nbgrader
    assert kit["ann"] == pytest.approx(1.6) and kit["eve"] == pytest.approx(0.6)
    assert kit["fay"] == pytest.approx(2.5) and kit["bob"] is None


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_score_overrides_keep_the_penalty_computed_on_the_score_that_counts(late_class):
    from autograder.grading.merge import Ledger

    _, _, hooked = late_class
    got = penalties(hooked)
    # test_add halved: 4.5 points count; ann's 1.6 is below the cap, fay's cap is now 4.5 / 2
    assert got["ann"] == pytest.approx(1.6) and got["fay"] == pytest.approx(2.25) and got["bob"] is None
    ledger = Ledger(hooked.joinpath("autograded", ".kmeans-course", "ledger.jsonl")).latest()
    assert ledger["fay/01-toy"]["late_penalty"] == {"01-toy": pytest.approx(2.25)}
    assert ledger["fay/01-toy"]["seconds_late"] == 20 * 3600


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_reports_take_the_penalty_once_per_notebook(late_class, tmp_path):
    from autograder import reporting

    root, _, _ = late_class
    paths = reporting.main(root=root, out=tmp_path, quiet=True)
    with open(paths.grades_csv, newline="") as fh:
        table = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert set(table) == set(SUBMITTED)
    # 5 auto points minus the penalty ONCE (the notebook has five grade cells)
    assert table["ann"]["01-toy"] == "3.4" and table["ann"]["01-toy late penalty"] == "1.6"
    assert table["ann"]["01-toy seconds late"] == str(int(3.2 * 3600))
    assert table["bob"]["01-toy"] == "5" and table["bob"]["01-toy late penalty"] == "0"
    assert table["bob"]["01-toy seconds late"] == "0"
    assert table["fay"]["01-toy"] == "2.5"

    page = (root / "feedback" / "ann" / "01-toy" / "01-toy.html").read_text()
    assert "submitted 3.2 h late: -1.6 points" in page
    assert "late" not in (root / "feedback" / "bob" / "01-toy" / "01-toy.html").read_text().split("<h2", 1)[0] \
        .split("Score:", 1)[1].lower()

    section = paths.class_report.read_text().split("<h2 id='late'>", 1)[1].split("<h2", 1)[0]
    assert "<td>ann</td><td>01-toy</td><td class='num'>3.2</td><td class='num'>1.6</td>" in section
    assert "bob" not in section


def test_a_broken_late_policy_is_refused_with_a_clear_error():
    from traitlets.config import Config

    from autograder.course import CourseError
    from autograder.lms.deadlines import late_plugin

    c = Config()
    c.AssignLatePenalties.plugin_class = "autograder.lms.deadlines.LatePenalty"
    c.LatePenalty.kind = "weekly"
    with pytest.raises(CourseError, match="late-penalty settings .* not valid.*none, fixed, per_hour"):
        late_plugin(c)


def test_the_kit_plugin_fixed_and_none():
    from traitlets.config import Config

    from autograder.lms.deadlines import LatePenalty

    c = Config()
    assert LatePenalty(config=c).late_submission_penalty("s", 5.0, 3600) is None
    c.LatePenalty.kind = "fixed"
    c.LatePenalty.fixed_points = 2.0
    assert LatePenalty(config=c).late_submission_penalty("s", 5.0, 1) == 2.0
    assert LatePenalty(config=c).late_submission_penalty("s", 5.0, 0) is None
