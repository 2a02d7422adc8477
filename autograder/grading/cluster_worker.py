"""The Dask side of cluster grading: a task on a Dask worker feeds a local grading process.

A Dask task (:func:`grade_remote`) runs in a thread of a ``dask worker`` process on a machine
that shares no folder with the TA's. Per batch, this process materialises a private
temporary course folder from the batch's bytes (the release, the instructor sources of the
lessons graded, ``nbgrader_config.py``), and keeps idle long-lived grading processes there:
each is ``autograder.grading.worker.run``, the very loop the local pool runs, started with
``subprocess`` (a Dask worker process is daemonic, and multiprocessing refuses children to
daemonic processes; ``subprocess`` does not care, so ``dask worker`` needs no option) and
talking over a socket pair with the same messages. So nbgrader's import and set-up are paid
once per grading process, and the jail, watchdog, subreaper and clean room are the local
pool's. A grading process that dies or runs past the per-submission limit (plus the pool's
grace) is killed with its children, as locally, and the submission comes back failed.

The course secret is never read from the Dask worker's environment: it comes with the
batch's data, and only the grading processes get it, in their environment, as the local
pool's workers get it from the TA's shell (the jail withholds it from the kernels the same way).

Run as a script (``python -m autograder.grading.cluster_worker FD INDEX``) it is the
grading process: it reads ``(root, structure, settings)`` from the socket FD, then serves.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from autograder.grading.messages import GraderFault, Result
from autograder.isolation.processes import kill_descendants
from autograder.grading.pool import HARD_KILL_GRACE, died_reason, timeout_reason

# A batch whose TA process went away without ending it: its idle grading processes are
# stopped, and its folder removed, when another task arrives this long after its last one.
IDLE_BATCH_SECONDS = 3600.0
# Seconds a grading process has to import nbgrader and build its scratch gradebook.
START_SECONDS = 300.0


# ----------------------------------------------------------------------------- bytes <-> folders


def pack(folder: Path) -> bytes:
    """A folder's files (names, modes, bytes) as a gzipped tar; b"" when it does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        return b""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        tar.add(str(folder), arcname=".")
    return buffer.getvalue()


def unpack(data: bytes, folder: Path) -> None:
    """Write the files of :func:`pack`'s bytes into ``folder`` (created); nothing lands outside it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not data:
        return
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(str(folder), filter="data")  # no absolute paths, links out or device files


# ----------------------------------------------------------------------------- a grading process


class Grader:
    """A long-lived local grading process (``autograder.grading.worker.run``) and its socket."""

    def __init__(self, index: int, cwd: Path, root: str, structure: dict, settings, secret: str | None):
        from autograder.checks.secret import ENV_VAR

        self.index = index
        mine, theirs = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
        if secret:
            env[ENV_VAR] = secret
        # cwd: the batch's folder, never the course folder (python -m puts the cwd on sys.path)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.cluster_worker", str(theirs.fileno()), str(index)],
            pass_fds=[theirs.fileno()], env=env, cwd=str(cwd), stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.conn.send((root, structure, settings))
        self.logs = Path(settings.state_dir) / "logs"
        message = self._receive(START_SECONDS)
        if message is None or message[0] != "ready":
            self.kill()
            if message is not None and message[0] == "fault":
                raise GraderFault(message[1])
            detail = message[1] if message is not None else f"exit code {self.process.returncode}"
            out = self.logs / f"worker-{index}.out"
            tail = out.read_text(errors="replace")[-4000:] if out.is_file() else ""
            raise RuntimeError(f"a grading worker could not start on {socket.gethostname()}:\n{detail}\n{tail}")

    def _receive(self, timeout: float):
        """The next message, or None when the process died or ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.conn.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
                    return self.conn.recv()
            except (EOFError, OSError):
                return None
            if self.process.poll() is not None:
                try:
                    return self.conn.recv() if self.conn.poll(0) else None
                except (EOFError, OSError):
                    return None
        return None

    def grade(self, task, limit: float) -> tuple[Result, bool]:
        """Grade one task. Returns (result, whether this process can grade another)."""
        started = time.monotonic()
        self.conn.send(("task", task))
        message = self._receive(limit + HARD_KILL_GRACE if limit else float("inf"))
        if message is not None and message[0] == "result":
            return message[1], True
        if message is not None and message[0] == "fault":
            raise GraderFault(message[1])
        alive = self.process.poll() is None
        self.kill()
        reason = timeout_reason(limit) if alive else died_reason(self.process.returncode)
        return Result(task.student, task.assignment, task.content_hash, "failed", reason=reason,
                      worker=self.index, seconds=time.monotonic() - started), False

    def kill(self) -> None:
        kill_descendants(self.process.pid)
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop",))
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


