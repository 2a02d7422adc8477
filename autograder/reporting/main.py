"""``kmeans-course report``: grades.csv, feedback pages, and the class report.

Reads the course gradebook, the batch ledger and the autograded notebooks
(``gather``), and writes:

- ``reports/grades.csv`` (``grades``);
- ``feedback/<student>/<assignment>/<assignment>.html`` (``feedback``): scores, the
  student's code, each failing check's diagnosis; never hidden test code or inputs; with the
  ``timestamp.txt`` and ``submission_secret.txt`` that ``nbgrader release_feedback`` needs
  (:func:`autograder.lms.feedback.prepare_all`);
- ``reports/class_report.html`` (``class_report``): one self-contained page with embedded
  figures (``figures``) and the similar-submissions section (``similarity``).

Example (from the course root)::

    kmeans-course report
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.course import Course
from autograder.reporting.class_report import class_statistics, render_class_report
from autograder.reporting.feedback import write_feedback
from autograder.reporting.figures import figures
from autograder.reporting.gather import gather
from autograder.reporting.grades import write_grades_csv
from autograder.reporting.similarity import similarity_evidence


@dataclass
class ReportPaths:
    grades_csv: Path
    class_report: Path
    feedback: list

    def to_dict(self):
        return {"grades_csv": str(self.grades_csv), "class_report": str(self.class_report),
                "feedback": [str(p) for p in self.feedback]}


def main(*, root: str | Path = ".", assignments: list | None = None, out: str | Path | None = None,
         feedback: bool = True, quiet: bool = False) -> ReportPaths:
    """Write grades.csv, the class report and (unless ``feedback=False``) the feedback pages.

    ``out``: folder for grades.csv and class_report.html (default ``<root>/reports``).
    """
    course = Course(root)
    results = gather(course, assignments)
    out = Path(out) if out else course.reports
    out.mkdir(parents=True, exist_ok=True)
    grades = write_grades_csv(results, out / "grades.csv")
    stats = class_statistics(results)
    report = out / "class_report.html"
    report.write_text(render_class_report(results, stats, figures(results, stats),
                                          similarity=similarity_evidence(course, results)), encoding="utf-8")
    pages = write_feedback(course, results) if feedback else []
    if pages:
        # beside each page the files nbgrader's release_feedback keys it by (timestamp, secret)
        from autograder.lms.feedback import prepare_all

        prepare_all(course, assignments)
    if not quiet:
        print(f"grades:       {grades}")
        print(f"feedback:     {len(pages)} page(s) under {course.feedback}")
        print(f"class report: {report}")
    return ReportPaths(grades, report, pages)
