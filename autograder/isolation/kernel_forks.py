"""Grading kernels forked from a process that has already imported what every kernel imports.

A Jupyter kernel started the usual way is a new Python process: it imports ipykernel
(about 0.3 s of CPU here), then the lesson's first cell imports NumPy and pyplot (about
0.6 s more). Every submission of a batch pays both, in a kernel that is thrown away
after one notebook. A worker instead starts one fork server,
``python -m autograder.isolation.kernel_forks``, which imports those modules once and
then, for each kernel, forks:

- the fork server forks a short-lived child, which forks the kernel and exits at once;
  the orphaned kernel becomes a child of the worker (a child subreaper), exactly as a
  kernel the worker had started itself: the watchdog, the orphan sweep, ``waitpid``
  and nbclient's process-group signals all see the same process tree as before;
- the kernel starts its own session (as jupyter_client starts kernels), moves to the
  notebook's folder, takes the environment jupyter_client would have given it, applies
  the kernel jail (:func:`autograder.isolation.kernel_jail.apply`, the same Landlock,
  seccomp and resource limits as the jail launcher, without the ``exec``), draws fresh
  random seeds, and runs ``ipykernel`` in the same interpreter.

What a kernel inherits from the fork server is only what any fresh kernel would have:
imported modules that have not run any code of a notebook (the fork server never runs
one), and an environment without the course secret (the server is started without the
variables the jail withholds, and they are left out of every request, so they are not
even in the memory a kernel inherits). The server never reads a request itself (the
middle process does), so no kernel finds another student's paths in its memory. The
jail's scoped signals keep a kernel from signalling the fork server, which lies outside
its Landlock domain, as they keep it from signalling the worker.

Differences from a kernel started as a new process: a ``matplotlibrc`` in the
notebook's folder is not read (matplotlib reads its settings when it is imported, in
the fork server's neutral folder), and ``sys.argv`` ends with
``--IPKernelApp.parent_handle=PID`` (ipykernel read ``JPY_PARENT_PID`` when the server
imported it). Where a kernel cannot be forked (another kernel command, no subreaper,
the fork server gone), it starts as a new process, as before, and the worker's log
says why.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Optional

from autograder.isolation.processes import ForkedChild, ForkServerClient

# What the fork server imports once for every kernel: the kernel itself and what the
# lessons' first cell imports (measured: these are 0.9 s of a kernel's first second).
PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "IPython.display")
JAIL_MODULE = "autograder.isolation.kernel_jail"
KERNEL_MODULE = "ipykernel_launcher"
# ipykernel's own choice when MPLBACKEND is unset (kernelapp.py), made before matplotlib is imported
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def split_command(cmd) -> Optional[tuple]:
    """(jail arguments or None, kernel arguments) of a kernel command this module can fork, else None.

    Forkable: ``[python, -m, ipykernel_launcher, ARG...]``, optionally behind the jail
    launcher ``[python, -m, autograder.isolation.kernel_jail, JAIL_ARG..., --, ...]``,
    both with this very interpreter.
    """
    cmd = list(cmd)
    jail = None
    if cmd[:3] == [sys.executable, "-m", JAIL_MODULE]:
        if "--" not in cmd:
            return None
        cut = cmd.index("--")
        jail, cmd = cmd[3:cut], cmd[cut + 1:]
    if cmd[:3] != [sys.executable, "-m", KERNEL_MODULE]:
        return None
    return jail, cmd[3:]


class KernelForks(ForkServerClient):
    """The worker's side of its fork server: start it, ask it for kernels, stop it.

    ``env`` is the fork server's environment: the one the kernels get, without the
    variables the jail withholds. ``folder``: a neutral working folder for it.
    """

    what, made = "kernel fork server", "kernel"

    def __init__(self, folder, env: dict):
        self.folder = str(folder)
        os.makedirs(self.folder, exist_ok=True)
        ours, theirs = socket.socketpair()
        self._replies = ours.makefile("r", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=(theirs.fileno(),),
            cwd=self.folder, env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        super().__init__(process, ours)

    def launch(self, cmd, *, cwd, env) -> ForkedChild:
        """Fork a kernel running ``cmd`` in ``cwd`` with ``env``; raises OSError if it cannot."""
        jail, _ = split_command(cmd)
        if jail is not None:  # what the jail withholds is never sent: not even the server's memory holds it
            from autograder.isolation import kernel_jail

            withheld = set(kernel_jail.parse(jail + ["--", sys.executable]).unset)
            env = {var: value for var, value in env.items() if var not in withheld}
        # the server's folder is not the worker's: a relative folder is the worker's
        request = json.dumps({"cmd": list(cmd), "cwd": os.path.abspath(cwd), "env": dict(env)}) + "\n"

        def exchange():
            self._sock.sendall(request.encode())
            return self._replies.readline()

        return self._ask(exchange)

    def close(self) -> None:
        self._replies.close()  # the file holds the socket open too
        super().close()


# -- the fork server's side ---------------------------------------------------------------

def serve(fd: int) -> None:
    """Import :data:`PRELOAD`, then fork one kernel per request arriving on socket ``fd``.

    The server never reads a request itself: a short-lived middle process does, forks
    the kernel and exits. So no kernel inherits another kernel's request (its paths name
    a student) from the server's memory.
    """
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a TA's Ctrl-C stops the batch through its workers
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a kernel that needs it will say why when it imports it
            pass
    sock = socket.socket(fileno=fd)
    while sock.recv(1, socket.MSG_PEEK):  # empty: the worker closed its end
        read_end, write_end = os.pipe()
        middle = os.fork()
        if middle == 0:
            _middle(sock, read_end, write_end)  # never returns
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            said = pipe.read().decode(errors="replace")
        os.waitpid(middle, 0)  # collected: the kernel's parent is now the worker
        answer = {"pid": int(said)} if said.isdigit() else {"error": said or "the kernel could not be forked"}
        sock.sendall((json.dumps(answer) + "\n").encode())


def _die_with_parent() -> None:
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(0)


def _middle(sock, read_end: int, write_end: int) -> None:
    """The middle process: read one request, fork its kernel, write the kernel's pid (or why not), exit."""
    said = b""
    try:
        os.close(read_end)
        request = json.loads(_read_line(sock))
        me = os.getpid()
        kernel = os.fork()
        if kernel == 0:
            os.close(write_end)
            _run_kernel(request, middle=me)  # never returns
        said = str(kernel).encode()
    except OSError as exc:  # no path in the message: it could name a student
        said = f"{type(exc).__name__}: {exc.strerror}".encode()
    except BaseException as exc:
        said = type(exc).__name__.encode()
    finally:
        try:
            os.write(write_end, said)
        finally:
            os._exit(0)


