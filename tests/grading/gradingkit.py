"""Helpers of the grading tests: the toy class, stock nbgrader, gradebook reads.

(Kept out of ``conftest.py`` so test modules can import them by a unique name.)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import minicourse as mc

VENV_BIN = str(Path(sys.executable).parent)


def nbgrader_env():
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def copy_course(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


# The class: (student, lesson) -> what they submit. A few hand-written cases:
#   ann   perfect                                   01: 1+1+2+1 = 5 of 5 auto points
#   bob   add wrong, mul partly right (3 of 4)      01: 0+0+1.5+0 = 1.5   (2.0 * 3/4 = 1.5)
#   cat   01 invalid JSON, 02 perfect
#   dan   01 empty file, 02 norm left as the stub   02: 1+1+0+0 = 2
#   eve   01 kernel dies (os._exit), 02 square wrong 02: 0+0+1+1 = 2
#   fay   01 prints 300 KB in a solution cell (capped output), otherwise perfect; 02 missing
BIG_PRINT = "\nfor _ in range(3000):\n    print('y' * 99)\n"


def class_submissions(root: Path) -> dict:
    w = mc.WRONG
    subs = {
        ("ann", "01-toy"): mc.student_notebook(root, "01-toy"),
        ("ann", "02-toy"): mc.student_notebook(root, "02-toy"),
        ("bob", "01-toy"): mc.student_notebook(root, "01-toy", {"add": w["add"]["toy.add_wrong"],
                                                                 "mul": w["mul"]["toy.mul_partial"]}),
        ("bob", "02-toy"): mc.student_notebook(root, "02-toy"),
        ("cat", "01-toy"): '{"cells": [{"cell_type": "code", "source": "x = ',
        ("cat", "02-toy"): mc.student_notebook(root, "02-toy"),
        ("dan", "01-toy"): "",
        ("dan", "02-toy"): mc.student_notebook(root, "02-toy", {"norm": None}),
        ("eve", "02-toy"): mc.student_notebook(root, "02-toy", {"square": w["square"]["toy.square_wrong"]}),
    }
    eve = mc.student_notebook(root, "01-toy")
    fay = mc.student_notebook(root, "01-toy")
    for nb, extra in ((eve, "\nimport os\nos._exit(1)\n"), (fay, BIG_PRINT)):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
                cell.source += extra
    subs[("eve", "01-toy")] = eve
    subs[("fay", "01-toy")] = fay
    # ann's square reads a file she submitted next to her notebook: it works only if the
    # kernel runs in the notebook's folder (nbgrader copies the file there)
    for cell in subs[("ann", "02-toy")].cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "square":
            cell.source = '_OFFSET = int(open("helper.txt").read())\n\n' + cell.source.replace(
                "return x * x", "return x * x + _OFFSET")
    return subs


def submit_class(root: Path) -> dict:
    subs = class_submissions(root)
    for (student, lesson), nb in subs.items():
        mc.submit(root, student, lesson, nb)
    (root / "submitted" / "ann" / "02-toy" / "helper.txt").write_text("0\n")
    return subs


def gradebook_scores(root: Path) -> dict:
    """(student, assignment, grade_id) -> auto_score, read straight from gradebook.db."""
    import sqlite3

    con = sqlite3.connect(root / "gradebook.db")
    rows = con.execute("""
        SELECT sa.student_id, a.name, bc.name, g.auto_score
        FROM grade g
        JOIN submitted_notebook sn ON sn.id = g.notebook_id
        JOIN submitted_assignment sa ON sa.id = sn.assignment_id
        JOIN assignment a ON a.id = sa.assignment_id
        JOIN base_cell bc ON bc.id = g.cell_id""").fetchall()
    con.close()
    return {(s, a, c): score for s, a, c, score in rows}


def run_stock_autograde(root: Path, assignments) -> float:
    """``nbgrader autograde <id>`` for each assignment, from the course root; returns seconds."""
    import time

    start = time.perf_counter()
    for a in assignments:
        # exit code 1 is expected: the class holds notebooks that cannot be graded
        subprocess.run([str(Path(VENV_BIN) / "nbgrader"), "autograde", a], cwd=root, env=nbgrader_env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


@dataclass
class GradedClass:
    root: Path  # graded by kmeans-course autograde
    stock: Path  # the same files graded by stock nbgrader autograde
    summary: object
    submissions: dict
