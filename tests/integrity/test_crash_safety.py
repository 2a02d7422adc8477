"""Killing the grader mid-batch loses nothing already recorded, and a re-run completes the rest.

A class of 24 submissions of lesson 01-labels (the instructor's solution and every
catalogue mistake of the lesson, each pasted into its exercise's solution cell) is
graded twice with ``python -m autograder.cli autograde`` (clean room, 2 workers):
once without interruption (the reference), and once in a fresh copy of the course
where the grader's whole process group (parent and workers) is killed with SIGKILL
at a seeded random moment mid-batch, then re-run to completion.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corpus as C  # noqa: E402

pytestmark = pytest.mark.slow

SEED = 1729
GRADE_CELLS = 9  # 4 exercises x (visible + hidden) + the written answer


def class_notebooks() -> dict:
    """student -> notebook: the honest solution, then one catalogue mistake each."""
    from autograder import mistakes

    out = {"honest": C.solution()}
    for m in mistakes.all_mistakes():
        if m.exercise in C.EXERCISES:
            nb = C.solution()
            C.cell_of(nb, m.exercise)["source"] = m.source
            out[m.id.replace(".", "-")] = nb
    return out


def ledger_text(root: Path) -> str:
    path = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def ledger_records(text: str) -> list:
    import json

    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:  # a line cut short by the kill
            pass
    return out


def run_to_completion(root: Path, log: Path) -> None:
    proc = C.autograde_cli(root, log, "--workers", "2", "--dev-secret")
    try:
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == 0, log.read_text()


def kill_mid_batch(root: Path, log: Path, total: int, rng: random.Random) -> int:
    """Start the grader, SIGKILL its process group once ``threshold`` records (plus a random delay) are in."""
    import psutil

    threshold = rng.randint(3, total - 8)
    delay = rng.uniform(0.0, 2.0)
    proc = C.autograde_cli(root, log, "--workers", "2", "--dev-secret")
    deadline = time.monotonic() + 240
    try:
        while len(ledger_records(ledger_text(root))) < threshold:
            assert proc.poll() is None, f"the grader ended before the kill:\n{log.read_text()}"
            assert time.monotonic() < deadline, "the grader recorded too little in 4 minutes"
            time.sleep(0.1)
        time.sleep(delay)
        # Kernels and clean-room sandboxes run in sessions of their own: note them, to end them too.
        tree = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    for child in tree:
        try:
            child.kill()
        except psutil.Error:
            pass
    return proc.returncode


def test_killing_the_grader_mid_batch_loses_nothing_and_a_rerun_completes(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.course import Course

    notebooks = class_notebooks()
    students = sorted(notebooks)
    assert len(students) == 24
    released = C.make_course(tmp_path / "released")
    reference = shutil.copytree(released, tmp_path / "reference")
    crashed = shutil.copytree(released, tmp_path / "crashed")
    for root in (reference, crashed):
        for student, nb in notebooks.items():
            C.submit(root, student, nb)

    run_to_completion(reference, tmp_path / "reference.log")

    code = kill_mid_batch(crashed, tmp_path / "killed.log", len(students), random.Random(SEED))
    assert code == -signal.SIGKILL
    before = ledger_text(crashed)
    recorded = {r["key"] for r in ledger_records(before)}
    assert 0 < len(recorded) < len(students)  # the kill came mid-batch

    run_to_completion(crashed, tmp_path / "rerun.log")
    after = ledger_text(crashed)
    assert after.startswith(before)  # the re-run only appended
    appended = [r["key"] for r in ledger_records(after[len(before):])]
    # the re-run graded exactly what was missing, each once
    assert sorted(appended) == sorted(f"{s}/{C.LESSON}" for s in students if f"{s}/{C.LESSON}" not in recorded)
    missing = len(students) - len(recorded)
    assert f"{missing} submission(s) to grade, {len(recorded)} unchanged (skipped)" in (tmp_path / "rerun.log").read_text()

    # every grade equals the uninterrupted run's
    assert C.gradebook_scores(crashed) == C.gradebook_scores(reference)
    final = {r["key"]: r for r in ledger_records(after)}
    expected = {r["key"]: r for r in ledger_records(ledger_text(reference))}
    assert final.keys() == expected.keys()
    for k in expected:
        assert (final[k]["status"], final[k]["scores"], final[k]["flags"]) == \
            (expected[k]["status"], expected[k]["scores"], expected[k]["flags"]), k
    # the honest student and the mistakes got what they should (so the comparison means something)
    honest = expected[f"honest/{C.LESSON}"]["scores"][C.LESSON]
    assert sum(v for v in honest.values() if v is not None) == 8.0
    assert all(sum(v for v in r["scores"][C.LESSON].values() if v is not None) < 8.0
               for k, r in expected.items() if not k.startswith("honest/"))

    # one submission per student, one grade per cell, and a sound database
    for root in (reference, crashed):
        course = Course(root)
        with Gradebook(course.db_url, course.course_id) as gb:
            subs = gb.assignment_submissions(C.LESSON)
            assert sorted(s.student_id for s in subs) == students
            for sub in subs:
                assert [nb.name for nb in sub.notebooks] == [C.LESSON]
                cells = [g.cell.name for g in sub.notebooks[0].grades]
                assert len(cells) == len(set(cells)) == GRADE_CELLS
        con = sqlite3.connect(root / "gradebook.db")
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (len(students),)
        finally:
            con.close()
    # the crashed batch's scratch folder went with the rerun, which removed its own at the end
    assert list((Course(crashed).state / "scratch").rglob("worker-*.db")) == []
    assert list((Course(crashed).state / "scratch").glob("batch-*")) == []
