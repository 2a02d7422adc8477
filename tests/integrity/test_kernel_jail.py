"""The batch's kernels run in a jail: student code cannot reach the course or the grader.

``python -m autograder.isolation.kernel_jail`` restricts a command with Linux Landlock before it execs
it: writes only beneath the folders it is given (plus a private scratch folder and
``/dev``), no links or special files even there, no signals outside its sandbox; with
``--read``, reads only there and in the system; with ``--bind-port``, TCP only to
listen on those ports; never chmod or chown by path (seccomp).
``kmeans-course autograde`` starts every nbgrader kernel through it. The slow test
grades a hostile submission in a batch with honest students and checks that the
gradebook, the other students' files, ``solutions/`` and the grading process survive.
"""
from __future__ import annotations

import json
import shutil
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.isolation.confine import landlock_abi

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))

import minicourse as mc  # noqa: E402
from gradingkit import copy_course, gradebook_scores  # noqa: E402

ABI = landlock_abi()
needs_landlock = pytest.mark.skipif(ABI < 1, reason="Linux Landlock is not available in this kernel, so the"
                                                    " kernel jail cannot restrict writes here")
needs_scoping = pytest.mark.skipif(ABI < 6, reason=f"Landlock ABI {ABI} < 6: this kernel cannot stop a"
                                                   " sandboxed process from signalling the grader")

PROBE = textwrap.dedent("""
    import os, sys
    def attempt(label, fn):
        try:
            fn()
            print(label, "ALLOWED")
        except PermissionError:
            print(label, "DENIED")
        except OSError as exc:
            print(label, "ERROR", type(exc).__name__, exc.errno)
""")


def jail(args, code, *, cwd=None, check=False):
    cmd = [sys.executable, "-m", "autograder.isolation.kernel_jail", *args, "--", sys.executable, "-c", PROBE + code]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd, check=check)


def outcomes(stdout: str) -> dict:
    return {line.split()[0]: line.split()[1] for line in stdout.splitlines() if len(line.split()) >= 2}


# ----------------------------------------------------------------------------- the launcher


@needs_landlock
def test_launcher_allows_writes_only_beneath_the_given_folders(tmp_path):
    inside, outside, scratch = tmp_path / "inside", tmp_path / "outside", tmp_path / "scratch"
    inside.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("original")
    code = f"""
attempt("write_inside", lambda: open({str(inside / 'new.txt')!r}, "w").write("ok"))
attempt("mkdir_inside", lambda: os.mkdir({str(inside / 'sub')!r}))
attempt("write_outside", lambda: open({str(outside / 'new.txt')!r}, "w").write("x"))
attempt("overwrite_outside", lambda: open({str(outside / 'keep.txt')!r}, "w").write("x"))
attempt("delete_outside", lambda: os.remove({str(outside / 'keep.txt')!r}))
attempt("tmpfile", lambda: __import__("tempfile").TemporaryFile().write(b"x"))
attempt("devnull", lambda: open(os.devnull, "w").write("x"))
print("home", os.environ["HOME"])
"""
    proc = jail(["--write", str(inside), "--scratch", str(scratch)], code)
    assert proc.returncode == 0, proc.stderr
    got = outcomes(proc.stdout)
    assert got["write_inside"] == "ALLOWED" and (inside / "new.txt").read_text() == "ok"
    assert got["mkdir_inside"] == "ALLOWED"
    assert got["write_outside"] == "DENIED" and not (outside / "new.txt").exists()
    assert got["overwrite_outside"] == "DENIED" and got["delete_outside"] == "DENIED"
    assert (outside / "keep.txt").read_text() == "original"
    assert got["tmpfile"] == "ALLOWED" and got["devnull"] == "ALLOWED"  # TMPDIR is the scratch folder
    assert got["home"] == str(scratch)


