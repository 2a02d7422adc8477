"""``kmeans-course autograde``: grade every submission in parallel, resumably.

``nbgrader autograde`` grades one notebook at a time in one process. Here W worker
processes (default: one per core) each take submissions from a queue and grade them
with nbgrader's own machinery into a private scratch gradebook
(``autograder.grading.worker``); this process is the single writer that merges each
result into the course gradebook (``autograder.grading.merge``) and appends it to the ledger.

Resumable (``autograder.grading.plan``): a submission is graded again only when its
content hash (the submitted files plus the assignment as recorded in the gradebook)
differs from the ledger's, or its autograded notebook or gradebook entry is gone, or
with ``force``. A submission that failed to grade is recorded with its reason and not
retried for the same content unless ``retry_failed``.

Settings (``autograder.config.Grading``, ``c.Grading.*`` in nbgrader_config.py, or
``--Grading.*`` on the command line): per cell, nbgrader's ``c.Execute.timeout``
(``cell_timeout`` overrides it); per submission, ``submission_timeout`` seconds of wall
clock; per kernel, ``kernel_memory`` bytes; per cell, a cap on the output kept.

A grader fault (the lesson's setup fails in a clean kernel too, the workers import
another copy of the kit) stops the batch with :class:`GraderFault`: nobody is recorded
as failed for it. Without ``KMEANS_COURSE_SECRET`` the batch refuses to grade unless
``dev_secret`` (CLI ``--dev-secret``) asks for the public development secret.

Post-grading hook (``post_grade="package.module:function"``, CLI ``--post-grade``): called
in the worker once per notebook, after nbgrader, as ``hook(autograded, info)`` where
``autograded`` is the autograded notebook's path (None when nbgrader failed) and
``info`` a :class:`SubmissionInfo` (student, assignment, notebook, submitted path,
in-kernel scores, max scores, status, reason). It returns None or a
:class:`PostGradeResult`: ``overrides`` {grade_id: points} replace the auto scores that
are merged into the gradebook (the in-kernel ones stay in the ledger as
``in_kernel_scores``), ``flags`` go to the class report, ``diagnoses`` {grade_id: text}
replace the test cell's diagnosis in feedback and reports. A hook that raises costs a
flag, never the in-kernel grades.

Example (from the course root)::

    kmeans-course autograde                       # every assignment with submissions
    kmeans-course autograde 02-loss --workers 4
    kmeans-course autograde --force               # regrade everything
    kmeans-course autograde 03-lloyd --student canvas-12345   # regrade one student's submission

After a batch that graded anything again, every auto score it changed (and every late
penalty) is printed, student, lesson, exercise (cell), old -> new; the ledger keeps them
per record (``changes``, with the batch id) for the class report's "Changed by the last
regrade" section.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Grading, GradingSettings, grading_settings
from autograder.course import Course, CourseError, ensure_path_env, kit_packages, make_writable_and_remove
from autograder.grading.merge import LEDGER_NAME, Ledger, Merger
from autograder.grading.messages import GraderFault, PostGradeResult, Result, SubmissionInfo, no_post_grade
from autograder.grading.plan import Plan, assignments_to_grade, content_hash, plan
from autograder.grading.pool import LocalPool

__all__ = ["main", "plan", "Plan", "content_hash", "BatchSummary", "GraderFault", "PostGradeResult",
           "SubmissionInfo", "no_post_grade"]

DEFAULT_SUBMISSION_TIMEOUT = Grading.submission_timeout.default_value


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------- planning


# ----------------------------------------------------------------------------- progress


def _clock(seconds: float) -> str:
    seconds = int(round(max(0.0, seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """A one-line progress bar on stderr: done, failed, elapsed, ETA."""

    def __init__(self, total: int, *, stream=None, enabled: bool = True, width: int = 28):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.width = width
        self.done = self.failed = 0
        self.start = time.monotonic()
        self._last_print = 0.0
        self._last_decile = -1
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        frac = self.done / self.total if self.total else 1.0
        filled = int(frac * self.width)
        bar = "=" * filled + (">" if filled < self.width else "") + " " * max(0, self.width - filled - 1)
        elapsed = time.monotonic() - self.start
        eta = "--:--" if self.done == 0 else _clock(elapsed / self.done * (self.total - self.done))
        return (f"grading {self.done:>{len(str(self.total))}}/{self.total} [{bar}] {frac:4.0%}"
                f"  failed {self.failed}  elapsed {_clock(elapsed)}  ETA {eta}")

    def update(self, *, done: int = 0, failed: int = 0, force: bool = False) -> None:
        self.done += done
        self.failed += failed
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if force or now - self._last_print > 0.2 or self.done == self.total:
                self.stream.write("\r" + self.line())
                self.stream.flush()
                self._last_print = now
        else:
            decile = int(10 * self.done / self.total) if self.total else 10
            if force or decile != self._last_decile or now - self._last_print > 30:
                self.stream.write(self.line() + "\n")
                self.stream.flush()
                self._last_print, self._last_decile = now, decile

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()


# ----------------------------------------------------------------------------- the batch


@dataclass
class BatchSummary:
    """What a batch did: counts, time, and the ledger records it wrote."""

    graded: int = 0
    failed: int = 0
    skipped: int = 0
    workers: int = 0
    seconds: float = 0.0
    records: list = field(default_factory=list)

    @property
    def changes(self) -> list:
        """(student, assignment, notebook, cell, old, new) of every score this batch changed."""
        return [(r["student"], r["assignment"], c["notebook"], c["cell"], c["old"], c["new"])
                for r in self.records for c in r.get("changes", [])]

    def changes_text(self) -> str:
        """The changed scores, a line each, as the terminal shows them after a regrade."""
        from autograder.reporting.changes import change_line

        lines = [change_line(*c) for c in self.changes]
        if not lines:
            return "the regrade changed no score" if any(r.get("regraded") for r in self.records) else ""
        return f"{len(lines)} score(s) changed:\n" + "\n".join("  " + line for line in lines)

    @property
    def peak_worker_rss_mb(self) -> float:
        return max((r.get("peak_rss_mb", 0.0) for r in self.records), default=0.0)

    def overhead_seconds(self) -> list:
        """Per notebook: grading wall time beyond the notebook's own cell execution."""
        return [r["seconds"] - r["execute_seconds"] for r in self.records if r["status"] == "graded"]

    def summary(self) -> str:
        overhead = self.overhead_seconds()
        parts = [f"graded {self.graded}", f"failed {self.failed}", f"skipped (unchanged) {self.skipped}",
                 f"in {_clock(self.seconds)} with {self.workers} worker(s)"]
        if self.records:
            parts.append(f"peak worker memory {self.peak_worker_rss_mb:.0f} MB")
        if overhead:
            parts.append(f"mean overhead {sum(overhead) / len(overhead):.2f} s/notebook")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"graded": self.graded, "failed": self.failed, "skipped": self.skipped,
                "workers": self.workers, "seconds": self.seconds,
                "peak_worker_rss_mb": self.peak_worker_rss_mb}


