"""Static evidence: routes to the reference and notebook surgery, found without running anything."""
import copy

import pytest

from autograder.integrity.scan import beside_the_notebook, notebook_surgery, scan_solution_cell


@pytest.mark.parametrize("source", [
    "from kmeans_ref import assign",
    "import kmeans_ref as k\ndef assign(X, M):\n    return k.assign(X, M)",
    "import importlib\nassign = importlib.import_module('kmeans_ref').assign",
    "import sys\ndef assign(X, M):\n    return sys.modules['kmeans_ref'].assign(X, M)",
    "from autograder.checks import labels",
])
def test_reaching_the_reference_or_the_grader_zeroes_the_exercise(source):
    flags = scan_solution_cell("assign", source)
    assert any(f.kind == "reaches_reference" and f.zero for f in flags)


def test_honest_code_raises_no_flag():
    source = "def assign(X, M):\n    D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(0)\n    return np.eye(M.shape[1])[:, D.argmin(0)]"
    assert scan_solution_cell("assign", source) == []


@pytest.mark.parametrize("source, kind", [
    ("import gc\ngc.get_objects()", "introspection"),
    ("def f(g):\n    return g.__globals__", "introspection"),
    ("import os\nos._exit(0)", "process_or_files"),
    ("from sklearn.cluster import KMeans", "uses_library"),
    ("def broken(:\n    pass", "syntax_error"),
])
def test_suspicious_code_is_flagged_for_review_without_changing_the_score(source, kind):
    flags = scan_solution_cell("cell", source)
    assert [f.kind for f in flags] == [kind]
    assert not flags[0].zero


def _nb(*cells):
    return {"nbformat": 4, "cells": [
        {"cell_type": t, "source": s, "metadata": {"nbgrader": m}} for t, s, m in cells]}


SOURCE = _nb(
    ("code", "import numpy as np", {"grade_id": "setup", "locked": True, "grade": False, "solution": False}),
    ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
     {"grade_id": "f", "solution": True, "grade": False, "locked": False}),
    ("code", 'check("f", f)', {"grade_id": "test_f", "grade": True, "locked": True, "solution": False, "points": 2}),
)


def test_an_untouched_notebook_shows_no_surgery():
    assert notebook_surgery(copy.deepcopy(SOURCE), SOURCE) == []


def test_edited_deleted_and_relabelled_test_cells_are_reported():
    edited = copy.deepcopy(SOURCE)
    edited["cells"][2]["source"] = "pass"
    edited["cells"][2]["metadata"]["nbgrader"]["points"] = 200
    # changed points are reported once, from nbgrader's log (points_edited), not here as well
    assert [f.kind for f in notebook_surgery(edited, SOURCE)] == ["cell_edited"]
    deleted = copy.deepcopy(SOURCE)
    del deleted["cells"][2]
    assert [f.kind for f in notebook_surgery(deleted, SOURCE)] == ["cell_deleted"]
    relabelled = copy.deepcopy(SOURCE)
    relabelled["cells"][2]["metadata"]["nbgrader"]["grade"] = False
    assert [f.kind for f in notebook_surgery(relabelled, SOURCE)] == ["metadata_changed"]


def test_a_ledger_line_cut_short_by_a_crash_loses_only_itself(tmp_path):
    from autograder.grading.merge import Ledger

    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append({"key": "ann/01-labels", "status": "graded"})
    with open(ledger.path, "a") as fh:
        fh.write('{"key": "bob/01-labels", "sta')  # the grader was killed mid-write
    ledger.append({"key": "cy/01-labels", "status": "failed"})
    assert sorted(ledger.latest()) == ["ann/01-labels", "cy/01-labels"]


def test_files_that_python_would_import_beside_the_notebook_are_listed(tmp_path):
    (tmp_path / "01-labels.ipynb").write_text("{}")
    (tmp_path / "numpy.py").write_text("")
    (tmp_path / "helper.py").write_text("")
    (tmp_path / "kmeans_ref").mkdir()
    (tmp_path / "kmeans_ref" / "__init__.py").write_text("")
    (tmp_path / "data.csv").write_text("1,2")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"")
    [flag] = beside_the_notebook(tmp_path)
    assert flag.kind == "files_beside_notebook" and not flag.zero
    assert flag.detail == ("submitted beside the notebook: helper.py: a module of its own; "
                           "kmeans_ref: would be imported instead of the module kmeans_ref; "
                           "numpy.py: would be imported instead of the module numpy. The clean room does not use them.")


def test_a_notebook_alone_or_with_data_files_gets_no_flag(tmp_path):
    (tmp_path / "01-labels.ipynb").write_text("{}")
    (tmp_path / "points.csv").write_text("1,2")
    assert beside_the_notebook(tmp_path) == []
    assert beside_the_notebook(tmp_path / "missing") == []
