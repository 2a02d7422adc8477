"""Run a student's code in a separate, limited process and call its functions from here.

The checkers stay in the grader's process; only the student's functions run in the
child (``autograder/isolation/sandbox_child.py``). A call sends the arguments over a pipe and
waits, with a wall-clock bound, for a pickle-free answer. So student code cannot see
or patch the checkers, the reference or the course secret, and a crash, a hang or a
memory blow-up costs one call, never the grader.

Example
-------
>>> cells = [("setup", "import numpy as np"), ("double", "def double(x):\\n    return 2 * x")]
>>> with Sandbox(cells, lesson="demo") as box:
...     box.call("double", np.arange(3))
array([0, 2, 4])
"""
from __future__ import annotations

import builtins
import json
import os
import pickle
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np

from autograder.isolation import confine
from autograder.isolation import sandbox_child as wire
from autograder.isolation.processes import ForkServerClient

CHILD = Path(wire.__file__).resolve()
# Callbacks and reference calls one student call may make (a loop of requests is a hang).
MAX_REQUESTS_PER_CALL = 200_000


@dataclass(frozen=True)
class Limits:
    """Resource bounds of one sandbox process."""

    call_seconds: float = 10.0  # wall clock for one call of a student function
    start_seconds: float = 60.0  # interpreter start, imports and running the cells
    cpu_seconds: int = 300  # CPU time of the whole child (RLIMIT_CPU)
    memory_bytes: int = 2 * 1024**3  # address space (RLIMIT_AS)
    file_bytes: int = 16 * 1024**2  # largest file it may write (RLIMIT_FSIZE)
    processes: int = 64  # processes and threads beyond the user's present ones (RLIMIT_NPROC)


class SandboxError(Exception):
    """The student's process did not answer: it timed out, crashed or broke the protocol.

    The process is killed (``Sandbox.dead`` says why) and every later call of it fails at
    once, so a checker never calls a function that timed out again
    (``autograder.checks.calls.call_safely`` reads ``stops_function``).
    """

    stops_function = True


class StudentTimeout(SandboxError):
    pass


class StudentCrash(SandboxError):
    pass


class StudentError(Exception):
    """Base of exceptions re-raised from student code; ``where`` holds the student's frames."""

    where: tuple = ()


def _reraised(ename: str, evalue: str, where) -> Exception:
    # Builtin exception types keep their type (a checker may expect ValueError);
    # anything else becomes a StudentError whose message names the original type.
    # The class keeps the original NAME too: checkers compare error names with the mistakes'.
    base = getattr(builtins, ename, None)
    if isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
        exc = type(ename, (base, StudentError), {})(evalue)
    else:
        name = ename if ename.isidentifier() else "StudentError"
        exc = type(name, (StudentError,), {})(evalue if name == ename else f"{ename}: {evalue}")
    exc.where = tuple(where or ())
    exc.ename = ename
    return exc


def _foreign_types(value, depth: int = 0) -> list:
    """Type names of the values inside ``value`` that did not cross as plain data."""
    if isinstance(value, wire.Foreign):
        return [value.type_name]
    if depth < 3 and isinstance(value, (list, tuple)):
        return [name for item in value[:100] for name in _foreign_types(item, depth + 1)]
    if depth < 3 and isinstance(value, dict):
        return [name for item in list(value.values())[:100] for name in _foreign_types(item, depth + 1)]
    return []


def _rlimits(limits: Limits) -> dict:
    """The resource limits of one sandbox: name -> (soft, hard).

    The process count is taken here, in the parent, relative to the processes running
    now (in a forked child only async-signal-safe work belongs).
    """
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    nproc = confine.process_limit(limits.processes)
    nproc = nproc if hard == resource.RLIM_INFINITY else min(nproc, hard)
    return {"RLIMIT_CPU": (limits.cpu_seconds, limits.cpu_seconds + 5),
            "RLIMIT_AS": (limits.memory_bytes, limits.memory_bytes),
            "RLIMIT_FSIZE": (limits.file_bytes, limits.file_bytes),
            "RLIMIT_CORE": (0, 0),
            "RLIMIT_NPROC": (nproc, hard)}


def _set_limits(limits: dict) -> Callable[[], None]:
    def apply():
        for name, bounds in limits.items():
            resource.setrlimit(getattr(resource, name), bounds)

    return apply


