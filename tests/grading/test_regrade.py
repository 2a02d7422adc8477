"""Targeted regrades (``--student``) touch nobody else; every regrade says which scores it changed."""
from __future__ import annotations

import sqlite3

import pytest

import minicourse as mc

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

LEDGER = ("autograded", ".kmeans-course", "ledger.jsonl")
# every table that holds a student's results, with the column naming the student's submission
TABLES = {
    "submitted_assignment": "SELECT sa.student_id, sa.* FROM submitted_assignment sa",
    "submitted_notebook": "SELECT sa.student_id, sn.* FROM submitted_notebook sn "
                          "JOIN submitted_assignment sa ON sa.id = sn.assignment_id",
    "grade": "SELECT sa.student_id, g.* FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id "
             "JOIN submitted_assignment sa ON sa.id = sn.assignment_id",
    "comment": "SELECT sa.student_id, c.* FROM comment c JOIN submitted_notebook sn ON sn.id = c.notebook_id "
               "JOIN submitted_assignment sa ON sa.id = sn.assignment_id",
    "student": "SELECT s.id, s.* FROM student s",
}


def rows_of_others(root, student):
    """table -> sorted rows (every column) of every student but ``student``."""
    con = sqlite3.connect(root / "gradebook.db")
    try:
        return {t: sorted((repr(r) for r in con.execute(q) if r[0] != student)) for t, q in TABLES.items()}
    finally:
        con.close()


def ledger_lines(root):
    return root.joinpath(*LEDGER).read_bytes().splitlines(keepends=True)


def small_class(root):
    mc.submit(root, "ann", "01-toy", mc.student_notebook(root, "01-toy"))
    mc.submit(root, "bob", "01-toy", mc.student_notebook(root, "01-toy", {"add": mc.WRONG["add"]["toy.add_wrong"]}))
    mc.submit(root, "cat", "01-toy", mc.student_notebook(root, "01-toy"))
    mc.submit(root, "cat", "02-toy", mc.student_notebook(root, "02-toy"))


def grade(root, **kw):
    from autograder.grading import autograde as batch

    kw.setdefault("quiet", True)
    return batch.main(root=root, dev_secret=True, workers=2, progress=False, **kw)


def test_one_student_regrade_touches_only_that_student(fresh_course, capsys):
    small_class(fresh_course)
    first = grade(fresh_course)
    assert (first.graded, first.failed) == (4, 0)
    before_rows, before_ledger = rows_of_others(fresh_course, "bob"), ledger_lines(fresh_course)
    assert all(before_rows[t] for t in ("submitted_assignment", "submitted_notebook", "grade"))

    summary = grade(fresh_course, assignments=["01-toy"], students=["bob"], quiet=False)

    assert [r["key"] for r in summary.records] == ["bob/01-toy"]  # forced although unchanged
    assert rows_of_others(fresh_course, "bob") == before_rows
    after = ledger_lines(fresh_course)
    assert after[:len(before_ledger)] == before_ledger and len(after) == len(before_ledger) + 1
    assert b'"key": "bob/01-toy"' in after[-1]
    # same notebook, same checker: a regrade, and it changed nothing
    assert summary.records[0]["regraded"] is True and summary.changes == []
    assert "the regrade changed no score" in capsys.readouterr().err


def test_regrade_of_an_unknown_student_is_a_clear_error(fresh_course):
    from autograder.course import CourseError

    small_class(fresh_course)
    with pytest.raises(CourseError, match="no submission of 02-toy .* for: bob .*check the student id"):
        grade(fresh_course, assignments=["02-toy"], students=["bob"])


def test_regrade_after_a_changed_checker_lists_exactly_the_changed_scores(fresh_course, capsys):
    from autograder import reporting

    small_class(fresh_course)
    first = grade(fresh_course, assignments=["01-toy"])
    assert first.graded == 3 and first.changes == []  # first grading: nothing "changed"
    assert not any(r["regraded"] for r in first.records)

    # the "fixed checker" halves test_add (hooks_for_tests.halve_add): ann and cat had 1 -> 0.5;
    # bob's add is wrong, 0 stays 0
    summary = grade(fresh_course, assignments=["01-toy"], force=True, post_grade="hooks_for_tests:halve_add",
                    quiet=False)
    assert summary.graded == 3
    assert sorted(summary.changes) == [("ann", "01-toy", "01-toy", "test_add", 1.0, 0.5),
                                       ("cat", "01-toy", "01-toy", "test_add", 1.0, 0.5)]
    err = capsys.readouterr().err
    assert "2 score(s) changed:" in err
    assert "ann  01-toy  add (test_add): 1 -> 0.5" in err and "cat  01-toy  add (test_add): 1 -> 0.5" in err
    assert "bob  01-toy" not in err

    paths = reporting.main(root=fresh_course, feedback=False, quiet=True)
    html = paths.class_report.read_text()
    section = html.split("<h2 id='changed'>", 1)[1].split("<h2", 1)[0]
    assert "regraded 3 submission(s) and changed these scores" in section
    assert section.count("<code>test_add</code>") == 2 and "bob" not in section
