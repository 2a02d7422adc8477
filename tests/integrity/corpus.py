"""Submissions of lesson 01-labels for the batch integrity tests: honest, hostile, broken.

Every notebook submission is the instructor's solution notebook
(``solutions/01-labels/01-labels.ipynb``) with some cells edited, so every exercise a
submission does not touch is right and must keep its points whatever the edited cell
does. ``make_course`` builds a scratch course (config + solutions, lesson 01-labels
released) like the lesson tests' ``scratch_course``; ``submit`` files a submission.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LESSON = "01-labels"
SOLUTION = REPO / "solutions" / LESSON / f"{LESSON}.ipynb"
EXERCISES = ("one_hot", "labels_from_one_hot", "is_label_matrix", "reconstruct")
VENV_BIN = Path(sys.executable).parent


def make_course(root: Path) -> Path:
    """A scratch course under ``root``: nbgrader_config.py and solutions/ copied, 01-labels released."""
    from autograder.authoring import release

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions", root / "solutions")
    release.main(root=root, assignments=[LESSON], quiet=True)
    return root


def solution() -> dict:
    """The instructor's notebook as a dict (a fresh copy)."""
    return json.loads(SOLUTION.read_text(encoding="utf-8"))


def grade_id(cell) -> str | None:
    return (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id")


def cell_of(nb: dict, gid: str) -> dict:
    return next(c for c in nb["cells"] if grade_id(c) == gid)


def text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def signature(exercise: str) -> str:
    """The ``def`` line and docstring of an exercise's solution cell (everything before the solution)."""
    src = text(cell_of(solution(), exercise))
    return src[:src.index("    ### BEGIN SOLUTION")]


def with_body(nb: dict, exercise: str, body: str, *, before: str = "") -> dict:
    """``nb`` with the body of ``exercise`` replaced by ``body`` (indented), ``before`` put above the def."""
    nb = copy.deepcopy(nb)
    cell_of(nb, exercise)["source"] = before + signature(exercise) + body
    return nb


def with_appended(nb: dict, gid: str, extra: str) -> dict:
    """``nb`` with ``extra`` run at the end of cell ``gid`` (top level of the cell)."""
    nb = copy.deepcopy(nb)
    cell = cell_of(nb, gid)
    cell["source"] = text(cell) + "\n" + extra
    return nb


def without_cell(nb: dict, gid: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != gid]
    return nb


def submit(root: Path, student: str, content, *, name: str = f"{LESSON}.ipynb") -> Path:
    """File ``content`` (a notebook dict, str or bytes; None: no file) as the student's submission."""
    folder = Path(root) / "submitted" / student / LESSON
    folder.mkdir(parents=True, exist_ok=True)
    if content is None:
        return folder
    path = folder / name
    if isinstance(content, dict):
        content = json.dumps(content, indent=1)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def as_nbformat3(nb: dict) -> str:
    """The notebook converted down to nbformat 3 (what a very old Jupyter would save)."""
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)  # sources as strings, as the converter wants
    return nbformat.writes(nbformat.convert(node, 3), version=3)


# ----------------------------------------------------------------------------- the corpus

LIAR = '''class Anything:
    """Claims to equal everything and to have the expected shape."""

    shape = (2, 3)

    def __eq__(self, other):
        return True

    def __array__(self, *args, **kwargs):
        raise TypeError("no")


'''
MONKEYPATCH = '''import numpy as np

np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True


def check(*args, **kwargs):
    return 1


'''
def reads_reference_source() -> str:
    """A reconstruct that loads the reference package from its files, by a path no scan can read."""
    import kmeans_ref

    hexed = str(Path(kmeans_ref.__file__).parent).encode().hex()
    return (f"    import importlib.util, os, sys\n"
            f"    root = bytes.fromhex({hexed!r}).decode()\n"
            "    spec = importlib.util.spec_from_file_location(\n"
            "        'kr', os.path.join(root, '__init__.py'), submodule_search_locations=[root])\n"
            "    module = importlib.util.module_from_spec(spec)\n"
            "    sys.modules['kr'] = module\n"
            "    spec.loader.exec_module(module)\n"
            "    return module.reconstruct(M, Y)\n")


FAKE_CHECKER = (
    '"""An `autograder` of the student\'s own, beside the notebook: every check passes."""\n\n\n'
    "def check(*args, **kwargs):\n"
    "    return 1\n"
)
SHADOWS = {"autograder.py": FAKE_CHECKER}  # files submitted with the "shadow_module" notebook
HUGE_PRINT = "for _ in range(40_000):\n    print('y' * 99)\n"  # 40 000 lines of 100 characters: 4 MB


