"""Grading on a Dask cluster gives exactly the local pool's grades, even when a worker is killed.

A small class of lesson 01-labels (``autograder.authoring.classgen``: a perfect student, one
whose notebook is cut-off JSON, three with catalogue mistakes) is graded once by the local
pool (2 processes) and then on a 2-worker Dask cluster started here with Dask's own commands
(``dask scheduler``, ``dask worker``, each in a process group of its own, on 127.0.0.1, no
course secret in their environment): per cell the same recorded (clean-room) scores, the
same failures and reasons, flags and autograded notebooks. Then again with one worker
SIGKILLed (its process group) mid-batch: the same grades, each submission recorded once. And
with a submission whose every Dask worker process exits (a worker plugin stands for the OOM
killer): Dask gives up on it, it is recorded failed with what to do, the others as locally.
And with workers on which no grading kernel starts: the batch stops as the grader's fault.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from daskcluster import LocalDaskCluster  # tests/grading is on sys.path (conftest)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

REPO = Path(__file__).resolve().parents[2]
LESSON = "01-labels"
STUDENTS = 5
SECRET = "cluster-test-secret"


def build_class(root: Path) -> Path:
    """Release 01-labels into a course at ``root`` and collect a generated class of STUDENTS into it."""
    from autograder.authoring import classgen, release
    from autograder.lms import collect

    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / LESSON, root / "solutions" / LESSON)
    release.main(root=root, quiet=True)
    exercises = {LESSON: classgen._exercises(json.loads((root / "solutions" / LESSON / f"{LESSON}.ipynb").read_text()))}
    plans = classgen.plan_class(STUDENTS, exercises, seed=3)
    zip_path = root.parent / "submissions.zip"
    classgen.write_canvas_zip(root, plans, zip_path, assignments=[LESSON], release_dir=root / "notebooks",
                              source_dir=root / "solutions")
    collect.main(source=zip_path, root=root, quiet=True)
    return root


def grades(root: Path) -> dict:
    """(student, cell) -> recorded auto score, from the course gradebook."""
    con = sqlite3.connect(root / "gradebook.db")
    rows = con.execute("""
        SELECT sa.student_id, bc.name, g.auto_score FROM grade g
        JOIN submitted_notebook sn ON sn.id = g.notebook_id
        JOIN submitted_assignment sa ON sa.id = sn.assignment_id
        JOIN base_cell bc ON bc.id = g.cell_id""").fetchall()
    con.close()
    return {(s, c): v for s, c, v in rows}


def ledger(root: Path) -> list:
    path = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def outcomes(root: Path) -> dict:
    """key -> what a record says of the submission, beside its scores (status, reason, overrides, flags)."""
    return {r["key"]: (r["status"], r.get("reason", ""), json.dumps(r.get("overrides"), sort_keys=True),
                       sorted(json.dumps(f, sort_keys=True) for f in r.get("flags", [])))
            for r in ledger(root)}


def _outputs(cell: dict) -> tuple:
    """A cell's outputs, comparable across runs: stdout and stderr each joined into one text, errors
    by name and message (the diagnosis).

    The kernel sends the two streams separately, so how their pieces interleave (and are
    split into outputs) depends on timing, on one machine as on a cluster; what each says does not.
    """
    streams = {"stdout": "", "stderr": ""}
    others = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            text = o["text"]
            streams[o["name"]] += "".join(text) if isinstance(text, list) else text
        else:  # an error's traceback is IPython's rendering of the frames; its name and message are ours
            others.append({k: v for k, v in o.items() if k not in ("execution_count", "traceback")})
    return streams["stdout"], streams["stderr"], others


def notebooks(root: Path) -> dict:
    """student -> the autograded notebook's cells (source and outputs; metadata dropped: it holds times)."""
    found = {}
    for path in sorted((root / "autograded").glob(f"*/{LESSON}/{LESSON}.ipynb")):
        nb = json.loads(path.read_text())
        found[path.parts[-3]] = [(c["cell_type"], c["source"], _outputs(c)) for c in nb["cells"]]
    return found


