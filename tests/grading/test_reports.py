"""``kmeans-course report``: grades.csv, feedback without hidden tests, the class report."""
from __future__ import annotations

import csv
import re

import pytest

from minicourse import HIDDEN_MARKER

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]


@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    """Reports written on a private copy of the graded class (other workers read the original)."""
    from dataclasses import replace

    from autograder import reporting as reports
    from gradingkit import copy_course

    base = tmp_path_factory.mktemp("reports")
    graded = replace(graded_class, root=copy_course(graded_class.root, base / "course"))
    paths = reports.main(root=graded.root, out=base / "out", quiet=True)
    return paths, graded


def rows(paths):
    with open(paths.grades_csv, newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def test_grades_csv_has_a_row_per_student_and_the_columns(report):
    paths, _ = report
    with open(paths.grades_csv, newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["student_id", "total", "max_total", "status"]
    assert header[4:11] == ["01-toy", "01-toy status", "01-toy:add", "01-toy:mul", "01-toy:written_why",
                            "02-toy", "02-toy status"]
    table = rows(paths)
    assert sorted(table) == ["ann", "bob", "cat", "dan", "eve", "fay"]


def test_grades_csv_statuses_and_scores(report):
    table = rows(report[0])
    # ann: 01: 1+1+2+1 = 5, 02: 1+1+1+1 = 4 (written answers still to be graded by hand)
    assert (table["ann"]["01-toy"], table["ann"]["02-toy"], table["ann"]["total"]) == ("5", "4", "9")
    assert table["ann"]["status"] == "graded"
    assert table["ann"]["01-toy status"] == "graded (needs manual grading)"
    # bob: add 0 + 0, mul 1.5 + 0
    assert (table["bob"]["01-toy:add"], table["bob"]["01-toy:mul"], table["bob"]["01-toy"]) == ("0", "1.5", "1.5")
    # a failed submission has an EMPTY score and its reason, never a silent 0
    assert table["cat"]["01-toy"] == "" and table["cat"]["01-toy:add"] == ""
    assert table["cat"]["01-toy status"].startswith("failed: 01-toy.ipynb is not valid JSON")
    assert table["eve"]["01-toy status"].startswith("failed: the kernel died")
    assert "01-toy failed" in table["eve"]["status"]
    assert table["fay"]["02-toy status"] == "missing" and table["fay"]["02-toy"] == ""
    assert "02-toy missing" in table["fay"]["status"]


def test_feedback_shows_the_diagnosis_but_no_hidden_test(report):
    _, graded = report
    page = (graded.root / "feedback" / "bob" / "01-toy" / "01-toy.html").read_text()
    assert "toy.add_wrong: add(1, 2) returned -1, expected 3" in page  # visible diagnosis
    assert "toy.mul_partial: mul passed 3 of 4 cases" in page  # partial credit diagnosis
    assert "toy.mul_wrong: mul is wrong on a hidden case" in page  # hidden check: message only
    assert "return a - b" in page  # the student's own code
    # beside the page, what nbgrader's release_feedback keys it by: the submission's time and secret
    from nbgrader.utils import parse_utc

    folder = graded.root / "feedback" / "bob" / "01-toy"
    assert parse_utc((folder / "timestamp.txt").read_text().strip()).year >= 2026
    assert len((folder / "submission_secret.txt").read_text()) >= 32
    for page in (graded.root / "feedback").rglob("*.html"):
        text = page.read_text()
        assert HIDDEN_MARKER not in text
        assert "BEGIN HIDDEN TESTS" not in text
        assert "-40, 1000" not in text and "Traceback" not in text
    # the autograded notebook DOES hold the hidden test (what nbgrader's own feedback would show)
    autograded = (graded.root / "autograded" / "bob" / "01-toy" / "01-toy.ipynb").read_text()
    assert HIDDEN_MARKER in autograded


def test_feedback_for_a_failed_submission_says_why(report):
    _, graded = report
    page = (graded.root / "feedback" / "dan" / "01-toy" / "01-toy.html").read_text()
    assert "could not be graded" in page and "empty" in page
    assert not (graded.root / "feedback" / "fay" / "02-toy").exists()  # missing: no page


def test_class_report_has_the_figures_and_the_failures(report):
    paths, _ = report
    html = paths.class_report.read_text()
    images = re.findall(r"<img alt='([^']+)' src='data:image/png;base64,", html)
    assert images == ["submissions per assignment", "score distribution per assignment",
                      "pass rate per exercise", "most frequent mistakes"]
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    failed = html[html.index("id='failed'"):html.index("id='flags'")]
    for student, why in (("cat", "not valid JSON"), ("dan", "empty"), ("eve", "kernel died")):
        assert re.search(rf"<td>{student}</td><td>01-toy</td><td class='bad'>[^<]*{why}", failed)
    mistakes = html[html.index("id='mistakes'"):html.index("id='failed'")]
    assert "add (no catalogue match)" in mistakes and "norm (not attempted)" in mistakes


def test_class_statistics_by_hand(report):
    from autograder import reporting as reports
    from autograder.course import Course

    _, graded = report
    results = reports.gather(Course(graded.root))
    stats = reports.class_statistics(results)
    a = stats["assignments"]["01-toy"]
    # graded on 01-toy: ann, bob, fay; failed: cat, dan, eve; missing: none
    assert (a["graded"], a["failed"], a["missing"]) == (3, 3, 0)
    # autograded points out of 5: ann 5, bob 1.5, fay 5 -> 100%, 30%, 100%
    assert sorted(round(p) for p in a["percent"]) == [30, 100, 100]
    rate = {e["exercise"]: e["pass_rate"] for e in stats["exercises"] if e["assignment"] == "01-toy"}
    assert rate == {"add": 2 / 3, "mul": 2 / 3}


def test_a_course_graded_by_stock_nbgrader_reports_too(graded_class):
    # no ledger there: scores come from the gradebook; what stock nbgrader could not grade
    # has no scores at all and is reported as not graded, not as 0
    from autograder import reporting as reports
    from autograder.course import Course

    results = reports.gather(Course(graded_class.stock))
    assert results.outcome("ann", "01-toy").status == "graded"
    assert results.outcome("ann", "01-toy").score == 5.0
    cat = results.outcome("cat", "01-toy")
    assert (cat.status, cat.score) == ("missing", None)
    assert reports.status_text(cat) == "missing (submitted but not graded yet)"


HOSTILE = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"


def test_student_strings_are_escaped_and_the_figures_embedded():
    # markup in a student's name, code, diagnosis, written answer, flag cell and failure reason
    from autograder import reporting as reports
    from autograder.reporting.figures import figures
    from autograder.reporting.gather import CellOutcome

    name = "mallory" + HOSTILE
    test = CellOutcome("test_add", "add", False, "test", 0.0, 1.0, messages=["wrong " + HOSTILE],
                       mistakes=[])
    written = CellOutcome("written_why", "written_why", False, "written", None, 1.0, answer="because " + HOSTILE)
    graded = reports.SubmissionOutcome(name, "01-toy", "graded", score=0.0, max_score=2.0, cells=[test, written],
                                       solutions={"add": "def add(a, b):\n    return '" + HOSTILE + "'"},
                                       flags=[{"code": "reaches_reference", "cell": "add" + HOSTILE,
                                               "message": HOSTILE}], needs_manual=True)
    failed = reports.SubmissionOutcome("eve" + HOSTILE, "01-toy", "failed", reason="broken " + HOSTILE)
    results = reports.ClassResults("course" + HOSTILE, ["01-toy"], {"01-toy": [("add", 1.0), ("written_why", 1.0)]},
                                   [name, failed.student], {(name, "01-toy"): graded,
                                                            (failed.student, "01-toy"): failed},
                                   {"01-toy": 2.0})
    stats = reports.class_statistics(results)
    assert stats["flags"] and stats["failed"] and stats["mistakes"]
    pages = {"class report": reports.render_class_report(results, stats, figures(results, stats)),
             "feedback": reports.render_feedback(graded, course_id=results.course_id),
             "failed feedback": reports.render_feedback(failed, course_id=results.course_id)}
    for what, page in pages.items():
        assert "<script" not in page and "<img src=x" not in page, what
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page, what
    report, feedback = pages["class report"], pages["feedback"]
    for text in ("mallory&lt;script&gt;", "add&lt;script&gt;", "broken &lt;script&gt;", "wrong &lt;script&gt;"):
        assert text in report
    for text in ("return &#39;&lt;script&gt;", "wrong &lt;script&gt;", "because &lt;script&gt;"):
        assert text in feedback
    images = re.findall(r"<img alt='([^']+)' src='data:image/png;base64,[A-Za-z0-9+/=]{100,}'>", report)
    assert images == ["submissions per assignment", "score distribution per assignment",
                      "pass rate per exercise", "most frequent mistakes"]