def _read_line(sock) -> bytes:
    """One request line, read unbuffered so nothing of the next request is consumed."""
    chunks = []
    while True:
        chunk = sock.recv(65536, socket.MSG_PEEK)
        if not chunk:
            raise EOFError("the worker closed the connection")
        end = chunk.find(b"\n")
        chunks.append(sock.recv(len(chunk) if end < 0 else end + 1))
        if end >= 0:
            return b"".join(chunks)


def _run_kernel(request: dict, *, middle: int) -> None:
    """In the forked kernel: become what the jail launcher + ``python -m ipykernel_launcher`` make."""
    code = 1
    try:
        import time

        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new Python process
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.closerange(3, 1 << 16)  # nothing of the server's (its socket) stays open
        while os.getppid() == middle:  # wait to be the worker's child (ipykernel watches its parent)
            time.sleep(0.001)
        jail, kernel_args = split_command(request["cmd"])
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if jail is not None:
            _enter_jail(jail)
        import numpy

        numpy.random.seed()  # fresh entropy, as a new process would draw (Python's random reseeds on fork)
        del sys.path[0]  # the server's folder; ipykernel_launcher drops the folder `python -m` puts first
        import importlib.util

        sys.argv = [importlib.util.find_spec(KERNEL_MODULE).origin, *kernel_args]
        # ipykernel read its parent's pid from the environment when the server imported it
        parent = os.environ.get("JPY_PARENT_PID", "")
        if parent.isdigit():
            sys.argv.append(f"--IPKernelApp.parent_handle={parent}")
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _enter_jail(jail_args: list) -> None:
    """What ``kernel_jail.main`` does before its ``exec``, applied to this process."""
    from autograder.isolation import kernel_jail

    args = kernel_jail.parse(jail_args + ["--", sys.executable])
    isolation = kernel_jail.apply(args.write, scratch=args.scratch, memory=args.memory, file_size=args.file_size,
                                  read=args.read, hide=args.hide or (), bind_ports=args.bind_port,
                                  processes=args.processes)
    if not isolation.startswith("Landlock"):
        print(f"{kernel_jail.WEAK_MARKER} {isolation}; the command can write anywhere this user can",
              file=sys.stderr, flush=True)
    for var in args.unset:
        os.environ.pop(var, None)
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