def run_tasks(course: Course, tasks: list, structure: dict, *, workers: int, settings: GradingSettings,
              progress: Progress, on_record=None, config=None, batch: str = "", executor=None) -> BatchSummary:
    """Grade ``tasks``; merge each result as it arrives, append it to the ledger, count it on ``progress``.

    ``executor``: what turns tasks into results, an object with ``results(tasks)`` (yields a
    :class:`Result` per task, in any order) and ``close()``; default the local pool of
    ``workers`` processes (``autograder.grading.pool``), or a Dask cluster
    (``autograder.grading.cluster``). ``config``: the course's nbgrader config (its
    late-penalty plugin, for overridden scores); ``batch``: the id the ledger records carry.
    """
    summary = BatchSummary(workers=workers)
    if not tasks:
        if executor is not None:
            executor.close()
        return summary
    if executor is None:
        executor = LocalPool(str(course.root), structure, settings, workers=workers, logs=course.state / "logs")
    ledger = Ledger(course.state / LEDGER_NAME)
    previous = ledger.latest()
    merger = Merger(course.db_url, course.course_id, ledger, config=config, batch=batch)

    def record(result: Result) -> None:
        rec = merger.merge(result, previous=previous.get(result.key))
        summary.records.append(rec)
        if result.status == "graded":
            summary.graded += 1
        else:
            summary.failed += 1
        progress.update(done=1, failed=int(result.status != "graded"))
        if on_record is not None:
            on_record(rec)

    progress.update(force=True)
    try:
        for result in executor.results(tasks):
            record(result)
    finally:
        executor.close()
        merger.close()
        progress.close()
        if settings.scratch_dir:  # this batch's own folder only: another batch may be running beside it
            make_writable_and_remove(Path(settings.scratch_dir))
    return summary


