"""A PostgreSQL gradebook: the same class graded into SQLite and into a real server agrees, cell by cell.

Both courses are built, collected (with a Canvas roster: names into the gradebook),
given a due date and an extension, graded and reported with the ``kmeans-course``
command, exactly as a TA would; only ``c.CourseDirectory.db_url`` differs. The server
is the session's ``postgres`` fixture (``tests/grading/conftest.py``). The errors a TA meets
(server down, driver missing) are tested without a server.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.authoring import classgen
from autograder.course import Course, CourseError

sys.path.insert(0, str(Path(__file__).parent))
from gradingkit import nbgrader_env  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LESSON = "01-labels"
KMC = str(Path(sys.executable).parent / "kmeans-course")
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
START = 1_757_000_000.0  # classgen's first upload time; students upload a minute apart


def kmc(root: Path, *args, check: bool = True) -> subprocess.CompletedProcess:
    """``kmeans-course --root ROOT ARGS...`` in a process of its own."""
    proc = subprocess.run([KMC, "--root", str(root), *map(str, args)], env=nbgrader_env(), capture_output=True,
                          text=True, timeout=600)
    if check:
        assert proc.returncode == 0, f"kmeans-course {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def kmc_here(root: Path, *args) -> None:
    """The same command line, run in this process (the same code without a second of start-up per call)."""
    from autograder.cli import main

    assert main(["--root", str(root), "--quiet", *map(str, args)]) == 0, args


def set_db_url(root: Path, url: str) -> None:
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.CourseDirectory.db_url = {url!r}\n")


def canvas_roster(plans, path: Path) -> Path:
    """A Canvas gradebook export for the class (what `export canvas` fills in)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{LESSON}: labels (8001)"])
    w.writerow(["    Points Possible", "", "", "", "", "10.00"])
    for number, p in enumerate(plans):
        first, _, last = p.name.partition(" ")
        w.writerow([f"{last}, {first}", 10_000 + number, f"S{number:04d}", p.login, "Section A", ""])
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    return path


def cell_grades(root: Path) -> dict:
    """Every grade nbgrader holds, read through its own API: (student, lesson, notebook, cell) -> values."""
    from nbgrader.api import Gradebook

    course = Course(root)
    out = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    out[(sub.student.id, a.name, nb.name, "late")] = (nb.late_submission_penalty, nb.flagged)
                    for g in nb.grades:
                        out[(sub.student.id, a.name, nb.name, g.name)] = (g.auto_score, g.manual_score,
                                                                           g.needs_manual_grade)
                out[(sub.student.id, a.name, "", "extension")] = str(sub.extension)
        for s in gb.students:
            out[(s.id, "", "", "name")] = (s.first_name, s.last_name)
    return out