# ----------------------------------------------------------------------------- a batch on this worker


class _Batch:
    """One TA batch on this Dask worker process: its course folder and its idle grading processes."""

    def __init__(self, payload: dict):
        from autograder.course import kit_packages

        self.folder = Path(tempfile.mkdtemp(prefix="kmeans-course-batch-"))
        self.root = self.folder / "course"
        unpack(payload["course"], self.root)
        self.paths = {name: self.root / rel for name, rel in payload["paths"].items()}
        settings = payload["settings"]
        threads = settings.kernel_threads or max(1, (os.cpu_count() or 1) // max(1, _threads_here()))
        # this machine's folders and kit: the grading processes must import the kit this worker runs
        self.settings = dataclasses.replace(
            settings, state_dir=str(self.paths["state"]), kernel_threads=threads,
            scratch_dir=str(self.paths["state"] / "scratch" / f"batch-{payload['batch']}"),
            kit=tuple(str(p) for p in kit_packages()))
        self.structure, self.secret = payload["structure"], payload.get("secret")
        self.idle, self.busy, self.count = [], set(), 0
        self.lock = threading.Lock()
        self.last_used = time.monotonic()

    def take(self) -> Grader:
        with self.lock:
            self.last_used = time.monotonic()
            grader = self.idle.pop() if self.idle else None
            if grader is None:
                self.count += 1
                index = self.count
        if grader is None:
            grader = Grader(index, self.folder, str(self.root), self.structure, self.settings, self.secret)
        with self.lock:
            self.busy.add(grader)
        return grader

    def give_back(self, grader: Grader, usable: bool) -> None:
        with self.lock:
            self.busy.discard(grader)
            self.last_used = time.monotonic()
            if usable:
                self.idle.append(grader)

    def end(self) -> None:
        """Stop every grading process of the batch (busy ones too: the batch is over) and remove its folder."""
        with self.lock:
            idle, busy, self.idle, self.busy = self.idle, list(self.busy), [], set()
        for grader in idle:
            grader.stop()
        for grader in busy:
            grader.kill()
        from autograder.course import make_writable_and_remove

        make_writable_and_remove(self.folder)


_BATCHES: dict = {}
_LOCK = threading.Lock()


def _threads_here() -> int:
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return 1


def _batch(payload: dict) -> _Batch:
    now = time.monotonic()
    with _LOCK:
        batch = _BATCHES.get(payload["batch"])
        stale = [b for key, b in _BATCHES.items()
                 if b is not batch and not b.busy and now - b.last_used > IDLE_BATCH_SECONDS]
        for b in stale:
            _BATCHES.pop(next(k for k, v in _BATCHES.items() if v is b))
        if batch is None:
            batch = _BATCHES[payload["batch"]] = _Batch(payload)
    for b in stale:
        b.end()
    return batch


def grade_remote(payload: dict, task, submission: bytes) -> tuple:
    """A Dask task: grade one submission here. Returns (Result, autograded folder as bytes, log text).

    ``payload``: the batch's data (scattered once): ``batch`` id, ``course`` (bytes of
    :func:`pack`), ``paths`` (submitted/autograded/state relative to the course root),
    ``structure``, ``settings`` and the course ``secret`` (None: the development one).
    ``submission``: the bytes of ``submitted/<student>/<assignment>/``.
    Raises GraderFault (the batch stops, as locally).
    """
    batch = _batch(payload)
    submitted = batch.paths["submitted"] / task.student / task.assignment
    dest = batch.paths["autograded"] / task.student / task.assignment
    log = batch.paths["state"] / "logs" / f"{task.student}--{task.assignment}.log"
    from autograder.course import make_writable_and_remove

    make_writable_and_remove(submitted)
    unpack(submission, submitted)
    grader = batch.take()
    usable = False
    try:
        result, usable = grader.grade(task, float(batch.settings.submission_timeout or 0))
        files = pack(dest)
        log_text = log.read_text(errors="replace") if log.is_file() else ""
    except GraderFault:
        usable = True
        raise
    finally:
        batch.give_back(grader, usable)
        for path in (submitted, dest):
            make_writable_and_remove(path)
        with contextlib.suppress(OSError):
            log.unlink()
    result.log = ""
    return result, files, log_text


def end_batch(batch: str) -> bool:
    """Run on every worker when a batch ends: stop its grading processes, remove its folder."""
    with _LOCK:
        found = _BATCHES.pop(batch, None)
    if found is not None:
        found.end()
    return found is not None


def _serve(fd: int, index: int) -> None:
    from autograder.grading.worker import run

    conn = Connection(fd)
    root, structure, settings = conn.recv()
    run(conn, index, root, structure, settings)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
