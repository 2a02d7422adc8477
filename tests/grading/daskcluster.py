"""A local Dask cluster for the tests, started with Dask's own commands on 127.0.0.1.

``dask scheduler`` and each ``dask worker`` run in their own process group (a session of
their own), so a test can SIGKILL one worker with everything it started (its nanny, its
worker process, the grading processes), and :meth:`LocalDaskCluster.stop` stops them by
their pids. The workers' environment has no course secret: the grader must send it.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

BIN = Path(sys.executable).parent
START_SECONDS = 60.0


def worker_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KMEANS_COURSE_SECRET"}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


class LocalDaskCluster:
    """A scheduler and ``workers`` single-threaded workers; ``address`` is the scheduler's."""

    def __init__(self, folder: Path, workers: int = 2, *, env: dict | None = None):
        self.env = dict(worker_env(), **(env or {}))
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.file = self.folder / "scheduler.json"
        self.processes = []
        self.workers = []
        self.scheduler = self._start("scheduler", [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                                                   "--port", "0", "--scheduler-file", str(self.file),
                                                   "--no-dashboard"])
        deadline = time.monotonic() + START_SECONDS
        while not self.file.is_file() or not self.file.read_text().strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                self.stop()
                raise RuntimeError(f"dask scheduler did not start: {self.log('scheduler')}")
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        for i in range(workers):
            self.add_worker()
        self.wait_for_workers(workers)

    def _start(self, name: str, command: list) -> subprocess.Popen:
        out = open(self.folder / f"{name}.log", "ab")
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=self.env, cwd=self.folder, start_new_session=True)
        out.close()
        self.processes.append(process)
        return process

    def add_worker(self) -> subprocess.Popen:
        name = f"worker-{len(self.workers)}"
        process = self._start(name, [str(BIN / "dask"), "worker", "--scheduler-file", str(self.file),
                                     "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                                     "--name", name, "--local-directory", str(self.folder / name)])
        self.workers.append(process)
        return process

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=20, set_as_default=False)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=START_SECONDS)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.is_file() else ""

    def kill_worker(self, i: int) -> None:
        """SIGKILL worker ``i``'s whole process group (nanny, worker, grading processes)."""
        os.killpg(self.workers[i].pid, signal.SIGKILL)
        self.workers[i].wait(10)

    def stop(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)



class ExitOnStudent(WorkerPlugin):
    """A Dask worker plugin: the worker process exits at once when it is given ``student``'s submission.

    It stands for a submission that ends whatever grades it (the machine's OOM killer taking
    the Dask worker, a node that goes down). The nannies restart the workers, and the
    scheduler installs the plugin again on each; workers import it by name, so they need
    this folder on PYTHONPATH.
    """

    name = "exit-on-student"

    def __init__(self, student: str):
        self.student = student

    def setup(self, worker):
        from autograder.grading import cluster_worker

        original = getattr(cluster_worker.grade_remote, "original", cluster_worker.grade_remote)
        student = self.student

        def grade_remote(payload, task, submission):
            if task.student == student:
                os._exit(1)
            return original(payload, task, submission)

        grade_remote.original = original
        cluster_worker.grade_remote = grade_remote  # tasks name it: looked up as each arrives
