"""Gradebook writes: how fast the batch's one writer merges results into SQLite and into PostgreSQL.

The grading itself (kernels, clean room) is the same whatever the gradebook; what the
database changes is the merge, one transaction per submission through nbgrader's API.
This measures it on the toy course of the tests (two lessons), for N students:

1. one writer: N merges of lesson 01-toy;
2. two writers at once (two TAs): two processes merging N results each, one per lesson,
   into the same gradebook, the students created by whichever comes first.

Each merge creates the student and the submission and writes every cell (a result
that failed to grade: scores cleared, notebook flagged). PostgreSQL is a throw-away
server started from Debian's binaries (``tests/grading/pgserver.py``), on this machine.

Usage::

    python benchmarks/bench_gradebook.py --students 200
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "grading")]

MERGE = """
import sys, time
from autograder.course import Course
from autograder.grading.merge import LEDGER_NAME, Ledger, Merger
from autograder.grading.messages import Result
root, lesson, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
course = Course(root)
merger = Merger(course.db_url, course.course_id, Ledger(course.state / LEDGER_NAME))
start = time.perf_counter()
for i in range(n):
    merger.merge(Result(f"s{i:04d}", lesson, "h", "failed", reason="benchmark"))
merger.close()
print(time.perf_counter() - start)
"""


def merge(root: Path, lessons: list, n: int) -> list:
    """Seconds each writer took, the writers (one per lesson) started together."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    procs = [subprocess.Popen([sys.executable, "-c", MERGE, str(root), lesson, str(n)], env=env,
                              stdout=subprocess.PIPE, text=True) for lesson in lessons]
    out = [p.communicate()[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "a writer failed"
    return [float(x) for x in out]


def course(base: Path, name: str, db_url: str | None) -> Path:
    import minicourse as mc

    root = mc.make_course(base / name, release=False)
    if db_url:
        with open(root / "nbgrader_config.py", "a") as fh:
            fh.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    from autograder.authoring import release

    release.main(root=root, quiet=True)
    return root


def main() -> int:
    import pgserver

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    n = parser.parse_args().students
    bin_dir = pgserver.find_bin()
    if bin_dir is None:
        print("no PostgreSQL binaries (apt-get install postgresql)", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="bench-gradebook-"))
    try:
        with pgserver.running_server(bin_dir) as pg:
            print(f"{n} students, load average {os.getloadavg()[0]:.1f} at the start")
            for kind in ("sqlite", "postgres"):
                one = course(base, f"{kind}-1", None if kind == "sqlite" else pg.create_database("one"))
                (t,) = merge(one, ["01-toy"], n)
                two = course(base, f"{kind}-2", None if kind == "sqlite" else pg.create_database("two"))
                t1, t2 = merge(two, ["01-toy", "02-toy"], n)
                print(f"{kind:>8}: one writer {n / t:6.0f} merges/s ({1000 * t / n:.1f} ms each); two writers at "
                      f"once {2 * n / max(t1, t2):6.0f} merges/s in all ({t1:.1f} s and {t2:.1f} s for {n} each)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
