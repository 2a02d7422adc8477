"""The curriculum contract agrees everywhere: docs/curriculum.md, the registry, kmeans_ref and the notebooks.

For every exercise whose lesson exists: the document lists it under its lesson with the registry's
signature and points; ``kmeans_ref`` has a function of that name and signature; the lesson's
instructor notebook calls ``check("name", name)`` in a visible test cell and in a hidden one, worth
the registry's points in their nbgrader metadata, and calls ``check`` for nothing else. Planned
exercises are not allowed: every exercise of the
document is in a lesson and graded.
"""

import inspect
import json
import re
from pathlib import Path

import pytest

import kmeans_ref
from autograder import exercises

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "curriculum.md"

# "- `one_hot(z, k)` -> `Y` (k, N) [1 + 1 points]; ..." under "### 01-labels: ..."
_ENTRY = re.compile(r"^\s*- (?:(?P<where>[\w-]+) \((?P<planned>planned)[^)]*\): )?`(?P<name>\w+)\((?P<params>[^`]*)\)`"
                    r"(?:.*?\[(?P<visible>\d+) \+ (?P<hidden>\d+) points\])?")
_LESSON = re.compile(r"^### (?P<lesson>\d\d-[\w-]+):")
_CHECK = re.compile(r"""check\(\s*["'](?P<name>\w+)["']\s*,\s*(?P<fn>\w+)\s*(?P<rest>[^)]*)\)""")


def contract():
    """(exercises in the document's order as {name: (lesson, signature, points)}, planned names)."""
    listed, planned, lesson = {}, set(), None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            match = _LESSON.match(line)
            lesson = match["lesson"] if match else None
            continue
        match = _ENTRY.match(line)
        if not match:
            continue
        if match["planned"] or lesson is None:
            planned.add(match["name"])
            continue
        points = (int(match["visible"]), int(match["hidden"])) if match["visible"] else None
        assert match["name"] not in listed, f"docs/curriculum.md lists {match['name']} twice"
        listed[match["name"]] = (lesson, f"{match['name']}({match['params']})", points)
    return listed, planned


def lesson_exists(lesson):
    return (ROOT / "solutions" / lesson / f"{lesson}.ipynb").is_file()


def test_the_document_lists_exactly_the_registry_in_course_order():
    listed, planned = contract()
    assert list(listed) == exercises.names()
    for exercise in exercises.EXERCISES:
        assert listed[exercise.name] == (exercise.lesson, exercise.signature, exercise.points), exercise.name
    # every exercise of the document is graded: an entry outside a lesson's section, or marked
    # planned, would be a contract nobody checks
    assert not planned, f"docs/curriculum.md lists exercises outside a lesson: {sorted(planned)}"


def test_every_lesson_of_the_registry_exists():
    assert exercises.lessons()
    assert all(lesson_exists(lesson) for lesson in exercises.lessons()), exercises.lessons()


@pytest.mark.parametrize("name", exercises.names())
def test_kmeans_ref_has_the_contract_signature(name):
    exercise = exercises.get(name)
    params = exercise.signature[len(name) + 1:-1]
    written = inspect.signature(eval(f"lambda {params}: 0"))  # the document's text, as Python parses it
    assert inspect.signature(getattr(kmeans_ref, name)) == written
    assert inspect.signature(exercise.reference) == written


def _test_cells(lesson):
    nb = json.loads((ROOT / "solutions" / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [("".join(c["source"]), c.get("metadata", {}).get("nbgrader", {})) for c in cells]


@pytest.mark.parametrize("lesson", [lesson for lesson in exercises.lessons() if lesson_exists(lesson)])
def test_the_notebook_checks_exactly_its_exercises_with_their_points(lesson):
    expected = {}
    for exercise in exercises.of_lesson(lesson):
        expected[(exercise.name, False)] = exercise.points[0]
        expected[(exercise.name, True)] = exercise.points[1]
    found = {}
    for source, meta in _test_cells(lesson):
        for call in _CHECK.finditer(source):
            hidden = "hidden=True" in call["rest"]
            key = (call["name"], hidden)
            assert call["fn"] == call["name"], f"{lesson}: {call.group(0)} checks another function"
            assert key not in found, f"{lesson}: {call.group(0)} appears twice"
            assert meta.get("grade") is True, f"{lesson}: {call.group(0)} is not in a graded cell"
            assert meta.get("grade_id") == f"test_{call['name']}" + ("_hidden" if hidden else "")
            found[key] = float(meta["points"])
    assert expected and found == expected
