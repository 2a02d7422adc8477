"""One grading worker: a long-lived process that autogrades submissions with nbgrader.

``autograder.grading.autograde`` starts W of these (``multiprocessing``, spawn) and hands them
one submission at a time over a pipe. A worker pays nbgrader's import and set-up
once, then, for every submission, runs nbgrader's own ``Autograde`` converter (the
code behind ``nbgrader autograde``: sanitize, overwrite locked cells from the
gradebook, execute in a fresh kernel, read the grades) against a *scratch* gradebook
private to the worker (``autograder.grading.gradebook``), reads the grades back and sends
them to the parent, which is the only writer of the course gradebook.

The pipeline of one submission (:meth:`Worker.grade`), in order:

1. ``precheck`` (``autograder.grading.precheck``): an empty file, invalid JSON, a file
   that is not a notebook, or a missing ``<assignment>.ipynb`` is a failure with a plain
   reason; nbgrader is not run.
2. nbgrader's ``Autograde`` converter, with its ``Execute`` step replaced by the
   worker's (``autograder.grading.execute``: output capped, cells timed). Grading itself
   is nbgrader's: same preprocessors, same order, same ``determine_grade``.
3. The lesson's locked setup cells must have run (:class:`SetupCheck`): when one fails,
   and fails again in a fresh kernel with none of the student's files, the grader is at
   fault, and the batch stops (:class:`GraderFault`) instead of failing every student.
4. Read back, from the scratch gradebook, each grade cell's auto score, each solution
   cell's auto comment and the late penalty; flags from nbgrader's log (``logflags``).
5. The post-grading hook (:data:`PostGradeHook`): given the autograded notebook and
   the submission, it may override per-cell scores and add flags (the clean room plugs
   in here). Default: none.

Every kernel starts through the jail and imports the grader's own kit first
(``autograder.isolation.kernels``). A per-submission wall-clock bound and a per-kernel
memory bound are enforced by a watchdog here (``autograder.isolation.processes``), and
the parent kills the whole worker if even that does not return in time.

The worker's settings come from the parent as one :class:`autograder.config.GradingSettings`.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import resource
import sys
import time
import traceback
from pathlib import Path

from autograder.config import GradingSettings
from autograder.course import Course, ensure_path_env, kit_checkout, kit_packages, make_writable_and_remove
from autograder.integrity import flags as registry
from autograder.grading.execute import ExecutionStats, make_batch_execute
from autograder.grading.gradebook import build_scratch_gradebook, read_back, share_engine
from autograder.grading.logflags import ListHandler, cell_sources, flags_from_log
from autograder.grading.messages import (GraderFault, NotebookGrades, PostGradeHook, PostGradeResult,  # noqa: F401
                                         Result, SubmissionInfo, Task, no_post_grade, resolve_hook)
from autograder.grading.precheck import failure_reason, precheck
from autograder.grading.setupcheck import SetupCheck
from autograder.isolation.kernels import (HIST_ARG, KernelJail, KitPath, SpareKernel, seed_matplotlib_cache,
                                         kernel_manager_class, kernel_reads)
from autograder.isolation.processes import Watchdog, become_subreaper, set_thread_env, stop_orphans

# The memory a jailed kernel may map (RLIMIT_AS) beyond its resident-memory limit: room for
# thread stacks and the libraries' reservations, so the limit that bites is the watchdog's,
# while one allocation far beyond it fails at once.
ADDRESS_SPACE_HEADROOM = 4 * 1024**3


class Worker:
    """The grading state of one worker process: config, scratch gradebook, kernels, hook."""

    def __init__(self, *, index: int, root: str, structure: dict, settings: GradingSettings):
        ensure_path_env()
        subreaper = become_subreaper()
        self.index = index
        self.course = Course(root)
        _require_same_kit(settings.kit)
        self.structure = structure
        self.settings = settings
        self.hook = resolve_hook(settings.post_grade)
        state = self.course.state
        # a batch's own scratch folder: another batch in the same course never touches it
        scratch_root = Path(settings.scratch_dir) if settings.scratch_dir else state / "scratch"
        scratch_root.mkdir(parents=True, exist_ok=True)
        (state / "logs").mkdir(parents=True, exist_ok=True)
        scratch = scratch_root / f"worker-{index}-{os.getpid()}.db"
        make_writable_and_remove(scratch)
        self.scratch_path = scratch
        self.scratch_url = f"sqlite:///{scratch}"
        build_scratch_gradebook(self.scratch_url, self.course.course_id, structure, settings.alembic_version)
        share_engine(self.scratch_url)
        self.log = logging.getLogger(f"kmeans_course.worker{index}")
        self.log.propagate = False
        self.log.setLevel(logging.INFO)
        self._remove = make_writable_and_remove
        self._released = {}
        self._flags = []
        self._last_key = None
        self.course.config.Execute.timeout = int(settings.cell_timeout)
        # nbconvert validates the whole notebook after each of nbgrader's preprocessors (12 times
        # per notebook: two passes of six, profiled); once per pass, after the last, rejects the
        # same notebooks for a sixth of the cost
        self.course.config.Exporter.optimistic_validation = True
        # the kernels' scratch folders: beside (not above) the scratch gradebook
        self.kernel_home = scratch_root / f"kernel-{index}-{os.getpid()}"
        make_writable_and_remove(self.kernel_home)
        self.kernel_home.mkdir(mode=0o700)
        self.kit = KitPath(self.kernel_home / "kit")
        self.isolation_flag = None
        self.kernel_had_secret = True
        self.jail = self._make_jail() if settings.jail_kernels else None
        # a forked kernel becomes the worker's child only through the subreaper
        self.forks = self._start_forks() if settings.fork_kernels and subreaper else None
        self.manager_class = kernel_manager_class(self.jail, self.kit, self.forks)
        # the clean room's processes are forked too (they become the worker's children the same way)
        self.sandbox_forks = self._start_sandbox_forks() if settings.clean_room and settings.fork_sandboxes \
            and subreaper else None
        self.stats = ExecutionStats()
        self.spare_kernel = SpareKernel(self.kernel_home, self.manager_class) if settings.spare_kernel else None
        self.BatchExecute = make_batch_execute(stats=self.stats, manager_class=self.manager_class,
                                               spare=self.spare_kernel, output_cap=settings.output_cap,
                                               grace=settings.timeout_grace)
        self.setup = SetupCheck(self.kernel_home / "setup-check", self.manager_class, jail=self.jail,
                                config=self.course.config, timeout=settings.cell_timeout)
        self.spare = None  # how to start a submission's kernel early: (kernel name, arguments)
        if self.spare_kernel is not None:
            kernels = {json.loads(nb["kernelspec"]).get("name", "python3") if nb.get("kernelspec") else "python3"
                       for a in structure.values() for nb in a["notebooks"]}
            if len(kernels) == 1:
                extra = list(self.course.config.Execute.extra_arguments) if "extra_arguments" in \
                    self.course.config.Execute else []
                self.spare = (kernels.pop(), extra + [HIST_ARG])

    def _make_jail(self) -> KernelJail:
        from autograder.checks.secret import ENV_VAR
        from autograder.isolation.confine import landlock_abi

        settings = self.settings
        # the course folder and the kit's own checkout (its solutions/, its tests) stay hidden
        hide = {str(self.course.root.resolve())} | ({str(kit_checkout())} if kit_checkout() else set())
        # With clean-room scores the kernel's own results only serve as evidence, so it
        # does not get the course secret: nothing it prints can give the secret away.
        withhold = settings.clean_room and bool(os.environ.get(ENV_VAR))
        self.kernel_had_secret = not withhold
        memory = settings.kernel_memory + ADDRESS_SPACE_HEADROOM if settings.kernel_memory else None
        jail = KernelJail(self.kernel_home, kernel_reads(hide) + [str(self.kit.folder)], sorted(hide),
                          memory=memory, file_size=settings.kernel_file_size,
                          processes=settings.kernel_processes, unset=[ENV_VAR] if withhold else [])
        if landlock_abi() < 1:
            self.isolation_flag = registry.flag(
                "weak_kernel_isolation", "Landlock is unavailable: the notebook's kernel could read and write "
                                         "anywhere the grader can")
        return jail

    def _start_forks(self):
        """The kernels' fork server, with the kernels' environment less what the jail withholds."""
        from autograder.isolation.kernel_forks import KernelForks

        folder = self.kernel_home / "forks"
        folder.mkdir()
        seed_matplotlib_cache(folder / "matplotlib")
        if self.jail is not None:
            self.jail.read.append(str(folder))  # matplotlib's settings folder, read at import there
        withheld = set(self.jail.unset) if self.jail is not None else set()
        env = {var: value for var, value in os.environ.items() if var not in withheld}
        env["MPLCONFIGDIR"] = str(folder / "matplotlib")
        return KernelForks(folder, env)

    def _start_sandbox_forks(self):
        """The clean room's fork server, in a folder of its own that no kernel may write in."""
        import tempfile

        from autograder.isolation.sandbox import Sandbox, SandboxForks

        Sandbox.forks = SandboxForks(tempfile.mkdtemp(prefix="kmeans-sandbox-forks-"))
        return Sandbox.forks

    def _clear_previous(self) -> str:
        """Before a submission: no process of the previous one may still run.

        A kernel is killed with its process group when it stops, but code in it can leave
        a daemon behind (fork, ``setsid``) that would spend the next students' CPU time.
        The worker is a child subreaper, so such orphans become its children; all of them
        are killed here (between submissions the worker has no child of its own).
        """
        if self.spare_kernel is not None:
            self.spare_kernel.shutdown()
        stopped = stop_orphans()
        previous, self._last_key = self._last_key, None
        return (f"[WARNING] stopped {stopped} process(es) left running by the previous submission "
                f"on this worker ({previous})\n") if stopped else ""

    def _start_kernel_early(self, student: str) -> None:
        """Start the submission's kernel now, jailed for this student, while nbgrader prepares.

        Only once the student is known: the jail lets a kernel read its own student's
        folder and nobody else's.
        """
        if self.jail is not None:
            folder = self.course.autograded / student
            if student.startswith(".") or folder.resolve().parent != self.course.autograded.resolve():
                self.jail.student_dir = None  # never the batch's state folder, never outside autograded/
            else:
                folder.mkdir(parents=True, exist_ok=True)
                self.jail.student_dir = folder
        if self.spare is not None:
            self.spare_kernel.start(*self.spare, config=self.course.config)

    def close(self):
        if self.spare_kernel is not None:
            self.spare_kernel.shutdown()
        if self.forks is not None:
            self.forks.close()
        if self.sandbox_forks is not None:
            if self.sandbox_forks.broken:
                self.log.warning("clean room: %s; its processes started as new interpreters", self.sandbox_forks.broken)
            self.sandbox_forks.close()
            self._remove(Path(self.sandbox_forks.folder))
        stop_orphans()
        with contextlib.suppress(OSError):
            self.scratch_path.unlink()
        import shutil

        shutil.rmtree(self.kernel_home, ignore_errors=True)

    def grade(self, task: Task) -> Result:
        start = time.perf_counter()
        self.stats.reset()
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
        try:
            if reason:
                self.setup.check_kernel(task, log_text)  # no kernel starting at all is the grader's fault too
            self.setup.check(task, dest, notebook_names)  # a lesson that cannot start is the grader's fault
        except GraderFault:
            self._remove(dest)
            raise

        if not reason:
            from nbgrader.api import Gradebook

            with Gradebook(self.scratch_url, self.course.course_id) as gb:
                result.notebooks, result.timestamp = read_back(gb, task, self.structure)
            result.status = "graded"
        else:
            result.reason = reason
            self._remove(dest)  # nothing half-written stays behind

        hook_start = time.perf_counter()
        self._post_grade(task, result, notebook_names, submission_dir, dest)
        result.cleanroom_seconds = time.perf_counter() - hook_start
        result.seconds = time.perf_counter() - start
        result.execute_seconds = self.stats.execute
        result.kernel_seconds = self.stats.kernel
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

        handler = ListHandler()
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

        watchdog = Watchdog(self.settings.submission_timeout, self.settings.kernel_memory)
        reason = ""
        with watchdog, chdir(self.course.root):
            try:
                converter.start()
            except NbGraderException:
                reason = "failed"
            except Exception:  # nbgrader raised past its own handler: record it, go on
                self.log.error(traceback.format_exc())
                reason = "failed"
        # the kernel is gone: what it left running (a forked loop) stops now, not after the clean room
        stray = stop_orphans()
        if stray:
            self.log.warning("stopped %d process(es) the notebook's kernel left running", stray)
        log_text = buffer.getvalue()
        if reason:
            if watchdog.fired:
                reason = watchdog.reason()
            elif self.stats.timed_out:  # e.g. "lloyd: ran past the 60 s cell timeout; ..."
                reason = self.stats.timed_out
            else:
                reason = failure_reason(log_text)
        released, submitted = {}, {}
        for nb in self.structure[task.assignment]["notebooks"]:
            released.update(self._released_sources(task.assignment, nb["name"]))
            submitted.update(cell_sources(self.course.submission_dir(task.student, task.assignment)
                                           / f"{nb['name']}.ipynb"))
        self._flags = flags_from_log(handler.records, released, submitted)
        return reason, log_text

    def _released_sources(self, assignment: str, notebook: str) -> dict:
        key = (assignment, notebook)
        if key not in self._released:
            self._released[key] = cell_sources(self.course.release / assignment / f"{notebook}.ipynb")
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
                status=result.status, reason=result.reason, kernel_had_secret=self.kernel_had_secret,
                clean_room_limits=self.settings.clean_room_limits)
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



