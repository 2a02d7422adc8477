"""One grading worker: a long-lived process that autogrades submissions with nbgrader.

``autograder.grading.autograde`` starts W of these (``multiprocessing``, spawn) and hands them
one submission at a time over a pipe. A worker pays nbgrader's import and set-up
once, then, for every submission, runs nbgrader's own ``Autograde`` converter (the
code behind ``nbgrader autograde``: sanitize, overwrite locked cells from the
gradebook, execute in a fresh kernel, read the grades) against a *scratch* gradebook
private to the worker, reads the grades back and sends them to the parent, which is
the only writer of the course gradebook.

The pipeline of one submission (:func:`grade_submission`), in order:

1. ``precheck``: an empty file, invalid JSON, a file that is not a notebook, or a
   missing ``<assignment>.ipynb`` is a failure with a plain reason; nbgrader is not run.
2. nbgrader's ``Autograde`` converter, with two changes to its ``Execute`` step
   (:class:`BatchExecute`): the output a cell keeps is capped, and the time spent
   executing cells is measured. Grading itself is nbgrader's: same preprocessors,
   same order, same ``determine_grade``.
3. Read back, from the scratch gradebook, each grade cell's auto score, each
   solution cell's auto comment and the late penalty.
4. The post-grading hook (:data:`PostGradeHook`): given the autograded notebook and
   the submission, it may override per-cell scores and add flags (a clean-room
   re-check plugs in here). Default: none.

Every kernel starts through ``python -m autograder.isolation.kernel_jail`` (:class:`KernelJail`): the
student's code writes only in a scratch folder of its own kernel, reads only Python,
the course packages and its own student's folder, listens on its own ports and
connects nowhere, and cannot signal the worker, so it can neither change nor show the
course gradebook, the ledger, the scratch gradebooks, ``solutions/``, ``submitted/``
or another student's files.

A per-submission wall-clock bound is enforced twice: a watchdog thread here kills
the kernel (nbgrader then fails the submission, which is recorded with the reason),
and the parent kills the whole worker if even that does not return in time.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import resource
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from autograder.course import make_writable_and_remove
from autograder.integrity import flags as registry

# ----------------------------------------------------------------------------- data

# What a task or a result carries between processes is plain data (dataclasses of
# str/float/dict/list), so the pipe never pickles a live nbgrader object.


@dataclass
class Task:
    """One submission to grade: ``submitted/<student>/<assignment>/``."""

    student: str
    assignment: str
    content_hash: str
    extension_seconds: Optional[float] = None  # the student's extension, from the gradebook

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class NotebookGrades:
    """What nbgrader recorded for one notebook of a submission."""

    grades: dict = field(default_factory=dict)  # grade_id -> {"auto_score", "max_score", "needs_manual_grade"}
    comments: dict = field(default_factory=dict)  # grade_id -> auto_comment
    late_penalty: Optional[float] = None


@dataclass
class Result:
    """The outcome of grading one submission (sent to the parent, merged, logged)."""

    student: str
    assignment: str
    content_hash: str
    status: str  # "graded" | "failed"
    reason: str = ""
    notebooks: dict = field(default_factory=dict)  # notebook name -> NotebookGrades (as dict)
    timestamp: Optional[str] = None  # submission time (timestamp.txt), ISO format
    flags: list = field(default_factory=list)  # list of {"code", "message", "cell"}
    overrides: dict = field(default_factory=dict)  # notebook -> {grade_id: score} from the hook
    diagnoses: dict = field(default_factory=dict)  # notebook -> {grade_id: text} from the hook
    seconds: float = 0.0  # wall time of the whole pipeline
    execute_seconds: float = 0.0  # time spent executing cells
    kernel_seconds: float = 0.0  # time spent starting kernels
    peak_rss_mb: float = 0.0  # this worker's peak resident memory so far
    worker: int = -1
    log: str = ""  # path of nbgrader's log for this submission

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class SubmissionInfo:
    """What the post-grading hook learns about the submission it adjusts."""

    student: str
    assignment: str
    notebook: str  # notebook name (without .ipynb)
    root: Path  # course root
    submitted: Path  # the student's file, as collected
    autograded: Optional[Path]  # nbgrader's autograded notebook; None when nbgrader failed
    scores: dict  # grade_id -> in-kernel auto score (None when unknown)
    max_scores: dict  # grade_id -> points
    status: str  # "graded" or "failed" (before the hook)
    reason: str = ""
    # False when the kernel ran without the course secret, so its hidden cases were not the real ones
    kernel_had_secret: bool = True


@dataclass
class PostGradeResult:
    """A post-grading hook's answer: score overrides (grade_id -> points), flags, diagnoses.

    A flag is a dict ``{"code": short id, "message": sentence, "cell": grade_id or ""}``
    (a plain string is accepted and becomes the message).
    """

    overrides: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    diagnoses: dict = field(default_factory=dict)  # grade_id -> text shown in feedback and reports
    failed: str = ""  # when set: the submission is recorded as failed, with this reason, and no scores


# A post-grading hook: called once per notebook, after nbgrader, in the worker.
PostGradeHook = Callable[[Optional[Path], SubmissionInfo], Optional[PostGradeResult]]


def no_post_grade(autograded: Optional[Path], submission: SubmissionInfo) -> None:
    """The default hook: the in-kernel scores stand, no flags."""
    return None


def resolve_hook(spec) -> PostGradeHook:
    """A hook from a callable or a ``"package.module:function"`` string (None: the default)."""
    if spec is None or spec == "":
        return no_post_grade
    if callable(spec):
        return spec
    module, _, name = str(spec).partition(":")
    if not name:
        module, _, name = str(spec).rpartition(".")
    return getattr(importlib.import_module(module), name)


# ----------------------------------------------------------------------------- checks before nbgrader


def precheck(submission_dir: Path, notebook_names: list[str]) -> str:
    """Why nbgrader cannot grade this submission folder, or ``""`` if it can try.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "01-labels.ipynb").write_text("")
    >>> precheck(d, ["01-labels"])
    'the notebook file 01-labels.ipynb is empty (0 bytes)'
    """
    present = sorted(p.name for p in submission_dir.glob("*.ipynb")) if submission_dir.is_dir() else []
    expected = [f"{name}.ipynb" for name in notebook_names]
    if not any(name in present for name in expected):
        found = ", ".join(present) if present else "no notebook"
        return f"no {' or '.join(expected)} in the submission (found: {found})"
    for name in expected:
        path = submission_dir / name
        if not path.exists():
            continue
        data = path.read_bytes()
        if not data.strip():
            return f"the notebook file {name} is empty ({len(data)} bytes)"
        try:
            nb = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return f"{name} is not text (not UTF-8 at byte {exc.start}): not a notebook"
        except json.JSONDecodeError as exc:
            return (f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}):"
                    " the file is damaged or was not saved by Jupyter")
        if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
            return f"{name} is JSON but not a Jupyter notebook (no cells)"
        major = nb.get("nbformat")
        if not isinstance(major, int) or major < 3:
            return f"{name} has an unsupported notebook format version ({major!r})"
    return ""


# Known ways nbgrader fails, turned into reasons a TA can act on.
_FAILURE_REASONS = [
    ("DeadKernelError", "the kernel died while running the notebook (the code exits Python, crashes it,"
                        " or runs out of memory)"),
    ("UnresponsiveKernelError", "the kernel stopped responding and could not be interrupted"
                                " (an infinite loop that eats memory?)"),
    ("NotJSONError", "the notebook is not valid JSON"),
    ("SchemaTooOldError", "the notebook's nbgrader metadata is too old"),
    ("SchemaTooNewError", "the notebook's nbgrader metadata is too new"),
    ("failed to validate", "the notebook's nbgrader metadata is corrupted (edited or duplicated cell ids)"),
    ("Inconsistent checksums", "a locked cell could not be restored (edited metadata)"),
    ("No notebooks found", "no notebook of this assignment in the submission"),
]


def failure_reason(log_text: str) -> str:
    """A one-line reason from nbgrader's log of a failed submission."""
    for needle, reason in _FAILURE_REASONS:
        if needle in log_text:
            return reason
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    # The last line of the last traceback names the exception.
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    if starts:
        tail = [x for x in lines[starts[-1] + 1:]
                if not x.startswith(("File ", "^", "~", "[")) and ":" in x]
        if tail:
            return "nbgrader error: " + tail[-1][:300]
    errors = [line for line in lines if line.startswith("[ERROR]")]
    return "nbgrader error: " + ((errors or lines or ["unknown"])[-1])[:300]


