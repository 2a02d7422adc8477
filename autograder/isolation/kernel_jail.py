"""Start a command (a Jupyter kernel) that can write only beneath a few folders.

::

    python -m autograder.isolation.kernel_jail [--write DIR ...] [--scratch DIR] [--read PATH ...]
                              [--hide DIR ...] [--bind-port PORT ...] [--unset VAR ...] [--memory BYTES] [--file-size BYTES]
                              -- CMD ARG ...

The launcher restricts itself with Linux Landlock, sets resource limits, then
replaces itself with ``CMD`` (``os.execv``): the restrictions survive ``execve`` and are
inherited by every process the command starts. What the command keeps:

- reads everywhere, or, given ``--read``, only beneath those paths, the writable
  folders and the system's (:func:`system_paths`: Python, the shared libraries,
  ``/etc``, ``/dev``, and of ``/proc`` only the process's own files);
- writes only beneath the ``--write`` folders, the ``--scratch`` folder and ``/dev``
  (``/dev/null``, ``/dev/shm``). Even there it cannot make symbolic links, FIFOs or
  device nodes, so it cannot plant a link that redirects a later write by the grader;
- the network, or, given ``--bind-port``, only listening on those TCP ports (a
  kernel binds its five ports; its client connects to them): no outgoing TCP at all;
- signals only to processes inside its own sandbox (Landlock ABI >= 6): it cannot
  stop or kill the grading process that started it;
- a seccomp filter: no ``chmod`` or ``chown`` by path (it cannot make the gradebook or
  the course's folders unreadable to the grader), no io_uring, and no socket but TCP
  and netlink (no UNIX socket such as Docker's or D-Bus's, no UDP).

``--scratch DIR`` is a private folder for the command's ``HOME``, ``TMPDIR``,
``MPLCONFIGDIR`` and ``IPYTHONDIR``. ``--memory`` sets ``RLIMIT_AS``, ``--file-size``
``RLIMIT_FSIZE`` (a larger write fails with ``OSError: File too large``), ``--processes``
``RLIMIT_NPROC`` (so many more processes and threads than the user runs now); core
dumps are always off. Where Landlock is unavailable the command still runs, without the
file-system restrictions, and the launcher says so once on stderr (a line starting
with :data:`WEAK_MARKER`).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys

WEAK_MARKER = "kmeans-course jail: weak isolation:"


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m autograder.isolation.kernel_jail",
                                     description="Run a command that can write only beneath the given folders.")
    parser.add_argument("--write", action="append", default=[], metavar="DIR",
                        help="a folder the command may write beneath (repeatable)")
    parser.add_argument("--scratch", metavar="DIR",
                        help="a private writable folder for HOME, TMPDIR, MPLCONFIGDIR and IPYTHONDIR")
    parser.add_argument("--read", action="append", metavar="PATH",
                        help="a file or folder the command may read (repeatable); none given: reads anywhere")
    parser.add_argument("--hide", action="append", metavar="DIR",
                        help="with --read: a folder the system paths must not open up (the course's)")
    parser.add_argument("--bind-port", action="append", type=int, metavar="PORT",
                        help="a TCP port the command may listen on (repeatable); given: no other TCP")
    parser.add_argument("--unset", action="append", default=[], metavar="VAR",
                        help="an environment variable the command must not see (repeatable)")
    parser.add_argument("--memory", type=int, metavar="BYTES", help="address-space limit (RLIMIT_AS)")
    parser.add_argument("--file-size", type=int, metavar="BYTES", help="largest file it may write (RLIMIT_FSIZE)")
    parser.add_argument("--processes", type=int, metavar="N",
                        help="processes and threads it may start beyond this user's present ones (RLIMIT_NPROC)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARG ...")
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command given (put it after --)")
    return args


def _set_limit(which, value):
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def _scratch_env(scratch: str) -> None:
    for var, sub in (("HOME", ""), ("TMPDIR", "tmp"), ("MPLCONFIGDIR", "matplotlib"), ("IPYTHONDIR", "ipython")):
        path = os.path.join(scratch, sub) if sub else scratch
        os.makedirs(path, exist_ok=True)
        os.environ[var] = path


# Folders of the system a program needs to read to start and run (never the course's).
SYSTEM_FOLDERS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/etc", "/dev", "/sys")
# Of /proc, only the process itself and the machine-wide figures: other processes' files
# (the grader's environment, its command line) stay unreadable.
PROC_PATHS = ("/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/loadavg", "/proc/uptime",
              "/proc/version", "/proc/sys", "/proc/filesystems", "/proc/mounts")


def system_paths(hide=()) -> list:
    """What any Python program needs to read: the system folders and this Python's prefixes.

    A folder that contains one of ``hide`` (the course folder, say) is replaced by its
    entries, except the one on the way to the hidden folder, recursively: reading stays
    allowed around the hidden folder, never inside it.
    """
    hide = [os.path.realpath(h) for h in hide]
    roots = list(SYSTEM_FOLDERS) + [sys.prefix, sys.base_prefix, sys.exec_prefix,
                                    os.path.dirname(os.path.realpath(sys.executable))]
    out = []

    def add(path):
        real = os.path.realpath(path)
        if not os.path.exists(real):
            return
        inside = [h for h in hide if h == real or h.startswith(real.rstrip(os.sep) + os.sep)]
        if not inside:
            out.append(real)
        elif os.path.isdir(real) and real not in hide:
            for name in os.listdir(real):
                add(os.path.join(real, name))

    for root in roots:
        add(root)
    # /proc/self resolves to this process now, which is the command once it is exec'd
    out += [os.path.realpath(p) if p == "/proc/self" else p for p in PROC_PATHS if os.path.exists(p)]
    return sorted(set(out))


def apply(write, *, scratch=None, memory=None, file_size=None, read=None, hide=(), bind_ports=None,
          processes=None) -> str:
    """Restrict this process (and what it will exec); returns the Landlock description."""
    from autograder.isolation.confine import landlock, process_limit, restrict_syscalls

    folders = [os.path.abspath(d) for d in write]
    if scratch:
        scratch = os.path.abspath(scratch)
        _scratch_env(scratch)
        folders.append(scratch)
    if os.path.isdir("/dev"):
        folders.append("/dev")
    _set_limit(resource.RLIMIT_CORE, 0)
    if memory:
        _set_limit(resource.RLIMIT_AS, int(memory))
    if file_size:
        _set_limit(resource.RLIMIT_FSIZE, int(file_size))
    if processes:
        _set_limit(resource.RLIMIT_NPROC, process_limit(int(processes), before_exec=True))
    readable = None if read is None else list(read) + system_paths(hide=hide)
    isolation = landlock(folders, readable=readable, net=False, bind_ports=bind_ports, scoped=True,
                    special_files=False, label=f"{len(folders)} folder(s)",
                    read_label=None if read is None else f"{len(read)} path(s) and the system's")
    if isolation.startswith("Landlock"):
        isolation += "; " + restrict_syscalls(sockets="tcp")
    return isolation



def main(argv=None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    program = args.command[0]
    if os.sep not in program:
        found = shutil.which(program)
        if found is None:
            print(f"kmeans-course jail: command not found: {program}", file=sys.stderr)
            sys.exit(127)
        program = found
    isolation = apply(args.write, scratch=args.scratch, memory=args.memory, file_size=args.file_size,
                      read=args.read, hide=args.hide or (), bind_ports=args.bind_port,
                      processes=args.processes)
    if not isolation.startswith("Landlock"):
        print(f"{WEAK_MARKER} {isolation}; the command can write anywhere this user can", file=sys.stderr)
        sys.stderr.flush()
    for var in args.unset:
        os.environ.pop(var, None)
    import signal

    # as a freshly started process would have them (Python ignores these two)
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.execv(program, args.command)


if __name__ == "__main__":
    main()
