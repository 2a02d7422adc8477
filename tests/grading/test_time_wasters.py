"""A function that never returns costs one cell timeout plus the grace, once per submission.

Lesson 02-loss, graded with a 3 s cell timeout and a 2 s grace, a 1 s clean-room call
limit. Beside an honest submission, four whose ``kmeans_loss`` never returns (it is
called by four cells: its test, its hidden test and two demos): a plain loop, a loop
that ignores SIGINT, one that forks a child of its own session that loops too, and one
blocked in C code (``sum`` over a huge range never checks for signals).
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

REPO = Path(__file__).resolve().parents[2]
LESSON = "02-loss"
LOOPER = "kmeans_loss"
CELL_TIMEOUT, GRACE, CALL_SECONDS = 3, 2, 1
# Beyond the limits: one restart of the clean room's sandbox after the timed-out call
# (2.2-2.7 s measured on the 2 shared cores) and scheduling noise.
MARGIN = 4.0
FORK_NAME = "twfork"  # the forked child's process name, to find it afterwards
WASTERS = {
    "plain": "    while True:\n        pass\n",
    "sigign": "    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n",
    "forks": ("    import ctypes, os\n    if os.fork() == 0:\n        os.setsid()\n"
              f"        ctypes.CDLL(None).prctl(15, b'{FORK_NAME}', 0, 0, 0)\n"
              "        while True:\n            pass\n    while True:\n        pass\n"),
    "in_c": "    return sum(range(10**14))\n",
}


def build_course(root: Path) -> Path:
    from autograder.authoring import release

    root.mkdir(parents=True)
    config = (REPO / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        config + f"\nc.Execute.timeout = {CELL_TIMEOUT}\nc.Grading.timeout_grace = {GRACE}\n"
                 f"c.CleanRoom.call_seconds = {CALL_SECONDS}\n")
    shutil.copytree(REPO / "solutions" / LESSON, root / "solutions" / LESSON)
    release.main(root=root, quiet=True)
    return root


def submission(root: Path, body: str | None) -> dict:
    """The released notebook with every exercise solved, ``kmeans_loss``'s body replaced by ``body``."""
    from autograder.authoring.classgen import fill_region
    from autograder.nbcells import cell_source, nbgrader_meta

    released = json.loads((root / "notebooks" / LESSON / f"{LESSON}.ipynb").read_text())
    solved = json.loads((root / "solutions" / LESSON / f"{LESSON}.ipynb").read_text())
    solutions = {nbgrader_meta(c)["grade_id"]: cell_source(c) for c in solved["cells"]
                 if nbgrader_meta(c).get("solution")}
    for cell in released["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and gid in solutions:
            cell["source"] = (fill_region(solutions[gid], body if gid == LOOPER else None)
                              if cell["cell_type"] == "code" else "Because the loss only goes down.")
    return released


def submit(root: Path, student: str, nb: dict) -> None:
    folder = root / "submitted" / student / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text(json.dumps(nb))


def grade(root: Path) -> tuple[float, dict]:
    from autograder.grading import autograde as batch
    from autograder.grading.merge import Ledger

    start = time.perf_counter()
    batch.main(root=root, workers=1, dev_secret=True, progress=False, quiet=True)
    seconds = time.perf_counter() - start
    return seconds, Ledger(root / "autograded" / ".kmeans-course" / "ledger.jsonl").latest()


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """(seconds, ledger) of one batch on one worker: the honest submission and the four wasters."""
    root = build_course(tmp_path_factory.mktemp("time-wasters") / "course")
    submit(root, "honest", submission(root, None))
    for student, body in WASTERS.items():
        submit(root, student, submission(root, body))
    return grade(root)


def test_each_waster_costs_one_cell_timeout_plus_grace(batches):
    """The time a worker spent on each waster, beyond what it spent on the honest submission
    (the same notebook, every cell run): one timeout, the grace, one clean-room call limit.
    nbgrader's own handling took a timeout (plus 4 s of waiting for output) per cell calling it."""
    _, ledger = batches
    honest = ledger[f"honest/{LESSON}"]
    assert honest["status"] == "graded"
    lost = {student: ledger[f"{student}/{LESSON}"]["seconds"] - honest["seconds"] for student in WASTERS}
    assert lost and all(seconds <= CELL_TIMEOUT + GRACE + CALL_SECONDS + MARGIN for seconds in lost.values()), lost


def test_the_reason_names_the_exercise_and_the_others_keep_their_clean_room_scores(batches):
    from autograder.exercises import of_lesson

    _, ledger = batches
    others = [exercise.name for exercise in of_lesson(LESSON) if exercise.name != LOOPER]
    assert others
    honest = ledger[f"honest/{LESSON}"]["scores"][LESSON]
    for student in WASTERS:
        record = ledger[f"{student}/{LESSON}"]
        assert record["status"] == "graded", (student, record)
        messages = [flag["message"] for flag in record["flags"] if flag["code"] == "in_kernel_failed"]
        assert len(messages) == 1, (student, record["flags"])
        assert f"{LOOPER}: ran past the {CELL_TIMEOUT} s cell timeout" in messages[0], messages
        scores = record["scores"][LESSON]
        assert scores[f"test_{LOOPER}"] == 0 and scores[f"test_{LOOPER}_hidden"] == 0, scores
        for name in others:  # full marks, as the honest submission's
            for grade_id in (f"test_{name}", f"test_{name}_hidden"):
                assert scores[grade_id] == honest[grade_id] > 0, (student, grade_id, scores)


def test_a_kernel_that_ignores_the_interrupt_is_killed_and_its_forked_child_stopped(batches):
    _, ledger = batches
    reasons = {student: next(f["message"] for f in ledger[f"{student}/{LESSON}"]["flags"]
                             if f["code"] == "in_kernel_failed") for student in WASTERS}
    assert "the kernel was interrupted" in reasons["plain"], reasons["plain"]
    for student in ("sigign", "in_c"):
        assert f"did not stop within {GRACE} s of the interrupt and was killed" in reasons[student], reasons[student]
    left = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == FORK_NAME]
    assert not left, f"forked children still running: {left}"