# ----------------------------------------------------------------------------- nbgrader's Execute, capped and timed


class ExecutionStats:
    """Time spent starting kernels and executing cells in this worker, per submission."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.execute = 0.0
        self.kernel = 0.0


STATS = ExecutionStats()
# Output kept per cell, in bytes, beyond which stdout and display outputs are dropped.
# Errors, the first stderr stream and execute results are always kept (trimmed),
# because nbgrader's determine_grade reads them: grades are unchanged by the cap.
OUTPUT_CAP_BYTES = 2 * 1024 * 1024
TRIM_CHARS = 20_000


class SpareKernel:
    """One kernel started ahead of time, so that a notebook does not wait for its kernel.

    Starting a kernel (a new Python process importing ipykernel) takes about half a
    second; a worker starts a submission's kernel as soon as the submission arrives, so
    that start-up overlaps nbgrader's preparation (checks, sanitizing, copying files).
    Not earlier: the kernel's jail is made for its student. The spare
    kernel is started as nbgrader would start it (same kernel, arguments and
    environment, ``NBGRADER_EXECUTION=autograde``) but in a neutral folder; before the
    first cell it moves to the notebook's folder with a silent ``os.chdir`` (no
    execution count, no output, no name bound in the user namespace).
    """

    def __init__(self):
        self.km = None
        self.key = None
        self.cwd = None

    def start(self, kernel_name: str, extra_arguments: list, cwd: Path, *, config=None, manager_class=None) -> None:
        """Start a kernel as nbclient's ``create_kernel_manager`` + ``start_new_kernel`` would."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        cwd.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, NBGRADER_EXECUTION="autograde")
        try:
            km = (manager_class or AsyncKernelManager)(kernel_name=kernel_name, config=config)
            run_sync(km.start_kernel)(extra_arguments=list(extra_arguments), cwd=str(cwd), env=env)
        except Exception:  # no spare: the next notebook starts its own kernel, as nbgrader does
            return
        self.km, self.key, self.cwd = km, (kernel_name, tuple(extra_arguments)), cwd

    def take(self, kernel_name: str, extra_arguments: list):
        """The spare kernel manager if it fits and is alive, else None (and it is discarded)."""
        from jupyter_core.utils import run_sync

        km, key = self.km, self.key
        self.km = self.key = None
        if km is None:
            return None
        try:
            if key == (kernel_name, tuple(extra_arguments)) and run_sync(km.is_alive)():
                return km
        except Exception:
            pass
        _stop_kernel(km)
        return None

    def shutdown(self) -> None:
        km, self.km, self.key = self.km, None, None
        if km is not None:
            _stop_kernel(km)


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
    with contextlib.suppress(Exception):
        run_sync(km.cleanup_resources)()


