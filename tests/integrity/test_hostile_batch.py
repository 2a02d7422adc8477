"""One batch of lesson 01-labels: an honest student among hostile and broken submissions.

The class (``corpus.hostile_corpus``) is graded ONCE per module with the clean room, as
``kmeans-course autograde`` grades (``post_grade="autograder.grading.cleanroom:post_grade"``),
on 2 workers; the honest student is also graded alone in a second course, and their
grades must not depend on who else was in the batch. Each submission's outcome is
asserted exactly: clean-room score per exercise, status, flags, and what grades.csv
and the class report say about it.

Points: each exercise of 01-labels is worth 1 visible + 1 hidden = 2 points, 8 in all;
the written answer (2 points) waits for a human, so a graded submission's status is
"graded (needs manual grading)".
"""
from __future__ import annotations

import csv
import html
import json
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corpus as C  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile-batch")]

CLEAN_ROOM = "autograder.grading.cleanroom:post_grade"
CELL_TIMEOUT = 5  # seconds per notebook cell in nbgrader's kernel
SUBMISSION_TIMEOUT = 150  # seconds per submission (the batch's bound)
OUTPUT_CAP = 100_000  # bytes of output kept per cell
FULL = {ex: 2.0 for ex in C.EXERCISES}


def ZEROED(*names) -> dict:
    """Points per exercise when the named exercises earn 0 and the others all 2."""
    return {ex: (0.0 if ex in names else 2.0) for ex in C.EXERCISES}


# student -> (clean-room points per exercise, flags as {(code, cell)}) of the submissions graded.
GRADED = {
    "honest": (FULL, set()),
    # the reference's reconstruct: 0 there; the kernel, fooled, gave 1 + 1
    "reaches_ref": (ZEROED("reconstruct"), {("reaches_reference", "reconstruct"),
                                            ("kernel_disagrees", "test_reconstruct"),
                                            ("kernel_disagrees", "test_reconstruct_hidden")}),
    # the reference loaded from its files: unreadable in the clean room; the kernel, fooled, gave 1 + 1
    "reads_ref": (ZEROED("reconstruct"), {("introspection", "reconstruct"), ("process_or_files", "reconstruct"),
                                          ("kernel_disagrees", "test_reconstruct"),
                                          ("kernel_disagrees", "test_reconstruct_hidden")}),
    # its autograder.py cannot shadow the kit: the kernel imports the grader's own first, and agrees
    "shadow_module": (ZEROED("reconstruct"), {("files_beside_notebook", "")}),
    # a `check` of its own made the kernel give 1 + 1 to a wrong reconstruct; the patches are seen
    "monkeypatch": (ZEROED("reconstruct"), {("runtime_patching", "reconstruct"),
                                            ("kernel_disagrees", "test_reconstruct"),
                                            ("kernel_disagrees", "test_reconstruct_hidden")}),
    # nbgrader restores the test cell and its 1 point; both readers flag the edit, nbgrader's log the points
    "edited_test": (FULL, {("points_edited", "test_one_hot"), ("locked_cell_edited", "test_one_hot"),
                           ("cell_edited", "test_one_hot")}),
    # nbgrader puts the cell back (add_missing_cells) and grades it
    "deleted_test": (FULL, {("test_cell_deleted", "test_reconstruct"), ("cell_deleted", "test_reconstruct")}),
    "liar": (ZEROED("reconstruct"), {("not_plain_data", "reconstruct")}),
    # the kernel dies at the is_label_matrix test: nbgrader fails the notebook, the clean room grades it
    "os_exit": (ZEROED("is_label_matrix"), {("process_or_files", "is_label_matrix"), ("in_kernel_failed", "")}),
    # the loop's cell times out: its kernel is stopped there (nbgrader's run is evidence only), the
    # clean room scores every exercise
    "infinite_loop": (ZEROED("labels_from_one_hot"), {("in_kernel_failed", "")}),
    "memory": (ZEROED("one_hot"), set()),
    "huge_print": (FULL, set()),
}
# student -> what the reason of a submission that fails to grade says
FAILED = {
    "corrupt_json": "01-labels.ipynb is not valid JSON",
    "empty": "the notebook file 01-labels.ipynb is empty (0 bytes)",
    "wrong_name": "no 01-labels.ipynb in the submission (found: 02-loss.ipynb)",
    "missing_notebook": "no 01-labels.ipynb in the submission (found: no notebook)",
    "other_assignment": "this is the notebook of 02-loss, not 01-labels",
}
# Odd but gradable: an old format (upgraded, as nbgrader does) and a cell that stops Python.
KNOWN_ISSUES = ("nbformat3", "os_exit_top")


