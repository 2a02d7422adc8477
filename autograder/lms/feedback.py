"""Feedback that reaches students: nbgrader's exchange, a Moodle feedback zip, Canvas folders.

``kmeans-course report`` writes ``feedback/<student>/<lesson>/<lesson>.html``. To hand
those out:

- nbgrader's exchange (students on a JupyterHub who ``nbgrader submit``):
  ``nbgrader release_feedback`` needs ``timestamp.txt`` and ``submission_secret.txt``
  beside each page, as nbgrader's ``generate_feedback`` leaves them (it copies them
  from the autograded folder), and publishes each page under
  ``md5(secret + notebook id).html``; ``nbgrader fetch_feedback`` finds it with the
  secret the student's own ``submit`` kept. :func:`prepare_for_release` copies both
  files the same way (from ``autograded/``, else ``submitted/``, where ``collect``
  writes them). Students who submitted through an LMS have no such secret on their
  side: they get their page through the LMS (below).
- Moodle: ``feedback-zip --lms moodle LESSON`` builds the zip for the assignment's
  "Upload multiple feedback files in a zip": one folder per student named as Moodle's
  download names it, ``Full Name_<participant id>_assignsubmission_file_``, holding the page.
- Canvas has no bulk upload of feedback files; ``feedback-zip --lms canvas`` writes a
  folder per student (``<Name>_<user id>/``) to attach in SpeedGrader.
"""
from __future__ import annotations

import re
import secrets
import shutil
import sys
import zipfile
from pathlib import Path

from autograder.course import Course, CourseError
from autograder.lms.deadlines import TIMESTAMP, format_timestamp
from autograder.lms.identity import LmsMap

SECRET = "submission_secret.txt"


def _first(name: str, *folders: Path) -> Path | None:
    return next((f / name for f in folders if (f / name).is_file()), None)


def prepare_for_release(course: Course, student: str, lesson: str) -> Path:
    """Put ``timestamp.txt`` and ``submission_secret.txt`` beside ``student``'s feedback on ``lesson``.

    Returns the feedback folder. Both files come from the graded submission
    (``autograded/``, else ``submitted/``); a feedback folder that already has them
    keeps them. Without any recorded time the notebook's modification time is used;
    without a secret a new one is made (such a page can be released, but only a
    student holding that secret could fetch it).
    """
    folder = course.feedback / student / lesson
    if not any(folder.glob("*.html")):
        raise CourseError(f"no feedback page in {folder}: run `kmeans-course report {lesson}` first")
    sources = (course.autograded_dir(student, lesson), course.submission_dir(student, lesson))
    for name in (TIMESTAMP, SECRET):
        src = _first(name, *sources)
        dest = folder / name
        if src is not None:
            if not dest.is_file() or dest.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dest)
        elif not dest.is_file():
            if name == TIMESTAMP:
                notebooks = sorted(p for s in sources for p in s.glob("*.ipynb"))
                if not notebooks:
                    raise CourseError(f"no submission time for {student}/{lesson}: no timestamp.txt and no "
                                      "notebook in autograded/ or submitted/")
                dest.write_text(format_timestamp(notebooks[0].stat().st_mtime))
            else:
                dest.write_text(secrets.token_hex(64))
    return folder


def prepare_all(course: Course, lessons: list | None = None) -> list:
    """:func:`prepare_for_release` for every feedback folder (of ``lessons``); returns the folders.

    A page about a submission that has no notebook at all (it failed before grading: the
    page says why) has no submission time to key it by; it is left for the LMS route.
    """
    done = []
    if not course.feedback.is_dir():
        return done
    for folder in sorted(course.feedback.glob("*/*")):
        student, lesson = folder.parent.name, folder.name
        if folder.is_dir() and (lessons is None or lesson in lessons) and any(folder.glob("*.html")):
            try:
                done.append(prepare_for_release(course, student, lesson))
            except CourseError:
                continue
    return done


# ----------------------------------------------------------------------------- LMS packages


def _clean(name: str) -> str:
    """A name safe inside Moodle's ``Name_id_plugin_`` folders: no ``_`` or ``/`` (Moodle splits on ``_``)."""
    return re.sub(r"[_/\\\x00-\x1f]+", " ", name).strip() or "student"


def feedback_zip(course: Course, lms: str, lesson: str, out: Path) -> tuple[Path, list, list]:
    """Pack ``lesson``'s feedback pages for ``lms``; returns (path, students packed, (student, why) skipped)."""
    lmsmap = LmsMap(course)
    packed, skipped = [], []
    pages = sorted(p for p in course.feedback.glob(f"*/{lesson}/*.html")) if course.feedback.is_dir() else []
    if not pages:
        raise CourseError(f"no feedback pages for {lesson} under {course.feedback}: run `kmeans-course report` first")
    out = Path(out)
    if lms == "moodle":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for page in pages:
                student = page.parent.parent.name
                person = lmsmap.students.get(student)
                pid = person.participants.get(lesson) if person else None
                if not pid:
                    skipped.append((student, f"no Moodle participant id for {lesson} (collect its Moodle download)"))
                    continue
                name = _clean(person.name or f"{person.first_name} {person.last_name}")
                zf.write(page, f"{name}_{pid}_assignsubmission_file_/{page.name}")
                packed.append(student)
    else:
        if out.exists():
            shutil.rmtree(out)
        for page in pages:
            student = page.parent.parent.name
            person = lmsmap.students.get(student)
            if not person or not person.canvas_user_id:
                skipped.append((student, "no Canvas user id (collect its Canvas download)"))
                continue
            folder = out / f"{_clean(person.name or student).replace(',', '')}_{person.canvas_user_id}"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, folder / page.name)
            packed.append(student)
    return out, sorted(set(packed)), skipped


def main_zip(*, root=".", lms: str, lessons: list, out=None, quiet: bool = False) -> list:
    course = Course(root)
    results = []
    for lesson in lessons:
        if out and len(lessons) == 1:
            dest = Path(out)
        else:
            base = Path(out) if out else course.reports / "lms"
            dest = base / (f"moodle-feedback-{lesson}.zip" if lms == "moodle" else f"canvas-feedback-{lesson}")
        path, packed, skipped = feedback_zip(course, lms, lesson, dest)
        results.append((path, packed, skipped))
        if not quiet:
            print(f"{lesson}: {len(packed)} feedback page(s) in {path}", file=sys.stdout)
            for student, why in skipped:
                print(f"  skipped {student}: {why}", file=sys.stdout)
    return results