SPARE = SpareKernel()
# Folder where spare kernels start (set by the worker); None: no spare kernels.
SPARE_CWD: Optional[Path] = None
HIST_ARG = "--HistoryManager.hist_file=:memory:"


class KernelJail:
    """How this worker's kernels are started: through ``python -m autograder.isolation.kernel_jail``.

    A kernel runs the student's code as the grader's user. Started through the jail:

    - it writes only in a private scratch folder made for that kernel alone (its HOME,
      TMPDIR, MPLCONFIGDIR, IPYTHONDIR) and removed when it stops, so nothing one
      student's kernel leaves (an IPython start-up file, a ``.pth``) reaches the next;
    - it reads only Python, the system, the course packages and data (``read``), its
      connection file and ``student_dir`` (``autograded/<student>/``, set per
      submission): not the gradebook, ``solutions/``, ``submitted/``, the batch's state
      or any other student's files, so none of them can leak into its output;
    - it may listen on its five TCP ports and connect nowhere: no other kernel, no
      service on the machine, nothing outside it;
    - it cannot make links or special files, change modes, nor signal the worker;
    - ``unset``: environment variables it does not get (the course secret, when the
      clean room scores: hidden cases must not leak through a kernel's output).

    ``None`` (the module's default, :data:`JAIL`): kernels start as stock nbgrader starts them.
    """

    def __init__(self, scratch_root, read=(), hide=(), *, memory=None, file_size=None, unset=()):
        self.scratch_root = Path(scratch_root)
        self.unset = list(unset)
        self.read = [str(p) for p in read]
        self.hide = [str(h) for h in hide]
        self.memory = memory
        self.file_size = file_size
        self.student_dir: Optional[Path] = None
        self._made = 0

    def new_scratch(self) -> Path:
        """A fresh private folder for one kernel, with matplotlib's font list seeded."""
        self._made += 1
        path = self.scratch_root / f"k{self._made}"
        make_writable_and_remove(path)
        path.mkdir(mode=0o700, parents=True)
        _seed_matplotlib_cache(path / "matplotlib")
        # IPython's profile, made as IPython would make it but without the chmod the
        # jail forbids (it copies a README into startup/ with shutil.copy)
        profile = path / "ipython" / "profile_default"
        for sub, mode in (("security", 0o700), ("pid", 0o700), ("log", 0o755), ("startup", 0o755)):
            (profile / sub).mkdir(mode=mode, parents=True, exist_ok=True)
        (profile / "startup" / "README").touch()
        return path

    def prefix(self, scratch, *, connection_file=None, ports=None) -> list:
        cmd = [sys.executable, "-m", "autograder.isolation.kernel_jail", "--scratch", str(scratch)]
        reads = list(self.read) + [str(p) for p in (self.student_dir, connection_file) if p]
        for path in reads:
            cmd += ["--read", path]
        for folder in self.hide:
            cmd += ["--hide", folder]
        for port in ports or ():
            cmd += ["--bind-port", str(int(port))]
        if self.memory:
            cmd += ["--memory", str(int(self.memory))]
        if self.file_size:
            cmd += ["--file-size", str(int(self.file_size))]
        cmd += ["--processes", str(KERNEL_PROCESSES)]
        for var in self.unset:
            cmd += ["--unset", var]
        return cmd + ["--"]


def kernel_reads(hide) -> list:
    """What a grading kernel reads besides the system: the course packages, the data sets,
    and every folder on this Python's import path (a user or conda site-packages
    included) except those that would open up a folder of ``hide`` (the course's)."""
    import autograder
    import kmeans_ref
    from kmeans_ref import datasets

    hide = [os.path.realpath(h) for h in hide]
    paths = [Path(kmeans_ref.__file__).parent, Path(autograder.__file__).parent]
    with contextlib.suppress(OSError):
        paths.append(datasets.data_dir())
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.exists(real) and not any(h == real or h.startswith(real.rstrip(os.sep) + os.sep)
                                                     for h in hide):
            paths.append(real)
    return list(dict.fromkeys(str(p) for p in paths))


# The jail of this worker's kernels (set by the worker); None: kernels are not jailed.
JAIL: Optional[KernelJail] = None
# Largest file a jailed kernel may write.
KERNEL_FILE_SIZE = 256 * 1024 * 1024
# Processes and threads a jailed kernel may start (a kernel itself runs about ten threads).
KERNEL_PROCESSES = 256


