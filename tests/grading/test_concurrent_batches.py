"""Several TAs at once: two batches on two lessons of one course, into one gradebook (SQLite or PostgreSQL).

Each batch is the one writer of its lesson's rows, but both create the students they
grade, meet each other's lock (SQLite) and append to one ledger. The races are shown
one at a time, deterministically (the other writer is made to get in first), then two
real ``kmeans-course autograde`` processes are run side by side.
"""
from __future__ import annotations

import collections
import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.grading.merge import LEDGER_NAME, Ledger, Merger
from autograder.grading.messages import Result

sys.path.insert(0, str(Path(__file__).parent))
from gradingkit import copy_course, nbgrader_env, submit_class  # noqa: E402

KMC = str(Path(sys.executable).parent / "kmeans-course")


def on_postgres(root: Path, postgres, name: str) -> Path:
    """Point the course at a new database on the server, and release into it (nbgrader's tables)."""
    from autograder.authoring import release

    url = postgres.create_database(name)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    release.main(root=root, quiet=True)
    return root


@pytest.fixture(params=["sqlite", "postgres"])
def course(request, released_course, tmp_path) -> Course:
    root = copy_course(released_course, tmp_path / "course")
    if request.param == "postgres":
        on_postgres(root, request.getfixturevalue("postgres"), f"race_{tmp_path.name[-12:].replace('-', '_')}")
    return Course(root)


def failed_result(student: str, lesson: str = "01-toy") -> Result:
    return Result(student, lesson, "hash", "failed", reason="for the test")


def submissions(course: Course) -> collections.Counter:
    """(student, lesson) -> how many submission rows the gradebook holds."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        return collections.Counter((s.student.id, a.name) for a in gb.assignments for s in a.submissions)


@pytest.mark.xdist_group("grading")
def test_a_student_the_other_batch_created_first_is_merged_not_lost(course, monkeypatch):
    """Both batches find no row for a new student; the other inserts it first: the merge retries."""
    from nbgrader.api import Gradebook, MissingEntry

    merger = Merger(course.db_url, course.course_id, Ledger(course.state / LEDGER_NAME))
    real_find = merger.gb.find_student
    raced = []

    def find_student(student_id):
        if not raced:  # the other batch inserts the row between our look-up and our insert
            raced.append(student_id)
            with Gradebook(course.db_url, course.course_id) as other:
                other.add_student(student_id)
            raise MissingEntry()
        return real_find(student_id)

    monkeypatch.setattr(merger.gb, "find_student", find_student)
    try:
        record = merger.merge(failed_result("newcomer"))
    finally:
        merger.close()
    assert raced == ["newcomer"]
    assert record["status"] == "failed" and record["key"] == "newcomer/01-toy"
    assert submissions(course) == {("newcomer", "01-toy"): 1}
    assert [r["key"] for r in Ledger(course.state / LEDGER_NAME).records()] == ["newcomer/01-toy"]


@pytest.mark.xdist_group("grading")
def test_a_merge_waits_for_the_other_writers_sqlite_lock(fresh_course):
    """Another process holds SQLite's write lock longer than Python's 5 s default: the merge waits, then writes."""
    course = Course(fresh_course)
    merger = Merger(course.db_url, course.course_id, Ledger(course.state / LEDGER_NAME))
    other = sqlite3.connect(fresh_course / "gradebook.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other batch is writing
    releaser = threading.Timer(6.0, other.execute, args=("COMMIT",))
    releaser.start()
    start = time.monotonic()
    try:
        merger.merge(failed_result("ann"))
    finally:
        releaser.join()
        other.close()
        merger.close()
    assert time.monotonic() - start >= 5.5
    assert submissions(course) == {("ann", "01-toy"): 1}


def test_the_ledger_keeps_every_line_of_two_processes_appending_at_once(tmp_path):
    path = tmp_path / "ledger.jsonl"
    code = ("import sys\nfrom autograder.grading.merge import Ledger\n"
            "ledger, who = Ledger(sys.argv[1]), sys.argv[2]\n"
            "for i in range(300):\n"
            "    ledger.append({'key': f'{who}-{i}', 'log': 'x' * 20000})\n")  # 20 KB lines: more than one buffered write
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), who]) for who in ("a", "b")]
    seen = []
    while any(p.poll() is None for p in procs):
        seen.append(len(list(Ledger(path).records())))  # a reader beside the writers never fails
    assert [p.wait() for p in procs] == [0, 0]
    lines = path.read_text().splitlines()
    assert len(lines) == 600 and all(json.loads(line)["log"] == "x" * 20000 for line in lines)
    assert sorted(r["key"] for r in Ledger(path).records()) == sorted(f"{w}-{i}" for w in "ab" for i in range(300))
    assert seen == sorted(seen)  # what a reader saw only ever grew


def gradebook_grades(course: Course) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, a.name, g.name)] = (g.auto_score, g.needs_manual_grade)
                    out[(sub.student.id, a.name, "flagged")] = nb.flagged
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_two_tas_grade_two_lessons_at_once_and_lose_nothing(course, graded_class):
    subs = submit_class(course.root)
    cmd = [KMC, "--root", str(course.root), "autograde", "--workers", "1", "--no-progress", "--dev-secret"]
    procs = [subprocess.Popen(cmd + [lesson], env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for lesson in ("01-toy", "02-toy")]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outs):
        assert proc.returncode == 0, err
    records = list(Ledger(course.state / LEDGER_NAME).records())
    keys = collections.Counter(r["key"] for r in records)
    expected = sorted(f"{s}/{a}" for s, a in subs)
    assert sorted(keys) == expected and set(keys.values()) == {1}  # every submission once
    assert len({r["batch"] for r in records}) == 2  # by two batches
    assert set(submissions(course).values()) == {1} and len(submissions(course)) == len(expected)
    # the same grades as the serial run of the same class (graded into SQLite, one batch)
    serial = gradebook_grades(Course(graded_class.root))
    assert serial and gradebook_grades(course) == serial
