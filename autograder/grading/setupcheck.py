"""Whose fault is a lesson that cannot start: the student's, or the grader's?

A lesson's *setup cells* (code cells nbgrader locks, with neither grade nor solution,
before the first exercise: the lesson's imports) are the same for every student. When
one of them fails in a student's kernel, or a cell cannot import the kit
(``autograder``, ``kmeans_ref``), either the student broke it (a ``numpy.py`` of their
own beside the notebook, a cell inserted above) or the grader did (the kit cannot be
imported in a kernel, the jail hides it, a package is missing). The two are told apart by
running the setup cells again in a fresh kernel of the same kind, in an empty folder
with none of the student's files: if they fail there too, every student would fail the
same way, and :class:`GraderFault` stops the batch instead of recording them all.

>>> cells = [{"cell_type": "code", "source": "import math",
...           "metadata": {"nbgrader": {"locked": True, "grade": False, "solution": False}}},
...          {"cell_type": "code", "source": "def f(): ...", "metadata": {"nbgrader": {"solution": True}}}]
>>> [c["source"] for c in setup_cells({"cells": cells})]
['import math']
"""
from __future__ import annotations

import os
from pathlib import Path

from autograder.grading.messages import GraderFault
from autograder.isolation.kernels import HIST_ARG
from autograder.nbcells import cell_source, nbgrader_meta

KIT = ("autograder", "kmeans_ref")
# How a kernel that never came up shows in nbgrader's log (jupyter_client's words, and the kit's).
KERNEL_START_FAILURES = ("Kernel died before replying to kernel_info", "Kernel didn't respond in")
# The first cell of the check: the kit itself must import in a grading kernel.
KIT_IMPORT = "import autograder, kmeans_ref"


def setup_cells(nb: dict) -> list:
    """The locked code cells, neither graded nor a solution, before the first exercise cell."""
    out = []
    for cell in nb.get("cells", []):
        meta = nbgrader_meta(cell)
        if meta.get("solution") or meta.get("grade"):
            break
        if cell.get("cell_type") == "code" and meta.get("locked"):
            out.append(cell)
    return out


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def suspect(nb: dict) -> str:
    """What in an executed notebook may be the grader's fault ("" when nothing is)."""
    for cell in setup_cells(nb):
        for err in _errors(cell):
            gid = nbgrader_meta(cell).get("grade_id", "")
            return f"setup cell {gid}: {err.get('ename')}: {err.get('evalue')}"
    for cell in nb.get("cells", []):
        for err in _errors(cell):
            if err.get("ename") in ("ImportError", "ModuleNotFoundError") and \
                    any(name in str(err.get("evalue")) for name in KIT):
                return f"{err.get('ename')}: {err.get('evalue')}"
    return ""


class SetupCheck:
    """Runs a lesson's setup cells in a clean kernel when a student's run makes them suspect.

    Parameters
    ----------
    folder : an empty folder the clean kernel starts in.
    manager_class : the worker's kernel manager class (jail, kit first on the import path).
    jail : the worker's ``KernelJail`` or None; the clean kernel reads no student's folder.
    config : nbgrader's configuration (the kernel's settings).
    timeout : seconds per cell.
    """

    def __init__(self, folder: Path, manager_class, *, jail=None, config=None, timeout: int = 60):
        self.folder = Path(folder)
        self.manager_class = manager_class
        self.jail = jail
        self.config = config
        self.timeout = timeout
        self.verified: set = set()  # (assignment, notebook) whose setup ran in a clean kernel
        self.kernel_verified = False  # a clean kernel started once: a kernel that does not is the student's

    def check(self, task, dest: Path, notebook_names) -> None:
        """Raise :class:`GraderFault` when the setup of one of ``task``'s notebooks fails for everyone."""
        import nbformat

        for name in notebook_names:
            path = Path(dest) / f"{name}.ipynb"
            key = (task.assignment, name)
            if key in self.verified or not path.is_file():
                continue
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception:  # unreadable output: nbgrader's own failure says why
                continue
            seen = suspect(nb)
            if not seen:
                continue
            error = self.run_setup(nb)
            if error:
                raise GraderFault(
                    f"the setup of {task.assignment}/{name} fails in a grading kernel for every student: {error} "
                    f"(seen first on {task.key}: {seen}). The batch stopped; nobody was recorded as failed for it. "
                    "Check that the kit imports in a kernel (python -c 'import autograder, kmeans_ref') and that "
                    "the course folder holds no copy of autograder/ or kmeans_ref/ of its own.")
            self.verified.add(key)

    def check_kernel(self, task, log_text: str) -> None:
        """Raise :class:`GraderFault` when ``task``'s kernel never started and a clean one does not either."""
        import nbformat

        if self.kernel_verified or not any(words in log_text for words in KERNEL_START_FAILURES):
            return
        error = self.run_setup(nbformat.from_dict({"cells": [], "metadata": {}}))
        if error:
            raise GraderFault(
                f"a grading kernel does not start, for any student: {error} (seen first on {task.key}). "
                "The batch stopped; nobody was recorded as failed for it. Check that a kernel starts here "
                "(jupyter kernelspec list; python -m ipykernel_launcher --help) and the workers' log in "
                "autograded/.kmeans-course/logs/.")
        self.kernel_verified = True

    def run_setup(self, nb) -> str:
        """Run the kit import and the setup cells of ``nb`` in a clean kernel; the first error, or ""."""
        import nbformat
        from nbclient import NotebookClient
        from nbformat.v4 import new_code_cell, new_notebook

        cells = [new_code_cell(KIT_IMPORT)] + [new_code_cell(cell_source(c)) for c in setup_cells(nb)]
        probe = new_notebook(cells=cells, metadata=nbformat.from_dict(dict(nb.metadata)))
        self.folder.mkdir(parents=True, exist_ok=True)
        student_dir = None
        if self.jail is not None:
            student_dir, self.jail.student_dir = self.jail.student_dir, None  # nobody's files
        try:
            client = NotebookClient(probe, timeout=self.timeout, allow_errors=True, config=self.config,
                                    kernel_manager_class=self.manager_class, extra_arguments=[HIST_ARG],
                                    resources={"metadata": {"path": str(self.folder)}})
            client.execute(env=dict(os.environ, NBGRADER_EXECUTION="autograde"))
        except Exception as exc:  # the kernel did not start or died
            return f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        finally:
            if self.jail is not None:
                self.jail.student_dir = student_dir
        for cell in probe.cells:
            for err in _errors(cell):
                return f"{err.get('ename')}: {err.get('evalue')}"
        return ""