@pytest.fixture(scope="module")
def two_courses(postgres, tmp_path_factory):
    """One class graded twice: into SQLite (``sqlite``) and into the PostgreSQL server (``pg``)."""
    base = tmp_path_factory.mktemp("pg-class")
    roots = {"sqlite": base / "sqlite", "pg": base / "pg"}
    for root in roots.values():
        (root / "solutions").mkdir(parents=True)
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
        shutil.copytree(REPO / "solutions" / LESSON, root / "solutions" / LESSON,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    set_db_url(roots["pg"], postgres.create_database("kmeans_class"))
    for root in roots.values():
        kmc_here(root, "release", LESSON)  # creates the gradebook (nbgrader's tables on the server)
    solution = json.loads((roots["sqlite"] / "solutions" / LESSON / f"{LESSON}.ipynb").read_text())
    plans = classgen.plan_class(4, {LESSON: classgen._exercises(solution)}, seed=2)
    roster = canvas_roster(plans, base / "canvas.csv")
    zip_path = base / "submissions.zip"
    classgen.write_canvas_zip(roots["sqlite"], plans, zip_path, assignments=[LESSON],
                              release_dir=roots["sqlite"] / "notebooks", source_dir=roots["sqlite"] / "solutions",
                              start_time=START)
    due = dt.datetime.fromtimestamp(START + 150, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    for root in roots.values():
        kmc_here(root, "collect", zip_path, "--roster", roster)
        kmc_here(root, "duedate", LESSON, due)
        kmc_here(root, "extend", "canvas-10003", LESSON, "--hours", "1")
        kmc_here(root, "autograde", LESSON, "--workers", "2", "--no-progress", "--dev-secret")
        kmc_here(root, "report")
        kmc_here(root, "export", "canvas", LESSON, "--roster", roster, "--out", root / "canvas_upload.csv")
    return roots, plans


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_postgres_gradebook_holds_sqlites_grades_and_gives_the_same_reports(two_courses):
    roots, plans = two_courses
    sqlite, pg = cell_grades(roots["sqlite"]), cell_grades(roots["pg"])
    graded = [k for k, v in sqlite.items() if k[3] not in ("late", "extension", "name") and v[0] is not None]
    assert len(graded) >= 3 * 4, "the class should have graded cells"  # 4 students, several exercises
    assert pg == sqlite
    assert sqlite[("canvas-10003", LESSON, "", "extension")] == "1:00:00"
    for name in ("grades.csv",):
        a, b = (r / "reports" / name for r in (roots["sqlite"], roots["pg"]))
        assert a.read_bytes() == b.read_bytes()
    rows = list(csv.DictReader(io.StringIO((roots["pg"] / "reports" / "grades.csv").read_text())))
    assert sorted(r["student_id"] for r in rows) == [f"canvas-{10_000 + i}" for i in range(4)]
    assert (roots["pg"] / "canvas_upload.csv").read_bytes() == (roots["sqlite"] / "canvas_upload.csv").read_bytes()
    feedback = sorted(p.relative_to(roots["pg"]) for p in (roots["pg"] / "feedback").rglob("*.html"))
    assert feedback and feedback == sorted(p.relative_to(roots["sqlite"])
                                           for p in (roots["sqlite"] / "feedback").rglob("*.html"))


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_nbgrader_reads_the_postgres_gradebook(two_courses, tmp_path):
    roots, plans = two_courses
    listed = subprocess.run([NBGRADER, "db", "student", "list"], cwd=roots["pg"], env=nbgrader_env(),
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "There are 4 students in the database" in listed.stdout
    for number, p in enumerate(plans):
        first, _, last = p.name.partition(" ")
        assert f"canvas-{10_000 + number} ({last}, {first})" in listed.stdout
    exported = {}
    for kind, root in roots.items():
        out = tmp_path / f"{kind}.csv"
        proc = subprocess.run([NBGRADER, "export", f"--CsvExportPlugin.to={out}"], cwd=root, env=nbgrader_env(),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        exported[kind] = sorted(csv.reader(io.StringIO(out.read_text())))
    assert len(exported["pg"]) == 1 + 4 and exported["pg"] == exported["sqlite"]


def test_a_server_that_does_not_answer_is_named_with_what_to_check(tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    set_db_url(root, f"postgresql+psycopg://ta:hunter2secret@127.0.0.1:{port}/kmeans")
    with pytest.raises(CourseError, match=rf"host 127\.0\.0\.1, port {port}, database kmeans.*check that the server"):
        Course(root).require_gradebook()
    for verb in (["release"], ["autograde", "--dev-secret"], ["report"]):
        proc = kmc(root, *verb, check=False)
        assert proc.returncode == 2, (verb, proc.stderr)
        assert f"port {port}" in proc.stderr and "Traceback" not in proc.stderr, (verb, proc.stderr)
        assert "hunter2secret" not in proc.stderr + proc.stdout and "ta:***@" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) <= 3, proc.stderr


def test_without_the_driver_the_error_says_which_extra_to_install(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    set_db_url(root, "postgresql+psycopg://ta:pw@127.0.0.1:5432/kmeans")
    code = ("import sys; sys.modules['psycopg'] = None\n"  # as if psycopg were not installed
            "from autograder.cli import main\n"
            f"sys.exit(main(['--root', {str(root)!r}, 'report']))\n")
    proc = subprocess.run([sys.executable, "-c", code], env=nbgrader_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert 'pip install "kmeans-course[postgres]"' in proc.stderr and "Traceback" not in proc.stderr
    assert "ta:***@127.0.0.1:5432/kmeans" in proc.stderr and ":pw@" not in proc.stderr


def _formgrader(lab, path: str, *, method: str = "GET", body: dict | None = None):
    """A JSON call to formgrader's API (what its pages call), authenticated by the server's token."""
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(lab.base + path, data=data, method=method,
                                 headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def _comparable(rows: list) -> list:
    """Formgrader's rows without the database's own ids (uuids differ between the two gradebooks) and
    without ``index``, a row's place in a listing whose order neither database promises."""
    return sorted(json.dumps({k: v for k, v in row.items() if k not in ("id", "notebook_id", "index")},
                             sort_keys=True) for row in rows)


@pytest.mark.slow
@pytest.mark.xdist_group("grading")
def test_formgrader_shows_and_records_grades_in_the_postgres_gradebook(two_courses, tmp_path):
    """Formgrader (nbgrader's server extension, its own API) on the PostgreSQL course: the same
    submissions and scores as on SQLite, and a manual grade a TA enters is stored on the server."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("labserver", REPO / "tests" / "browser" / "labserver.py")
    labserver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(labserver)
    JupyterLab = labserver.JupyterLab

    roots, plans = two_courses
    seen = {}
    for kind, root in roots.items():
        with JupyterLab(root, log_path=tmp_path / f"{kind}-server.log") as lab:
            submissions = _formgrader(lab, f"formgrader/api/submissions/{LESSON}")
            notebooks = _formgrader(lab, f"formgrader/api/submitted_notebooks/{LESSON}/{LESSON}")
            assert len(submissions) == 4 and len(notebooks) >= 3, (kind, submissions, notebooks)
            seen[kind] = (_comparable(submissions), _comparable(notebooks))
            if kind == "pg":
                graded = next(nb for nb in notebooks if nb["student"] == "canvas-10000")
                grades = _formgrader(lab, f"formgrader/api/grades?submission_id={graded['id']}")
                manual = [g for g in grades if g["max_score"] and g["auto_score"] is None]
                target = manual[0] if manual else grades[0]
                stored = _formgrader(lab, f"formgrader/api/grade/{target['id']}", method="PUT",
                                     body={"manual_score": 0.5, "extra_credit": None})
                assert stored["manual_score"] == 0.5
                target_name, target_id, before = target["name"], target["id"], target["manual_score"]
    assert seen["pg"] == seen["sqlite"]
    # read back with nbgrader's API, in another process's connection: it is on the server
    after = cell_grades(roots["pg"])
    assert after[("canvas-10000", LESSON, LESSON, target_name)][1] == 0.5
    from nbgrader.api import Gradebook  # the module's other tests see the class as graded

    course = Course(roots["pg"])
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.find_grade_by_id(target_id).manual_score = before
        gb.db.commit()
