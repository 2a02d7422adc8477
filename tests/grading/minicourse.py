"""A tiny nbgrader course for the grading tests: two lessons, two exercises each.

Its notebooks follow the course's conventions (setup cell, solution cells with
``### BEGIN SOLUTION``, a visible test and a hidden test per exercise, a written
answer) but need nothing heavier than the standard library, so a kernel runs one in
well under a second. Test cells mimic the real checkers: a failing check raises an
AssertionError whose message is the diagnosis; a partly right answer ends the cell
with a result object whose repr is the partial score and whose HTML is the diagnosis.

Every hidden test cell contains the marker ``HIDDEN_SECRET_MARKER`` and hidden inputs
``[-40, 1000]`` so tests can assert that feedback never shows them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[2]
HIDDEN_MARKER = "HIDDEN_SECRET_MARKER"

SETUP = '''import math


class Partial:
    """A partly passed check: repr is the score (nbgrader reads it), HTML the diagnosis."""

    def __init__(self, score, message):
        self.score, self.message = score, message

    def __repr__(self):
        return repr(self.score)

    def _repr_html_(self):
        return "<p class='diagnosis'>" + self.message + "</p>"
'''

# lesson -> list of (exercise, signature, solution body, visible test, hidden test, points)
LESSONS = {
    "01-toy": [
        ("add", "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n", "    return a + b\n",
         'assert add(1, 2) == 3, "toy.add_wrong: add(1, 2) returned %r, expected 3" % (add(1, 2),)',
         f'_hidden = [-40, 1000]  # {HIDDEN_MARKER}\n'
         'assert add(*_hidden) == 960, "toy.add_wrong: add is wrong on a hidden case"',
         (1, 1)),
        ("mul", "def mul(a, b):\n    \"\"\"Return a * b.\"\"\"\n", "    return a * b\n",
         '_cases = [((2, 3), 6), ((0, 5), 0), ((-1, 4), -4), ((7, 1), 7)]\n'
         '_passed = sum(mul(*a) == r for a, r in _cases)\n'
         'assert _passed > 0, "toy.mul_wrong: mul(2, 3) returned %r, expected 6" % (mul(2, 3),)\n'
         'Partial(2.0 * _passed / len(_cases), "toy.mul_partial: mul passed %d of 4 cases" % _passed)',
         f'_hidden = [-40, 1000]  # {HIDDEN_MARKER}\n'
         'assert mul(*_hidden) == -40000, "toy.mul_wrong: mul is wrong on a hidden case"',
         (2, 1)),
    ],
    "02-toy": [
        ("square", "def square(x):\n    \"\"\"Return x squared.\"\"\"\n", "    return x * x\n",
         'assert square(3) == 9, "toy.square_wrong: square(3) returned %r, expected 9" % (square(3),)',
         f'_hidden = [-40, 1000]  # {HIDDEN_MARKER}\n'
         'assert square(_hidden[0]) == 1600, "toy.square_wrong: square is wrong on a hidden case"',
         (1, 1)),
        ("norm", "def norm(x, y):\n    \"\"\"Return the Euclidean length of (x, y).\"\"\"\n",
         "    return math.sqrt(x * x + y * y)\n",
         'assert abs(norm(3, 4) - 5) < 1e-12, "toy.norm_not_sqrt: norm(3, 4) returned %r, expected 5" % (norm(3, 4),)',
         f'_hidden = [-40, 1000]  # {HIDDEN_MARKER}\n'
         'assert abs(norm(*_hidden) - math.hypot(*_hidden)) < 1e-9, "toy.norm_not_sqrt: norm is wrong on a hidden case"',
         (1, 1)),
    ],
}

# Known wrong answers (like the mistake catalogue): exercise -> {mistake id: body}
WRONG = {
    "add": {"toy.add_wrong": "    return a - b\n"},
    "mul": {"toy.mul_partial": "    return a * b if a > 0 else 0\n", "toy.mul_wrong": "    return a + b\n"},
    "square": {"toy.square_wrong": "    return 2 * x\n"},
    "norm": {"toy.norm_not_sqrt": "    return x * x + y * y\n"},
}


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    nbg = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        nbg["points"] = points
    return {"nbgrader": nbg}


def lesson_notebook(lesson: str):
    cells = [new_markdown_cell(f"# {lesson}\n\nA tiny lesson for the grading tests."),
             new_code_cell(SETUP, metadata=_meta("setup", locked=True))]
    for name, signature, body, visible, hidden, (v, h) in LESSONS[lesson]:
        cells.append(new_markdown_cell(f"## `{name}`"))
        cells.append(new_code_cell(signature + "    ### BEGIN SOLUTION\n" + body + "    ### END SOLUTION",
                                   metadata=_meta(name, solution=True)))
        cells.append(new_code_cell(visible, metadata=_meta(f"test_{name}", grade=True, locked=True, points=v)))
        cells.append(new_code_cell("### BEGIN HIDDEN TESTS\n" + hidden + "\n### END HIDDEN TESTS",
                                   metadata=_meta(f"test_{name}_hidden", grade=True, locked=True, points=h)))
    cells.append(new_markdown_cell("Why does this work?"))
    cells.append(new_markdown_cell("### BEGIN SOLUTION\nBecause arithmetic.\n### END SOLUTION",
                                   metadata=_meta("written_why", grade=True, solution=True, points=2)))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def make_course(root: Path, lessons=("01-toy", "02-toy"), *, release: bool = True) -> Path:
    """Write a course root (config + solutions/) under ``root``; release it if asked."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for lesson in lessons:
        folder = root / "solutions" / lesson
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(lesson_notebook(lesson), str(folder / f"{lesson}.ipynb"))
    if release:
        from autograder.authoring import release as rel

        rel.main(root=root, quiet=True)
    return root


def student_notebook(root: Path, lesson: str, answers: dict | None = None, *, attempt_all: bool = True):
    """The released notebook with solution cells filled in.

    ``answers``: exercise -> body source (a mistake) or None (left as the stub);
    exercises not named get the correct body when ``attempt_all``.
    """
    answers = answers or {}
    nb = nbformat.read(str(Path(root) / "notebooks" / lesson / f"{lesson}.ipynb"), as_version=4)
    bodies = {name: (signature, body) for name, signature, body, *_ in LESSONS[lesson]}
    for cell in nb.cells:
        nbg = cell.metadata.get("nbgrader", {})
        gid = nbg.get("grade_id")
        if nbg.get("solution") and gid in bodies:
            signature, good = bodies[gid]
            if gid in answers:
                if answers[gid] is None:
                    continue
                cell.source = signature + answers[gid]
            elif attempt_all:
                cell.source = signature + good
        elif nbg.get("solution") and gid == "written_why":
            cell.source = "Because addition and multiplication are defined that way."
    return nb


def submit(root: Path, student: str, lesson: str, nb_or_text) -> Path:
    """File a submission at submitted/<student>/<lesson>/<lesson>.ipynb."""
    folder = Path(root) / "submitted" / student / lesson
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    if isinstance(nb_or_text, (str, bytes)):
        path.write_bytes(nb_or_text.encode() if isinstance(nb_or_text, str) else nb_or_text)
    else:
        nbformat.write(nb_or_text, str(path))
    return path
