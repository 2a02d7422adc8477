"""Clean-room processes forked from a fork server (autograder.isolation.sandbox.SandboxForks).

One scenario runs in its own process, as a grading worker would (a child subreaper,
the course secret in its environment), and starts real sandboxes: probes of what a
forked sandbox is, two sandboxes that must not share anything, deaths and hangs,
every lesson's solution graded with and without the server, and a sandbox started
after the server was killed. The tests below read what it saw.
"""
from __future__ import annotations

import os
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from autograder.isolation.confine import landlock_abi

sys.path.insert(0, str(Path(__file__).parent))

from scenario import run_scenario

SECRET = "sandbox-forks-secret-" + uuid.uuid4().hex

SCENARIO = textwrap.dedent(r'''
    import json, os, signal, sys, tempfile, time

    from autograder.grading.cleanroom import SOLUTIONS, grade_notebook
    from autograder.isolation.processes import become_subreaper, stop_orphans
    from autograder.isolation.sandbox import Limits, Sandbox, SandboxError, SandboxForks

    seen = {"subreaper": become_subreaper(), "worker": os.getpid()}
    LESSONS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").exists())
    seen["lessons"] = LESSONS

    def graded():
        out = {}
        for lesson in LESSONS:
            report = grade_notebook(SOLUTIONS / lesson / f"{lesson}.ipynb", lesson)
            out[lesson] = {gid: [s.score, s.possible, s.diagnosis] for gid, s in sorted(report.scores.items())}
        return out

    seen["plain_grades"] = graded()
    forks = SandboxForks(tempfile.mkdtemp())
    Sandbox.forks = forks
    seen["server"] = forks.process.pid
    seen["forked_grades"] = graded()

    PROBE = """
    import os, resource, sys, tempfile
    import numpy as np

    def _open(fd):
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False

    def probe(server):
        state = {"pid": os.getpid(), "ppid": os.getppid(), "leader": os.getsid(0) == os.getpid(),
                 "argv": sys.argv[1:2], "cwd": os.getcwd(), "home": os.environ.get("HOME"),
                 "tmp": tempfile.gettempdir(), "secret": "KMEANS_COURSE_SECRET" in os.environ,
                 "fds": [fd for fd in range(256) if _open(fd)],
                 "as": resource.getrlimit(resource.RLIMIT_AS)[0], "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
                 "random": float(np.random.rand()), "leak": hasattr(np, "LEAK"),
                 "allclose": np.allclose.__module__}
        try:
            import kmeans_ref.loops
            state["reference"] = "IMPORTED"
        except ImportError:
            state["reference"] = "REFUSED"
        try:
            os.kill(server, signal_number)
            state["kill_server"] = "ALLOWED"
        except PermissionError:
            state["kill_server"] = "DENIED"
        return state

    signal_number = 0

    def leave_traces():
        np.LEAK = 1
        np.allclose = lambda *a, **k: True
        return 1

    def exit_seven():
        os._exit(7)

    def hang_with_a_child():
        if os.fork() == 0:
            while True:
                pass
        while True:
            pass
    """
    limits = Limits(memory_bytes=1536 * 1024**2, cpu_seconds=77, call_seconds=3)
    first = Sandbox([("probe", PROBE)], limits=limits)
    first.start()
    seen["first_kind"] = type(first.proc).__name__
    seen["first"] = first.call("probe", forks.process.pid)
    seen["first_scratch"] = first.scratch
    first.call("leave_traces")
    seen["first_patched"] = sorted(first.patched)
    seen["first_isolation"] = first.isolation
    first.close()

    second = Sandbox([("probe", PROBE.replace("signal_number = 0", "signal_number = 9"))], limits=limits)
    second.start()
    seen["second"] = second.call("probe", forks.process.pid)
    seen["second_patched"] = sorted(second.patched)
    seen["server_alive_after_kill"] = forks.process.poll() is None
    try:
        second.call("exit_seven")
    except SandboxError as exc:
        seen["exit_seven"] = str(exc)
    second.close()

    third = Sandbox([("probe", PROBE)], limits=limits)
    third.start()
    try:
        third.call("hang_with_a_child")
    except SandboxError as exc:
        seen["hang"] = str(exc)
    third.close()
    time.sleep(0.2)
    seen["left_after_hang"] = stop_orphans(seconds=1)
    seen["server_alive_after_sweep"] = forks.process.poll() is None

    os.kill(forks.process.pid, signal.SIGKILL)
    forks.process.wait()
    after = Sandbox([("probe", PROBE)], limits=limits)
    after.start()
    seen["after_kind"] = type(after.proc).__name__
    seen["after"] = after.call("probe", 0)
    after.close()
    seen["broken"] = forks.broken
    forks.close()
    seen["unset"] = Sandbox.forks is None
    print("SEEN " + json.dumps(seen))
''')


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    return run_scenario(SCENARIO, secret=SECRET, cwd=str(tmp_path_factory.mktemp("sandbox-forks")), timeout=600)


