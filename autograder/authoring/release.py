"""``kmeans-course release``: build the student notebooks from the instructor's sources.

For every lesson ``solutions/<id>/<id>.ipynb`` this runs nbgrader's own
``generate_assignment`` converter (what ``nbgrader generate_assignment <id> --force``
runs), in one process: it writes ``notebooks/<id>/<id>.ipynb`` (byte-stable: the same
sources give the same bytes) and records the assignment, its test cells and their
points in the gradebook, which autograding needs.

Example (from the course root)::

    kmeans-course release                 # every lesson in solutions/
    kmeans-course release 02-loss         # one lesson
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from autograder.course import Course, CourseError, chdir, ensure_path_env


def release_assignment(course: Course, assignment: str, *, log: logging.Logger | None = None) -> None:
    """Run nbgrader's ``GenerateAssignment`` converter for one assignment, with ``--force``."""
    from nbgrader.converters import GenerateAssignment, NbGraderException
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=course.config)
    coursedir.assignment_id = assignment
    converter = GenerateAssignment(coursedir=coursedir, config=course.config)
    converter.force = True
    converter.create_assignment = True
    if log is not None:
        converter.log = log
    try:
        with chdir(course.root):
            converter.start()
    except NbGraderException as exc:
        raise CourseError(f"nbgrader could not generate {assignment}: {exc}") from exc


def main(*, root: str | Path = ".", assignments: list[str] | None = None, quiet: bool = False) -> list[str]:
    """Release ``assignments`` (default: every lesson in the source folder).

    Returns the released assignment ids.
    """
    from autograder.database import require_reachable

    ensure_path_env()
    course = Course(root)
    require_reachable(course.db_url)  # a server that does not answer: say so, not nbgrader's traceback
    available = course.source_assignments()
    wanted = list(assignments) if assignments else available
    unknown = [a for a in wanted if a not in available]
    if unknown:
        raise CourseError(
            f"not in {course.source}: {', '.join(unknown)} (available: {', '.join(available) or 'none'})")
    if not wanted:
        raise CourseError(f"no lessons to release: {course.source} has no <id>/<id>.ipynb")
    log = logging.getLogger("kmeans_course.release")
    log.setLevel(logging.ERROR)
    for assignment in wanted:
        start = time.perf_counter()
        release_assignment(course, assignment, log=log)
        if not quiet:
            print(f"released {assignment} -> "
                  f"{(course.release / assignment / (assignment + '.ipynb')).relative_to(course.root)}"
                  f" ({time.perf_counter() - start:.1f} s)")
    return wanted
