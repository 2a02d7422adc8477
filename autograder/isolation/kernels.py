"""How a grading worker's kernels start: jailed, importing the grader's own kit first, one spare ahead.

- :class:`KernelJail`: every kernel starts through ``python -m autograder.isolation.kernel_jail``,
  so the student's code writes only in a scratch folder of its own kernel, reads only
  Python, the course packages and its own student's folder, listens on its own ports
  and connects nowhere, and cannot signal the worker.
- :class:`KitPath`: a folder holding links to the packages the grader runs
  (``autograder``, ``kmeans_ref``), put first on the kernel's import path, so that a
  kernel imports the same copy of the kit as the grader, never a copy in the course
  folder or the student's.
- :func:`kernel_manager_class`: nbclient's kernel manager with both applied.
- :class:`SpareKernel`: a submission's kernel started while nbgrader prepares.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path
from typing import Optional

from autograder.course import kit_packages, make_writable_and_remove

# Every kernel of the batch keeps its history in memory (no sqlite file in its scratch).
HIST_ARG = "--HistoryManager.hist_file=:memory:"


class KernelJail:
    """How this worker's kernels are started: through ``python -m autograder.isolation.kernel_jail``.

    A kernel runs the student's code as the grader's user. Started through the jail:

    - it writes only in a private scratch folder made for that kernel alone (its HOME,
      TMPDIR, MPLCONFIGDIR, IPYTHONDIR) and removed when it stops, so nothing one
      student's kernel leaves (an IPython start-up file, a ``.pth``) reaches the next;
    - it reads only Python, the system, the course packages and data (``read``), its
      connection file and ``student_dir`` (``autograded/<student>/``, set per
      submission): not the gradebook, ``solutions/``, ``submitted/``, the batch's state
      or any other student's files, so none of them can leak into its output;
    - it may listen on its five TCP ports and connect nowhere: no other kernel, no
      service on the machine, nothing outside it;
    - it cannot make links or special files, change modes, nor signal the worker;
    - ``unset``: environment variables it does not get (the course secret, when the
      clean room scores: hidden cases must not leak through a kernel's output).

    No jail (``None`` where one is expected): kernels start as stock nbgrader starts them.
    """

    def __init__(self, scratch_root, read=(), hide=(), *, memory=None, file_size=None, processes=None, unset=()):
        self.scratch_root = Path(scratch_root)
        self.unset = list(unset)
        self.read = [str(p) for p in read]
        self.hide = [str(h) for h in hide]
        self.memory = memory
        self.file_size = file_size
        self.processes = processes
        self.student_dir: Optional[Path] = None
        self._made = 0

    def new_scratch(self) -> Path:
        """A fresh private folder for one kernel, with matplotlib's font list seeded."""
        self._made += 1
        path = self.scratch_root / f"k{self._made}"
        make_writable_and_remove(path)
        path.mkdir(mode=0o700, parents=True)
        seed_matplotlib_cache(path / "matplotlib")
        # IPython's profile, made as IPython would make it but without the chmod the
        # jail forbids (it copies a README into startup/ with shutil.copy)
        profile = path / "ipython" / "profile_default"
        for sub, mode in (("security", 0o700), ("pid", 0o700), ("log", 0o755), ("startup", 0o755)):
            (profile / sub).mkdir(mode=mode, parents=True, exist_ok=True)
        (profile / "startup" / "README").touch()
        return path

    def prefix(self, scratch, *, connection_file=None, ports=None) -> list:
        cmd = [sys.executable, "-m", "autograder.isolation.kernel_jail", "--scratch", str(scratch)]
        reads = list(self.read) + [str(p) for p in (self.student_dir, connection_file) if p]
        for path in reads:
            cmd += ["--read", path]
        for folder in self.hide:
            cmd += ["--hide", folder]
        for port in ports or ():
            cmd += ["--bind-port", str(int(port))]
        if self.memory:
            cmd += ["--memory", str(int(self.memory))]
        if self.file_size:
            cmd += ["--file-size", str(int(self.file_size))]
        if self.processes:
            cmd += ["--processes", str(int(self.processes))]
        for var in self.unset:
            cmd += ["--unset", var]
        return cmd + ["--"]


def kernel_reads(hide) -> list:
    """What a grading kernel reads besides the system: the course packages, the data sets,
    and every folder on this Python's import path (a user or conda site-packages
    included) except those that would open up a folder of ``hide`` (the course's)."""
    import autograder
    import kmeans_ref
    from kmeans_ref import datasets

    hide = [os.path.realpath(h) for h in hide]
    paths = [Path(kmeans_ref.__file__).parent, Path(autograder.__file__).parent]
    with contextlib.suppress(OSError):
        paths.append(datasets.data_dir())
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.exists(real) and not any(h == real or h.startswith(real.rstrip(os.sep) + os.sep)
                                                     for h in hide):
            paths.append(real)
    return list(dict.fromkeys(str(p) for p in paths))



class KitPath:
    """A folder of links to the kit's packages, first on every kernel's import path.

    nbgrader puts the course folder first on the grader's ``sys.path``, and IPython puts
    the notebook's folder first on the kernel's: a course or a submission holding its own
    ``autograder/`` would otherwise shadow the kit the grader runs. The folder holds only
    the links, so nothing else of the kit's checkout becomes importable.
    """

    def __init__(self, folder: Path, packages=None):
        self.folder = Path(folder)
        self.packages = [Path(p) for p in (packages or kit_packages())]
        make_writable_and_remove(self.folder)
        self.folder.mkdir(parents=True)
        for package in self.packages:
            (self.folder / package.name).symlink_to(package, target_is_directory=True)

    def kernel_argument(self) -> str:
        """An IPython kernel option that puts the folder first on ``sys.path`` before any cell runs
        (after IPython added the working directory; binds no name, prints nothing)."""
        return f"--IPKernelApp.exec_lines=__import__('sys').path.insert(0, {str(self.folder)!r})"


def kernel_manager_class(jail: Optional[KernelJail], kit: Optional[KitPath] = None, forks=None):
    """nbclient's kernel manager class, with the kit first on the kernel's import path, the
    kernel's command run through ``jail`` and the kernel forked by ``forks``
    (a :class:`~autograder.isolation.kernel_forks.KernelForks`; any of them may be None)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class BatchKernelManager(AsyncKernelManager):
        """nbclient's kernel manager, with the kernel's command run through the jail."""

        batch_jail = jail
        batch_kit = kit
        batch_forks = forks
        jail_scratch = None

        @default("client_factory")
        def _prompt_client(self):
            return prompt_client_class()

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # as jupyter_client's LocalProvisioner.launch_kernel, with the process forked
            from autograder.isolation.kernel_forks import split_command

            forks, provisioner = self.batch_forks, self.provisioner
            plain = all(kw.get(stream) is None for stream in ("stdin", "stdout", "stderr"))
            if forks is None or not plain or split_command(kernel_cmd) is None or \
                    not hasattr(provisioner, "process"):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            env = dict(kw.get("env") or os.environ, JPY_PARENT_PID=str(os.getpid()))
            try:
                process = forks.launch(kernel_cmd, cwd=kw.get("cwd") or os.getcwd(), env=env)
            except OSError as exc:  # a new process, as stock
                self.log.warning("kernel not forked (%s): starting it as a new process", exc)
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner.process = process
            provisioner.pid = provisioner.pgid = process.pid  # the kernel leads its own session
            provisioner.cwd = kw.get("cwd")
            self._reconcile_connection_info(provisioner.connection_info)

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments=extra_arguments)
            if self.batch_kit is not None and any("ipykernel" in part for part in cmd):
                cmd.append(self.batch_kit.kernel_argument())
            if self.batch_jail is None:
                return cmd
            self._remove_scratch()  # a restart gets a fresh one too
            self.jail_scratch = self.batch_jail.new_scratch()
            # its five ports, and 0: any free port (ipykernel's pipe for subprocess output)
            ports = ([self.shell_port, self.iopub_port, self.stdin_port, self.hb_port, self.control_port, 0]
                     if self.transport == "tcp" else None)
            return self.batch_jail.prefix(self.jail_scratch, connection_file=self.connection_file,
                                          ports=ports) + cmd

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                self._remove_scratch()

        def _remove_scratch(self):
            scratch, self.jail_scratch = self.jail_scratch, None
            if scratch is not None:
                make_writable_and_remove(scratch)

    return BatchKernelManager


@functools.lru_cache(maxsize=None)
def prompt_client_class():
    """jupyter_client's asynchronous kernel client, ready as soon as the kernel answers."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.utils import ensure_async
    from queue import Empty

    class PromptClient(AsyncKernelClient):
        """jupyter_client's client, ready as soon as the kernel answers.

        jupyter_client's ``wait_for_ready`` ends by waiting until the kernel's IOPub
        channel has been silent for 0.2 s, on every kernel start. nbclient does not need
        that: it matches every message to the request it answers and ignores the rest.
        """

        async def _async_wait_for_ready(self, timeout=None):
            import time

            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:  # as jupyter_client: a kernel_info reply, and IOPub connected
                self.kernel_info()
                try:
                    msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:
                            await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                        except Empty:
                            pass
                        else:
                            self._handle_kernel_info_reply(msg)
                            return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

        wait_for_ready = _async_wait_for_ready  # the name nbclient calls (bound to the base's at class creation)

    return PromptClient


class SpareKernel:
    """One kernel started ahead of time, so that a notebook does not wait for its kernel.

    Starting a kernel (a new Python process importing ipykernel) takes about half a
    second; a worker starts a submission's kernel as soon as the submission arrives, so
    that start-up overlaps nbgrader's preparation (checks, sanitizing, copying files).
    Not earlier: the kernel's jail is made for its student. The spare
    kernel is started as nbgrader would start it (same kernel, arguments and
    environment, ``NBGRADER_EXECUTION=autograde``) but in a neutral folder; before the
    first cell it moves to the notebook's folder with a silent ``os.chdir`` (no
    execution count, no output, no name bound in the user namespace).
    """

    def __init__(self, cwd: Path, manager_class=None):
        self.km = None
        self.key = None
        self.cwd = Path(cwd)  # a neutral folder; the kernel moves to the notebook's
        self.manager_class = manager_class

    def start(self, kernel_name: str, extra_arguments: list, *, config=None) -> None:
        """Start a kernel as nbclient's ``create_kernel_manager`` + ``start_new_kernel`` would."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        cwd = self.cwd
        cwd.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, NBGRADER_EXECUTION="autograde")
        try:
            km = (self.manager_class or AsyncKernelManager)(kernel_name=kernel_name, config=config)
            run_sync(km.start_kernel)(extra_arguments=list(extra_arguments), cwd=str(cwd), env=env)
        except Exception:  # no spare: the next notebook starts its own kernel, as nbgrader does
            return
        self.km, self.key = km, (kernel_name, tuple(extra_arguments))

    def take(self, kernel_name: str, extra_arguments: list):
        """The spare kernel manager if it fits and is alive, else None (and it is discarded)."""
        from jupyter_core.utils import run_sync

        km, key = self.km, self.key
        self.km = self.key = None
        if km is None:
            return None
        try:
            if key == (kernel_name, tuple(extra_arguments)) and run_sync(km.is_alive)():
                return km
        except Exception:
            pass
        stop_kernel(km)
        return None

    def shutdown(self) -> None:
        km, self.km, self.key = self.km, None, None
        if km is not None:
            stop_kernel(km)


def stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
    with contextlib.suppress(Exception):
        run_sync(km.cleanup_resources)()


def seed_matplotlib_cache(folder: Path) -> None:
    """Copy matplotlib's font list into a kernel's private MPLCONFIGDIR (else every
    worker's first kernel rebuilds it, a second or more)."""
    # matplotlib's own cache folder, found as matplotlib finds it (without importing it)
    source = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "matplotlib")
    try:
        cached = sorted(Path(source).glob("fontlist-*.json"))
    except OSError:
        return
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        import shutil

        for path in cached:
            shutil.copy2(path, folder / path.name)
