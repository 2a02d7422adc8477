"""Clean-room scores of whole lesson notebooks, honest and hostile.

Submissions are the instructor's lesson 01 with one solution cell replaced, so every
other exercise is right and must keep its points whatever the replaced cell does.
"""
import copy
import json

import pytest

from autograder import POINTS
from autograder.grading.cleanroom import SOLUTIONS, grade_notebook
from autograder.isolation.sandbox import Limits

LESSON = "01-labels"
SOURCE = json.loads((SOLUTIONS / LESSON / f"{LESSON}.ipynb").read_text())
FULL = sum(sum(POINTS[name]) for name in ("one_hot", "labels_from_one_hot", "is_label_matrix", "reconstruct"))


def submission(tmp_path, **replacements):
    """Write the solution notebook with the named solution cells' sources replaced."""
    nb = copy.deepcopy(SOURCE)
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replacements:
            cell["source"] = replacements[grade_id]
    path = tmp_path / f"{LESSON}.ipynb"
    path.write_text(json.dumps(nb))
    return path


def grade(path):
    return grade_notebook(path, LESSON, limits=Limits(call_seconds=2.0))


def exercise_score(report, name):
    return report.scores[f"test_{name}"].score + report.scores[f"test_{name}_hidden"].score


def test_the_instructor_solution_earns_every_point(tmp_path):
    report = grade(submission(tmp_path))
    assert report.status == "graded"
    assert report.total == report.possible == FULL
    assert report.flags == []


@pytest.mark.parametrize("lesson", sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file()))
def test_every_lessons_solution_runs_cleanly_and_earns_every_point(lesson):
    """The whole setup cell runs in the clean room (matplotlib, IPython, the lesson's
    reference functions): a cell error there would silently cost later exercises."""
    from autograder import EXERCISES

    report = grade_notebook(SOLUTIONS / lesson / f"{lesson}.ipynb", lesson)
    assert report.cell_errors == []
    expected = sum(sum(POINTS[name]) for name, info in EXERCISES.items() if info.lesson == lesson)
    assert report.total == report.possible == expected > 0
    assert report.flags == []


RECONSTRUCT_SIGNATURE = 'def reconstruct(M, Y):\n    """Replace each observation by its centroid."""\n'


@pytest.mark.parametrize("body, kind", [
    ("    import kmeans_ref\n    return kmeans_ref.reconstruct(M, Y)\n", "reaches_reference"),
    ("    import importlib\n    return importlib.import_module('kmeans_ref').reconstruct(M, Y)\n", "reaches_reference"),
    ("    from autograder import checks\n    return M @ Y\n", "reaches_reference"),
])
def test_reaching_the_reference_earns_zero_for_that_exercise_only(tmp_path, body, kind):
    report = grade(submission(tmp_path, reconstruct=RECONSTRUCT_SIGNATURE + body))
    assert exercise_score(report, "reconstruct") == 0
    assert report.total == FULL - sum(POINTS["reconstruct"])
    assert any(f.kind == kind and f.cell == "reconstruct" for f in report.flags)


@pytest.mark.parametrize("body", [
    "    while True:\n        pass\n",                       # a hang
    "    import os\n    os._exit(1)\n",                    # kills the interpreter
    "    return np.ones((10**6, 10**5))\n",                 # exhausts memory
    "    raise SystemExit('bye')\n",                        # tries to stop the grader
])
def test_a_crash_or_hang_costs_only_its_own_exercise(tmp_path, body):
    report = grade(submission(tmp_path, reconstruct=RECONSTRUCT_SIGNATURE + body))
    assert exercise_score(report, "reconstruct") == 0
    assert report.total == FULL - sum(POINTS["reconstruct"])


def test_patching_numpy_or_defining_check_at_run_time_changes_nothing(tmp_path):
    hostile = (
        "import numpy as np\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.allclose = lambda *a, **k: True\n"
        "def check(*a, **k):\n    return 1\n"
        + RECONSTRUCT_SIGNATURE + "    return M\n"
    )
    report = grade(submission(tmp_path, reconstruct=hostile))
    assert exercise_score(report, "reconstruct") == 0


def test_a_wrong_answer_that_claims_equality_with_everything_scores_zero(tmp_path):
    liar = (
        "class Anything:\n"
        "    shape = (2, 3)\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        raise TypeError\n"
        + RECONSTRUCT_SIGNATURE + "    return Anything()\n"
    )
    report = grade(submission(tmp_path, reconstruct=liar))
    assert exercise_score(report, "reconstruct") == 0


def test_a_missing_solution_cell_scores_zero_and_the_rest_is_graded(tmp_path):
    nb = copy.deepcopy(SOURCE)
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "reconstruct"]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    report = grade(path)
    assert exercise_score(report, "reconstruct") == 0
    assert report.total == FULL - sum(POINTS["reconstruct"])