def _jailed_kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class JailedKernelManager(AsyncKernelManager):
        """nbclient's kernel manager, with the kernel's command run through the jail."""

        jail_scratch = None

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments=extra_arguments)
            if JAIL is None:
                return cmd
            self._remove_scratch()  # a restart gets a fresh one too
            self.jail_scratch = JAIL.new_scratch()
            # its five ports, and 0: any free port (ipykernel's pipe for subprocess output)
            ports = ([self.shell_port, self.iopub_port, self.stdin_port, self.hb_port, self.control_port, 0]
                     if self.transport == "tcp" else None)
            return JAIL.prefix(self.jail_scratch, connection_file=self.connection_file, ports=ports) + cmd

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                self._remove_scratch()

        def _remove_scratch(self):
            scratch, self.jail_scratch = self.jail_scratch, None
            if scratch is not None:
                make_writable_and_remove(scratch)

    return JailedKernelManager


_JAILED_KM = None


def jailed_kernel_manager_class():
    """The kernel manager class of the batch (one class per process, made on first use)."""
    global _JAILED_KM
    if _JAILED_KM is None:
        _JAILED_KM = _jailed_kernel_manager_class()
    return _JAILED_KM


def _make_batch_execute():
    from nbformat.v4 import new_output
    from nbgrader.preprocessors import Execute
    from traitlets import default

    class BatchExecute(Execute):
        """nbgrader's Execute with a cap on kept output and timing of cells and kernel start."""

        def __init__(self, *args, **kwargs):
            # every kernel of the batch starts through the jail (see KernelJail)
            kwargs.setdefault("kernel_manager_class", jailed_kernel_manager_class())
            super().__init__(*args, **kwargs)

        # Once the last cell has run, the kernel has nothing left to do: stop it at once
        # instead of asking it to shut down and waiting (nbclient's "graceful" default).
        @default("shutdown_kernel")
        def _shutdown_default(self):
            return "immediate"

        def preprocess(self, nb, resources=None, km=None):
            self._kept_bytes = {}
            self._capped = set()
            self._stderr_kept = set()
            self._chdir_to = None
            name = self.kernel_name or nb.metadata.get("kernelspec", {}).get("name", "python")
            args = list(self.extra_arguments) + [HIST_ARG]
            spare = None
            if km is None and SPARE_CWD is not None:
                spare = SPARE.take(name, args)
                if spare is not None:
                    path = (resources or {}).get("metadata", {}).get("path") or os.getcwd()
                    self._chdir_to = os.path.abspath(path)
            try:
                result = super().preprocess(nb, resources, km=spare if spare is not None else km)
            finally:
                if spare is not None:  # nbclient does not stop a kernel it was handed
                    with contextlib.suppress(Exception):
                        self._cleanup_kernel()
                    _stop_kernel(spare)
            return result

        # nbclient's sync entry points (start_new_kernel, execute_cell, ...) wrap its
        # async functions directly, so timing hooks go on the sync methods nbconvert calls.
        def start_new_kernel(self, **kwargs):
            start = time.perf_counter()
            try:
                return super().start_new_kernel(**kwargs)
            finally:
                STATS.kernel += time.perf_counter() - start

        def start_new_kernel_client(self):
            start = time.perf_counter()
            try:
                return super().start_new_kernel_client()
            finally:
                STATS.kernel += time.perf_counter() - start

        def preprocess_cell(self, cell, resources, index):
            start = time.perf_counter()
            if self._chdir_to is not None:
                # a spare kernel: move it to the notebook's folder, silently
                target, self._chdir_to = self._chdir_to, None
                msg_id = self.kc.execute(f"__import__('os').chdir({target!r})", silent=True,
                                         store_history=False, allow_stdin=False)
                self.wait_for_reply(msg_id)
            try:
                return super().preprocess_cell(cell, resources, index)
            finally:
                STATS.execute += time.perf_counter() - start

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            kept = getattr(self, "_kept_bytes", None)
            if kept is None:
                return out
            size = _output_size(out)
            used = kept.get(cell_index, 0)
            if used + size <= OUTPUT_CAP_BYTES:
                kept[cell_index] = used + size
                return out
            # Over the cap. Keep what grading reads, trimmed; drop the rest.
            kind = out.get("output_type")
            is_stderr = kind == "stream" and out.get("name") == "stderr"
            if kind in ("error", "execute_result") or (is_stderr and cell_index not in self._stderr_kept):
                _trim_output(out)
                if is_stderr:
                    self._stderr_kept.add(cell_index)
            else:
                outs.pop()
                out = None
            if cell_index not in self._capped:
                self._capped.add(cell_index)
                outs.append(new_output(
                    "stream", name="stdout",
                    text=f"\n[output truncated by the grader: more than {OUTPUT_CAP_BYTES // 1024} KB]\n"))
            return out

    return BatchExecute


def _output_size(out) -> int:
    kind = out.get("output_type")
    if kind == "stream":
        return len(out.get("text", ""))
    if kind == "error":
        return sum(len(x) for x in out.get("traceback", [])) + len(out.get("evalue", ""))
    data = out.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


def _trim_output(out) -> None:
    if out.get("output_type") == "stream":
        out["text"] = out["text"][:TRIM_CHARS]
    elif out.get("output_type") == "error":
        out["evalue"] = out.get("evalue", "")[:TRIM_CHARS]
        out["traceback"] = [line[:TRIM_CHARS] for line in out.get("traceback", [])[-20:]]
    else:
        data = out.get("data", {})
        out["data"] = {k: (v[:TRIM_CHARS] if isinstance(v, str) else v)
                       for k, v in data.items() if k == "text/plain"}


