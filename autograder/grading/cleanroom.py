"""Clean-room scores: every exercise of a submission re-checked outside the student's kernel.

The grader reads the submitted notebook itself (student code never touches the file
it is graded from), takes the lesson's locked setup cells from the INSTRUCTOR's source
and the solution cells from the submission, runs them in a ``Sandbox`` (a fresh,
resource-limited process with no route to the reference, the checkers or the course
secret) and calls the student's functions from the checkers, which run here.

Grading policy, applied in ``grade_notebook``:

1. A solution cell that reaches ``kmeans_ref`` or ``autograder`` earns 0 for the
   exercises it defines (``integrity.scan_solution_cell``).
2. Otherwise each exercise earns what its checker gives, visible and hidden cases
   separately, exactly as the notebook's test cells would.
3. A crash, a hang or a memory blow-up in one exercise costs that exercise only: the
   sandbox is restarted for the next one.
4. These scores are the ones recorded; where the in-notebook run disagrees, the batch
   flags it.
5. What the code did while it ran is evidence, not a penalty: replacing functions of
   numpy, math or builtins (``runtime_patching``) and returning objects that are not
   numbers or arrays (``not_plain_data``, which the checks reject anyway) are flagged.
   The sandbox can read only Python's and its libraries' files, so code that loads the
   reference from its source files at run time simply fails.

Example
-------
>>> report = grade_notebook(SOLUTIONS / "01-labels" / "01-labels.ipynb", "01-labels")  # doctest: +SKIP
>>> report.total, report.possible                                                       # doctest: +SKIP
(8.0, 8.0)
"""
from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import kmeans_ref

from autograder.checks import dependencies
from autograder.integrity import flags as registry
from autograder.integrity import scan as integrity
from autograder.course import kit_checkout
from autograder.nbcells import cell_source as _text
from autograder.nbcells import nbgrader_meta as _meta
from autograder.isolation.sandbox import Limits, Sandbox

# The instructor sources of the kit's own checkout: the default lesson sources (a batch
# always passes its course's own). None when the kit runs from an installed copy.
SOLUTIONS = kit_checkout() / "solutions" if kit_checkout() else None
MAX_NOTEBOOK_BYTES = 20 * 1024**2


@dataclass
class ExerciseScore:
    """One test cell's clean-room result."""

    grade_id: str
    exercise: str
    hidden: bool
    score: float
    possible: float
    diagnosis: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CleanRoomReport:
    """What the clean room found for one submitted notebook."""

    lesson: str
    status: str = "graded"  # graded | unreadable
    reason: str = ""
    scores: dict = field(default_factory=dict)  # grade_id -> ExerciseScore
    flags: list = field(default_factory=list)  # integrity.Flag
    cell_errors: list = field(default_factory=list)
    isolation: str = ""
    restarts: int = 0

    @property
    def total(self) -> float:
        return float(sum(s.score for s in self.scores.values()))

    @property
    def possible(self) -> float:
        return float(sum(s.possible for s in self.scores.values()))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["scores"] = {k: v.to_dict() for k, v in self.scores.items()}
        data["flags"] = [f.to_dict() for f in self.flags]
        return data

    def summary(self) -> str:
        lines = [f"{self.lesson}: {self.total:g} / {self.possible:g} ({self.status})"]
        lines += [f"  {s.grade_id}: {s.score:g}/{s.possible:g} {s.diagnosis.splitlines()[0] if s.diagnosis else ''}"
                  for s in self.scores.values()]
        lines += [f"  flag {f.kind} in {f.cell}: {f.detail}" for f in self.flags]
        return "\n".join(lines)


