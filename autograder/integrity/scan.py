"""Evidence about a submission that its score alone does not show.

Two readers of the submitted notebook, neither of which runs student code:

- ``scan_solution_cell`` reads one solution cell's source (AST and tokens) for routes to
  the reference or the grader, and for code that reaches into the interpreter, the
  process or the file system.
- ``notebook_surgery`` compares the submitted notebook with the instructor's source and
  lists test and locked cells that were edited, deleted or re-labelled (changed points
  are in nbgrader's own log: ``points_edited``).
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

from autograder.integrity import flags as registry
from autograder.nbcells import cell_source as _text
from autograder.nbcells import nbgrader_meta as _nbgrader

COURSE_PACKAGES = ("kmeans_ref", "autograder")
LIBRARIES = ("sklearn", "scipy")
INTROSPECTION_ATTRS = {"__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__",
                       "__dict__", "__class__", "__bases__", "__mro__", "f_globals", "f_back", "gi_frame"}
INTROSPECTION_MODULES = {"gc", "inspect", "ctypes", "builtins", "importlib", "sys", "types", "marshal", "pickle"}
PROCESS_MODULES = {"os", "subprocess", "signal", "threading", "multiprocessing", "socket", "shutil", "pathlib"}


# code -> meaning (the class report's legend); the registry is ``integrity.flags``.
FLAG_MEANINGS = registry.FLAG_MEANINGS


@dataclass(frozen=True)
class Flag:
    """One piece of evidence: ``kind`` (machine-readable), the cell, and what was seen."""

    kind: str
    cell: str
    detail: str
    zero: bool = False  # True: the policy gives 0 to the exercises of this cell

    def __post_init__(self):
        registry.lookup(self.kind)  # every kind is a registered flag code

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

    def flag(kind, detail, zero=False):
        new = Flag(kind, label, detail, zero)
        if new not in flags:
            flags.append(new)

    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        for module in modules:
            root = _root(module)
            if root in COURSE_PACKAGES:
                flag("reaches_reference", f"imports {module}", zero=True)
            elif root in LIBRARIES:
                flag("uses_library", f"imports {module}")
            elif root in INTROSPECTION_MODULES:
                flag("introspection", f"imports {module}")
            elif root in PROCESS_MODULES:
                flag("process_or_files", f"imports {module}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for package in COURSE_PACKAGES:
                if package in node.value:
                    flag("reaches_reference", f"names {package!r} in a string", zero=True)
        if isinstance(node, ast.Name) and node.id in COURSE_PACKAGES:
            flag("reaches_reference", f"uses the name {node.id}", zero=True)
        if isinstance(node, ast.Attribute) and node.attr in INTROSPECTION_ATTRS:
            flag("introspection", f"uses .{node.attr}")
        if isinstance(node, ast.Name) and node.id in {"__import__", "eval", "exec", "compile", "globals",
                                                      "vars", "getattr", "setattr", "open", "breakpoint"}:
            flag("introspection" if node.id != "open" else "process_or_files", f"calls {node.id}")
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
    """Test and locked cells of ``source`` that the submission changed or removed.

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
        # changed points are nbgrader's to report (``points_edited``, from its log): one event, one flag
        for key in ("grade", "solution", "locked"):
            if bool(theirs.get(key)) != bool(meta.get(key)):
                flags.append(Flag("metadata_changed", grade_id, f"{key} {meta.get(key)} -> {theirs.get(key)}"))
        if mine.get("cell_type") != cell.get("cell_type"):
            flags.append(Flag("cell_type_changed", grade_id, f"{cell.get('cell_type')} -> {mine.get('cell_type')}"))
        if "### BEGIN HIDDEN TESTS" not in _text(cell) and _text(mine).strip() != _text(cell).strip():
            flags.append(Flag("cell_edited", grade_id, "the source of a locked or test cell was changed"))
    return flags
