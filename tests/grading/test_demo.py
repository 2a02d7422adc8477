"""``kmeans-course demo`` on the real course, shrunk to one lesson and a few students."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autograder.authoring import classgen

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]


def test_plan_class_composition_by_hand():
    exercises = {"01-labels": ["one_hot", "reconstruct"], "02-loss": ["sq_distances"]}
    catalogue = {"one_hot": ["one_hot.a", "one_hot.b"], "reconstruct": ["reconstruct.a"],
                 "sq_distances": ["sq_distances.a"]}
    plans = classgen.plan_class(30, exercises, seed=1, catalogue=catalogue)
    # 30 students: round(0.1 * 30) = 3 perfect, min(3, 30 // 10) = 3 broken, 24 with mistakes
    assert [sum(p.profile == k for p in plans) for k in ("perfect", "broken", "mistakes")] == [3, 3, 24]
    assert len({p.login for p in plans}) == 30
    for p in plans:
        n = sum(len(v) for v in p.mistakes.values())
        if p.profile == "perfect":
            assert n == 0 and not p.broken
        if p.profile == "mistakes":
            assert 1 <= n + sum(len(v) for v in p.not_attempted.values()) or p.missing
            assert n <= 3
    assert sorted(k for p in plans for k in p.broken.values()) == ["empty", "invalid_json", "kernel_dies"]
    assert plans == classgen.plan_class(30, exercises, seed=1, catalogue=catalogue)  # deterministic


def test_fill_region_pastes_a_body_at_the_solution_indent():
    src = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n'
    assert classgen.fill_region(src, None) == 'def f(x):\n    """Doc."""\n    return x\n'
    assert classgen.fill_region(src, "    y = x\n    return -y\n") == \
        'def f(x):\n    """Doc."""\n    y = x\n    return -y\n'


@pytest.mark.skipif(not (REPO / "solutions" / "01-labels" / "01-labels.ipynb").exists(),
                    reason="the lesson notebooks are not there")
def test_demo_end_to_end_on_one_lesson(tmp_path):
    from autograder.authoring import demo

    out = tmp_path / "demo"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier run")
    repo_gradebook = REPO / "gradebook.db"
    before = repo_gradebook.stat().st_mtime if repo_gradebook.exists() else None

    report = demo.main(out=out, students=5, lessons=["01-labels"], workers=2, seed=3, quiet=True)

    assert report == out / "course" / "reports" / "class_report.html" and report.exists()
    assert not (out / "stale.txt").exists()  # a re-run starts clean
    assert (repo_gradebook.stat().st_mtime if repo_gradebook.exists() else None) == before
    plans = json.loads((out / "class.json").read_text())
    with open(out / "course" / "reports" / "grades.csv", newline="") as fh:
        table = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert sorted(table) == sorted(p["login"] for p in plans)
    for p in plans:
        status = table[p["login"]]["01-labels status"]
        if p["broken"]:
            assert status.startswith("failed: "), status
        elif "01-labels" in p["missing"]:
            assert status == "missing"
        else:
            assert status.startswith("graded"), status
    # the planted mistakes are the ones the checkers name
    from autograder import reporting as reports
    from autograder.course import Course

    results = reports.gather(Course(out / "course"))
    with_mistakes = [p for p in plans if p["mistakes"].get("01-labels") and not p["broken"]
                     and "01-labels" not in p["missing"]]
    assert with_mistakes, "the generated class has no graded student with a planted mistake"
    for p in with_mistakes:
        outcome = results.outcome(p["login"], "01-labels")
        assert outcome.status == "graded", (p["login"], outcome.status)
        assert set(p["mistakes"]["01-labels"]) <= {m for c in outcome.cells for m in c.mistakes}
