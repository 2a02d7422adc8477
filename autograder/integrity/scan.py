"""Evidence about a submission that its score alone does not show.

Two readers of the submitted notebook, neither of which runs student code:

- ``scan_solution_cell`` reads one solution cell's source (AST and tokens) for routes to
  the reference or the grader, and for code that reaches into the interpreter, the
  process or the file system.
- ``notebook_surgery`` compares the submitted notebook with the instructor's source and
  lists test and locked cells that were edited, deleted, re-labelled or re-weighted.
- ``beside_the_notebook`` lists files submitted with the notebook that Python would
  import in place of a module (``numpy.py``, a ``kmeans_ref/`` folder).

Policy (applied in ``autograder.grading.cleanroom``): a solution cell that reaches ``kmeans_ref``
or ``autograder`` earns 0 for the exercises it defines; every other flag is evidence for
the TA and changes no score.

Example
-------
>>> {f.kind for f in scan_solution_cell("assign", "import kmeans_ref\\nassign = kmeans_ref.assign")}
{'reaches_reference'}
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass

from autograder.nbcells import cell_source as _text
from autograder.nbcells import nbgrader_meta as _nbgrader

COURSE_PACKAGES = ("kmeans_ref", "autograder")
LIBRARIES = ("sklearn", "scipy")
INTROSPECTION_ATTRS = {"__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__",
                       "__dict__", "__class__", "__bases__", "__mro__", "f_globals", "f_back", "gi_frame"}
INTROSPECTION_MODULES = {"gc", "inspect", "ctypes", "builtins", "importlib", "sys", "types", "marshal", "pickle"}
PROCESS_MODULES = {"os", "subprocess", "signal", "threading", "multiprocessing", "socket", "shutil", "pathlib"}


# What each flag code means for the TA, and whether it changed a score (the class report's legend).
_RESTORED = "nbgrader restored the cell from the gradebook and graded it; no score depends on the change."
FLAG_MEANINGS = {
    "reaches_reference": "The solution imports or names the course's reference or grader code. "
                         "That exercise scores 0.",
    "kernel_disagrees": "The notebook's own run scored this test cell differently from the clean room; the "
                        "clean room's score is recorded. Usually code that changed how its own tests behave.",
    "runtime_patching": "The code replaced functions of numpy, math or builtins while it ran. "
                        "No score depends on it (the checks run apart).",
    "not_plain_data": "A function returned objects that are not numbers or arrays (an object that claims to "
                      "equal anything, an array subclass). The checks reject them.",
    "files_beside_notebook": "Python files submitted with the notebook that its own run would import in place of "
                             "a module. The clean room does not use them.",
    "introspection": "The code reaches into the interpreter (globals, frames, importlib, ...). Evidence only.",
    "process_or_files": "The code uses processes, signals or files. Evidence only.",
    "uses_library": "The code imports a library that solves the exercise (scikit-learn, SciPy). Evidence only.",
    "syntax_error": "The cell does not parse; its exercises score 0.",
    "cell_stops_python": "Running the cell stopped the interpreter (os._exit, a crash); its exercises score 0, "
                         "the rest were graded.",
    "in_kernel_failed": "The notebook's own run failed (dead kernel, time limit); the clean room still scored "
                        "every exercise.",
    "cell_edited": "A locked or test cell was edited. " + _RESTORED,
    "cell_deleted": "A locked or test cell was deleted. " + _RESTORED,
    "test_cell_deleted": "A test cell was deleted. " + _RESTORED,
    "points_changed": "The points of a cell were changed. " + _RESTORED,
    "points_edited": "The points of a cell were changed. " + _RESTORED,
    "locked_cell_edited": "A locked cell was edited. " + _RESTORED,
    "lock_removed": "A cell was unlocked. " + _RESTORED,
    "cell_type_changed": "The type of a locked or test cell was changed. " + _RESTORED,
    "metadata_changed": "The nbgrader metadata of a cell was changed. " + _RESTORED,
    "weak_isolation": "This machine has no Landlock: the clean room ran without file-system isolation.",
    "weak_kernel_isolation": "This machine has no Landlock: the notebook's kernel ran without its jail.",
    "post_grade_error": "The clean-room step failed for this notebook; the notebook's own scores were kept.",
    "cleanroom_failed": "The clean room could not run this notebook (see details); its exercises score 0.",
    "cleanroom_unreadable": "The clean room could not read the submitted notebook (see details).",
}


@dataclass(frozen=True)
class Flag:
    """One piece of evidence: ``kind`` (machine-readable), the cell, and what was seen."""

    kind: str
    cell: str
    detail: str
    zero: bool = False  # True: the policy gives 0 to the exercises of this cell

    def to_dict(self) -> dict:
        return asdict(self)


def _root(name: str) -> str:
    return name.split(".")[0]


def scan_solution_cell(label: str, source: str) -> list[Flag]:
    """Flags for one solution cell's source (never executes it)."""
    flags: list[Flag] = []
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [Flag("syntax_error", label, f"line {exc.lineno}: {exc.msg}")]

    def add(kind, detail, zero=False):
        flag = Flag(kind, label, detail, zero)
        if flag not in flags:
            flags.append(flag)

    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        for module in modules:
            root = _root(module)
            if root in COURSE_PACKAGES:
                add("reaches_reference", f"imports {module}", zero=True)
            elif root in LIBRARIES:
                add("uses_library", f"imports {module}")
            elif root in INTROSPECTION_MODULES:
                add("introspection", f"imports {module}")
            elif root in PROCESS_MODULES:
                add("process_or_files", f"imports {module}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for package in COURSE_PACKAGES:
                if package in node.value:
                    add("reaches_reference", f"names {package!r} in a string", zero=True)
        if isinstance(node, ast.Name) and node.id in COURSE_PACKAGES:
            add("reaches_reference", f"uses the name {node.id}", zero=True)
        if isinstance(node, ast.Attribute) and node.attr in INTROSPECTION_ATTRS:
            add("introspection", f"uses .{node.attr}")
        if isinstance(node, ast.Name) and node.id in {"__import__", "eval", "exec", "compile", "globals",
                                                      "vars", "getattr", "setattr", "open", "breakpoint"}:
            add("introspection" if node.id != "open" else "process_or_files", f"calls {node.id}")
    return flags


IMPORTABLE_SUFFIXES = (".py", ".pyc", ".pyd", ".so", ".pth")


def beside_the_notebook(folder) -> list[Flag]:
    """Flags for files submitted beside the notebook that Python could import instead of a module.

    In the notebook's own run such a file is found first (the kernel runs in the
    submission's folder): a ``numpy.py`` there replaces numpy for every later cell. The
    clean room never sees these files, so scores do not depend on them; the TA sees
    which names they would shadow.
    """
    import importlib.util
    from pathlib import Path

    folder = Path(folder)
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    found = []
    for path in entries:
        if path.is_dir() and not path.is_symlink():
            if not any(path.glob("*.py")) and not any(path.glob("*.so")):
                continue
            name = path.name
        elif path.suffix in IMPORTABLE_SUFFIXES:
            name = path.name.split(".")[0]
        else:
            continue
        if not name.isidentifier():
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        what = f"{path.name}: " + (f"would be imported instead of the module {name}" if spec is not None
                                   or name in COURSE_PACKAGES else "a module of its own")
        found.append(what)
    if not found:
        return []
    return [Flag("files_beside_notebook", "", "submitted beside the notebook: " + "; ".join(found[:8])
                 + ("; ..." if len(found) > 8 else "") + ". The clean room does not use them.")]


def notebook_surgery(submitted: dict, source: dict) -> list[Flag]:
    """Test and locked cells of ``source`` that the submission changed, removed or re-weighted.

    Both arguments are notebooks as dicts (nbformat 4). nbgrader restores these cells
    before grading, so this is evidence, not a score change.
    """
    flags = []
    sub_cells = {}
    for cell in submitted.get("cells", []):
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id:
            sub_cells.setdefault(grade_id, cell)
    for cell in source.get("cells", []):
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if not grade_id or not (meta.get("locked") or (meta.get("grade") and not meta.get("solution"))):
            continue
        mine = sub_cells.get(grade_id)
        if mine is None:
            flags.append(Flag("cell_deleted", grade_id, "a locked or test cell is missing (restored for grading)"))
            continue
        theirs = _nbgrader(mine)
        if meta.get("grade") and "points" in meta and theirs.get("points") != meta.get("points"):
            flags.append(Flag("points_changed", grade_id, f"points {meta.get('points')} -> {theirs.get('points')}"))
        for key in ("grade", "solution", "locked"):
            if bool(theirs.get(key)) != bool(meta.get(key)):
                flags.append(Flag("metadata_changed", grade_id, f"{key} {meta.get(key)} -> {theirs.get(key)}"))
        if mine.get("cell_type") != cell.get("cell_type"):
            flags.append(Flag("cell_type_changed", grade_id, f"{cell.get('cell_type')} -> {mine.get('cell_type')}"))
        if "### BEGIN HIDDEN TESTS" not in _text(cell) and _text(mine).strip() != _text(cell).strip():
            flags.append(Flag("cell_edited", grade_id, "the source of a locked or test cell was changed"))
    return flags