def hostile_corpus() -> dict:
    """student -> (content, file name) of every submission of the hostile batch.

    Notebooks are the instructor's solution with the cells named in each comment edited.
    """
    nb = solution()
    edited_test = copy.deepcopy(nb)
    cell = cell_of(edited_test, "test_one_hot")
    cell["source"] = "pass"
    cell["metadata"]["nbgrader"]["points"] = 100
    name = f"{LESSON}.ipynb"
    return {
        "honest": (nb, name),
        # reconstruct calls the reference
        "reaches_ref": (with_body(nb, "reconstruct",
                                  "    import kmeans_ref\n    return kmeans_ref.reconstruct(M, Y)\n"), name),
        # reconstruct loads the reference from its source files, by a computed path
        "reads_ref": (with_body(nb, "reconstruct", reads_reference_source()), name),
        # a wrong reconstruct, and an autograder.py of its own beside the notebook (SHADOWS)
        "shadow_module": (with_body(nb, "reconstruct", "    return np.asarray(M)\n"), name),
        # a wrong reconstruct, under patches of numpy's comparisons and a `check` of its own
        "monkeypatch": (with_body(nb, "reconstruct", "    return np.asarray(M)\n", before=MONKEYPATCH), name),
        # the visible test of one_hot replaced by `pass` and made worth 100 points
        "edited_test": (edited_test, name),
        # the visible test of reconstruct deleted
        "deleted_test": (without_cell(nb, "test_reconstruct"), name),
        # reconstruct returns an object equal to everything
        "liar": (with_body(nb, "reconstruct", "    return Anything()\n", before=LIAR), name),
        # is_label_matrix kills the Python process that calls it
        "os_exit": (with_body(nb, "is_label_matrix", "    import os\n    os._exit(1)\n"), name),
        # the is_label_matrix cell kills the Python process that runs it (after defining the function)
        "os_exit_top": (with_appended(nb, "is_label_matrix", "import os\nos._exit(1)\n"), name),
        # labels_from_one_hot never returns
        "infinite_loop": (with_body(nb, "labels_from_one_hot", "    while True:\n        pass\n"), name),
        # one_hot asks for 10**11 floats (745 GiB)
        "memory": (with_body(nb, "one_hot", "    return np.ones((10**6, 10**5))\n"), name),
        # the one_hot cell prints 4 MB
        "huge_print": (with_appended(nb, "one_hot", HUGE_PRINT), name),
        # cut short after 5000 characters
        "corrupt_json": (json.dumps(nb)[:5000], name),
        "empty": (b"", name),
        "nbformat3": (as_nbformat3(nb), name),
        # lesson 02's notebook under lesson 01's name
        "other_assignment": (json.loads((REPO / "solutions" / "02-loss" / "02-loss.ipynb").read_text()), name),
        # lesson 01 solved, saved under lesson 02's name
        "wrong_name": (nb, "02-loss.ipynb"),
        # a folder without a notebook
        "missing_notebook": ("I could not finish, sorry.\n", "notes.txt"),
    }


# ----------------------------------------------------------------------------- gradebook reads


def gradebook_scores(root: Path) -> dict:
    """(student, grade_id) -> auto_score of every 01-labels grade, through nbgrader's Gradebook API."""
    from nbgrader.api import Gradebook

    from autograder.course import Course

    course = Course(root)
    out = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in gb.students:
            for sub in student.submissions:
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        out[(student.id, sub.assignment.name, grade.cell.name)] = grade.auto_score
    return out


def clean_room_scores(path: Path) -> dict:
    """{grade_id: points} the clean room gives the notebook at ``path`` (run here, outside any batch)."""
    from autograder.grading.cleanroom import grade_notebook

    report = grade_notebook(path, LESSON, source=SOLUTION)
    return {gid: s.score for gid, s in report.scores.items()}


def nbgrader_env() -> dict:
    import os

    env = dict(os.environ)
    env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def autograde_cli(root: Path, log: Path, *args) -> subprocess.Popen:
    """``python -m autograder.cli --root ROOT autograde ARGS`` (clean room by default), output to ``log``.

    The process leads a new process group, so ``os.killpg`` reaches its grading workers too.
    """
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "autograder.cli", "--root", str(root), "autograde",
                                 "--no-progress", *args],
                                cwd=root, env=nbgrader_env(), start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