pytestmark = [pytest.mark.xdist_group("grading"),
              pytest.mark.skipif(sys.platform != "linux", reason="the fork server needs Linux (a child subreaper)")]


def test_every_lesson_grades_the_same_with_forked_sandboxes(seen):
    assert seen["lessons"] and seen["plain_grades"]
    assert seen["forked_grades"] == seen["plain_grades"]
    for lesson, scores in seen["forked_grades"].items():
        assert scores, lesson
        assert all(score == possible > 0 for score, possible, _ in scores.values()), (lesson, scores)


def test_a_forked_sandbox_is_the_workers_child_in_its_own_session_and_scratch_folder(seen):
    assert seen["subreaper"]
    assert seen["first_kind"] == "ForkedChild"
    first = seen["first"]
    assert first["argv"] == ["--forks"]  # forked from the server, not a new interpreter
    assert first["ppid"] == seen["worker"] and first["leader"]
    assert first["cwd"] == first["home"] == first["tmp"] == os.path.realpath(seen["first_scratch"])
    assert first["fds"][:3] == [0, 1, 2] and len(first["fds"]) == 5  # the standard three and its two pipes


def test_a_forked_sandbox_has_the_limits_and_confinement_of_a_new_one(seen):
    first = seen["first"]
    assert first["as"] == 1536 * 1024**2 and first["cpu"] == 77
    assert not first["secret"]
    assert first["reference"] == "REFUSED"


@pytest.mark.skipif(landlock_abi() < 1, reason="Landlock is not available in this kernel")
def test_a_forked_sandbox_is_confined_by_landlock(seen):
    assert seen["first_isolation"].startswith("Landlock")


def test_sandboxes_from_one_server_share_nothing(seen):
    first, second = seen["first"], seen["second"]
    assert seen["first_patched"] == ["leave_traces"]
    assert not second["leak"] and second["allclose"] == "numpy"  # the first one's patches did not carry over
    assert seen["second_patched"] == []
    assert first["random"] != second["random"]
    assert first["pid"] != second["pid"]


@pytest.mark.skipif(landlock_abi() < 6, reason="Landlock ABI < 6: a sandbox can signal processes outside it")
def test_a_sandbox_cannot_kill_the_fork_server(seen):
    assert seen["second"]["kill_server"] == "DENIED"
    assert seen["server_alive_after_kill"]


def test_deaths_and_hangs_read_as_for_a_new_interpreter(seen):
    assert "exit status 7" in seen["exit_seven"]
    assert "did not finish within its time limit" in seen["hang"]
    assert seen["left_after_hang"] == 0  # the kill reached the child it forked: nothing left to sweep
    assert seen["server_alive_after_sweep"]


def test_without_the_server_a_sandbox_starts_as_a_new_interpreter(seen):
    assert seen["after_kind"] == "Popen"
    assert seen["after"]["argv"] != ["--forks"] and seen["after"]["ppid"] == seen["worker"]
    assert "stopped" in seen["broken"]
    assert seen["unset"]