def main(*, root: str | Path = ".", assignments: list[str] | None = None, workers: int | None = None,
         force: bool = False, retry_failed: bool = False, cell_timeout: int | None = None,
         submission_timeout: float | None = None, post_grade=None, clean_room: bool | None = None,
         output_cap_bytes: int | None = None, kernel_memory: int | None = None, dev_secret: bool | None = None,
         config=None, progress: bool = True, quiet: bool = False, students: list[str] | None = None,
         scheduler: str | None = None) -> BatchSummary:
    """Autograde the submissions of ``assignments`` (default: all) that need it.

    Every setting left None comes from ``config`` (the command line's ``--Grading.*``), then
    the course's nbgrader_config.py (``c.Grading.*``), then :class:`autograder.config.Grading`.

    Parameters
    ----------
    root : the course root (holds nbgrader_config.py).
    assignments : assignment ids; default every assignment in the gradebook.
    workers : number of grading processes; default the number of cores.
    force : regrade everything, even unchanged submissions.
    retry_failed : regrade submissions that failed before, even if unchanged.
    students : only these students' submissions, every one regraded (forced); nobody else's
        gradebook rows or ledger lines are touched.
    cell_timeout : seconds per cell (default: nbgrader's ``c.Execute.timeout``).
    submission_timeout : wall-clock seconds per submission (0: no bound; default 600).
    post_grade : a hook ``f(autograded_path, SubmissionInfo) -> PostGradeResult | None``
        or its ``"module:function"`` name; it may override per-cell scores and add flags.
        Default: the clean room, unless ``clean_room`` is False.
    clean_room : record the clean room's scores (default True).
    output_cap_bytes : output kept per cell (default 2 MB); beyond it stdout and displays
        are dropped, while what grading reads (errors, stderr, the result) is kept.
    kernel_memory : resident bytes a student's kernel may use (default 2 GB; 0: no limit).
    dev_secret : grade with the public development secret when ``KMEANS_COURSE_SECRET`` is unset.
    config : a traitlets Config (from the command line) that wins over nbgrader_config.py.
    progress : show a progress bar on stderr.
    scheduler : a Dask scheduler's address (``tcp://HOST:PORT``): grade on its workers instead of
        local processes (``autograder.grading.cluster``); default ``c.Grading.scheduler``.

    Raises
    ------
    CourseError : the course cannot be graded as it is (no secret, unknown assignment, no Dask
        scheduler at ``scheduler``, ...).
    GraderFault : the grader itself failed (a lesson's setup fails in every kernel); nothing
        was recorded for the submissions it concerns.
    """
    start = time.monotonic()
    ensure_path_env()
    course = Course(root)
    merged = course.config.copy()
    if config is not None:
        merged.merge(config)
    options = Grading(config=merged)
    if not (options.dev_secret if dev_secret is None else dev_secret):
        require_secret()
    from autograder.lms.deadlines import late_plugin

    late_plugin(merged)  # a broken late policy stops the batch here, not in every late notebook
    with BatchLock(course, sorted(assignments_to_grade(course, assignments))):
        # planned under the lock: what another batch recorded before it ended counts
        the_plan = plan(course, assignments, force=force, retry_failed=retry_failed, students=students)
        return _grade_plan(course, the_plan, merged, options, workers=workers, cell_timeout=cell_timeout,
                           submission_timeout=submission_timeout, post_grade=post_grade, clean_room=clean_room,
                           output_cap_bytes=output_cap_bytes, kernel_memory=kernel_memory, progress=progress,
                           quiet=quiet, start=start, scheduler=scheduler or options.scheduler)


