"""The local pool: W spawned grading processes on this machine, one submission each at a time.

An executor of ``autograder.grading.autograde.run_tasks``: its one job is to turn tasks into
results (:meth:`LocalPool.results`); merging, the ledger and the progress bar are the batch's.
Each process runs ``autograder.grading.worker.run`` and talks to this one over a pipe. A
process that dies, or runs past the per-submission limit plus :data:`HARD_KILL_GRACE`, is
killed with its children and replaced; its submission comes back as a failed result.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import time
from multiprocessing.connection import wait
from pathlib import Path

from autograder.config import GradingSettings
from autograder.grading.messages import GraderFault, Result
from autograder.isolation.processes import kill_descendants

# Extra time the parent allows a worker beyond the submission limit before killing it
# (the worker's own watchdog stops the kernel first, then nbgrader has to return).
HARD_KILL_GRACE = 60.0


def timeout_reason(limit: float) -> str:
    """A submission's failure reason when its grading process had to be killed (the same on a cluster)."""
    return f"grading did not finish within the per-submission limit of {limit:g} s; the grading process was stopped"


def died_reason(code) -> str:
    return f"the grading process died unexpectedly (exit code {code})"


class _Slot:
    """A worker process, its pipe, and the task it is on."""

    def __init__(self, ctx, index, root, structure, settings):
        self.index = index
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_entry, args=(child, index, root, structure, settings),
                                   name=f"kmeans-course-grader-{index}", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.task = None
        self.started = 0.0

    def kill(self) -> None:
        kill_descendants(self.process.pid)
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(5)

    def request_stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(("stop",))

    def stop(self) -> None:
        self.request_stop()
        self.process.join(10)
        if self.process.is_alive():
            self.kill()


def _has_data(conn) -> bool:
    try:
        return conn.poll()
    except (EOFError, OSError):
        return False


def _worker_entry(conn, index, root, structure, settings):
    from autograder.grading.worker import run

    run(conn, index, root, structure, settings)


class LocalPool:
    """``workers`` grading processes on this machine for the course at ``root``.

    Parameters
    ----------
    root : the course root (the workers read submissions and write autograded/ there).
    structure : the gradebook's structure (``plan.structure``), for the scratch gradebooks.
    settings : the workers' settings.
    workers : number of processes.
    logs : the folder of the workers' output files (named in the error when one cannot start).
    """

    def __init__(self, root: str, structure: dict, settings: GradingSettings, *, workers: int, logs: Path):
        self.root, self.structure, self.settings = str(root), structure, settings
        self.workers, self.logs = workers, Path(logs)
        self.slots = []

    def results(self, tasks: list):
        """Grade ``tasks``; yield each one's :class:`Result` as it arrives (in any order).

        Raises GraderFault (the grader cannot grade) and RuntimeError (a worker cannot start).
        """
        ctx = multiprocessing.get_context("spawn")
        pending = list(reversed(tasks))  # pop() from the end keeps the planned order
        limit = float(self.settings.submission_timeout or 0)
        self.slots = slots = [_Slot(ctx, i, self.root, self.structure, self.settings)
                              for i in range(self.workers)]
        next_index = self.workers

        def replace(slot: _Slot, reason: str):
            nonlocal next_index
            task = slot.task
            slot.kill()
            failed = None
            if task is not None:
                failed = Result(task.student, task.assignment, task.content_hash, "failed", reason=reason,
                                worker=slot.index, seconds=time.monotonic() - slot.started)
            fresh = _Slot(ctx, next_index, self.root, self.structure, self.settings) if pending else None
            next_index += 1
            return failed, fresh

        while slots:
            for slot in slots:
                if slot.ready and slot.task is None and pending:
                    slot.task = pending.pop()
                    slot.started = time.monotonic()
                    slot.conn.send(("task", slot.task))
            idle = [s for s in slots if s.ready and s.task is None]
            if not pending and len(idle) == len(slots):
                break
            ready = wait([s.conn for s in slots] + [s.process.sentinel for s in slots], timeout=1.0)
            survivors = []
            for slot in slots:
                dead = False
                if slot.conn in ready:
                    try:
                        message = slot.conn.recv()
                    except (EOFError, OSError):
                        message, dead = None, True
                    if message is None:
                        pass
                    elif message[0] == "ready":
                        slot.ready = True
                    elif message[0] == "result":
                        slot.task = None
                        yield message[1]
                    elif message[0] == "error":
                        raise RuntimeError(f"a grading worker could not start:\n{message[1]}")
                    elif message[0] == "fault":
                        raise GraderFault(message[1])
                failed = fresh = None
                if dead or (not slot.process.is_alive() and not _has_data(slot.conn)):
                    slot.process.join(5)
                    code = slot.process.exitcode
                    if not slot.ready:  # it died starting: so would every replacement
                        raise RuntimeError(
                            f"a grading worker died while starting (exit code {code}); its output is in "
                            f"{self.logs / f'worker-{slot.index}.out'}")
                    failed, fresh = replace(slot, died_reason(code))
                elif limit and slot.task is not None and time.monotonic() - slot.started > limit + HARD_KILL_GRACE:
                    failed, fresh = replace(slot, timeout_reason(limit))
                else:
                    survivors.append(slot)
                    continue
                if failed is not None:
                    yield failed
                if fresh is not None:
                    survivors.append(fresh)
            self.slots = slots = survivors
            if not slots and pending:  # every worker died and none was replaced
                self.slots = slots = [_Slot(ctx, next_index, self.root, self.structure, self.settings)]
                next_index += 1

    def close(self) -> None:
        """Stop the workers: idle ones politely, busy ones (the batch stopped) with their children."""
        for slot in self.slots:  # every idle worker told first: they close down together
            if slot.task is None:
                slot.request_stop()
        for slot in self.slots:
            if slot.task is None:
                slot.stop()
            else:
                slot.kill()
        self.slots = []