@needs_landlock
def test_launcher_write_outside_raises_permission_error(tmp_path):
    """The plain case: the command's own exception is PermissionError."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    ok = jail(["--write", str(allowed)], f"open({str(allowed / 'f')!r}, 'w').write('1')")
    assert ok.returncode == 0, ok.stderr
    assert (allowed / "f").read_text() == "1"
    denied = jail(["--write", str(allowed)], f"open({str(tmp_path / 'f')!r}, 'w').write('1')")
    assert denied.returncode == 1
    assert "PermissionError" in denied.stderr
    assert not (tmp_path / "f").exists()


@needs_landlock
def test_launcher_forbids_links_and_fifos_even_inside(tmp_path):
    """A link planted where the grader later writes would redirect the grader's write."""
    inside, target = tmp_path / "inside", tmp_path / "gradebook.db"
    inside.mkdir()
    target.write_text("precious")
    code = f"""
attempt("symlink", lambda: os.symlink({str(target)!r}, {str(inside / 'out.ipynb')!r}))
attempt("hardlink", lambda: os.link({str(target)!r}, {str(inside / 'out2.ipynb')!r}))
attempt("fifo", lambda: os.mkfifo({str(inside / 'pipe')!r}))
"""
    got = outcomes(jail(["--write", str(inside)], code, check=True).stdout)
    assert got["symlink"] == "DENIED" and got["fifo"] == "DENIED"
    assert got["hardlink"] in ("DENIED", "ERROR")  # EXDEV: no REFER right outside
    assert sorted(p.name for p in inside.iterdir()) == []
    assert target.read_text() == "precious"


@needs_landlock
@needs_scoping
def test_launcher_cannot_signal_its_parent(tmp_path):
    # signal 0 only checks permission: nothing is killed whatever the outcome
    code = 'attempt("signal_parent", lambda: os.kill(os.getppid(), 0))\n'
    got = outcomes(jail(["--write", str(tmp_path)], code, check=True).stdout)
    assert got["signal_parent"] == "DENIED"


def test_launcher_limits_file_size_and_cores(tmp_path):
    # 1000-byte limit: a 4000-byte write fails with EFBIG (27) and the process lives on
    code = f"""
import errno, resource
def big_write():
    with open({str(tmp_path / 'big')!r}, "wb") as fh:
        fh.write(b"x" * 4000)
attempt("big_write", big_write)
print("core", resource.getrlimit(resource.RLIMIT_CORE)[0])
"""
    proc = jail(["--write", str(tmp_path), "--file-size", "1000"], code, check=True)
    got = outcomes(proc.stdout)
    assert got["big_write"] == "ERROR"
    assert "27" in proc.stdout.split("big_write", 1)[1].splitlines()[0]
    assert got["core"] == "0"
    assert (tmp_path / "big").stat().st_size <= 1000


def test_launcher_needs_a_command():
    proc = subprocess.run([sys.executable, "-m", "autograder.isolation.kernel_jail", "--write", "/tmp"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "no command" in proc.stderr


def test_kernel_manager_puts_the_jail_in_front_of_the_kernel_command(tmp_path, monkeypatch):
    from autograder.isolation import kernels as bw

    jail = bw.KernelJail(tmp_path / "scratch", ["/pkg"], ["/course"], file_size=123, processes=256)
    jail.student_dir = tmp_path / "autograded" / "ann"
    km = bw.kernel_manager_class(jail)(kernel_name="python3")
    km.connection_file = str(tmp_path / "kernel.json")
    km.shell_port, km.iopub_port, km.stdin_port, km.hb_port, km.control_port = 5001, 5002, 5003, 5004, 5005
    km._launch_args = {}
    cmd = km.format_kernel_cmd(extra_arguments=[bw.HIST_ARG])
    first_scratch = km.jail_scratch
    cut = cmd.index("--")
    assert cmd[:3] == [sys.executable, "-m", "autograder.isolation.kernel_jail"]
    assert cmd[3:cut] == ["--scratch", str(first_scratch),
                          "--read", "/pkg", "--read", str(jail.student_dir), "--read", km.connection_file,
                          "--hide", "/course",
                          "--bind-port", "5001", "--bind-port", "5002", "--bind-port", "5003",
                          "--bind-port", "5004", "--bind-port", "5005", "--bind-port", "0",
                          "--file-size", "123", "--processes", "256"]
    assert "ipykernel_launcher" in " ".join(cmd[cut + 1:]) and cmd[-1] == bw.HIST_ARG
    # every kernel gets a fresh private folder; the old one goes
    assert first_scratch.parent == tmp_path / "scratch" and first_scratch.is_dir()
    (first_scratch / "ipython" / "profile_default" / "startup" / "evil.py").write_text("import os")
    km.format_kernel_cmd(extra_arguments=[])
    assert km.jail_scratch != first_scratch and not first_scratch.exists()


def test_a_kernel_reads_the_import_path_but_never_the_course(tmp_path, monkeypatch):
    from autograder.isolation import kernels as bw
    from kmeans_ref import datasets  # noqa: F401  (imported before the import path is replaced)

    course, user_site = tmp_path / "course", tmp_path / "home" / ".local" / "site-packages"
    (course / ".venv" / "site-packages").mkdir(parents=True)
    user_site.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", ["", str(course), str(course / ".venv" / "site-packages"), str(user_site),
                                      str(tmp_path / "missing"), str(tmp_path)])
    reads = bw.kernel_reads([course])
    assert str(course / ".venv" / "site-packages") in reads and str(user_site) in reads
    assert str(course) not in reads and str(tmp_path) not in reads  # the course, or a folder above it
    assert str(tmp_path / "missing") not in reads and "" not in reads


