"""The grading worker's processes: a watchdog on the notebook's kernel, orphans, thread counts.

- :class:`Watchdog`: during one submission, stops the kernel when the submission runs
  past its wall-clock limit, or when the kernel (with what it started) holds more
  resident memory than its limit: a kernel that grows slowly is stopped too, which an
  address-space limit alone does not do until the machine is short of memory.
- :func:`become_subreaper` and :func:`stop_orphans`: a process a kernel left running
  (``fork``, ``setsid``) becomes the worker's child, and is killed between submissions.
- :func:`keep_running`: the worker's own helpers (its fork servers), which both spare;
  :class:`ForkedChild`: a process a fork server made for the worker.
- :func:`set_thread_env`: how many BLAS threads each kernel may start.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Optional


# Children of this process that are the worker's own helpers, not kernels or what kernels left.
_kept: set = set()


def keep_running(pid: int, keep: bool = True) -> None:
    """Spare child ``pid`` from :class:`Watchdog` and :func:`stop_orphans` (``keep=False``: no longer)."""
    (_kept.add if keep else _kept.discard)(pid)


class ForkedChild:
    """The worker's handle on a process one of its fork servers made (a kernel, a clean-room
    sandbox), shaped like ``subprocess.Popen``: the process became the worker's own child
    through the subreaper, so ``waitpid`` reads its exit status."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # collected by the orphan sweep: it has stopped
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        if timeout is not None:
            deadline = time.monotonic() + timeout
            while self.poll() is None:
                if time.monotonic() >= deadline:
                    raise subprocess.TimeoutExpired([str(self.pid)], timeout)
                time.sleep(0.01)
            return self.returncode
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = -signal.SIGKILL
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServerClient:
    """The worker's side of a fork server (kernels', sandboxes'): one request at a time,
    a pid or the reason why not for each, and the server stopped at the end of its input.

    Subclasses start ``process`` talking over ``_sock`` and call :meth:`_ask` with the
    exchange of one request; ``what`` and ``made`` name the server and what it makes.
    """

    what, made = "fork server", "process"

    def __init__(self, process, sock):
        self.process, self._sock = process, sock
        self._lock = threading.Lock()
        self.broken = ""
        keep_running(process.pid)

    def _ask(self, exchange) -> ForkedChild:
        """Run ``exchange()`` (send a request, return the reply's bytes); the forked child, or OSError."""
        if self.broken:
            raise OSError(self.broken)
        with self._lock:
            try:
                reply = exchange()
            except OSError as exc:
                self.broken = f"the {self.what} stopped: {exc}"
                raise OSError(self.broken) from exc
        if not reply:
            self.broken = f"the {self.what} stopped (exit status {self.process.poll()})"
            raise OSError(self.broken)
        answer = json.loads(reply)
        if "pid" not in answer:
            raise OSError(answer.get("error", f"the {self.what} gave no {self.made}"))
        return ForkedChild(int(answer["pid"]))

    def close(self) -> None:
        self._sock.close()  # the server stops at the end of its input
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        keep_running(self.process.pid, False)


def describe_bytes(n: int) -> str:
    """``2.0 GB`` or ``300 MB``: a memory limit as a TA reads it.

    >>> describe_bytes(2 * 1024**3), describe_bytes(300 * 1024**2)
    ('2.0 GB', '300 MB')
    """
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


class Watchdog:
    """Stop this process's children (the kernel) when a submission runs too long or a kernel uses
    more than ``memory_bytes`` of resident memory (the kernel and its own children together).

    Used as a context manager around one submission; afterwards :attr:`fired` says why it
    stopped the kernel (``"time"``, ``"memory"``, or ``""``) and :meth:`reason` says it in words.
    """

    POLL_SECONDS = 0.1  # how often the kernel's memory is read (50 MB per 0.1 s overshoots by ~50 MB)
    REFRESH_SECONDS = 1.0  # how often the list of kernels is read again (a scan of /proc)

    def __init__(self, seconds=None, memory_bytes=None):
        self.seconds = float(seconds) if seconds else 0.0
        self.memory_bytes = int(memory_bytes) if memory_bytes else 0
        self.fired = ""
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self):
        if self.seconds > 0 or self.memory_bytes > 0:
            self._deadline = time.monotonic() + self.seconds if self.seconds > 0 else None
            self._thread = threading.Thread(target=self._watch, name="kmeans-course-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        return False

    def reason(self) -> str:
        if self.fired == "time":
            return f"grading took longer than the per-submission limit of {self.seconds:g} s; the kernel was stopped"
        if self.fired == "memory":
            return (f"the kernel used more than {describe_bytes(self.memory_bytes)} of memory "
                    f"(the per-kernel limit); it was stopped")
        return ""

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        kernels, listed = [], 0.0
        while not self._stop.wait(self.POLL_SECONDS):
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                self.fired = "time"
                _kill_all(p for p in me.children(recursive=True) if p.pid not in _kept)
                return
            if not self.memory_bytes:
                continue
            if now - listed >= self.REFRESH_SECONDS:
                with contextlib.suppress(psutil.Error):
                    kernels = [p for p in me.children() if p.pid not in _kept]
                listed = now
            for kernel in kernels:
                with contextlib.suppress(psutil.Error):
                    tree = [kernel] + kernel.children(recursive=True)
                    used = sum(_rss(p) for p in tree)
                    if used > self.memory_bytes:
                        self.fired, self.peak_bytes = "memory", used
                        _kill_all(tree)
                        return


def _rss(process) -> int:
    import psutil

    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def _kill_all(processes) -> None:
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def kill_descendants(pid: int) -> None:
    """Kill every process below ``pid`` (a grading process's kernels and what they started)."""
    import psutil

    with contextlib.suppress(psutil.Error):
        _kill_all(psutil.Process(pid).children(recursive=True))


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux), so they can be stopped."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER


def _children(pid: int) -> list:
    """(pid, state) of the processes whose parent is ``pid`` (from /proc; none without /proc)."""
    from autograder.isolation.confine import proc_pids

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
    me, stopped = os.getpid(), 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = [(pid, state) for pid, state in _children(me) if pid not in _kept]
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


def set_thread_env(threads: int) -> None:
    """Each kernel inherits this environment: W kernels at once should not each start
    a BLAS thread per core. A TA's explicit setting wins."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