def read_notebook(path: Path) -> dict:
    """Read a notebook as plain JSON with a size bound; ValueError says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path.name}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise ValueError(f"{path.name} is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name} is {size >> 20} MB, more than the {MAX_NOTEBOOK_BYTES >> 20} MB a lesson can be")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name} is not a valid notebook (JSON error: {exc})") from None
    if isinstance(nb, dict) and isinstance(nb.get("nbformat"), int) and nb["nbformat"] < 4:
        nb = _upgrade(nb, path.name)  # as nbgrader itself does
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name} has no list of cells (nbformat {nb.get('nbformat') if isinstance(nb, dict) else '?'})")
    return nb


def _upgrade(nb: dict, name: str) -> dict:
    """An older notebook converted to nbformat 4, as nbgrader itself does before grading."""
    import nbformat

    try:
        return json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(nb), 4)))
    except Exception as exc:
        raise ValueError(f"{name} is nbformat {nb.get('nbformat')} and could not be upgraded ({exc}); "
                         "open and save it in JupyterLab") from None


def allowed_reference_functions(setup_sources: list[str], exercises: set[str]) -> dict:
    """The reference functions a lesson's setup cells import (never this lesson's own exercises)."""
    allowed = {}
    for source in setup_sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module == "kmeans_ref":
                for alias in node.names:
                    target = getattr(kmeans_ref, alias.name, None)
                    if callable(target) and alias.name not in exercises:  # modules are not callable
                        allowed[alias.asname or alias.name] = target
    return allowed


def lesson_cells(source_nb: dict, submitted_nb: dict) -> tuple[list, list, dict]:
    """(cells to run, setup sources, exercise -> solution cell label) in the source's order."""
    submitted = {}
    for cell in submitted_nb.get("cells", []):
        grade_id = _meta(cell).get("grade_id")
        if grade_id and cell.get("cell_type") == "code":
            submitted.setdefault(grade_id, _text(cell))
    cells, setup = [], []
    for cell in source_nb["cells"]:
        meta = _meta(cell)
        if cell.get("cell_type") != "code" or not meta:
            continue
        grade_id = meta.get("grade_id", "")
        if meta.get("solution"):
            cells.append((grade_id, submitted.get(grade_id, "")))
        elif meta.get("locked") and not meta.get("grade"):
            setup.append(_text(cell))
            cells.append((grade_id, _text(cell)))
    return cells, setup, submitted


def grade_notebook(path, lesson: str, *, source: Path | None = None, secret: str | None = None,
                   limits: Limits | None = None, notebook: dict | None = None) -> CleanRoomReport:
    """Clean-room scores for every exercise of ``lesson`` in the notebook at ``path``.

    ``notebook``: the submission already read with ``read_notebook`` (saves reading it again).
    """
    from autograder import POINTS, run_check
    from autograder.exercises import of_lesson

    report = CleanRoomReport(lesson=lesson)
    if source is None and SOLUTIONS is None:
        raise ValueError(f"no instructor source for {lesson}: pass source=<course>/solutions/{lesson}/{lesson}.ipynb")
    source_nb = read_notebook(source or SOLUTIONS / lesson / f"{lesson}.ipynb")
    exercises = [exercise.name for exercise in of_lesson(lesson)]
    try:
        submitted_nb = notebook if notebook is not None else read_notebook(path)
    except ValueError as exc:
        report.status, report.reason = "unreadable", str(exc)
        for name in exercises:
            for hidden in (False, True):
                grade_id = f"test_{name}" + ("_hidden" if hidden else "")
                report.scores[grade_id] = ExerciseScore(grade_id, name, hidden, 0.0,
                                                        float(POINTS[name][hidden]), str(exc))
        return report

    cells, setup, submitted = lesson_cells(source_nb, submitted_nb)
    report.flags += integrity.notebook_surgery(submitted_nb, source_nb)
    zeroed = set()
    for name in exercises:
        for flag in integrity.scan_solution_cell(name, submitted.get(name, "")):
            report.flags.append(flag)
            if flag.zero:
                zeroed.add(name)

    allowed = allowed_reference_functions(setup, set(exercises))
    box = Sandbox(cells, allowed=allowed, lesson=lesson, limits=limits or Limits())
    try:
        _start_without_fatal_cells(box, report)
        report.isolation = box.isolation
        report.cell_errors += [c for c in box.cells_status if not c.get("ok")]
        for name in exercises:
            if not box.alive:
                _start_without_fatal_cells(box, report)
                report.restarts += 1
            fn = box.function(name)
            for hidden in (False, True):
                grade_id = f"test_{name}" + ("_hidden" if hidden else "")
                possible = float(POINTS[name][hidden])
                if name in zeroed:
                    report.scores[grade_id] = ExerciseScore(
                        grade_id, name, hidden, 0.0, possible,
                        f"{name}: your solution uses the course's reference or grader code, "
                        "which this exercise asks you to write yourself. Scored 0.")
                    continue
                result = run_check(name, fn, hidden=hidden, secret=secret)
                report.scores[grade_id] = ExerciseScore(
                    grade_id, name, hidden, float(min(result.score, possible)), possible, result.summary())
        report.flags += _run_time_evidence(box)
    except Exception as exc:  # the sandbox could not even start: record it, never crash the batch
        report.status, report.reason = "failed", f"clean room could not run this notebook: {exc}"
        for name in exercises:
            for hidden in (False, True):
                grade_id = f"test_{name}" + ("_hidden" if hidden else "")
                report.scores.setdefault(grade_id, ExerciseScore(
                    grade_id, name, hidden, 0.0, float(POINTS[name][hidden]), report.reason))
    finally:
        box.close()
    _note_dependencies(report, submitted, exercises)
    return report