# ----------------------------------------------------------------------------- scratch gradebook


def export_structure(gb, assignments) -> dict:
    """The master copy of ``assignments`` as plain data (what a scratch gradebook needs).

    Cells are listed in the gradebook's own order: nbgrader re-inserts a deleted test
    cell after its predecessor in that order, so the copy must keep it.
    """
    out = {}
    for name in assignments:
        a = gb.find_assignment(name)
        notebooks = []
        for nb in a.notebooks:
            cells = []
            for cell in nb._base_cells:
                entry = {"name": cell.name, "type": cell.type}
                if cell.type in ("GradeCell", "TaskCell"):
                    entry.update(max_score=cell.max_score, cell_type=cell.cell_type)
                cells.append(entry)
            notebooks.append({
                "name": nb.name,
                "kernelspec": nb.kernelspec,
                "cells": cells,
                "source_cells": [
                    {"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                     "source": c.source, "checksum": c.checksum}
                    for c in nb.source_cells
                ],
            })
        out[name] = {
            "duedate": a.duedate.isoformat() if a.duedate is not None else None,
            "notebooks": notebooks,
        }
    return out


def build_scratch_gradebook(db_url: str, course_id: str, structure: dict, alembic_version: str = "") -> None:
    """Create the assignments of ``structure`` in an empty gradebook at ``db_url``.

    ``alembic_version``: the course gradebook's schema version. nbgrader stamps a new
    database by running ``alembic heads`` in a subprocess (about 3 s); stamping the
    scratch copy with the course's version first skips that.
    """
    from nbgrader.api import Gradebook

    if alembic_version and db_url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(db_url[len("sqlite:///"):])) as con:
            con.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
            con.execute("DELETE FROM alembic_version")
            con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (alembic_version,))
            con.commit()

    with Gradebook(db_url, course_id) as gb:
        for name, a in structure.items():
            gb.update_or_create_assignment(name, duedate=a["duedate"])
            for nb in a["notebooks"]:
                gb.update_or_create_notebook(nb["name"], name, kernelspec=nb["kernelspec"])
                for cell in nb["cells"]:
                    if cell["type"] == "GradeCell":
                        gb.update_or_create_grade_cell(cell["name"], nb["name"], name,
                                                       max_score=cell["max_score"], cell_type=cell["cell_type"])
                    elif cell["type"] == "SolutionCell":
                        gb.update_or_create_solution_cell(cell["name"], nb["name"], name)
                    elif cell["type"] == "TaskCell":
                        gb.update_or_create_task_cell(cell["name"], nb["name"], name,
                                                      max_score=cell["max_score"], cell_type=cell["cell_type"])
                for src in nb["source_cells"]:
                    gb.update_or_create_source_cell(
                        src["name"], nb["name"], name, cell_type=src["cell_type"], locked=src["locked"],
                        source=src["source"], checksum=src["checksum"])


def alembic_version(gb) -> str:
    """The schema version stamped in a gradebook ("" if none)."""
    from sqlalchemy import text

    try:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    except Exception:
        return ""


def read_back(gb, task: Task, structure: dict) -> tuple[dict, Optional[str]]:
    """Grades, comments and late penalty nbgrader saved for ``task`` in the scratch gradebook."""
    from nbgrader.api import MissingEntry

    notebooks = {}
    try:
        submission = gb.find_submission(task.assignment, task.student)
    except MissingEntry:
        return notebooks, None
    timestamp = submission.timestamp.isoformat() if submission.timestamp is not None else None
    for snb in submission.notebooks:
        grades = {}
        for grade in snb.grades:
            grades[grade.cell.name] = {
                "auto_score": grade.auto_score,
                "max_score": grade.max_score,
                "needs_manual_grade": bool(grade.needs_manual_grade),
            }
        comments = {c.cell.name: c.auto_comment for c in snb.comments}
        notebooks[snb.name] = asdict(NotebookGrades(grades, comments, snb.late_submission_penalty))
    return notebooks, timestamp


# ----------------------------------------------------------------------------- the worker


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


_CHANGE_FLAGS = (
    # nbgrader's OverwriteCells warns "Attribute '%s' for cell %s has changed!" when it
    # restores a locked cell: the student edited something they should not have.
    ("checksum", "locked_cell_edited", "locked cell {cell} was edited; nbgrader restored it"),
    ("points", "points_edited", "the points of cell {cell} were edited; nbgrader restored them"),
    ("locked", "lock_removed", "cell {cell} was unlocked; nbgrader locked it again"),
    ("cell_type", "cell_type_changed", "the type of cell {cell} was changed; nbgrader restored it"),
)


def _cell_sources(path: Path) -> dict:
    """grade_id -> source of every nbgrader cell of a notebook file ({} if unreadable)."""
    from autograder.nbcells import cell_source, nbgrader_meta

    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        out = {}
        for cell in nb.get("cells", []):
            gid = nbgrader_meta(cell).get("grade_id")
            if gid:
                out[gid] = cell_source(cell)
        return out
    except (OSError, ValueError, AttributeError):
        return {}