@pytest.mark.parametrize("content, reason", [
    ("", "empty"),
    ("{not json", "not a valid notebook"),
    (json.dumps({"nbformat": 4, "cells": "none"}), "no list of cells"),
])
def test_unreadable_notebooks_get_a_reason_not_a_crash(tmp_path, content, reason):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    report = grade(path)
    assert report.status == "unreadable"
    assert reason in report.reason
    assert report.total == 0 and report.possible == FULL


def test_edited_test_cells_are_reported_and_do_not_change_the_score(tmp_path):
    nb = copy.deepcopy(SOURCE)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == "test_one_hot":
            cell["source"] = "pass"
            meta["points"] = 100
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    report = grade(path)
    assert report.total == FULL
    # The edited points themselves are one event with one code, points_edited, raised from
    # nbgrader's log in a batch (tests/integrity/test_hostile_batch.py); here the edit is seen.
    assert "cell_edited" in {f.kind for f in report.flags}


def test_a_failure_caused_by_another_failing_exercise_says_so(tmp_path):
    # labels_from_one_hot is wrong (1-indexed); a reconstruct that calls it inherits the error.
    wrong_labels = ('def labels_from_one_hot(Y):\n    """Labels."""\n'
                    '    return np.argmax(Y, axis=0) + 1\n')
    dependent = RECONSTRUCT_SIGNATURE + "    return M[:, labels_from_one_hot(Y) - 1]\n"
    report = grade(submission(tmp_path, labels_from_one_hot=wrong_labels, reconstruct=dependent))
    assert exercise_score(report, "labels_from_one_hot") < sum(POINTS["labels_from_one_hot"])
    # reconstruct compensates here, so it passes and gets no note
    assert "fix labels_from_one_hot first" not in report.scores["test_reconstruct"].diagnosis
    broken = RECONSTRUCT_SIGNATURE + "    return M[:, labels_from_one_hot(Y)]\n"
    report = grade(submission(tmp_path, labels_from_one_hot=wrong_labels, reconstruct=broken))
    assert exercise_score(report, "reconstruct") < sum(POINTS["reconstruct"])
    assert "your reconstruct calls your labels_from_one_hot" in report.scores["test_reconstruct"].diagnosis


def test_a_cell_that_stops_python_at_top_level_costs_only_its_own_exercises(tmp_path):
    fatal = "import os\nos._exit(0)\n" + RECONSTRUCT_SIGNATURE + "    return M @ Y\n"
    report = grade(submission(tmp_path, reconstruct=fatal))
    assert report.status == "graded"
    assert exercise_score(report, "reconstruct") == 0
    assert report.total == FULL - sum(POINTS["reconstruct"])
    assert any(f.kind == "cell_stops_python" and f.cell == "reconstruct" for f in report.flags)


def test_an_nbformat3_notebook_is_upgraded_and_graded(tmp_path):
    import nbformat

    v4 = nbformat.reads(json.dumps(SOURCE), as_version=4)
    v3 = nbformat.convert(v4, 3)
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(v3, version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    report = grade(path)
    assert report.status == "graded" and report.total == FULL


def test_another_lessons_notebook_is_named(tmp_path):
    from autograder.grading.cleanroom import wrong_notebook

    other = SOLUTIONS / "02-loss" / "02-loss.ipynb"
    assert "this is the notebook of 02-loss, not 01-labels" in wrong_notebook(other, LESSON, SOLUTIONS.parent)
    assert wrong_notebook(SOLUTIONS / LESSON / f"{LESSON}.ipynb", LESSON, SOLUTIONS.parent) == ""


@pytest.mark.parametrize("kernel_had_secret", [True, False])
def test_hidden_cells_are_compared_with_the_kernel_only_when_it_drew_the_same_cases(tmp_path, kernel_had_secret):
    """A kernel run without the course secret drew other hidden cases: a different hidden
    score there is no evidence of anything, while a different visible score still is."""
    from autograder.grading.worker import SubmissionInfo
    from autograder.grading.cleanroom import post_grade

    path = submission(tmp_path)
    root = SOLUTIONS.parent
    in_kernel = {f"test_{name}{suffix}": float(POINTS[name][bool(suffix)])
                 for name in ("one_hot", "labels_from_one_hot", "is_label_matrix", "reconstruct")
                 for suffix in ("", "_hidden")}
    in_kernel["test_one_hot"] = 0.0  # the kernel's visible score differs ...
    in_kernel["test_reconstruct_hidden"] = 0.0  # ... and so does a hidden one
    info = SubmissionInfo(student="ann", assignment=LESSON, notebook=LESSON, root=root, submitted=path,
                          autograded=None, scores=in_kernel, max_scores={}, status="graded",
                          kernel_had_secret=kernel_had_secret)
    result = post_grade(None, info)
    disagree = sorted(f["cell"] for f in result.flags if f["code"] == "kernel_disagrees")
    assert disagree == (["test_one_hot", "test_reconstruct_hidden"] if kernel_had_secret else ["test_one_hot"])
    assert result.overrides["test_reconstruct_hidden"] == float(POINTS["reconstruct"][True])
