"""Grading kernels forked from the worker's fork server (autograder.isolation.kernel_forks).

One scenario runs in its own process, as a grading worker would (a child subreaper
with a jail that withholds the course secret), and starts real kernels through
nbclient: two students' kernels forked from the server, one that tries to kill the
server, the orphan sweep between submissions, and a kernel started after the server
was killed. The tests below read what it saw.
"""
from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from autograder.isolation.confine import landlock_abi

sys.path.insert(0, str(Path(__file__).parent))

from scenario import run_scenario

SECRET = "forks-test-secret-" + uuid.uuid4().hex
MARKER = "student-alpha-" + uuid.uuid4().hex

SCENARIO = textwrap.dedent(r"""
    import json, os, signal, sys, time
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    from autograder.isolation.kernel_forks import KernelForks
    from autograder.isolation.kernels import HIST_ARG, KernelJail, kernel_manager_class, kernel_reads
    from autograder.isolation.processes import become_subreaper, stop_orphans

    root, marker = Path(sys.argv[1]), sys.argv[2]
    course = root / "course"
    course.mkdir()
    seen = {"subreaper": become_subreaper(), "worker": os.getpid()}
    jail = KernelJail(root / "scratch", kernel_reads([course]), [str(course)], unset=["KMEANS_COURSE_SECRET"])
    forks = KernelForks(root / "forks", {k: v for k, v in os.environ.items() if k != "KMEANS_COURSE_SECRET"})
    seen["server"] = forks.process.pid
    Manager = kernel_manager_class(jail, None, forks)

    PROBE = '''
    import json, os, sys
    state = {"preloaded": "matplotlib.pyplot" in sys.modules, "ppid": os.getppid(), "cwd": os.getcwd(),
             "secret_env": "KMEANS_COURSE_SECRET" in os.environ,
             "secret_initial_env": b"KMEANS_COURSE_SECRET" in open("/proc/self/environ", "rb").read(),
             "path0": sys.path[0]}
    import numpy as np
    state["random"] = float(np.random.rand())
    try:
        os.kill(SERVER, 9)
        state["kill_server"] = "ALLOWED"
    except PermissionError:
        state["kill_server"] = "DENIED"
    except ProcessLookupError:
        state["kill_server"] = "NO SUCH PROCESS"
    print(json.dumps(state))
    '''

    os.chdir(root)

    def kernel_state(student, kill_server=False, relative=False):
        folder = root / "autograded" / student
        folder.mkdir(parents=True, exist_ok=True)
        jail.student_dir = folder
        code = PROBE.replace("SERVER", str(seen["server"]) if kill_server else "-999999")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        path = folder.relative_to(root) if relative else folder  # nbgrader passes the notebook's folder as given
        client = NotebookClient(nb, timeout=60, kernel_name="python3", kernel_manager_class=Manager,
                                extra_arguments=[HIST_ARG], resources={"metadata": {"path": str(path)}})
        client.execute()
        texts = [o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream"]
        return json.loads("".join(texts).strip().splitlines()[-1])

    def memory_holds(pid, needle):
        needle = needle.encode()
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
            for line in maps:
                fields = line.split()
                if not fields[1].startswith("r") or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
                    continue
                start, end = (int(x, 16) for x in fields[0].split("-"))
                try:
                    mem.seek(start)
                    if needle in mem.read(end - start):
                        return True
                except (OSError, ValueError, OverflowError):
                    continue
        return False

    seen["alpha"] = kernel_state(marker)
    seen["beta"] = kernel_state("student-beta", relative=True)
    seen["server_holds_marker"] = memory_holds(seen["server"], marker)
    seen["server_holds_secret"] = memory_holds(seen["server"], os.environ["KMEANS_COURSE_SECRET"])
    seen["server_environ_secret"] = b"KMEANS_COURSE_SECRET" in Path(f"/proc/{seen['server']}/environ").read_bytes()
    seen["hostile"] = kernel_state("student-gamma", kill_server=True)
    seen["server_alive_after_hostile"] = forks.process.poll() is None
    seen["orphans_stopped"] = stop_orphans()
    seen["server_alive_after_sweep"] = forks.process.poll() is None
    seen["delta"] = kernel_state("student-delta")
    os.kill(seen["server"], signal.SIGKILL)
    forks.process.wait()
    seen["after_server_died"] = kernel_state("student-epsilon")
    forks.close()
    spare = KernelForks(root / "forks2", dict(os.environ, KMEANS_COURSE_SECRET=""))
    time.sleep(1)  # importing, then waiting for requests
    started = time.monotonic()
    spare.close()
    seen["close_seconds"], seen["close_status"] = time.monotonic() - started, spare.process.returncode
    print("SEEN " + json.dumps(seen))
""")


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    return run_scenario(SCENARIO, str(tmp_path_factory.mktemp("forks")), MARKER, secret=SECRET)


pytestmark = [pytest.mark.xdist_group("grading"),
              pytest.mark.skipif(sys.platform != "linux", reason="the fork server needs Linux (a child subreaper)")]


def test_a_forked_kernel_is_the_workers_child_in_its_students_folder(seen):
    assert seen["subreaper"]
    for student in ("alpha", "beta", "delta"):
        state = seen[student]
        assert state["preloaded"], f"{student}'s kernel was not forked from the server"
        assert state["ppid"] == seen["worker"]
        assert state["cwd"].endswith(("student-beta", "student-delta", MARKER))
        assert "forks" not in state["path0"]  # the server's folder is not on the kernel's import path


def test_forked_kernels_draw_their_own_random_numbers(seen):
    assert len({seen[s]["random"] for s in ("alpha", "beta", "delta")}) == 3


def test_neither_server_nor_kernel_holds_the_course_secret(seen):
    for student in ("alpha", "beta", "delta"):
        assert not seen[student]["secret_env"] and not seen[student]["secret_initial_env"]
    assert not seen["server_environ_secret"]
    assert not seen["server_holds_secret"]


def test_the_server_never_holds_a_students_request(seen):
    # alpha's folder name was in alpha's request; the next kernels inherit the server's memory
    assert not seen["server_holds_marker"]


@pytest.mark.skipif(landlock_abi() < 6, reason="Landlock ABI < 6: a jailed kernel can signal processes"
                                                 " outside its sandbox")
def test_a_kernel_cannot_kill_the_fork_server(seen):
    assert seen["hostile"]["kill_server"] == "DENIED"
    assert seen["server_alive_after_hostile"]


def test_the_orphan_sweep_spares_the_fork_server(seen):
    assert seen["server_alive_after_sweep"]
    assert seen["delta"]["preloaded"]


def test_the_server_stops_when_the_worker_closes_it(seen):
    assert seen["close_status"] == 0  # it ended by itself, not killed after close()'s 5 s wait
    assert seen["close_seconds"] < 2


def test_without_the_server_a_kernel_starts_as_a_new_process(seen):
    state = seen["after_server_died"]
    assert not state["preloaded"] and state["ppid"] == seen["worker"]
    assert not state["secret_env"] and not state["secret_initial_env"]