def _child_env(scratch: str) -> dict:
    env = {
        "PATH": os.defpath,
        "HOME": scratch,
        "TMPDIR": scratch,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": scratch,
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: W sandboxes already share the cores, and threads reserve address space.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@dataclass
class Sandbox:
    """A child interpreter that has run ``cells`` and serves calls to the functions they define.

    Parameters
    ----------
    cells : list of (label, source)
        Code run in order at start; a failing cell is recorded in ``cells_status`` and the rest still run.
    allowed : dict of name -> callable
        Reference functions the code may use (earlier lessons'), run here on request.
    lesson : str
        Lesson id, for messages.
    limits : Limits
    """

    cells: list
    allowed: dict = field(default_factory=dict)
    lesson: str = ""
    limits: Limits = field(default_factory=Limits)
    # The process's fork server, if it started one (a grading worker does): see SandboxForks.
    forks: ClassVar["SandboxForks | None"] = None

    def __post_init__(self):
        self.proc = None
        self.dead: str | None = None
        self.cells_status: list = []
        self.defined: list = []
        self.isolation = "not started"
        self.starts = 0
        self.current_cell = ""  # the cell being run at start: names the culprit if the start fails
        # Evidence for the report, kept across restarts:
        self.patched: dict = {}  # cell label or function name -> ["numpy.allclose", ...] it replaced
        self.foreign: dict = {}  # function name -> type names of values it returned that are not plain data

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start (or restart) the child and run the cells in it."""
        self.close()
        self.dead = None
        self.current_cell = ""
        self.starts += 1
        self.scratch = tempfile.mkdtemp(prefix="kmeans-cleanroom-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self.proc = self._launch(to_child_r, from_child_w)
        os.close(to_child_r)
        os.close(from_child_w)
        self._send(("init", {"cells": list(self.cells), "allowed": sorted(self.allowed), "lesson": self.lesson}))
        ready = self._serve(time.monotonic() + self.limits.start_seconds, {}, what="running your cells")
        for label, names in (ready.get("patched") or {}).items():
            self._note(self.patched, str(label), names)
        self.cells_status = ready.get("cells", [])
        self.defined = ready.get("defined", [])
        self.isolation = ready.get("isolation", "unknown")

    def _launch(self, to_child_r: int, from_child_w: int):
        """The child process: forked from the worker's fork server when there is one, else a new interpreter."""
        limits = _rlimits(self.limits)
        forks = Sandbox.forks
        if forks is not None and not forks.broken:
            try:
                return forks.launch(self.scratch, _child_env(self.scratch), limits, (to_child_r, from_child_w))
            except OSError:
                pass  # started the usual way; forks.broken says why when the server is gone
        return subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            cwd=self.scratch,
            env=_child_env(self.scratch),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_set_limits(limits),
            start_new_session=True,  # its own process group: a kill reaches anything it forks
        )

    def close(self) -> None:
        proc, self.proc = getattr(self, "proc", None), None
        if proc is not None:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._kill(proc)
        scratch = getattr(self, "scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
            self.scratch = None

    @staticmethod
    def _kill(proc) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.dead is None

    # ------------------------------------------------------------ calls
    def function(self, name: str) -> Callable:
        """A local callable that runs the student's ``name`` in the sandbox."""
        box = self

        def remote(*args, **kwargs):
            return box.call(name, *args, **kwargs)

        remote.__name__ = remote.__qualname__ = name
        remote.__module__ = "__main__"  # it stands for the notebook's function, not ours
        remote.__doc__ = f"The submitted {name}, run in the clean room."
        # how many lines of the notebook's code one call executes (autograder.checks.vectorised)
        remote.count_lines = lambda *args, **kwargs: box.call(name, *args, count_lines=True, **kwargs)
        return remote

    def call(self, name: str, *args, count_lines: bool = False, **kwargs):
        """Call the student's function ``name``; raise what it raised, or a SandboxError.

        With ``count_lines`` the value is the number of lines of the notebook's code the call executed.
        """
        if self.dead is not None:
            raise StudentCrash(f"not run: {self.dead}")
        if self.proc is None:
            raise StudentCrash("the sandbox is not running")
        callbacks = {}
        wire_args = []
        for arg in args:
            if callable(arg):  # e.g. the f of numerical_gradient: evaluated here, on request
                callbacks[len(callbacks)] = arg
                wire_args.append(("__callback__", len(callbacks) - 1))
            else:
                wire_args.append(arg)
        self._send(("call", {"name": name, "args": wire_args, "kwargs": kwargs, "count_lines": count_lines}))
        reply = self._serve(time.monotonic() + self.limits.call_seconds, callbacks, what=f"{name}(...)")
        self._note(self.patched, name, reply.get("patched") or [])
        if reply.get("kind") == "error":
            raise _reraised(str(reply.get("ename")), str(reply.get("evalue")), reply.get("where"))
        # Mirror in-place changes the student made to array arguments, so a checker sees mutation.
        for original, after in zip(args, reply.get("args_after") or []):
            if (isinstance(original, np.ndarray) and isinstance(after, np.ndarray)
                    and after.shape == original.shape and original.flags.writeable):
                if not np.array_equal(original, after, equal_nan=True):
                    np.copyto(original, after, casting="unsafe")
        value = reply.get("value")
        self._note(self.foreign, name, _foreign_types(value))
        return value

    @staticmethod
    def _note(record: dict, key: str, items) -> None:
        items = [str(item) for item in items if isinstance(item, str)]
        if items:
            record.setdefault(key, [])
            record[key] += [item for item in items if item not in record[key]]

    # ------------------------------------------------------------ protocol
    def _send(self, message) -> None:
        try:
            wire.write_frame(self._to_child, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError) as exc:
            self._fail(StudentCrash, f"the Python process running your code died ({self._death()})", exc)

    def _serve(self, deadline: float, callbacks: dict, *, what: str) -> dict:
        """Wait for the child's reply, answering its requests for callbacks and reference functions."""
        requests = 0
        while True:
            message = self._receive(deadline, what)
            kind = message.get("kind") if isinstance(message, dict) else None
            if kind in ("result", "error", "ready"):
                return message
            if kind == "cell":  # the child is about to run this cell
                self.current_cell = str(message.get("label", ""))
                continue
            if kind not in ("shim", "callback"):
                self._fail(StudentCrash, "your code broke the grader's protocol")
            requests += 1
            if requests > MAX_REQUESTS_PER_CALL:
                self._fail(StudentTimeout, f"{what} made more than {MAX_REQUESTS_PER_CALL} requests")
            fn = self.allowed.get(message.get("name")) if kind == "shim" else callbacks.get(message.get("id"))
            args, kwargs = message.get("args") or [], message.get("kwargs") or {}
            try:
                if fn is None:
                    raise NameError(f"{message.get('name')} is not available in this lesson")
                self._send(("value", fn(*args, **kwargs)))
            except (ValueError, TypeError) as exc:
                self._send(("raise", (type(exc).__name__, str(exc))))
            except Exception as exc:  # the reference or a checker callback refused the input
                self._send(("raise", ("RuntimeError", f"{type(exc).__name__}: {exc}")))

    def _receive(self, deadline: float, what: str):
        header = self._read(8, deadline, what)
        (size,) = struct.unpack("<Q", header)
        if size > wire.MAX_FRAME:
            self._fail(StudentCrash, f"{what} returned more than {wire.MAX_FRAME >> 20} MB")
        payload = self._read(size, deadline, what)
        try:
            return wire.decode(payload)
        except Exception as exc:
            self._fail(StudentCrash, "your code sent an unreadable answer", exc)

    def _read(self, n: int, deadline: float, what: str) -> bytes:
        chunks, left = [], n
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail(StudentTimeout, f"{what} did not finish within its time limit")
            ready, _, _ = select.select([self._from_child], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._from_child, min(left, 1 << 20))
            if not chunk:
                self._fail(StudentCrash, f"the Python process running your code died during {what} ({self._death()})")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except (subprocess.TimeoutExpired, AttributeError):
            return "no exit status"
        if code < 0:
            sig = signal.Signals(-code)
            why = {signal.SIGXCPU: "CPU time limit reached", signal.SIGKILL: "killed",
                   signal.SIGSEGV: "segmentation fault", signal.SIGXFSZ: "file size limit reached"}
            return f"signal {sig.name}: {why.get(sig, 'terminated')}"
        return f"exit status {code}"

    def _fail(self, cls, reason: str, cause: Exception | None = None):
        self.dead = reason
        proc = self.proc
        if proc is not None:
            self._kill(proc)
        raise cls(reason) from cause


class SandboxForks(ForkServerClient):
    """A fork server for sandboxes: each child is forked from a process that has already
    done what every child does before it reads any student code.

    A new child interpreter spends most of its start importing NumPy, matplotlib and
    IPython (0.25 s of a 03-lloyd clean room's 0.34 s, measured); the server
    (``python -I sandbox_child.py --forks FD``, see ``sandbox_child.serve_forks``)
    imports them once. It is started with the children's own scrubbed environment and
    never runs student code. Only a child subreaper may use it: a forked child
    becomes the subreaper's own child, so ``waitpid``, the process-group kill and the
    orphan sweep see it exactly as a child started with ``subprocess``. Set
    ``Sandbox.forks`` to an instance to use it; where it cannot fork (the server
    stopped), sandboxes start as new interpreters and ``broken`` says why.
    """

    what, made = "sandbox fork server", "process"

    def __init__(self, folder):
        self.folder = str(folder)
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), "--forks", str(theirs.fileno())], pass_fds=(theirs.fileno(),),
            cwd=self.folder, env=_child_env(self.folder), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        theirs.close()
        super().__init__(process, ours)

    def launch(self, cwd: str, env: dict, limits: dict, fds: tuple):
        """Fork a child serving on pipe ends ``fds`` (from the parent, to the parent); raises OSError if it cannot."""
        request = json.dumps({"cwd": cwd, "env": env, "limits": limits}).encode()

        def exchange():
            socket.send_fds(self._sock, [request], list(fds))
            return self._sock.recv(1 << 12)

        return self._ask(exchange)

    def close(self) -> None:
        if Sandbox.forks is self:
            Sandbox.forks = None
        super().close()
