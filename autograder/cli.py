"""The ``kmeans-course`` command line: one verb per module, each a thin layer over its ``main(*, ...)``.

::

    kmeans-course release   [LESSON ...]                     -> autograder.authoring.release.main
    kmeans-course collect   DOWNLOAD [--assignment ID]       -> autograder.lms.collect.main
    kmeans-course autograde [ASSIGNMENT ...] [--workers N | --scheduler tcp://HOST:PORT] [--force] [--student S ...]
                                                             -> autograder.grading.autograde.main
    kmeans-course report    [ASSIGNMENT ...]                 -> autograder.reporting.main
    kmeans-course demo      [--students N] [--lessons ...]   -> autograder.authoring.demo.main
    kmeans-course slides    [LESSON ...]                     -> autograder.present.slides.main
    kmeans-course site      [LESSON ...]                     -> autograder.present.site.main
    kmeans-course duedate   LESSON "2026-12-01 23:59 UTC"    -> autograder.lms.deadlines.main_duedate
    kmeans-course extend    STUDENT LESSON --hours N         -> autograder.lms.deadlines.main_extend
    kmeans-course export    canvas|moodle --out FILE LESSON  -> autograder.lms.export.main
    kmeans-course feedback-zip --lms moodle|canvas LESSON    -> autograder.lms.feedback.main_zip

Every verb works on the course root given by ``--root`` (default: the working
directory), the folder that holds ``nbgrader_config.py``; stock ``nbgrader`` commands
keep working there. The kit's settings (``autograder.config``) are read from that file
(``c.Grading.workers = 8``) and may be given on the command line of ``autograde``
(``--Grading.workers=8``); ``kmeans-course --help-all`` lists them all.

Exit status: 0 done, 2 the course cannot be used as it is, 3 the grader itself failed
(a batch stopped by a grader fault), 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys

from .course import CourseError

from .config import CLEAN_ROOM_HOOK as CLEAN_ROOM  # the scores that count come from the clean room


def _release(sub):
    p = sub.add_parser("release", help="generate the student notebooks (notebooks/) from solutions/",
                       description="Run nbgrader's generate_assignment (--force) for every lesson, or the given ones.")
    p.add_argument("assignments", nargs="*", metavar="LESSON", help="lesson ids (default: all in solutions/)")

    def run(a):
        from autograder.authoring import release

        release.main(root=a.root, assignments=a.assignments or None, quiet=a.quiet)
    return run


def _collect(sub):
    p = sub.add_parser("collect", help="file an LMS download (zip or folder) into submitted/",
                       description="Canvas and Moodle downloads, or nbgrader's own layout. Lists every file "
                                   "it could not match; never replaces a newer submission with an older one.")
    p.add_argument("source", help="the downloaded .zip or folder")
    p.add_argument("--assignment", help="file every notebook under this assignment (a per-assignment download)")
    p.add_argument("--roster", help="Canvas's gradebook export, Moodle's grading worksheet or participants "
                                    "CSV, or a CSV with a student_id column (other columns: aliases)")
    p.add_argument("--dry-run", action="store_true", help="report what would be done, write nothing")
    p.add_argument("--overwrite", action="store_true",
                   help="replace existing submissions even by older or same-age files")
    p.add_argument("--timezone", default="UTC",
                   help="zone of the zip entries' dates, the LMS server's clock (default: UTC)")

    def run(a):
        from autograder.lms import collect

        collect.main(source=a.source, root=a.root, assignment=a.assignment, roster=a.roster,
                     dry_run=a.dry_run, overwrite=a.overwrite, timezone=a.timezone, quiet=a.quiet)
    return run


def _autograde(sub):
    p = sub.add_parser("autograde", help="grade submissions in parallel, resumably",
                       description="Grade every submission that is new or changed with nbgrader, on N "
                                   "worker processes, and merge the grades into the gradebook.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignment ids (default: all)")
    p.add_argument("--workers", "-j", type=int, default=None,
                   help="grading processes (default: c.Grading.workers, else one per core)")
    p.add_argument("--force", "-f", action="store_true", help="regrade everything, even unchanged submissions")
    p.add_argument("--retry-failed", action="store_true", help="regrade submissions that failed before")
    p.add_argument("--student", action="append", default=None, metavar="STUDENT", dest="students",
                   help="regrade only this student's submissions (forced, even if unchanged); repeat for more")
    p.add_argument("--cell-timeout", type=int, default=None,
                   help="seconds per cell (default: c.Execute.timeout from nbgrader_config.py)")
    p.add_argument("--submission-timeout", type=float, default=None,
                   help="wall-clock seconds per submission (default: 600; 0: no limit)")
    p.add_argument("--kernel-memory", type=int, default=None, metavar="BYTES",
                   help="resident memory a student's kernel may use (default: 2 GB; 0: no limit)")
    p.add_argument("--post-grade", default=None, metavar="MODULE:FUNCTION",
                   help="the post-grading step that sets the recorded scores and adds flags "
                        f"(default: the clean room, {CLEAN_ROOM})")
    p.add_argument("--no-clean-room", action="store_true",
                   help="record nbgrader's in-kernel scores as they are (student code can game them)")
    p.add_argument("--dev-secret", action="store_true", default=None,
                   help="grade with the public development secret when KMEANS_COURSE_SECRET is unset "
                        "(for trying the kit, never for a real class)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="grade on the workers of this Dask scheduler (`dask scheduler`, `dask worker ADDRESS`; "
                        "pip install \"kmeans-course[cluster]\" on each) instead of local processes "
                        "(default: c.Grading.scheduler)")

    def run(a):
        from autograder.grading import autograde as batch

        batch.main(root=a.root, assignments=a.assignments or None, workers=a.workers, force=a.force,
                   retry_failed=a.retry_failed, cell_timeout=a.cell_timeout,
                   submission_timeout=a.submission_timeout, kernel_memory=a.kernel_memory,
                   post_grade=None if a.no_clean_room else a.post_grade,
                   clean_room=False if a.no_clean_room else None, dev_secret=a.dev_secret,
                   config=a.settings, progress=not a.no_progress, quiet=a.quiet, students=a.students,
                   scheduler=a.scheduler)
    return run


def _report(sub):
    p = sub.add_parser("report", help="grades.csv, feedback pages and the class report",
                       description="Write reports/grades.csv, reports/class_report.html and "
                                   "feedback/<student>/<assignment>/<assignment>.html.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignment ids (default: all)")
    p.add_argument("--out", default=None, help="folder for grades.csv and class_report.html (default: reports/)")
    p.add_argument("--no-feedback", action="store_true", help="skip the per-student feedback pages")

    def run(a):
        from autograder import reporting as reports

        reports.main(root=a.root, assignments=a.assignments or None, out=a.out, feedback=not a.no_feedback,
                     quiet=a.quiet)
    return run


def _demo(sub):
    p = sub.add_parser("demo", help="release, a synthetic class, collect, autograde, report (under demo/)",
                       description="The whole pipeline on a generated class, in a scratch course under "
                                   "--out (wiped first); never touches the real gradebook.")
    p.add_argument("--out", default="demo", help="the demo folder (default: demo/)")
    p.add_argument("--students", type=int, default=30, help="class size (default: 30)")
    p.add_argument("--lessons", nargs="+", default=None,
                   help="lessons to grade (default: the first three; 'all' for every lesson)")
    p.add_argument("--workers", "-j", type=int, default=None, help="grading processes (default: one per core)")
    p.add_argument("--seed", type=int, default=7, help="seed of the class generator")

    def run(a):
        from autograder.authoring import demo

        demo.main(out=a.out, students=a.students, lessons=a.lessons, workers=a.workers, seed=a.seed,
                  quiet=a.quiet)
    return run


# ----------------------------------------------------------------------------- the LMS round trip


def _duedate(sub):
    p = sub.add_parser("duedate", help="set a lesson's due date (nbgrader's Assignment.duedate)",
                       description="Stored in the gradebook, where nbgrader's late-submission machinery reads it.")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("when", nargs="?", help='e.g. "2026-12-01 23:59 UTC" or "2026-12-01 23:59 Europe/Berlin"')
    p.add_argument("--clear", action="store_true", help="remove the due date")

    def run(a):
        from autograder.lms import deadlines

        if not a.when and not a.clear:
            raise CourseError('give the due date ("2026-12-01 23:59 UTC") or --clear')
        deadlines.main_duedate(root=a.root, lesson=a.lesson, when=None if a.clear else a.when, quiet=a.quiet)
    return run


def _extend(sub):
    p = sub.add_parser("extend", help="give a student an extension on a lesson",
                       description="nbgrader's own extension (SubmittedAssignment.extension); 0 removes it.")
    p.add_argument("student", metavar="STUDENT", help="nbgrader student id (canvas-12345, moodle-...)")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("--hours", type=float, default=0.0)
    p.add_argument("--days", type=float, default=0.0)

    def run(a):
        from autograder.lms import deadlines

        deadlines.main_extend(root=a.root, student=a.student, lesson=a.lesson, hours=a.hours, days=a.days,
                              quiet=a.quiet)
    return run


def _export(sub):
    p = sub.add_parser("export", help="grades as a file Canvas or Moodle imports",
                       description="canvas: the gradebook import CSV built from Canvas's gradebook export; "
                                   "moodle: the assignment's grading worksheet with grades filled in.")
    p.add_argument("lms", choices=["canvas", "moodle"])
    p.add_argument("lessons", nargs="+", metavar="LESSON")
    p.add_argument("--out", required=True, help="the file to upload")
    p.add_argument("--roster", help="canvas: the gradebook export CSV (Grades > Export)")
    p.add_argument("--worksheet", help="moodle: the lesson's grading worksheet CSV")
    p.add_argument("--column", action="append", metavar='LESSON="NAME (ID)"',
                   help="canvas: the column of a lesson whose column name does not contain its id")
    p.add_argument("--no-scale", action="store_true", help="raw points, even when the LMS's maximum differs")

    def run(a):
        from autograder.lms import export

        export.main(lms=a.lms, root=a.root, out=a.out, lessons=a.lessons, roster=a.roster, worksheet=a.worksheet,
                    columns=a.column, scale=not a.no_scale, quiet=a.quiet)
    return run


def _feedback_zip(sub):
    p = sub.add_parser("feedback-zip", help="feedback pages packed for the LMS",
                       description="moodle: the zip for \"Upload multiple feedback files in a zip\"; "
                                   "canvas: a folder per student, named for SpeedGrader's comments.")
    p.add_argument("lessons", nargs="+", metavar="LESSON")
    p.add_argument("--lms", choices=["canvas", "moodle"], required=True)
    p.add_argument("--out", default=None, help="the zip (moodle) or folder (canvas); default under reports/")

    def run(a):
        from autograder.lms import feedback

        feedback.main_zip(root=a.root, lms=a.lms, lessons=a.lessons, out=a.out, quiet=a.quiet)
    return run


def build_parser():
    parser = argparse.ArgumentParser(prog="kmeans-course", description="Grade the k-means course.")
    parser.add_argument("--root", default=".", help="course root (holds nbgrader_config.py); default: here")
    parser.add_argument("--quiet", "-q", action="store_true", help="print less")
    parser.add_argument("--help-all", action="store_true",
                        help="this help, then every setting of the kit (as nbgrader --help-all lists its own)")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    from autograder.present import site as site_verb
    from autograder.present import slides as slides_verb

    runners = {"release": _release(sub), "collect": _collect(sub), "autograde": _autograde(sub),
               "report": _report(sub), "demo": _demo(sub),
               "slides": slides_verb.add_parser(sub), "site": site_verb.add_parser(sub)}
    runners.update({"duedate": _duedate(sub), "extend": _extend(sub), "export": _export(sub),
                    "feedback-zip": _feedback_zip(sub)})
    return parser, runners


# Verbs that take the kit's settings as --Class.name=value.
SETTINGS_VERBS = ("autograde",)


def main(argv=None):
    from .config import command_line_config, help_all

    argv = list(sys.argv[1:] if argv is None else argv)
    parser, runners = build_parser()
    if "--help-all" in argv:
        print(parser.format_help())
        print("Settings (c.Class.name = value in nbgrader_config.py, or --Class.name=value on the command line "
              "of autograde):\n")
        print(help_all())
        return 0
    args, extra = parser.parse_known_args(argv)
    try:
        if extra and args.verb not in SETTINGS_VERBS:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.settings = command_line_config(extra) if extra else None
    except ValueError as exc:
        parser.error(str(exc))
    from .grading.messages import GraderFault

    try:
        code = runners[args.verb](args)
    except CourseError as exc:
        print(f"kmeans-course {args.verb}: {exc}", file=sys.stderr)
        return 2
    except GraderFault as exc:
        print(f"kmeans-course {args.verb}: stopped, the grader failed (not the students): {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"\nkmeans-course {args.verb}: interrupted; what was recorded is kept, re-run to continue",
              file=sys.stderr)
        return 130
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