@needs_landlock
def test_launcher_with_read_paths_reads_only_those_and_the_system(tmp_path):
    course, allowed = tmp_path / "course", tmp_path / "allowed"
    for folder in (course, allowed):
        folder.mkdir()
        (folder / "file.txt").write_text("x")
    code = f"""
import numpy
attempt("read_allowed", lambda: open({str(allowed / 'file.txt')!r}).read())
attempt("read_course", lambda: open({str(course / 'file.txt')!r}).read())
attempt("list_course", lambda: os.listdir({str(course)!r}))
attempt("read_system", lambda: open("/etc/hostname" if os.path.exists("/etc/hostname") else os.devnull).read())
"""
    proc = jail(["--scratch", str(tmp_path / "s"), "--read", str(allowed), "--hide", str(course)], code)
    assert proc.returncode == 0, proc.stderr
    assert outcomes(proc.stdout) == {"read_allowed": "ALLOWED", "read_course": "DENIED", "list_course": "DENIED",
                                     "read_system": "ALLOWED"}


@needs_landlock
def test_launcher_with_bind_ports_listens_there_and_connects_nowhere(tmp_path):
    import socket

    with socket.socket() as server, socket.socket() as probe:
        server.bind(("127.0.0.1", 0))
        server.listen()
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
        probe.close()  # a port known to be free, for the jailed command to listen on
        code = f"""
import socket
def listen(port):
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
attempt("bind_allowed", lambda: listen({free}))
attempt("bind_other", lambda: listen({free + 1 if free < 65535 else free - 1}))
attempt("connect_local", lambda: socket.create_connection(("127.0.0.1", {server.getsockname()[1]}), timeout=5))
"""
        proc = jail(["--scratch", str(tmp_path / "s"), "--bind-port", str(free)], code)
    assert proc.returncode == 0, proc.stderr
    if ABI < 4:
        pytest.skip(f"Landlock ABI {ABI} < 4 has no network rules")
    assert outcomes(proc.stdout) == {"bind_allowed": "ALLOWED", "bind_other": "DENIED", "connect_local": "DENIED"}


@needs_landlock
def test_launcher_allows_only_tcp_and_netlink_sockets(tmp_path):
    import socket

    unix_path = tmp_path / "service.sock"
    with socket.socket(socket.AF_UNIX) as service:  # a local service, like Docker's socket
        service.bind(str(unix_path))
        service.listen()
        code = f"""
import socket
attempt("tcp", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())
attempt("socketpair", lambda: [s.close() for s in socket.socketpair()])
attempt("unix", lambda: socket.socket(socket.AF_UNIX).connect({str(unix_path)!r}))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9)))
attempt("udp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
"""
        proc = jail(["--scratch", str(tmp_path / "s")], code)
    assert proc.returncode == 0, proc.stderr
    assert outcomes(proc.stdout) == {"tcp": "ALLOWED", "netlink": "ALLOWED", "socketpair": "ALLOWED",
                                     "unix": "DENIED", "udp": "DENIED", "udp6": "DENIED"}


def _unprivileged(cmd: list, folder: Path) -> list:
    """``cmd`` run as the unprivileged user ``nobody`` when the tests run as root (CI does).

    The superuser is not bound by RLIMIT_NPROC, so the limit is tested as another user.
    That user keeps only the right to read and search every folder (the interpreter may
    live under /root), never CAP_SYS_RESOURCE or CAP_SYS_ADMIN, which would lift the limit.
    """
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop to an unprivileged user"
    os.chown(folder, 65534, 65534)
    caps = "+dac_read_search,+dac_override"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
            f"--inh-caps={caps}", f"--ambient-caps={caps}", *cmd]