@pytest.fixture(scope="module")
def local_class(tmp_path_factory):
    """The class, and a copy graded by the local pool (2 processes)."""
    import os

    from autograder.grading import autograde as batch

    folder = tmp_path_factory.mktemp("cluster-class")
    clean = build_class(folder / "class" / "course")
    local = folder / "local"
    shutil.copytree(clean, local)
    old = os.environ.get("KMEANS_COURSE_SECRET")
    os.environ["KMEANS_COURSE_SECRET"] = SECRET
    try:
        batch.main(root=local, workers=2, progress=False, quiet=True)
    finally:
        if old is None:
            os.environ.pop("KMEANS_COURSE_SECRET")
        else:
            os.environ["KMEANS_COURSE_SECRET"] = old
    return clean, local


@pytest.fixture
def cluster(tmp_path):
    c = LocalDaskCluster(tmp_path / "dask", workers=2)
    yield c
    c.stop()


def _same_as_local(local: Path, graded: Path) -> None:
    expected = grades(local)
    assert len(expected) >= 2 * STUDENTS  # every student has cells (a failed one: None scores)
    assert any(v not in (None, 0) for v in expected.values())
    assert grades(graded) == expected
    assert outcomes(graded) == outcomes(local)
    assert any(status == "failed" for status, *_ in outcomes(local).values())  # the cut-off JSON
    assert len(notebooks(local)) == STUDENTS - 1  # every one but the cut-off JSON
    theirs, ours = notebooks(graded), notebooks(local)
    assert sorted(theirs) == sorted(ours)
    assert all(len(theirs[s]) == len(ours[s]) for s in ours)
    differ = [(student, i, a, b) for student in ours for i, (a, b) in enumerate(zip(ours[student], theirs[student]))
              if a != b]
    assert not differ, f"first differing cell (student, index, local, cluster): {differ[0]}"
    records = ledger(graded)
    assert sorted(r["key"] for r in records) == sorted(outcomes(local))  # each submission recorded once


def test_a_dask_cluster_grades_exactly_as_the_local_pool(local_class, cluster, tmp_path, monkeypatch):
    from autograder.grading import autograde as batch

    clean, local = local_class
    root = tmp_path / "course"
    shutil.copytree(clean, root)
    monkeypatch.setenv("KMEANS_COURSE_SECRET", SECRET)
    summary = batch.main(root=root, scheduler=cluster.address, progress=False, quiet=True)
    assert summary.workers == 2 and summary.graded + summary.failed == STUDENTS
    _same_as_local(local, root)
    # the batch's grading processes and folders are gone from the workers
    with cluster.client() as client:
        from autograder.grading import cluster_worker

        left = client.run(lambda: len(cluster_worker._BATCHES))
    assert list(left.values()) == [0, 0]


def test_a_worker_killed_mid_batch_loses_nothing(local_class, cluster, tmp_path, monkeypatch):
    from autograder.grading import autograde as batch

    clean, local = local_class
    root = tmp_path / "course"
    shutil.copytree(clean, root)
    monkeypatch.setenv("KMEANS_COURSE_SECRET", SECRET)
    killed = []

    def kill_when_busy():
        """SIGKILL worker 0's process group once it is grading and a first record is in."""
        state = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
        with cluster.client() as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                processing = client.processing()
                names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
                mine = [a for a, n in names.items() if n == "worker-0"]
                if state.is_file() and state.read_text().strip() and mine and processing.get(mine[0]):
                    cluster.kill_worker(0)
                    killed.append(processing[mine[0]])
                    return
                time.sleep(0.2)

    watcher = threading.Thread(target=kill_when_busy)
    watcher.start()
    summary = batch.main(root=root, scheduler=cluster.address, progress=False, quiet=True)
    watcher.join()
    assert killed, "worker 0 was never busy after a first record: nothing was killed"
    assert summary.graded + summary.failed == STUDENTS
    _same_as_local(local, root)