def _run_time_evidence(box: Sandbox) -> list:
    """Flags for what the student's code did while it ran: module patches, values that are not data."""
    flags = []
    for label, names in box.patched.items():
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        flags.append(integrity.Flag("runtime_patching", label,
                                    f"replaces {shown} while it runs; the checks run apart, so no score depends on it"))
    for name, types in box.foreign.items():
        flags.append(integrity.Flag("not_plain_data", name,
                                    f"returns {', '.join(types[:3])} objects, not numbers or arrays; "
                                    "the checks do not accept them"))
    return flags


def _start_without_fatal_cells(box: Sandbox, report: CleanRoomReport) -> None:
    """Start the sandbox; a cell that kills or hangs Python while it runs is left out.

    Such a cell (``os._exit`` at top level, an endless loop outside any function) costs
    the exercises it defines, never the others: it is replaced by an empty cell and the
    start is tried again, once per culprit.
    """
    from autograder.isolation.sandbox import SandboxError

    for _ in range(len(box.cells) + 1):
        try:
            box.start()
            return
        except SandboxError as exc:
            culprit = box.current_cell
            labels = [label for label, _ in box.cells]
            if not culprit or culprit not in labels:
                raise
            box.cells = [(label, "" if label == culprit else source) for label, source in box.cells]
            report.cell_errors.append({"label": culprit, "ok": False, "ename": type(exc).__name__,
                                       "evalue": f"running this cell stopped Python: {exc}"})
            report.flags.append(integrity.Flag("cell_stops_python", culprit,
                                               f"running the cell stopped the interpreter ({exc}); "
                                               "its exercises are scored 0"))
    raise RuntimeError("the clean room could not start")


def _note_dependencies(report: CleanRoomReport, submitted: dict, exercises: list) -> None:
    """Say so when a failing exercise calls another of the student's failing exercises.

    A wrong ``sq_distances`` makes a ``min_form_loss`` that calls it wrong too; the
    student should fix the first one first, and the TA should see why both lost points.
    """
    failing = {s.exercise for s in report.scores.values() if s.score < s.possible}
    for name in exercises:
        others = [e for e in dependencies.referenced(submitted.get(name, ""), exercises) if e != name and e in failing]
        if name not in failing or not others:
            continue
        note = dependencies.note(name, others)
        for score in report.scores.values():
            if score.exercise == name and score.score < score.possible:
                score.diagnosis = f"{score.diagnosis}\n{note}" if score.diagnosis else note