def _flags_from_log(records, released: dict, submitted: dict) -> list:
    """Flags for what nbgrader repaired. ``released``/``submitted``: grade_id -> source.

    nbgrader reports every hidden-test cell as changed (the released cell has the
    hidden tests stripped), so an edit is flagged only when the submitted source
    differs from the released one.
    """
    import re

    flags = []
    for rec in records:
        msg = rec.getMessage()
        m = re.match(r"Attribute '(\w+)' for cell (\S+) has changed", msg)
        if m:
            attr, cell = m.groups()
            if attr == "checksum" and submitted.get(cell) == released.get(cell, submitted.get(cell)):
                continue
            for name, code, text in _CHANGE_FLAGS:
                if name == attr:
                    flags.append(registry.flag(code, text.format(cell=cell), cell))
        m = re.match(r"Missing grade cell (\S+) encountered", msg)
        if m:
            flags.append(registry.flag("test_cell_deleted", f"test cell {m.group(1)} was deleted; nbgrader put it "
                                       "back and graded it", m.group(1)))
    return flags


class Worker:
    """The grading state of one worker process: config, scratch gradebook, hook."""

    def __init__(self, *, index: int, root: str, structure: dict, settings: dict):
        from autograder.course import Course, ensure_path_env, make_writable_and_remove

        ensure_path_env()
        become_subreaper()
        self.index = index
        self.course = Course(root)
        self.structure = structure
        self.settings = settings
        self.hook = resolve_hook(settings.get("post_grade"))
        state = self.course.state
        (state / "scratch").mkdir(parents=True, exist_ok=True)
        (state / "logs").mkdir(parents=True, exist_ok=True)
        scratch = state / "scratch" / f"worker-{index}-{os.getpid()}.db"
        make_writable_and_remove(scratch)
        self.scratch_path = scratch
        self.scratch_url = f"sqlite:///{scratch}"
        build_scratch_gradebook(self.scratch_url, self.course.course_id, structure,
                                settings.get("alembic_version", ""))
        self.log = logging.getLogger(f"kmeans_course.worker{index}")
        self.log.propagate = False
        self.log.setLevel(logging.INFO)
        self.BatchExecute = _make_batch_execute()
        self._remove = make_writable_and_remove
        self._released = {}
        self._flags = []
        if settings.get("cell_timeout"):
            self.course.config.Execute.timeout = int(settings["cell_timeout"])
        global SPARE_CWD, JAIL
        # the kernels' scratch folders: beside (not above) the scratch gradebook
        self.kernel_home = state / "scratch" / f"kernel-{index}-{os.getpid()}"
        make_writable_and_remove(self.kernel_home)
        self.kernel_home.mkdir(mode=0o700)
        self.isolation_flag = None
        self.kernel_had_secret = True
        if settings.get("jail_kernels", True):
            from autograder.course import kit_checkout

            # the course folder and the kit's own checkout (its solutions/, its tests) stay hidden
            hide = {str(self.course.root.resolve())} | ({str(kit_checkout())} if kit_checkout() else set())
            # With clean-room scores the kernel's own results only serve as evidence, so it
            # does not get the course secret: nothing it prints can give the secret away.
            from autograder.checks.secret import ENV_VAR

            clean_room = settings.get("post_grade") == "autograder.grading.cleanroom:post_grade"
            withhold = clean_room and bool(os.environ.get(ENV_VAR))
            self.kernel_had_secret = not withhold
            JAIL = KernelJail(self.kernel_home, kernel_reads(hide), sorted(hide),
                              memory=settings.get("kernel_memory"), file_size=KERNEL_FILE_SIZE,
                              unset=[ENV_VAR] if withhold else [])
            from autograder.isolation.sandbox_child import landlock_abi

            if landlock_abi() < 1:
                self.isolation_flag = registry.flag(
                    "weak_kernel_isolation", "Landlock is unavailable: the notebook's kernel could read and write "
                                             "anywhere the grader can")
        self.spare = None  # how to start a submission's kernel early: (kernel name, arguments)
        if settings.get("spare_kernel", True):
            SPARE_CWD = self.kernel_home  # a neutral folder; the kernel moves to the notebook's
            kernels = {json.loads(nb["kernelspec"]).get("name", "python3") if nb.get("kernelspec") else "python3"
                       for a in structure.values() for nb in a["notebooks"]}
            if len(kernels) == 1:
                extra = list(self.course.config.Execute.extra_arguments) if "extra_arguments" in \
                    self.course.config.Execute else []
                self.spare = (kernels.pop(), extra + [HIST_ARG])

    def _clear_previous(self) -> str:
        """Before a submission: no process of the previous one may still run.

        A kernel is killed with its process group when it stops, but code in it can leave
        a daemon behind (fork, ``setsid``) that would spend the next students' CPU time.
        The worker is a child subreaper, so such orphans become its children; all of them
        are killed here (between submissions the worker has no child of its own).
        """
        SPARE.shutdown()
        stopped = stop_orphans()
        previous, self._last_key = getattr(self, "_last_key", None), None
        return (f"[WARNING] stopped {stopped} process(es) left running by the previous submission "
                f"on this worker ({previous})\n") if stopped else ""

    def _start_kernel_early(self, student: str) -> None:
        """Start the submission's kernel now, jailed for this student, while nbgrader prepares.

        Only once the student is known: the jail lets a kernel read its own student's
        folder and nobody else's.
        """
        if JAIL is not None:
            folder = self.course.autograded / student
            if student.startswith(".") or folder.resolve().parent != self.course.autograded.resolve():
                JAIL.student_dir = None  # never the batch's state folder, never outside autograded/
            else:
                folder.mkdir(parents=True, exist_ok=True)
                JAIL.student_dir = folder
        if self.spare is not None and SPARE_CWD is not None:
            SPARE.start(*self.spare, SPARE_CWD, config=self.course.config,
                        manager_class=jailed_kernel_manager_class())

    def close(self):
        SPARE.shutdown()
        stop_orphans()
        with contextlib.suppress(OSError):
            self.scratch_path.unlink()
        import shutil

        shutil.rmtree(self.kernel_home, ignore_errors=True)

    # one submission --------------------------------------------------------
    def grade(self, task: Task) -> Result:
        start = time.perf_counter()
        STATS.reset()
        result = Result(task.student, task.assignment, task.content_hash, "failed", worker=self.index)
        notebook_names = [nb["name"] for nb in self.structure[task.assignment]["notebooks"]]
        submission_dir = self.course.submission_dir(task.student, task.assignment)
        dest = self.course.autograded_dir(task.student, task.assignment)
        self._remove(dest)
        cleared = self._clear_previous()
        self._last_key = task.key
        self._start_kernel_early(task.student)
        log_path = self.course.state / "logs" / f"{task.student}--{task.assignment}.log"
        result.log = str(log_path)

        reason = precheck(submission_dir, notebook_names)
        log_text = ""
        if not reason:
            reason, log_text = self._run_nbgrader(task)
        log_path.write_text(cleared + (log_text or (reason + "\n")))

        if not reason:
            from nbgrader.api import Gradebook

            with Gradebook(self.scratch_url, self.course.course_id) as gb:
                result.notebooks, result.timestamp = read_back(gb, task, self.structure)
            result.status = "graded"
        else:
            result.reason = reason
            self._remove(dest)  # nothing half-written stays behind

        self._post_grade(task, result, notebook_names, submission_dir, dest)
        result.seconds = time.perf_counter() - start
        result.execute_seconds = STATS.execute
        result.kernel_seconds = STATS.kernel
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        return result

    def _run_nbgrader(self, task: Task) -> tuple[str, str]:
        """Run nbgrader's Autograde for one submission. Returns (failure reason or "", log)."""
        from nbgrader.api import Gradebook
        from nbgrader.converters import Autograde, NbGraderException
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import Execute
        from autograder.course import chdir

        config = self.course.config
        with Gradebook(self.scratch_url, self.course.course_id) as gb:
            gb.update_or_create_student(task.student)
            if task.extension_seconds:
                import datetime

                gb.update_or_create_submission(
                    task.assignment, task.student,
                    extension=datetime.timedelta(seconds=task.extension_seconds))

        handler = _ListHandler()
        buffer = io.StringIO()
        stream = logging.StreamHandler(buffer)
        stream.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        self.log.handlers[:] = [handler, stream]

        coursedir = CourseDirectory(config=config)
        coursedir.root = str(self.course.root)
        coursedir.db_url = self.scratch_url
        coursedir.assignment_id = task.assignment
        coursedir.student_id = task.student
        converter = Autograde(coursedir=coursedir, config=config)
        converter.log = self.log
        converter.force = True
        converter.create_student = True
        converter.autograde_preprocessors = [
            self.BatchExecute if pp is Execute else pp for pp in converter.autograde_preprocessors]

        watchdog = _Watchdog(self.settings.get("submission_timeout"))
        reason = ""
        with watchdog, chdir(self.course.root):
            try:
                converter.start()
            except NbGraderException:
                reason = "failed"
            except Exception:  # nbgrader raised past its own handler: record it, go on
                self.log.error(traceback.format_exc())
                reason = "failed"
        log_text = buffer.getvalue()
        if reason:
            if watchdog.fired:
                reason = (f"grading took longer than the per-submission limit of "
                          f"{watchdog.seconds:g} s; the kernel was stopped")
            else:
                reason = failure_reason(log_text)
        released, submitted = {}, {}
        for nb in self.structure[task.assignment]["notebooks"]:
            released.update(self._released_sources(task.assignment, nb["name"]))
            submitted.update(_cell_sources(self.course.submission_dir(task.student, task.assignment)
                                           / f"{nb['name']}.ipynb"))
        self._flags = _flags_from_log(handler.records, released, submitted)
        return reason, log_text

    def _released_sources(self, assignment: str, notebook: str) -> dict:
        key = (assignment, notebook)
        if key not in self._released:
            self._released[key] = _cell_sources(self.course.release / assignment / f"{notebook}.ipynb")
        return self._released[key]

    def _post_grade(self, task, result, notebook_names, submission_dir, dest):
        result.flags = list(getattr(self, "_flags", []))
        if getattr(self, "isolation_flag", None):
            result.flags.append(dict(self.isolation_flag))
        self._flags = []
        hook_failed = ""
        for name in notebook_names:
            grades = result.notebooks.get(name, {}).get("grades", {})
            cells = next(nb["cells"] for nb in self.structure[task.assignment]["notebooks"] if nb["name"] == name)
            max_scores = {c["name"]: c["max_score"] for c in cells if c["type"] in ("GradeCell", "TaskCell")}
            autograded = dest / f"{name}.ipynb"
            info = SubmissionInfo(
                student=task.student, assignment=task.assignment, notebook=name, root=self.course.root,
                submitted=submission_dir / f"{name}.ipynb",
                autograded=autograded if autograded.exists() else None,
                scores={gid: g["auto_score"] for gid, g in grades.items()}, max_scores=max_scores,
                status=result.status, reason=result.reason, kernel_had_secret=self.kernel_had_secret)
            try:
                answer = self.hook(info.autograded, info)
            except Exception as exc:  # a broken hook must not lose the in-kernel grades
                result.flags.append(registry.flag("post_grade_error",
                                                  f"the post-grading step failed: {type(exc).__name__}: {exc}"))
                continue
            if not answer:
                continue
            if answer.failed:
                hook_failed = answer.failed
            for flag in answer.flags:
                if isinstance(flag, str):
                    flag = {"code": "flag", "message": flag, "cell": ""}
                result.flags.append({"code": str(flag.get("code", "flag")),
                                     "message": str(flag.get("message", "")),
                                     "cell": str(flag.get("cell", ""))})
            overrides = {gid: float(score) for gid, score in answer.overrides.items() if gid in max_scores}
            for gid, score in overrides.items():
                if not 0 <= score <= max_scores[gid]:
                    raise ValueError(f"post-grade score {score} for {gid} outside 0..{max_scores[gid]}")
            if overrides:
                result.overrides[name] = overrides
            texts = {gid: str(text) for gid, text in (answer.diagnoses or {}).items() if gid in max_scores}
            if texts:
                result.diagnoses[name] = texts
        if hook_failed:
            # the post-grading step found the submission ungradable (e.g. another lesson's notebook)
            result.status, result.reason = "failed", hook_failed
            result.overrides = {}
            result.notebooks = {}  # no scores at all, never a silent 0
        elif result.status == "failed" and result.overrides:
            # nbgrader could not grade it, but the post-grading step scored it: the
            # scores stand, and the in-kernel failure is kept as a flag.
            result.flags.append(registry.flag("in_kernel_failed",
                                              f"nbgrader could not grade the notebook: {result.reason}"))
            result.status, result.reason = "graded", ""


