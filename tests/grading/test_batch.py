"""``kmeans-course autograde``: parallel grading, identical to stock nbgrader, resumable, failure-safe."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import minicourse as mc
from gradingkit import copy_course, gradebook_scores

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]


def ledger(root):
    from autograder.grading.merge import Ledger

    return Ledger(root / "autograded" / ".kmeans-course" / "ledger.jsonl").latest()


def test_small_class_is_graded_with_the_hand_computed_scores(graded_class):
    s = gradebook_scores(graded_class.root)
    # ann: everything right -> full points on every test cell
    assert [s[("ann", "01-toy", g)] for g in ("test_add", "test_add_hidden", "test_mul", "test_mul_hidden")] \
        == [1.0, 1.0, 2.0, 1.0]
    # bob: add returns a - b (0 on both add cells); mul right on 3 of the 4 visible cases:
    # partial credit 2.0 * 3/4 = 1.5; wrong on the hidden case (-40 * 1000 gives 0) -> 0
    assert [s[("bob", "01-toy", g)] for g in ("test_add", "test_add_hidden", "test_mul", "test_mul_hidden")] \
        == [0.0, 0.0, 1.5, 0.0]
    # ann's square adds the 0 read from her helper.txt: full points only if the kernel ran
    # in her autograded folder
    assert s[("ann", "02-toy", "test_square")] == s[("ann", "02-toy", "test_square_hidden")] == 1.0
    # dan left norm as the stub: square 1 + 1, norm 0 + 0
    assert [s[("dan", "02-toy", g)] for g in ("test_square", "test_square_hidden", "test_norm",
                                              "test_norm_hidden")] == [1.0, 1.0, 0.0, 0.0]
    # written answers are left for a human (no auto score, not 0)
    assert s[("ann", "01-toy", "written_why")] is None
    summary = graded_class.summary
    assert (summary.graded, summary.failed) == (8, 3)


def test_grades_are_identical_to_stock_nbgrader(graded_class):
    ours = gradebook_scores(graded_class.root)
    stock = gradebook_scores(graded_class.stock)
    failed = {("cat", "01-toy"), ("dan", "01-toy"), ("eve", "01-toy")}
    graded = {k: v for k, v in ours.items() if (k[0], k[1]) not in failed}
    assert graded == {k: v for k, v in stock.items() if (k[0], k[1]) not in failed}
    assert len(graded) == 8 * 5  # 8 graded submissions x 5 grade cells
    # what stock nbgrader leaves for the submissions it could not grade: no scores at all,
    # which `nbgrader export` shows as 0; ours are recorded as failed (next test)
    for student, lesson in failed:
        assert all(v is None for (s, a, _), v in stock.items() if (s, a) == (student, lesson))


def test_failures_are_recorded_with_a_reason_and_the_batch_goes_on(graded_class):
    rec = ledger(graded_class.root)
    assert rec["cat/01-toy"]["status"] == "failed"
    assert "not valid JSON" in rec["cat/01-toy"]["reason"]
    assert rec["dan/01-toy"]["status"] == "failed"
    assert "empty" in rec["dan/01-toy"]["reason"]
    assert rec["eve/01-toy"]["status"] == "failed"
    assert "kernel died" in rec["eve/01-toy"]["reason"]
    # the same students' other lesson was graded
    assert rec["cat/02-toy"]["status"] == rec["eve/02-toy"]["status"] == "graded"
    # in the gradebook: no auto score (None, not 0), flagged, needs manual grading
    from nbgrader.api import Gradebook

    from autograder.course import Course

    course = Course(graded_class.root)
    with Gradebook(course.db_url, course.course_id) as gb:
        nb = gb.find_submission_notebook("01-toy", "01-toy", "eve")
        assert nb.flagged
        assert all(g.auto_score is None and g.needs_manual_grade for g in nb.grades)


def test_output_is_capped_without_changing_the_grade(graded_class):
    path = graded_class.root / "autograded" / "fay" / "01-toy" / "01-toy.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "add")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "output truncated by the grader" in text
    assert len(text) < 60_000  # capped at 50 KB (the student printed 300 KB)
    s = gradebook_scores(graded_class.root)
    assert s[("fay", "01-toy", "test_add")] == 1.0
    assert s[("fay", "01-toy", "test_mul")] == 2.0


def test_rerun_grades_nothing_then_only_what_changed_then_everything_with_force(graded_class, tmp_path):
    from autograder.grading import autograde as batch

    root = copy_course(graded_class.root, tmp_path / "course")
    again = batch.main(root=root, dev_secret=True, workers=2, progress=False, quiet=True)
    assert (again.graded, again.failed, again.skipped) == (0, 0, 11)

    # bob fixes add, dan re-uploads a readable file: only those two are regraded
    mc.submit(root, "bob", "01-toy", mc.student_notebook(root, "01-toy", {"mul": mc.WRONG["mul"]["toy.mul_partial"]}))
    mc.submit(root, "dan", "01-toy", mc.student_notebook(root, "01-toy"))
    changed = batch.main(root=root, dev_secret=True, workers=2, progress=False, quiet=True)
    assert sorted((r["key"], r["status"]) for r in changed.records) == [("bob/01-toy", "graded"),
                                                                       ("dan/01-toy", "graded")]
    scores = gradebook_scores(root)
    assert scores[("bob", "01-toy", "test_add")] == 1.0
    assert scores[("dan", "01-toy", "test_mul")] == 2.0

    # --force regrades every submission of the named assignment, unchanged or not
    forced = batch.main(root=root, dev_secret=True, assignments=["02-toy"], workers=2, force=True, progress=False, quiet=True)
    assert sorted(r["key"] for r in forced.records) == ["ann/02-toy", "bob/02-toy", "cat/02-toy", "dan/02-toy",
                                                        "eve/02-toy"]
    assert forced.failed == 0


def test_missing_autograded_output_is_regraded(graded_class, tmp_path):
    from autograder.grading import autograde as batch
    from autograder.course import make_writable_and_remove

    root = copy_course(graded_class.root, tmp_path / "course")
    make_writable_and_remove(root / "autograded" / "ann" / "02-toy")
    again = batch.main(root=root, dev_secret=True, workers=1, progress=False, quiet=True)
    assert [r["key"] for r in again.records] == ["ann/02-toy"]


def test_post_grade_hook_overrides_scores_and_adds_flags(released_course, tmp_path):
    from autograder.grading import autograde as batch

    root = copy_course(released_course, tmp_path / "course")
    mc.submit(root, "ann", "01-toy", mc.student_notebook(root, "01-toy"))
    mc.submit(root, "bob", "01-toy", "")
    summary = batch.main(root=root, dev_secret=True, workers=1, post_grade="hooks_for_tests:halve_add",
                         progress=False, quiet=True)
    s = gradebook_scores(root)
    assert s[("ann", "01-toy", "test_add")] == 0.5  # overridden from 1.0
    assert s[("ann", "01-toy", "test_mul")] == 2.0  # untouched
    rec = ledger(root)
    assert rec["ann/01-toy"]["in_kernel_scores"]["01-toy"]["test_add"] == 1.0
    assert {"code": "halved", "message": "add halved by the test hook", "cell": "test_add"} in rec["ann/01-toy"]["flags"]
    # the hook also sees failed submissions (autograded path None), and may score them
    assert rec["bob/01-toy"]["status"] == "graded"
    assert any(f["code"] == "in_kernel_failed" for f in rec["bob/01-toy"]["flags"])
    assert s[("bob", "01-toy", "test_add")] == 0.0
    assert summary.failed == 0


def test_submission_time_limit_stops_a_hanging_notebook(released_course, tmp_path):
    from autograder.grading import autograde as batch

    root = copy_course(released_course, tmp_path / "course")
    nb = mc.student_notebook(root, "01-toy")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            cell.source += "\nimport time\ntime.sleep(60)\n"
    mc.submit(root, "hal", "01-toy", nb)
    mc.submit(root, "ann", "01-toy", mc.student_notebook(root, "01-toy"))
    summary = batch.main(root=root, dev_secret=True, workers=2, submission_timeout=4, progress=False, quiet=True)
    rec = ledger(root)
    assert rec["hal/01-toy"]["status"] == "failed"
    assert "per-submission limit of 4 s" in rec["hal/01-toy"]["reason"]
    assert rec["ann/01-toy"]["status"] == "graded"
    assert summary.seconds < 40


def test_interrupted_batch_keeps_what_it_recorded_and_a_rerun_completes(released_course, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from gradingkit import nbgrader_env

    root = copy_course(released_course, tmp_path / "course")
    for student in ("s1", "s2", "s3", "s4"):
        nb = mc.student_notebook(root, "01-toy")
        if student != "s1":
            # the later submissions take a few seconds each, so the interrupt always comes before
            # the batch could end, however loaded the machine (results may reach the ledger in a burst)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
                    cell.source += "\nimport time\ntime.sleep(4)\n"
        mc.submit(root, student, "01-toy", nb)
    log = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
    cmd = [str(Path(sys.executable).parent / "kmeans-course"), "--root", str(root),
           "autograde", "--workers", "1", "--no-progress", "--dev-secret"]
    # An xdist worker ignores SIGINT, and a Python started with SIGINT ignored never turns it into
    # KeyboardInterrupt: give the grader the default disposition a terminal gives it.
    proc = subprocess.Popen(cmd, env=nbgrader_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and log.read_text().count("\n") >= 1):
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    done = log.read_text().count("\n")
    assert 1 <= done < 4
    from autograder.grading import autograde as batch

    rest = batch.main(root=root, dev_secret=True, workers=1, progress=False, quiet=True)
    assert rest.skipped == done and rest.graded == 4 - done
    assert sorted(ledger(root)) == ["s1/01-toy", "s2/01-toy", "s3/01-toy", "s4/01-toy"]
    assert all(r["status"] == "graded" for r in ledger(root).values())


def test_unknown_assignment_is_a_clear_error(released_course, tmp_path):
    from autograder.grading import autograde as batch
    from autograder.course import CourseError

    root = copy_course(released_course, tmp_path / "course")
    with pytest.raises(CourseError, match="run `kmeans-course release` first"):
        batch.main(root=root, dev_secret=True, assignments=["99-nope"], quiet=True)


def test_a_second_batch_on_the_same_lesson_refuses_and_names_the_first(released_course, tmp_path):
    import subprocess
    import sys
    import time

    from gradingkit import nbgrader_env

    from autograder.course import Course, CourseError
    from autograder.grading import autograde as batch

    root = copy_course(released_course, tmp_path / "course")
    nb = mc.student_notebook(root, "01-toy")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            cell.source += "\nimport time\ntime.sleep(8)\n"  # the first batch is still running
    mc.submit(root, "slow", "01-toy", nb)
    state = Course(root).state
    cmd = [str(Path(sys.executable).parent / "kmeans-course"), "--root", str(root),
           "autograde", "01-toy", "--workers", "1", "--no-progress", "--dev-secret"]
    first = subprocess.Popen(cmd, env=nbgrader_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lock = state / "locks" / "01-toy.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
            time.sleep(0.1)
        assert lock.read_text().strip(), "the first batch never took its lock"
        with pytest.raises(CourseError, match=rf"another batch is grading 01-toy .*process {first.pid} "):
            batch.main(root=root, assignments=["01-toy"], dev_secret=True, workers=1, progress=False, quiet=True)
        # the first batch grades in a scratch folder of its own, named by its process
        while time.monotonic() < deadline and not list(state.glob(f"scratch/batch-*-{first.pid}/worker-*.db")):
            time.sleep(0.1)
        assert list(state.glob(f"scratch/batch-*-{first.pid}/worker-*.db"))
        _, err = first.communicate(timeout=180)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert ledger(root)["slow/01-toy"]["status"] == "graded"
    assert list(state.glob("scratch/batch-*")) == []  # it removed its own folder at the end
    assert lock.read_text() == ""  # and released its lock
    # the lesson is free again
    again = batch.main(root=root, assignments=["01-toy"], dev_secret=True, workers=1, progress=False, quiet=True)
    assert again.skipped == 1 and again.graded == 0