def test_launcher_bounds_the_processes_a_command_may_start(tmp_path):
    code = """
import threading, time
started = 0
try:
    for _ in range(200):
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
        started += 1
except RuntimeError:
    pass
print("started", started)
"""
    folder = tmp_path / "nobody"
    folder.mkdir()
    cmd = [sys.executable, "-m", "autograder.isolation.kernel_jail", "--scratch", str(folder / "s"),
           "--processes", "20", "--", sys.executable, "-c", PROBE + code + "\nprint('uid', os.getuid())"]
    proc = subprocess.run(_unprivileged(cmd, folder), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = outcomes(proc.stdout)
    assert int(seen["uid"]) != 0
    assert 0 < int(seen["started"]) <= 20


@needs_landlock
def test_launcher_forbids_chmod_and_chown_by_path(tmp_path):
    target = tmp_path / "gradebook.db"
    target.write_text("x")
    mode = target.stat().st_mode
    code = f"""
attempt("chmod", lambda: os.chmod({str(target)!r}, 0))
attempt("chown", lambda: os.chown({str(target)!r}, os.getuid(), os.getgid()))
attempt("chmod_dir", lambda: os.chmod({str(tmp_path)!r}, 0))
"""
    proc = jail(["--scratch", str(tmp_path / "s")], code)
    assert proc.returncode == 0, proc.stderr
    assert outcomes(proc.stdout) == {"chmod": "DENIED", "chown": "DENIED", "chmod_dir": "DENIED"}
    assert target.stat().st_mode == mode


# ----------------------------------------------------------------------------- a hostile batch

# Run after PROBE (its `attempt`), in the hostile student's notebook.
HOSTILE = """
import signal
ROOT = {root!r}
def _read(path):
    with open(path, "rb") as fh:
        print(fh.read()[:20])
def _clobber(path):
    with open(path, "wb") as fh:
        fh.write(b"pwned")
def _append(path):
    with open(path, "a") as fh:
        fh.write('{{"key": "mal/01-toy", "status": "graded"}}\\n')
def _scratch_gradebooks():
    scratch = os.path.join(ROOT, "autograded", ".kmeans-course", "scratch")
    def refuse(exc):
        raise exc
    dbs = [os.path.join(folder, f) for folder, _, files in os.walk(scratch, onerror=refuse) for f in files
           if f.startswith("worker-") and f.endswith(".db")]
    for db in dbs:
        _clobber(db)
    if not dbs:
        raise FileNotFoundError("no scratch gradebook found")
def _connect(port):
    import socket
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
attempt("a_gradebook", lambda: _clobber(os.path.join(ROOT, "gradebook.db")))
attempt("b_other_submission", lambda: os.remove(os.path.join(ROOT, "submitted", "ann", "01-toy", "01-toy.ipynb")))
attempt("c_solutions", lambda: _clobber(os.path.join(ROOT, "solutions", "01-toy", "01-toy.ipynb")))
attempt("c_solutions_new", lambda: _clobber(os.path.join(ROOT, "solutions", "01-toy", "evil.py")))
attempt("e_ledger", lambda: _append(os.path.join(ROOT, "autograded", ".kmeans-course", "ledger.jsonl")))
attempt("e_scratch", _scratch_gradebooks)
attempt("f_link", lambda: os.symlink(os.path.join(ROOT, "gradebook.db"), "01-toy.ipynb.link"))
attempt("g_read_gradebook", lambda: _read(os.path.join(ROOT, "gradebook.db")))
attempt("g_read_solutions", lambda: _read(os.path.join(ROOT, "solutions", "01-toy", "01-toy.ipynb")))
attempt("g_read_other", lambda: _read(os.path.join(ROOT, "submitted", "ann", "01-toy", "01-toy.ipynb")))
attempt("h_other_autograded", lambda: _clobber(os.path.join(ROOT, "autograded", "ann", "planted.txt")))
attempt("h_own_folder", lambda: _clobber(os.path.join(ROOT, "autograded", "mal", "planted.txt")))
attempt("i_chmod_gradebook", lambda: os.chmod(os.path.join(ROOT, "gradebook.db"), 0))
attempt("i_chmod_course", lambda: os.chmod(os.path.join(ROOT, "autograded"), 0))
attempt("j_connect", lambda: _connect({port}))
attempt("k_worker_environ", lambda: _read("/proc/%d/environ" % os.getppid()))
print("secret_seen", os.environ.get("KMEANS_COURSE_SECRET", "no"))
attempt("d_kill_worker", lambda: os.kill(os.getppid(), signal.SIGKILL))
def _leave_a_daemon():  # double fork and a new session: out of the kernel's process group
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "{daemon_seconds}"])
        os._exit(0)
    os.waitpid(first, 0)
_leave_a_daemon()
"""
DAEMON_SECONDS = "3599.271"  # how the daemon is recognised among the machine's processes


def _daemons() -> list:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[:2] == [b"sleep", DAEMON_SECONDS.encode()]:
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def _hostile_notebook(root: Path, port: int):
    nb = mc.student_notebook(root, "01-toy")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            hostile = HOSTILE.format(root=str(root), port=port, daemon_seconds=DAEMON_SECONDS)
            cell.source = PROBE + hostile + "\n" + cell.source
    return nb


def _snapshot(root: Path) -> dict:
    """Bytes of every file in solutions/ and submitted/ (what nobody may change)."""
    out = {}
    for top in ("solutions", "submitted"):
        for path in sorted((root / top).rglob("*")):
            if path.is_file():
                out[str(path.relative_to(root))] = path.read_bytes()
    return out


def _grade(root: Path):
    from autograder.grading import autograde as batch

    return batch.main(root=root, workers=2, progress=False, quiet=True,
                      post_grade="autograder.grading.cleanroom:post_grade")


@pytest.fixture(scope="module")
def toy_course(tmp_path_factory) -> Path:
    return mc.make_course(tmp_path_factory.mktemp("jail") / "course", lessons=("01-toy",))


def _submit_honest(root: Path) -> None:
    mc.submit(root, "ann", "01-toy", mc.student_notebook(root, "01-toy"))
    mc.submit(root, "bob", "01-toy", mc.student_notebook(
        root, "01-toy", {"add": mc.WRONG["add"]["toy.add_wrong"], "mul": mc.WRONG["mul"]["toy.mul_partial"]}))


@pytest.mark.slow
@needs_landlock
@needs_scoping
def test_hostile_submission_cannot_touch_the_course_or_kill_the_worker(toy_course, tmp_path, monkeypatch):
    monkeypatch.setenv("KMEANS_COURSE_SECRET", "a secret the kernel must not see")
    honest = copy_course(toy_course, tmp_path / "honest")
    _submit_honest(honest)
    baseline = _grade(honest)
    assert (baseline.graded, baseline.failed) == (2, 0)

    root = copy_course(toy_course, tmp_path / "hostile")
    _submit_honest(root)
    (root / "autograded" / "ann").mkdir(parents=True, exist_ok=True)
    import socket

    with socket.socket() as server:  # a service on this machine the kernel must not reach
        server.bind(("127.0.0.1", 0))
        server.listen()
        mc.submit(root, "mal", "01-toy", _hostile_notebook(root, server.getsockname()[1]))
        before = _snapshot(root)
        modes = {p: os.stat(p).st_mode for p in (root / "gradebook.db", root / "autograded")}
        summary = _grade(root)

    # the batch completed, every submission graded, no worker died
    records = {r["key"]: r for r in summary.records}
    assert sorted(records) == ["ann/01-toy", "bob/01-toy", "mal/01-toy"]
    assert all(r["status"] == "graded" for r in records.values()), [r["reason"] for r in records.values()]

    # every attempt was refused by the jail (not merely aimed at a missing file)
    autograded = json.loads((root / "autograded" / "mal" / "01-toy" / "01-toy.ipynb").read_text())
    text = "".join("".join(out.get("text", "")) for cell in autograded["cells"]
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    got = outcomes(text)
    for label in ("a_gradebook", "b_other_submission", "c_solutions", "c_solutions_new", "e_ledger", "e_scratch",
                  "f_link", "g_read_gradebook", "g_read_solutions", "g_read_other", "h_other_autograded",
                  "h_own_folder", "i_chmod_gradebook", "i_chmod_course", "j_connect", "k_worker_environ",
                  "d_kill_worker"):
        assert got.get(label) == "DENIED", (label, text)
    assert got["secret_seen"] == "no"  # scored by the clean room: the kernel never holds the secret
    assert {p: os.stat(p).st_mode for p in modes} == modes
    assert not _daemons(), "a process left behind by the submission outlived the batch"
    assert not list((root / "autograded").rglob("planted.txt"))

    # gradebook intact, honest grades as without the hostile student
    con = sqlite3.connect(root / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    ours, theirs = gradebook_scores(root), gradebook_scores(honest)
    honest_rows = {k: v for k, v in ours.items() if k[0] in ("ann", "bob")}
    assert honest_rows == theirs
    assert theirs[("ann", "01-toy", "test_mul")] == 2.0 and theirs[("bob", "01-toy", "test_mul")] == 1.5

    # files untouched, ledger not forged
    assert _snapshot(root) == before
    assert not (root / "solutions" / "01-toy" / "evil.py").exists()
    ledger = (root / "autograded" / ".kmeans-course" / "ledger.jsonl").read_text().splitlines()
    assert len(ledger) == 3 and "pwned" not in "".join(ledger)
    assert all(json.loads(line).get("hash") for line in ledger)
    assert not list((root / "autograded" / "mal" / "01-toy").glob("*.link"))
