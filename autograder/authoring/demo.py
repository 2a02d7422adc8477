"""``kmeans-course demo`` (``make demo``): the whole grading pipeline on a synthetic class.

1. Build a scratch course under ``demo/course`` (a copy of ``nbgrader_config.py`` and
   of the lessons' sources, its own gradebook) and release it.
2. Generate a class of about 30 students (``autograder.authoring.classgen``): a few perfect, most
   with one to three mistakes from the catalogue, a couple of broken notebooks.
3. Write their submissions as a Canvas download zip, and ``collect`` it.
4. ``autograde`` in parallel, then ``report``.
5. Print where the class report is, and how many planted mistakes the checkers named.

Everything is written under the one ``demo/`` folder and a re-run starts from scratch,
so the TA's real gradebook is never touched.

By default the class submits the first three lessons (a mid-term snapshot that grades
in a few minutes on two cores); ``--lessons all`` grades the whole course.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from autograder.course import Course, CourseError, make_writable_and_remove

DEFAULT_LESSONS = ("01-labels", "02-loss", "03-lloyd")


def find_repo_root(start: Path | None = None) -> Path:
    """The course repository: the working directory if it holds the course, else this package's parent."""
    from autograder.course import kit_checkout

    for candidate in ([Path(start)] if start else []) + [Path.cwd()] + ([kit_checkout()] if kit_checkout() else []):
        if (candidate / "nbgrader_config.py").is_file() and (candidate / "solutions").is_dir():
            return candidate.resolve()
    raise CourseError("cannot find the course (a folder with nbgrader_config.py and solutions/)")


def _import_roster(root: Path, plans) -> None:
    """Put the class list in the gradebook (what ``nbgrader db student import`` does)."""
    from nbgrader.api import Gradebook

    course = Course(root)
    with Gradebook(course.db_url, course.course_id) as gb:
        for plan in plans:
            first, _, last = plan.name.partition(" ")
            gb.update_or_create_student(plan.login, first_name=first, last_name=last)


def _step(quiet: bool, text: str) -> float:
    if not quiet:
        print(f"\n== {text}", flush=True)
    return time.perf_counter()


def _done(quiet: bool, start: float, text: str = "") -> None:
    if not quiet:
        print(f"   {text}{' ' if text else ''}({time.perf_counter() - start:.1f} s)", flush=True)


def main(*, out: str | Path = "demo", students: int = 30, lessons=None, workers: int | None = None,
         seed: int = 7, repo: str | Path | None = None, quiet: bool = False) -> Path:
    """Run the demo; return the path of the class report.

    Parameters
    ----------
    out : the demo folder (wiped and rebuilt).
    students : class size.
    lessons : lesson ids, or ``["all"]`` for every lesson in solutions/ (default: the first three).
    workers : grading processes (default: one per core).
    seed : the class generator's seed.
    repo : the course repository to copy the lessons from (default: found automatically).
    """
    from autograder.grading import autograde as batch
    from autograder.authoring import classgen
    from autograder.lms import collect
    from autograder.authoring import release
    from autograder import reporting as reports

    t0 = time.perf_counter()
    repo = find_repo_root(Path(repo) if repo else None)
    available = sorted(p.name for p in (repo / "solutions").iterdir()
                       if p.is_dir() and (p / f"{p.name}.ipynb").is_file())
    if not lessons:
        lessons = [x for x in DEFAULT_LESSONS if x in available] or available[:3]
    elif list(lessons) == ["all"]:
        lessons = available
    missing = [x for x in lessons if x not in available]
    if missing:
        raise CourseError(f"no such lesson in {repo / 'solutions'}: {', '.join(missing)}")

    out = Path(out).resolve()
    if out == repo or repo.is_relative_to(out):
        raise CourseError(f"refusing to use {out} as the demo folder: it contains the course")
    start = _step(quiet, f"1/5 scratch course in {out}")
    make_writable_and_remove(out)
    root = out / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(repo / "nbgrader_config.py", root / "nbgrader_config.py")
    for lesson in lessons:
        shutil.copytree(repo / "solutions" / lesson, root / "solutions" / lesson,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    release.main(root=root, quiet=True)
    _done(quiet, start, f"released {', '.join(lessons)}")

    start = _step(quiet, f"2/5 a class of {students} synthetic students")
    exercises = {}
    for lesson in lessons:
        nb = json.loads((root / "solutions" / lesson / f"{lesson}.ipynb").read_text())
        exercises[lesson] = classgen._exercises(nb)
    plans = classgen.plan_class(students, exercises, seed=seed)
    (out / "class.json").write_text(json.dumps(classgen.ground_truth(plans), indent=1))
    _import_roster(root, plans)
    zip_path = out / "downloads" / "submissions.zip"
    counts = classgen.write_canvas_zip(root, plans, zip_path, assignments=list(lessons),
                                       release_dir=root / "notebooks", source_dir=root / "solutions")
    planted = sum(len(v) for p in plans for v in p.mistakes.values())
    profiles = {k: sum(p.profile == k for p in plans) for k in ("perfect", "mistakes", "broken")}
    _done(quiet, start, f"{profiles['perfect']} perfect, {profiles['mistakes']} with mistakes "
                        f"({planted} planted), {profiles['broken']} with a broken notebook; "
                        f"{zip_path.relative_to(out.parent) if out.parent in zip_path.parents else zip_path} "
                        f"holds {counts['notebooks']} notebooks, {counts['older_attempts']} older attempts, "
                        f"{counts['other_files']} stray files")

    start = _step(quiet, "3/5 collect the LMS download")
    # the synthetic class keeps its readable logins as student ids (an alias roster)
    roster = zip_path.with_name("roster.csv")
    roster.write_text("student_id\n" + "".join(f"{p.login}\n" for p in plans))
    report = collect.main(source=zip_path, root=root, roster=roster, quiet=quiet)
    _done(quiet, start)

    start = _step(quiet, "4/5 autograde in parallel")
    # Scores from the clean room, as a TA gets them from `kmeans-course autograde`. A generated
    # class has nothing to hide: without KMEANS_COURSE_SECRET it is graded with the development one.
    summary = batch.main(root=root, workers=workers, progress=not quiet, quiet=quiet,
                         post_grade="autograder.grading.cleanroom:post_grade", dev_secret=True)
    _done(quiet, start)

    start = _step(quiet, "5/5 reports")
    paths = reports.main(root=root, quiet=quiet)
    results = reports.gather(Course(root))
    named, total = 0, 0
    for plan in plans:
        for lesson, ids in plan.mistakes.items():
            outcome = results.outcome(plan.login, lesson)
            if outcome.status != "graded":
                continue
            found = {m for c in outcome.cells for m in c.mistakes}
            total += len(ids)
            named += sum(1 for mid in ids if mid in found)
    _done(quiet, start)

    if not quiet:
        print(f"\nplanted mistakes named by the checkers: {named} of {total}")
        print(f"graded {summary.graded}, failed {summary.failed} (listed with reasons in the report), "
              f"collected {len(report.filed)}, unmatched files {len(report.unmatched)}")
        if summary.records:
            print(f"peak memory of one grading worker: {summary.peak_worker_rss_mb:.0f} MB")
        print(f"total demo time: {time.perf_counter() - t0:.0f} s")
        print(f"\nClass report: {paths.class_report}")
        print(f"Grades:       {paths.grades_csv}")
        print(f"Feedback:     {root / 'feedback'}/<student>/<lesson>/<lesson>.html")
    return paths.class_report