def post_grade(autograded, info):
    """The batch's post-grading hook: clean-room scores replace the in-kernel ones.

    ``info`` is a ``autograder.grading.messages.SubmissionInfo``. Returns a ``PostGradeResult`` whose
    overrides are the clean-room score of every autograded test cell, whose flags are the
    integrity evidence plus every cell where the student's kernel reported a different
    score, and whose diagnoses are the checkers' messages (hidden inputs never shown).
    """
    from autograder.grading.messages import PostGradeResult

    from autograder.exercises import of_lesson

    source = Path(info.root) / "solutions" / info.assignment / f"{info.notebook}.ipynb"
    is_lesson = bool(of_lesson(info.assignment))
    if info.assignment != info.notebook or not source.is_file() or not is_lesson:
        return None  # not one of the course's lesson notebooks: nbgrader's scores stand
    try:
        submitted = read_notebook(info.submitted)
    except ValueError:
        submitted = None  # grade_notebook reports it as unreadable
    wrong = _wrong_lesson(submitted, info.assignment) if submitted is not None else ""
    if wrong:
        return PostGradeResult(failed=wrong)
    report = grade_notebook(info.submitted, info.assignment, source=source, notebook=submitted,
                            limits=getattr(info, "clean_room_limits", None))
    report.flags += integrity.beside_the_notebook(Path(info.submitted).parent)
    if report.status == "unreadable" and info.status != "graded":
        return None  # nbgrader could not grade it either: its failure and reason stand
    result = PostGradeResult()
    for grade_id, score in report.scores.items():
        result.overrides[grade_id] = score.score
        if score.diagnosis and score.score < score.possible:
            result.diagnoses[grade_id] = score.diagnosis
        in_kernel = (info.scores or {}).get(grade_id)
        if score.hidden and not info.kernel_had_secret:
            in_kernel = None  # the kernel drew other hidden cases: its score is no evidence
        if in_kernel is not None and abs(float(in_kernel) - score.score) > 1e-9:
            result.flags.append(registry.flag(
                "kernel_disagrees", f"the notebook's own run scored {float(in_kernel):g}, the clean room "
                                    f"{score.score:g} (out of {score.possible:g}); the clean-room score is recorded",
                grade_id))
    for flag in report.flags:
        result.flags.append(registry.flag(flag.kind, flag.detail + (" (scored 0 for this exercise)" if flag.zero
                                                                    else ""), flag.cell))
    if report.status != "graded":
        code = {"failed": "cleanroom_failed", "unreadable": "cleanroom_unreadable"}[report.status]
        result.flags.append(registry.flag(code, report.reason))
    if report.isolation and not report.isolation.startswith("Landlock"):
        result.flags.append(registry.flag("weak_isolation",
                                          f"clean room ran without file-system isolation: {report.isolation}"))
    return result


def wrong_notebook(path, lesson: str, root: Path) -> str:
    """A reason when the file is not this lesson's notebook (no exercise cell of it), else ''."""
    try:
        nb = read_notebook(path)
    except ValueError:
        return ""  # unreadable: reported as such elsewhere
    return _wrong_lesson(nb, lesson)


def _wrong_lesson(nb: dict, lesson: str) -> str:
    from autograder.exercises import EXERCISES, of_lesson

    ids = {_meta(c).get("grade_id") for c in nb.get("cells", [])} - {None}
    mine = {exercise.name for exercise in of_lesson(lesson)}
    if ids & mine:
        return ""
    others = sorted({exercise.lesson for exercise in EXERCISES if exercise.name in ids})
    if others:
        return (f"this is the notebook of {', '.join(others)}, not {lesson}: "
                f"submit {lesson}.ipynb for {lesson}")
    return (f"the notebook has none of {lesson}'s exercise cells (were they deleted or pasted into new "
            f"cells?): start again from the released {lesson}.ipynb")
