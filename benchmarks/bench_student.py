"""A student's wait: ``check()`` per exercise and nbgrader's Validate per lesson.

Two timings, each the one a student sits through:

1. ``check()``: the call a lesson's test cell makes (``autograder.run_check``, what
   ``check`` wraps), on the reference solution, visible and hidden cases, timed in this
   process after one warm-up call (the kernel has imported the kit by the time a test
   cell runs);
2. Validate: nbgrader's ``Validator`` on the student's completed notebook (the released
   notebook with every solution cell filled in from the instructor's source, as
   ``classgen`` builds a perfect student's), called the way JupyterLab's Validate button
   calls it (the server extension runs ``Validator(config).validate(path)`` in the server's
   process): the whole notebook in a fresh kernel. The kernel's environment is the lab's:
   ``MPLBACKEND`` is unset (``make lab`` drops it); nbgrader sets ``NBGRADER_VALIDATING=1``
   around the kernel, so the kit switches it to Agg (:mod:`autograder.validating`): Validate
   keeps no output, and drawing the figures inline was most of its time.

Prints a table per lesson, the worst lesson and the target (each lesson validates in
at most 6 s here); the load average before and after, since the machine is shared.
Exit status: 1 if a notebook did not validate (a failing cell), else 0; the timing
target is reported, not enforced.

Usage::

    python benchmarks/bench_student.py                       # all seven lessons
    python benchmarks/bench_student.py --lessons 03-lloyd --repeat 3
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_SECONDS = 6.0


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def completed_notebook(lesson: str, folder: Path) -> Path:
    """Write the released ``lesson`` with every exercise solved (the perfect student's notebook)."""
    from autograder.authoring import classgen

    release = json.loads((REPO / "notebooks" / lesson / f"{lesson}.ipynb").read_text())
    source = json.loads((REPO / "solutions" / lesson / f"{lesson}.ipynb").read_text())
    plan = classgen.StudentPlan(login="bench", name="Bench Student", profile="perfect")
    nb = classgen.student_notebook(release, source, plan, lesson)
    path = folder / lesson / f"{lesson}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return path


def time_checks(lesson: str, repeat: int) -> list:
    """[(exercise, visible seconds, hidden seconds, visible score, hidden score)] for ``lesson``."""
    from autograder import exercises, run_check

    rows = []
    for exercise in exercises.of_lesson(lesson):
        fn = exercise.reference
        run_check(exercise.name, fn)  # warm-up: the checker module and its cases, as after the first test cell
        timings = {}
        for hidden in (False, True):
            seconds = []
            for _ in range(repeat):
                t = time.perf_counter()
                result = run_check(exercise.name, fn, hidden=hidden)
                seconds.append(time.perf_counter() - t)
            timings[hidden] = (min(seconds), result.score, exercise.possible(hidden))
        rows.append((exercise.name, *timings[False], *timings[True]))
    return rows


def time_validate(path: Path, repeat: int) -> tuple:
    """(best seconds, failures): nbgrader's Validator on ``path`` as the Validate button runs it."""
    from nbgrader.apps import NbGrader
    from nbgrader.validator import Validator

    app = NbGrader()
    app.config_file_paths.append(str(REPO))
    app.load_config_file()
    seconds, failures = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        result = Validator(config=app.config).validate(str(path))
        seconds.append(time.perf_counter() - t)
        failures = [cell["source"][:80] for key in ("failed", "changed", "type_changed") for cell in result.get(key, [])]
    return min(seconds), failures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lessons", nargs="+", default=None, help="default: all seven")
    ap.add_argument("--repeat", type=int, default=1, help="runs per timing; the best is shown (default 1)")
    ap.add_argument("--no-checks", action="store_true", help="time only Validate")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    os.environ["PATH"] = str(BIN) + os.pathsep + os.environ.get("PATH", "")
    os.environ.pop("MPLBACKEND", None)  # as in the lab (make lab drops it)
    os.environ.setdefault("KMEANS_COURSE_SECRET", "benchmark-secret")
    lessons = args.lessons or sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
    unknown = [lesson for lesson in lessons if not (REPO / "solutions" / lesson).is_dir()]
    if unknown:
        ap.error(f"no such lesson: {', '.join(unknown)} (the lessons are the folders of solutions/)")

    print(f"load average before: {load_average()}")
    failed = False
    validate = {}
    with tempfile.TemporaryDirectory(prefix="bench_student_") as tmp:
        if not args.no_checks:
            print(f"\ncheck() on the reference solution, best of {args.repeat} (after one warm-up call)")
            print(f"{'lesson':20s} {'exercise':22s} {'visible s':>10s} {'hidden s':>10s}")
            worst = (0.0, "")
            for lesson in lessons:
                for name, vs, vscore, vpos, hs, hscore, hpos in time_checks(lesson, args.repeat):
                    note = "" if (vscore, hscore) == (vpos, hpos) else f"  NOT FULL MARKS: {vscore}/{vpos}, {hscore}/{hpos}"
                    failed |= bool(note)
                    print(f"{lesson:20s} {name:22s} {vs:10.3f} {hs:10.3f}{note}")
                    worst = max(worst, (max(vs, hs), name))
            print(f"slowest check(): {worst[1]} {worst[0]:.3f} s")

        print(f"\nnbgrader Validate of the completed notebook (fresh kernel, as the Validate button), best of {args.repeat}")
        print(f"{'lesson':20s} {'seconds':>8s}  result")
        for lesson in lessons:
            path = completed_notebook(lesson, Path(tmp))
            seconds, failures = time_validate(path, args.repeat)
            validate[lesson] = seconds
            failed |= bool(failures)
            verdict = "passes" if not failures else "FAILS: " + " | ".join(failures[:3])
            print(f"{lesson:20s} {seconds:8.2f}  {verdict}")
    worst = max(validate, key=validate.get)
    print(f"worst: {worst} {validate[worst]:.2f} s (target <= {TARGET_SECONDS:g} s: "
          f"{'met' if validate[worst] <= TARGET_SECONDS else 'NOT met'}); "
          f"median {statistics.median(validate.values()):.2f} s")
    print(f"load average after: {load_average()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
