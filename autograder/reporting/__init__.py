"""Reports of a graded course: grades.csv, the class report, per-student feedback pages.

``main`` is the ``kmeans-course report`` verb. Modules, by what they produce:
``gather`` (gradebook + ledger -> ``ClassResults``), ``grades`` (grades.csv),
``class_report`` and ``figures`` (the class report), ``feedback`` and ``diagnosis``
(the feedback pages), ``similarity`` (the similar-submissions section), ``render`` (the
Jinja2 environment over ``templates/``).
"""
from autograder.reporting.class_report import class_statistics, render_class_report
from autograder.reporting.feedback import render_feedback, write_feedback
from autograder.reporting.gather import CellOutcome, ClassResults, SubmissionOutcome, gather
from autograder.reporting.grades import status_text, write_grades_csv
from autograder.reporting.main import ReportPaths, main
from autograder.reporting.similarity import similarity_section

__all__ = ["main", "ReportPaths", "gather", "ClassResults", "SubmissionOutcome", "CellOutcome", "status_text",
           "write_grades_csv", "class_statistics", "render_class_report", "render_feedback", "write_feedback",
           "similarity_section"]