def _grade_plan(course, the_plan, merged, options, *, workers, cell_timeout, submission_timeout, post_grade,
                clean_room, output_cap_bytes, kernel_memory, progress, quiet, start, scheduler=None) -> BatchSummary:
    """Grade a plan (the batch lock is held): workers (local or a Dask cluster's), merge, the summary printed."""
    cores = available_cores()
    n = max(1, min(int(workers or options.workers or cores), len(the_plan.tasks) or 1))
    if scheduler:  # BLAS threads per kernel: each worker divides its own cores (0: not set here)
        cores = 0
    if post_grade is not None and not isinstance(post_grade, str):
        # a callable must reach spawned workers by name
        post_grade = f"{post_grade.__module__}:{post_grade.__qualname__}"
    settings = grading_settings(
        merged, state_dir=str(course.state), kernel_threads=max(1, cores // n) if cores else 0,
        alembic_version=the_plan.alembic_version, kit=tuple(kit_packages()),
        cell_timeout=cell_timeout, submission_timeout=submission_timeout, post_grade=post_grade,
        clean_room=clean_room, output_cap=output_cap_bytes, kernel_memory=kernel_memory)
    course.state.mkdir(parents=True, exist_ok=True)
    batch = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    settings = dataclasses.replace(settings, scratch_dir=str(course.state / "scratch" / f"batch-{batch}"))
    executor, where = None, ""
    if scheduler:
        from autograder.grading.cluster import ClusterExecutor

        executor = ClusterExecutor(scheduler, course, the_plan.structure, settings, batch=batch)
        n, where = executor.threads, f" on the Dask cluster at {scheduler}"
    if not quiet:
        print(f"{len(the_plan.tasks)} submission(s) to grade, {len(the_plan.skipped)} unchanged"
              f" (skipped), {n} worker(s){where}", file=sys.stderr)
    bar = Progress(len(the_plan.tasks), enabled=progress and not quiet)
    remove_stale_scratch(course)
    summary = run_tasks(course, the_plan.tasks, the_plan.structure, workers=n, settings=settings, progress=bar,
                        config=merged, batch=batch, executor=executor)
    summary.skipped = len(the_plan.skipped)
    summary.seconds = time.monotonic() - start
    if not quiet:
        print(summary.summary(), file=sys.stderr)
        failed = [r for r in summary.records if r["status"] == "failed"]
        for rec in failed:
            print(f"  FAILED {rec['key']}: {rec['reason']}", file=sys.stderr)
        changed = summary.changes_text()
        if changed:
            print(changed, file=sys.stderr)
    return summary


class BatchLock:
    """Only one batch at a time grades a lesson in a course folder; the second refuses, naming the first.

    One lock file per lesson (``<state>/locks/<lesson>.lock``, ``flock``): batches on different
    lessons run side by side; the lock goes with the process, so a killed batch leaves none.
    """

    def __init__(self, course: Course, lessons: list):
        self.course, self.lessons, self.files = course, lessons, []

    def __enter__(self) -> "BatchLock":
        import fcntl
        import socket

        folder = self.course.state / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": time.strftime("%Y-%m-%d %H:%M:%S"), "lessons": self.lessons})
        try:
            for lesson in self.lessons:
                fh = open(folder / f"{lesson}.lock", "a+")
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    fh.seek(0)
                    other = fh.read().strip() or "{}"
                    fh.close()
                    raise CourseError(f"another batch is grading {lesson} in this course folder "
                                      f"({_describe_holder(other)}): wait for it to finish, or stop it, "
                                      "then run autograde again") from None
                fh.seek(0)
                fh.truncate()
                fh.write(holder)
                fh.flush()
                self.files.append(fh)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for fh in self.files:
            with contextlib.suppress(OSError):
                fh.truncate(0)
            fh.close()  # closing releases the flock
        self.files = []


def _describe_holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"process {info['pid']} on {info['host']}, started {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "a process that holds its lock"


def remove_stale_scratch(course: Course) -> None:
    """Remove the scratch folders of batches whose process is gone (killed mid-batch); never a live one's."""
    for folder in (course.state / "scratch").glob("batch-*-*"):
        try:
            pid = int(folder.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        try:
            os.kill(pid, 0)
            continue  # still running (or its pid reused): leave it
        except ProcessLookupError:
            make_writable_and_remove(folder)
        except PermissionError:
            continue


def require_secret() -> None:
    """Refuse to grade with the public development secret: its hidden cases are in the kit's source."""
    from autograder.checks.secret import ENV_VAR, is_development_secret

    if is_development_secret():
        raise CourseError(
            f"{ENV_VAR} is not set, so the hidden test cases would come from the public development secret "
            "(anyone who reads the kit knows them). Set a secret of the course's own, outside the repository, "
            f"before grading, e.g. `export {ENV_VAR}=$(python -c 'import secrets; print(secrets.token_hex(16))')` "
            "(keep it for the term: the same secret gives the same cases), or pass --dev-secret to grade with the "
            "development secret anyway (for trying the kit, never for a real class).")