class _Watchdog:
    """Kill this process's children (the kernel) when a submission runs too long."""

    def __init__(self, seconds):
        self.seconds = float(seconds) if seconds else 0.0
        self.fired = False
        self._timer = None

    def __enter__(self):
        if self.seconds > 0:
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc):
        if self._timer is not None:
            self._timer.cancel()
        return False

    def _fire(self):
        import psutil

        self.fired = True
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux), so they can be stopped."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER


def _children(pid: int) -> list:
    """(pid, state) of the processes whose parent is ``pid`` (from /proc; none without /proc)."""
    from autograder.isolation.sandbox_child import proc_pids

    found = []
    for child in proc_pids():
        try:
            with open(f"/proc/{child}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append((child, fields[0].decode()))
    return found


def stop_orphans(seconds: float = 10.0) -> int:
    """SIGKILL every child of this process, again until none is left (or ``seconds`` pass); returns how many."""
    import signal

    me, stopped = os.getpid(), 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = _children(me)
        if not children:
            break
        for pid, state in children:
            if state != "Z":  # a zombie has stopped already: it only needs collecting
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    stopped += 1
        time.sleep(0.02)
        for pid, _ in children:  # collect the dead, so that they leave the process table
            with contextlib.suppress(OSError):
                os.waitpid(pid, os.WNOHANG)
    return stopped


def _seed_matplotlib_cache(folder: Path) -> None:
    """Copy matplotlib's font list into a kernel's private MPLCONFIGDIR (else every
    worker's first kernel rebuilds it, a second or more)."""
    # matplotlib's own cache folder, found as matplotlib finds it (without importing it)
    source = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "matplotlib")
    try:
        cached = sorted(Path(source).glob("fontlist-*.json"))
    except OSError:
        return
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        import shutil

        for path in cached:
            shutil.copy2(path, folder / path.name)


