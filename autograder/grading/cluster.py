"""Grading on a Dask distributed cluster: ``kmeans-course autograde --scheduler tcp://HOST:PORT``.

An executor of ``autograder.grading.autograde.run_tasks`` (like the local pool,
``autograder.grading.pool``): it turns tasks into results; this process still merges
every result into the gradebook, appends the ledger and draws the progress bar.

No shared filesystem is assumed. The batch's data travels once to every worker (Dask
``scatter``, broadcast): the release and instructor sources of the lessons graded, the
course's ``nbgrader_config.py``, the gradebook's structure, the settings and the course
secret. Each task carries one submission's folder as bytes; the worker grades it with the
local machinery (``autograder.grading.cluster_worker``) and returns the :class:`Result`,
the ``autograded/<student>/<assignment>/`` folder as bytes and nbgrader's log, which this
process writes into the course.

A worker lost mid-batch (killed, its machine gone) loses nothing: Dask runs its tasks
again elsewhere, and each task has one future here, so each submission is merged once. A
task that was running on ``distributed.scheduler.allowed-failures`` + 1 workers as each
died ends as a failed record saying so (``KilledWorker``), not as a hung batch.

The cluster is started with Dask's own commands; every worker needs the kit, the same
version as the TA's (``pip install "kmeans-course[cluster]"``)::

    dask scheduler --port 8786
    dask worker tcp://SCHEDULER:8786 --nworkers 1 --nthreads 2   # on each machine: 2 grading processes
    kmeans-course autograde 01-labels --scheduler tcp://SCHEDULER:8786
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autograder.course import Course, CourseError, kit_packages, make_writable_and_remove
from autograder.grading.cluster_worker import end_batch, grade_remote, pack, unpack
from autograder.grading.messages import GraderFault, Result

INSTALL = 'pip install "kmeans-course[cluster]"'
CONNECT_SECONDS = 10.0
# How long the batch waits for a first worker to join the scheduler.
WORKER_WAIT_SECONDS = 30.0


def import_distributed():
    """The ``distributed`` module, or a CourseError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise CourseError(f"grading on a Dask cluster needs Dask's `distributed`, which is not installed here: "
                          f"{INSTALL} (on this machine and on every worker)") from None
    return distributed