def _require_same_kit(expected) -> None:
    """The worker must run the kit its parent runs (and its kernels import), never a copy on its path."""
    here = [str(p) for p in kit_packages()]
    if expected and list(expected) != here:
        raise GraderFault(f"the grading worker imported the kit from {', '.join(here)}, but the grader runs "
                          f"{', '.join(expected)}: a copy of autograder/ or kmeans_ref/ on the import path "
                          "(the course folder?) shadows the installed one; remove that copy or reinstall the kit")


def _redirect_output(logs: Path, index: int) -> None:
    """Kernels inherit this process's stdout/stderr: send both (and its warnings) to a log file,
    so the TA's terminal shows only the progress bar."""
    with contextlib.suppress(OSError):
        logs.mkdir(parents=True, exist_ok=True)
        fd = os.open(logs / f"worker-{index}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


def run(conn, index: int, root: str, structure: dict, settings: GradingSettings) -> None:
    """Entry point of a worker process: serve tasks from ``conn`` until told to stop.

    Messages to the parent: ``("ready", pid)``, ``("result", Result)``, ``("error", text)``
    (could not start), ``("fault", text)`` (the grader cannot grade: stop the batch).
    """
    import signal
    import warnings

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    warnings.filterwarnings("ignore")
    _redirect_output(Path(settings.state_dir) / "logs", index)
    if settings.kernel_threads:
        set_thread_env(int(settings.kernel_threads))
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    try:
        worker = Worker(index=index, root=root, structure=structure, settings=settings)
    except GraderFault as exc:
        conn.send(("fault", str(exc)))
        return
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
            except GraderFault as exc:
                conn.send(("fault", str(exc)))
                continue
            except Exception:
                result = Result(task.student, task.assignment, task.content_hash, "failed",
                                reason="internal grading error: " + traceback.format_exc().splitlines()[-1],
                                worker=index)
            conn.send(("result", result))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        worker.close()