def _set_thread_env(threads: int) -> None:
    # Each kernel inherits this environment: W kernels at once should not each start
    # a BLAS thread per core. A TA's explicit setting wins.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))


def run(conn, index: int, root: str, structure: dict, settings: dict) -> None:
    """Entry point of a worker process: serve tasks from ``conn`` until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # Kernels inherit this process's stdout/stderr: send both (and our warnings) to a
    # log file, so the TA's terminal shows only the progress bar.
    import warnings

    warnings.filterwarnings("ignore")
    logs = Path(settings["state_dir"]) / "logs"
    with contextlib.suppress(OSError):
        logs.mkdir(parents=True, exist_ok=True)
        fd = os.open(logs / f"worker-{index}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    if settings.get("kernel_threads"):
        _set_thread_env(int(settings["kernel_threads"]))
    if settings.get("output_cap_bytes"):
        global OUTPUT_CAP_BYTES
        OUTPUT_CAP_BYTES = int(settings["output_cap_bytes"])
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    try:
        worker = Worker(index=index, root=root, structure=structure, settings=settings)
    except Exception:
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ready", os.getpid()))
    try:
        while True:
            message = conn.recv()
            if message[0] == "stop":
                break
            task = message[1]
            try:
                result = worker.grade(task)
            except Exception:
                result = Result(task.student, task.assignment, task.content_hash, "failed",
                                reason="internal grading error: " + traceback.format_exc().splitlines()[-1],
                                worker=index)
            conn.send(("result", result))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        worker.close()
