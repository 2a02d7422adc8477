"""nbgrader configuration for the k-means course.

Run nbgrader (and `kmeans-course`) from this folder: nbgrader reads this file
only from the working directory.
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "kmeans-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# The seven lessons, in teaching order (autograder.config.Lessons).
c.Lessons.lessons = [
    "01-labels",
    "02-loss",
    "03-lloyd",
    "04-kmedians",
    "05-gradient-descent",
    "06-applications",
    "07-soft-clustering",
]

# Per-cell timeout: this is the setting that wins over ExecutePreprocessor.timeout.
c.Execute.timeout = 60
# The stub students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# A deleted test cell is put back and graded (nbgrader's default leaves it missing).
c.OverwriteCells.add_missing_cells = True

# Student content never runs script in a TA's browser (formgrader) or a student's (nbgrader's
# feedback). sanitize_html escapes HTML outputs through the clean_html filter and drops
# JavaScript and widget outputs; nbgrader's formgrade and feedback templates render markdown
# cells without that filter, hence our markdown2html, and print student names unescaped,
# hence EscapeStudentNames. What is escaped (shown as text): <script>, <svg>, <iframe>,
# <style>, <form>, <input>, event handlers (onerror=...), id attributes, javascript: links.
# What is kept: markdown, math ($...$, $$...$$, typeset by MathJax), tables, PNG/JPEG figures
# (outputs and data:image/ sources), inline styles limited to colours, borders and fonts.
# The allow-list is in autograder/safehtml.py.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {
    "markdown2html": "autograder.safehtml.SafeMarkdown",
    "clean_html": "autograder.safehtml.clean_html",
}
c.HTMLExporter.preprocessors = ["autograder.safehtml.EscapeStudentNames"]

# The kit's own settings (autograder.config; `kmeans-course --help-all` lists them all, with
# their defaults; `kmeans-course autograde --Grading.workers=8` overrides one for a run):
# c.Grading.workers = 0                  # grading processes; 0: one per core
# c.Grading.submission_timeout = 600.0   # wall-clock seconds per submission
# c.Grading.kernel_memory = 2 * 1024**3  # resident bytes a student's kernel may use
# c.CleanRoom.cpu_seconds = 300          # CPU seconds of the clean room's process

# Late submissions (nbgrader's AssignLatePenalties, once per notebook; autograder.lms.deadlines.LatePenalty):
# c.AssignLatePenalties.plugin_class = "autograder.lms.deadlines.LatePenalty"
# c.LatePenalty.kind = "per_hour"        # "none", "fixed" (c.LatePenalty.fixed_points) or "per_hour"
# c.LatePenalty.points_per_hour = 0.5
# c.LatePenalty.max_fraction = 0.5       # never more than half the notebook's score