def _grade(root: Path, workers: int):
    from autograder.grading import autograde as batch

    return batch.main(root=root, dev_secret=True, workers=workers, cell_timeout=CELL_TIMEOUT,
                      submission_timeout=SUBMISSION_TIMEOUT, output_cap_bytes=OUTPUT_CAP,
                      post_grade=CLEAN_ROOM, progress=False, quiet=True)


def _read(root: Path) -> SimpleNamespace:
    """Everything the tests read about a graded course: ledger, gradebook, grades.csv, class report."""
    from autograder.course import Course
    from autograder.grading.merge import Ledger

    course = Course(root)
    with open(course.reports / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    lines = [json.loads(line) for line in (course.state / "ledger.jsonl").read_text().splitlines()]
    return SimpleNamespace(root=root, course=course, ledger=Ledger(course.state / "ledger.jsonl").latest(),
                           ledger_lines=lines, gradebook=C.gradebook_scores(root), csv=rows,
                           report=(course.reports / "class_report.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile class and the honest student alone, each graded once; then the reports.

    The module's tests are one xdist group ("hostile-batch"), so one worker grades them.
    """
    from autograder import reporting as reports

    base = tmp_path_factory.mktemp("hostile-batch")
    root, alone = base / "class", base / "alone"
    students = sorted(C.hostile_corpus())
    released = C.make_course(base / "released")
    shutil.copytree(released, root)
    shutil.copytree(released, alone)
    corpus = C.hostile_corpus()
    for student, (content, name) in corpus.items():
        C.submit(root, student, content, name=name)
    for file_name, text in C.SHADOWS.items():
        (root / "submitted" / "shadow_module" / C.LESSON / file_name).write_text(text)
    C.submit(alone, "honest", corpus["honest"][0])
    start = time.monotonic()
    summary = _grade(root, workers=2)
    seconds = time.monotonic() - start
    _grade(alone, workers=1)
    reports.main(root=root, quiet=True)
    reports.main(root=alone, quiet=True, feedback=False)
    return SimpleNamespace(cls=_read(root), alone=_read(alone),
                           summary=SimpleNamespace(graded=summary.graded, failed=summary.failed),
                           seconds=seconds, students=students)


def key(student: str) -> str:
    return f"{student}/{C.LESSON}"


def exercise_points(scores: dict) -> dict:
    """{exercise: visible + hidden points} from {grade_id: points}."""
    return {ex: scores[f"test_{ex}"] + scores[f"test_{ex}_hidden"] for ex in C.EXERCISES}


def flags_of(record: dict) -> set:
    return {(f["code"], f["cell"]) for f in record["flags"]}


def flag_row(student: str, code: str) -> str:
    """How the class report's flag table starts a row."""
    return f"<tr><td>{student}</td><td>{C.LESSON}</td><td><code>{html.escape(code)}</code></td>"


# ----------------------------------------------------------------------------- the batch as a whole


def test_every_submission_gets_exactly_one_record_and_the_batch_goes_on(graded):
    keys = [line["key"] for line in graded.cls.ledger_lines]
    assert sorted(keys) == sorted(key(s) for s in graded.students)  # each once: nothing lost, nothing twice
    failed = {s for s in graded.students if graded.cls.ledger[key(s)]["status"] == "failed"}
    assert failed == set(FAILED)
    assert (graded.summary.graded, graded.summary.failed) == (len(graded.students) - len(FAILED), len(FAILED))
    assert set(graded.cls.csv) == set(graded.students)  # a row per student, whatever they sent


def test_the_batch_stays_within_its_bounds(graded):
    # the infinite loop costs one CELL_TIMEOUT (plus its grace) in the kernel, whose run stops
    # there, and one 10 s call in the clean room (after which its sandbox is restarted), never
    # the submission limit
    loop = graded.cls.ledger[key("infinite_loop")]
    assert loop["status"] == "graded"
    assert any("labels_from_one_hot: ran past the" in f["message"] for f in loop["flags"]), loop["flags"]
    assert loop["seconds"] < SUBMISSION_TIMEOUT / 2
    assert all(rec["seconds"] < SUBMISSION_TIMEOUT for rec in graded.cls.ledger.values())
    assert graded.seconds < 240


# ----------------------------------------------------------------------------- graded submissions


@pytest.mark.parametrize("student", sorted(GRADED))
def test_graded_submission_outcome(graded, student):
    expected_points, expected_flags = GRADED[student]
    rec = graded.cls.ledger[key(student)]
    assert rec["status"] == "graded" and rec["reason"] == ""
    scores = rec["scores"][C.LESSON]
    assert exercise_points(scores) == expected_points
    assert flags_of(rec) == expected_flags
    # the gradebook holds the clean-room scores, the written answer waits for a human (None, not 0)
    in_gradebook = {cell: v for (s, a, cell), v in graded.cls.gradebook.items() if s == student}
    assert in_gradebook == {"written_yyt_diagonal": None, **scores}
    # grades.csv: the total, each exercise, and the status
    row = graded.cls.csv[student]
    total = sum(expected_points.values())
    assert float(row[C.LESSON]) == total == float(row["total"])
    assert {ex: float(row[f"{C.LESSON}:{ex}"]) for ex in C.EXERCISES} == expected_points
    assert row[f"{C.LESSON} status"] == "graded (needs manual grading)"
    assert row["status"] == "graded"
    # the class report lists every flag
    for code, _ in expected_flags:
        assert flag_row(student, code) in graded.cls.report


def test_what_the_kernel_was_fooled_into_is_kept_as_evidence_not_recorded(graded):
    # in the student's kernel the reference and the home-made `check` earned full marks
    for student in ("reaches_ref", "reads_ref", "monkeypatch"):
        rec = graded.cls.ledger[key(student)]
        assert exercise_points(rec["in_kernel_scores"][C.LESSON]) == FULL
        assert exercise_points(rec["scores"][C.LESSON])["reconstruct"] == 0
    # an autograder.py beside the notebook no longer fools the kernel: it imports the grader's kit first
    shadow = graded.cls.ledger[key("shadow_module")]
    assert exercise_points(shadow["in_kernel_scores"][C.LESSON])["reconstruct"] == 0


def test_diagnoses_name_what_went_wrong(graded):
    def diagnosis(student, cell):
        return graded.cls.ledger[key(student)]["diagnoses"][C.LESSON][cell]

    assert "your function returned an object of type Anything" in diagnosis("liar", "test_reconstruct")
    assert "raised MemoryError" in diagnosis("memory", "test_one_hot")
    assert "did not finish within its time limit" in diagnosis("infinite_loop", "test_labels_from_one_hot")
    assert "uses the course's reference" in diagnosis("reaches_ref", "test_reconstruct")
    # the dead kernel is a flag with nbgrader's reason; the clean room still scored every exercise
    dead = next(f for f in graded.cls.ledger[key("os_exit")]["flags"] if f["code"] == "in_kernel_failed")
    assert "kernel died" in dead["message"]
    assert graded.cls.ledger[key("os_exit")]["in_kernel_scores"] == {}


def test_huge_output_is_capped_and_costs_nothing(graded):
    path = graded.cls.course.autograded_dir("huge_print", C.LESSON) / f"{C.LESSON}.ipynb"
    nb = json.loads(path.read_text())
    cell = C.cell_of(nb, "one_hot")
    texts = [C.text({"source": o.get("text", "")}) for o in cell["outputs"]]
    assert sum(map(len, texts)) <= OUTPUT_CAP + 1_000  # of the 4 MB printed: the cap and the grader's note
    # the note goes where the cap was first crossed (the kernel batches prints, so not always last)
    assert sum("[output truncated by the grader" in t for t in texts) == 1
    assert path.stat().st_size < 4 * OUTPUT_CAP


def test_the_honest_student_gets_the_same_grades_alone(graded):
    mine = {cell: v for (s, _, cell), v in graded.cls.gradebook.items() if s == "honest"}
    alone = {cell: v for (s, _, cell), v in graded.alone.gradebook.items() if s == "honest"}
    assert mine == alone
    assert exercise_points(alone) == FULL
    rec, rec_alone = graded.cls.ledger[key("honest")], graded.alone.ledger[key("honest")]
    assert (rec["scores"], rec["flags"], rec["status"]) == (rec_alone["scores"], rec_alone["flags"], rec_alone["status"])
    columns = list(graded.alone.csv["honest"])
    assert [graded.cls.csv["honest"][c] for c in columns] == [graded.alone.csv["honest"][c] for c in columns]


# ----------------------------------------------------------------------------- submissions that fail to grade


@pytest.mark.parametrize("student", sorted(FAILED))
def test_failed_submission_outcome(graded, student):
    rec = graded.cls.ledger[key(student)]
    assert rec["status"] == "failed"
    assert FAILED[student] in rec["reason"]
    # no score at all (not 0) and flagged for a human, in the gradebook
    from nbgrader.api import Gradebook

    with Gradebook(graded.cls.course.db_url, graded.cls.course.course_id) as gb:
        nb = gb.find_submission_notebook(C.LESSON, C.LESSON, student)
        assert nb.flagged
        assert nb.grades and all(g.auto_score is None and g.needs_manual_grade for g in nb.grades)
    # grades.csv: an empty score and the reason
    row = graded.cls.csv[student]
    assert row[C.LESSON] == "" and all(row[f"{C.LESSON}:{ex}"] == "" for ex in C.EXERCISES)
    assert row[f"{C.LESSON} status"] == f"failed: {rec['reason']}"
    assert row["status"] == f"{C.LESSON} failed: {rec['reason']}"
    # the class report's table of submissions that failed to grade
    assert (f"<tr><td>{student}</td><td>{C.LESSON}</td><td class='bad'>{html.escape(rec['reason'])}</td></tr>"
            in graded.cls.report)


# ----------------------------------------------------------------------------- odd submissions


@pytest.mark.parametrize("student", KNOWN_ISSUES)
def test_odd_submissions_are_recorded_flagged_and_never_scored_from_the_kernel(graded, student):
    rec = graded.cls.ledger[key(student)]
    row = graded.cls.csv[student]
    assert row[f"{C.LESSON} status"]  # a row with a status
    # a line in the class report (a failure row or a flag row) whenever there is something to say
    if rec["status"] != "graded" or rec.get("flags"):
        assert f"<tr><td>{student}</td><td>{C.LESSON}</td>" in graded.cls.report
    if rec["status"] == "graded":
        # the recorded scores are the clean room's: nothing the kernel alone granted
        recorded = exercise_points(rec["scores"][C.LESSON])
        clean = exercise_points(C.clean_room_scores(graded.cls.root / "submitted" / student / C.LESSON
                                                    / f"{C.LESSON}.ipynb"))
        assert recorded == clean


def test_an_nbformat3_notebook_is_graded_or_failed_with_a_reason(graded):
    rec = graded.cls.ledger[key("nbformat3")]
    status = graded.cls.csv["nbformat3"][f"{C.LESSON} status"]
    graded_honestly = rec["status"] == "graded" and exercise_points(rec["scores"][C.LESSON]) == FULL
    failed_with_reason = rec["status"] == "failed" and "nbformat" in status
    assert graded_honestly or failed_with_reason


def test_a_cell_that_exits_python_costs_only_its_own_exercise(graded):
    rec = graded.cls.ledger[key("os_exit_top")]
    assert rec["status"] == "graded"
    assert exercise_points(rec["scores"][C.LESSON]) == ZEROED("is_label_matrix")


def test_another_lessons_notebook_gets_a_status_with_a_reason(graded):
    status = graded.cls.csv["other_assignment"][f"{C.LESSON} status"]
    assert not status.startswith("graded")


def test_files_beside_the_notebook_are_named(graded):
    flag = next(f for f in graded.cls.ledger[key("shadow_module")]["flags"] if f["code"] == "files_beside_notebook")
    assert "autograder.py: would be imported instead of the module autograder" in flag["message"]
    assert flag_row("shadow_module", "files_beside_notebook") in graded.cls.report


def test_the_report_says_what_every_flag_shown_means(graded):
    from autograder.integrity.scan import FLAG_MEANINGS

    shown = {flag["code"] for rec in graded.cls.ledger.values() for flag in rec.get("flags", [])}
    assert {"reaches_reference", "kernel_disagrees", "runtime_patching", "not_plain_data"} <= shown
    for code in shown:
        assert code in FLAG_MEANINGS, f"no legend for flag {code}"
        assert f"<dt><code>{code}</code></dt><dd>{html.escape(FLAG_MEANINGS[code])}</dd>" in graded.cls.report
    # the cell a flag is about is shown with it
    assert (flag_row("reaches_ref", "reaches_reference") + "<td>reconstruct</td>") in graded.cls.report