def kit_hash() -> str:
    """SHA-256 (16 hex digits) of the kit's Python sources: two copies grade alike only if it matches."""
    h = hashlib.sha256()
    for package in kit_packages():
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            h.update(f"{package.name}/{path.relative_to(package)}".encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def kit_identity() -> dict:
    """What must match between the TA's process and every worker: the kit's version and sources."""
    from importlib import metadata

    try:
        version = metadata.version("kmeans-course")
    except metadata.PackageNotFoundError:
        version = "not installed"
    return {"version": version, "hash": kit_hash()}


def compare_kits(mine: dict, workers: dict) -> str:
    """A message naming every worker whose kit differs from ``mine`` (or could not be read), else ''.

    ``workers``: worker address -> :func:`kit_identity`'s dict, or the exception it raised there.

    >>> compare_kits({"version": "1", "hash": "a"}, {"tcp://w:1": {"version": "1", "hash": "a"}})
    ''
    >>> print(compare_kits({"version": "1", "hash": "a"}, {"tcp://w:1": {"version": "2", "hash": "b"}}))
    worker tcp://w:1 runs kmeans-course 2 (sources b), this machine 1 (sources a)
    """
    lines = []
    for address, theirs in sorted(workers.items()):
        if isinstance(theirs, BaseException):
            lines.append(f"worker {address} cannot run the kit ({type(theirs).__name__}: {theirs})")
        elif theirs != mine:
            lines.append(f"worker {address} runs kmeans-course {theirs.get('version')} (sources "
                         f"{theirs.get('hash')}), this machine {mine['version']} (sources {mine['hash']})")
    return "\n".join(lines)


def connect(address: str, *, timeout: float = CONNECT_SECONDS):
    """A Dask client of the scheduler at ``address``, with at least one worker running this kit.

    Raises CourseError: ``distributed`` missing, no scheduler answering, no worker, a worker
    with another kit.
    """
    distributed = import_distributed()
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise CourseError(f"no Dask scheduler answers at {address} ({exc}). Start one with `dask scheduler` "
                          f"(it prints its address, tcp://HOST:8786 by default), then workers with "
                          f"`dask worker {address}` on the grading machines (each with {INSTALL}), "
                          "and pass that address to --scheduler") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            raise CourseError(f"the Dask scheduler at {address} has no worker: start some with "
                              f"`dask worker {address}` (each machine with {INSTALL})") from None
        differ = compare_kits(kit_identity(), client.run(kit_identity, on_error="return"))
        if differ:
            raise CourseError(f"the Dask workers must run the kit this machine runs, to grade alike:\n{differ}\n"
                              f"install the same version on them ({INSTALL}, or the same checkout) and "
                              "restart the workers")
    except BaseException:
        client.close()
        raise
    return client


def _relative(course: Course, folder: Path, name: str) -> str:
    try:
        return str(folder.resolve().relative_to(course.root))
    except ValueError:
        raise CourseError(f"the {name} folder {folder} is outside the course folder {course.root}: on a "
                          "cluster every course folder must be inside it") from None


def course_bytes(course: Course, assignments) -> bytes:
    """What a worker needs of the course folder: nbgrader_config.py, the lessons' release and sources."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kmeans-course-bundle-") as tmp:
        bundle = Path(tmp) / "course"
        bundle.mkdir()
        shutil.copy2(course.root / "nbgrader_config.py", bundle / "nbgrader_config.py")
        # the clean room reads <root>/solutions; nbgrader its source and release folders
        folders = {course.release, course.source, course.root / "solutions"}
        for folder in folders:
            for assignment in assignments:
                if (folder / assignment).is_dir():
                    target = bundle / _relative(course, folder, "source/release") / assignment
                    shutil.copytree(folder / assignment, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        return pack(bundle)


class ClusterExecutor:
    """Grade a batch's tasks on the Dask cluster at ``address``.

    Parameters
    ----------
    address : the scheduler, ``tcp://HOST:PORT`` (``tls://`` with Dask's TLS settings).
    course, structure, settings : as for the local pool.
    batch : the batch id (names the tasks and the workers' per-batch folders).
    """

    def __init__(self, address: str, course: Course, structure: dict, settings, *, batch: str):
        self.address, self.course, self.structure, self.batch = address, course, structure, batch
        self.settings = settings
        self.client = connect(address)
        self.futures = []

    @property
    def threads(self) -> int:
        """Tasks the cluster runs at once (its workers' threads)."""
        return sum(self.client.nthreads().values())

    def results(self, tasks: list):
        """Grade ``tasks`` on the cluster; yield each one's :class:`Result` as it arrives."""
        from distributed import KilledWorker, as_completed

        from autograder.checks.secret import ENV_VAR

        course = self.course
        secret = os.environ.get(ENV_VAR, "")
        payload = {
            "batch": self.batch, "structure": self.structure, "settings": self.settings,
            "secret": secret if secret.strip() else None,
            "course": course_bytes(course, sorted({t.assignment for t in tasks})),
            "paths": {"submitted": _relative(course, course.submitted, "submitted"),
                      "autograded": _relative(course, course.autograded, "autograded"),
                      "state": _relative(course, course.state, "state")},
        }
        [shared] = self.client.scatter([payload], broadcast=True, hash=False)
        owner = {}
        for i, task in enumerate(tasks):  # submitted in the planned order
            future = self.client.submit(grade_remote, shared, task, pack(course.submission_dir(task.student,
                                                                                            task.assignment)),
                                        key=f"kmeans-course-grade-{self.batch}-{i}", pure=False)
            owner[future.key] = task
            self.futures.append(future)
        for future in as_completed(self.futures, loop=self.client.loop):
            task = owner[future.key]
            try:
                result, files, log_text = future.result()
            except KilledWorker as exc:
                yield Result(task.student, task.assignment, task.content_hash, "failed",
                             reason=f"grading it ended every Dask worker it ran on ({exc}); the submission may "
                                    "crash the grader: grade it locally to see why")
                continue
            except GraderFault:
                raise
            self._write(result, files, log_text)
            yield result

    def _write(self, result: Result, files: bytes, log_text: str) -> None:
        """Write what the worker returned where the local pool's worker would have written it."""
        dest = self.course.autograded_dir(result.student, result.assignment)
        make_writable_and_remove(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if files:
            unpack(files, dest)
        if log_text:
            log = self.course.state / "logs" / f"{result.student}--{result.assignment}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(log_text)
            result.log = str(log)

    def close(self) -> None:
        """Cancel what is left, stop the batch's grading processes on every worker, disconnect."""
        import contextlib

        with contextlib.suppress(Exception):
            if self.futures:
                self.client.cancel(self.futures)
            self.client.run(end_batch, self.batch, on_error="return")
        with contextlib.suppress(Exception):
            self.client.close()