def test_a_submission_that_ends_every_worker_it_runs_on_is_recorded_failed(local_class, tmp_path, monkeypatch):
    """Dask gives up on it (KilledWorker): it is recorded failed with what to do, the others as locally."""
    from autograder.grading import autograde as batch
    from daskcluster import ExitOnStudent

    clean, local = local_class
    expected = outcomes(local)
    graded = sorted(key for key, (status, *_) in expected.items() if status == "graded")
    assert len(graded) >= 2
    victim_key = graded[0]
    victim = victim_key.split("/")[0]
    root = tmp_path / "course"
    shutil.copytree(clean, root)
    monkeypatch.setenv("KMEANS_COURSE_SECRET", SECRET)
    # Dask's own settings: give up after a second worker dies running it, and hand each worker
    # one task at a time, so that no other submission is waiting on a worker that dies
    cluster = LocalDaskCluster(tmp_path / "dask", workers=2, env={
        "PYTHONPATH": str(Path(__file__).parent),
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"})
    try:
        with cluster.client() as client:
            client.register_plugin(ExitOnStudent(victim))
        summary = batch.main(root=root, scheduler=cluster.address, progress=False, quiet=True)
        logs = "\n".join((tmp_path / "dask" / f"worker-{i}.log").read_text(errors="replace") for i in range(2))
    finally:
        cluster.stop()
    assert summary.graded + summary.failed == STUDENTS
    assert summary.failed == sum(status == "failed" for status, *_ in expected.values()) + 1
    got = outcomes(root)
    assert sorted(got) == sorted(expected)  # every submission recorded, once
    status, reason, *_ = got[victim_key]
    assert status == "failed"
    assert "ended every Dask worker it ran on" in reason and "grade it locally" in reason, reason
    assert logs.count("exited with status 1") == 2, logs[-3000:]  # Dask gave up after the second death
    others = {key: value for key, value in expected.items() if key != victim_key}
    assert {key: got[key] for key in others} == others
    local_grades = {cell: score for cell, score in grades(local).items() if cell[0] != victim}
    assert local_grades and {cell: score for cell, score in grades(root).items() if cell[0] != victim} == local_grades


def test_a_grader_fault_on_the_workers_stops_the_batch_and_records_nobody(local_class, tmp_path, monkeypatch, capsys):
    """No grading kernel starts on the cluster's workers (a broken kernel spec there): exit 3, no record."""
    import sys

    from autograder import cli

    clean, local = local_class
    root = tmp_path / "course"
    shutil.copytree(clean, root)
    monkeypatch.setenv("KMEANS_COURSE_SECRET", SECRET)
    # a python3 kernel that exits at once, found first on the workers only (JUPYTER_PATH comes first)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; sys.exit(3)", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    cluster = LocalDaskCluster(tmp_path / "dask", workers=2, env={"JUPYTER_PATH": str(tmp_path / "jupyter")})
    try:
        code = cli.main(["--root", str(root), "autograde", "--scheduler", cluster.address, "--no-progress"])
    finally:
        cluster.stop()
    err = capsys.readouterr().err
    assert code == 3, err
    assert "the grader failed (not the students)" in err
    assert "a grading kernel does not start, for any student" in err
    # nobody whose notebook needed a kernel is recorded; a file no kernel could read (the cut-off
    # JSON, refused before any kernel starts) may be, exactly as the local pool recorded it
    unreadable = {key: value for key, value in outcomes(local).items() if "is not valid JSON" in value[1]}
    assert unreadable
    state = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
    recorded = outcomes(root) if state.is_file() else {}
    assert all(recorded[key] == unreadable[key] for key in recorded), recorded
    students = {key.split("/")[0] for key in recorded}
    assert grades(root) == {cell: score for cell, score in grades(local).items() if cell[0] in students}
    assert all(score is None for score in grades(root).values())
