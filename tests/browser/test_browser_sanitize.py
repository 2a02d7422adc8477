"""A hostile submission runs no script in a TA's browser: formgrader, feedback page, class report.

One student of a toy course (``tests/grading/minicourse.py``, with a copy of the repository's
``nbgrader_config.py``) submits a written answer holding a ``<script>``, an ``<img onerror>``,
a ``javascript:`` link (HTML and markdown) and an inline ``<svg>`` with a script and an
``onload``; an exercise cell that displays HTML with a script and an ``onerror`` image, and
JavaScript (and a PNG figure, which must still show); and a wrong answer whose diagnosis
quotes an ``onerror`` image. Their gradebook first and last names carry markup too. Every payload sets its own ``window.__pwned_*`` flag.

Stock ``nbgrader autograde`` grades it; then chromium opens formgrader's manual-grading page
of the submission, its list of submissions and its student list (JupyterLab started from
the course root, as a TA does), and the kit's feedback page and class report. No flag may be
set, the answer's text and its typeset math must show. The control: the same notebook
rendered by formgrader's exporter without the course's settings (stock nbgrader), served
from the same origin, sets every flag.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from browserkit import REPO, open_page
from labserver import JupyterLab
from nbformat.v4 import new_output

from autograder.present.slides import STATIC

sys.path.insert(0, str(REPO / "tests" / "grading"))
import minicourse as mc  # noqa: E402
from gradingkit import run_stock_autograde  # noqa: E402

STUDENT = "mallory"
LESSON = "01-toy"
ANSWER_TEXT = "The mean minimises the sum of squared distances."

# flag -> where it is planted; every one is set by a payload when nothing sanitizes.
FLAGS = {
    "md_script": "written answer: <script>",
    "md_img": "written answer: <img onerror>",
    "md_link": "written answer: <a href=javascript:> (clicked)",
    "md_mdlink": "written answer: markdown [link](javascript:) (clicked)",
    "svg_onload": "written answer: <svg onload>",
    "svg_script": "written answer: <svg><script>",
    "out_script": "exercise cell output: HTML with <script>",
    "out_img": "exercise cell output: HTML with <img onerror>",
    "out_js": "exercise cell output: JavaScript",
    "diag_img": "diagnosis quoting the student's return value: <img onerror>",
    "name_first": "gradebook first name: <img onerror>",
    "name_last": "gradebook last name: <script>",
}

WRITTEN = f"""{ANSWER_TEXT} The loss is $L(M) = \\sum_{{i=1}}^N \\lVert x_i - m_{{z_i}} \\rVert^2$, and $a < b$.

$$\\begin{{bmatrix}} 1 & 0 \\\\ 0 & 1 \\end{{bmatrix}}$$

<script>window.__pwned_md_script = 1</script>

<img src="x" onerror="window.__pwned_md_img = 1">

<a class="pwn" href="javascript:void(window.__pwned_md_link = 1)">click me</a>

[click me too](javascript:void(window.__pwned_md_mdlink=1))

<svg width="20" height="20" onload="window.__pwned_svg_onload = 1"><script>window.__pwned_svg_script = 1</script></svg>
"""

OUTPUT_HTML = ("<script>window.__pwned_out_script = 1</script>"
               "<img src='x' onerror='window.__pwned_out_img = 1'>")
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
# add returns a string: the failed check's message quotes it ("add(1, 2) returned '<img ...>'").
ADD_BODY = f'''    return '<img src=x onerror="window.__pwned_diag_img=1">'


from IPython.display import HTML, Image, Javascript, display
display(Image(data=__import__("base64").b64decode("{PNG}")))
display(HTML("{OUTPUT_HTML}"))
display(Javascript("window.__pwned_out_js = 1"))
'''
FIRST_NAME = '<img src="x" onerror="window.__pwned_name_first = 1">Mal'
LAST_NAME = "<script>window.__pwned_name_last = 1</script>Lory"

FLAGS_JS = "() => Object.keys(window).filter(k => k.startsWith('__pwned_')).map(k => k.slice(8)).sort()"
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"
MATHJAX_LOCAL = STATIC / "mathjax"  # the vendored copy the slides and site use


def hostile_notebook(root: Path):
    nb = mc.student_notebook(root, LESSON, {"add": ADD_BODY})
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "written_why":
            cell.source = WRITTEN
        elif gid == "add":  # the same outputs stored in the submitted file (autograde re-runs it)
            cell.execution_count = 1
            cell.outputs = [new_output("display_data", {"text/html": OUTPUT_HTML, "text/plain": "<HTML>"}),
                            new_output("display_data", {"application/javascript": "window.__pwned_out_js = 1"})]
    return nb


def build_course(root: Path) -> Path:
    """Release the toy lesson, submit the hostile notebook, autograde it, give the student names."""
    from nbgrader.api import Gradebook

    mc.make_course(root, lessons=(LESSON,))
    mc.submit(root, STUDENT, LESSON, hostile_notebook(root))
    run_stock_autograde(root, [LESSON])
    assert (root / "autograded" / STUDENT / LESSON / f"{LESSON}.ipynb").exists(), "autograde failed"
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_student(STUDENT, first_name=FIRST_NAME, last_name=LAST_NAME)
    return root


def stock_formgrade_html(lab: JupyterLab, root: Path, submission_id: str) -> str:
    """The manual-grading page as stock nbgrader renders it (no course settings): the control."""
    from nbconvert import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": LESSON, "notebook_id": LESSON, "submission_id": submission_id, "index": 0,
                 "total": 1, "base_url": lab.base.rstrip("/"), "student": STUDENT, "last_name": LAST_NAME,
                 "first_name": FIRST_NAME, "notebook_path": f"autograded/{STUDENT}/{LESSON}/{LESSON}.ipynb"}
    path = root / "autograded" / STUDENT / LESSON / f"{LESSON}.ipynb"
    return HTMLExporter(config=config).from_filename(str(path), resources=resources)[0]


def serve_mathjax(route):
    """The CDN's MathJax 2.7.7 answered from the vendored copy (no network in tests).

    ``latest.js`` on the CDN loads ``MathJax.js`` from the same folder; this stand-in
    does the same with the vendored configuration (TeX-AMS_CHTML).
    """
    rel = route.request.url[len(MATHJAX_CDN):].split("?")[0]
    if rel == "latest.js":
        body = ("var s = document.createElement('script');"
                f"s.src = '{MATHJAX_CDN}MathJax.js?config=TeX-AMS_CHTML';"
                "document.head.appendChild(s);")
        return route.fulfill(body=body, content_type="application/javascript")
    path = (MATHJAX_LOCAL / rel).resolve()
    if MATHJAX_LOCAL in path.parents and path.is_file():
        return route.fulfill(path=str(path))
    return route.fulfill(status=404, body="")


def visit(page, url: str, shot: Path, *, math: bool = False) -> list:
    """Load ``url``, wait for MathJax if asked, click every link named "click me...", return the flags set."""
    page.goto(url)
    page.wait_for_load_state("load")
    if math:
        page.wait_for_function("window.MathJax && MathJax.Hub && document.querySelector('.MathJax_CHTML')",
                               timeout=30_000)
        page.wait_for_function("MathJax.Hub.queue.pending === 0", timeout=30_000)
    for link in page.get_by_text("click me", exact=False).all():
        if link.evaluate("e => e.tagName") == "A":
            link.click(no_wait_after=True)
    page.wait_for_timeout(300)  # an onerror of a failed image fires after load
    page.screenshot(path=shot, full_page=True)
    return page.evaluate(FLAGS_JS)


def test_hostile_submission_runs_no_script(browser, artifacts, tmp_path):
    from nbgrader.api import Gradebook

    from autograder import reporting as reports

    start = time.perf_counter()
    root = build_course(tmp_path / "course")
    # the course really is configured by the repository's settings
    assert (root / "nbgrader_config.py").read_text() == (REPO / "nbgrader_config.py").read_text()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        submission_id = gb.find_submission_notebook(LESSON, LESSON, STUDENT).id
    paths = reports.main(root=root, quiet=True)
    feedback = root / "feedback" / STUDENT / LESSON / f"{LESSON}.html"
    built = time.perf_counter() - start

    with JupyterLab(root, log_path=artifacts / "jupyterlab.log") as lab:
        page, traffic = open_page(browser, offline=True)
        page.context.route(MATHJAX_CDN + "**", serve_mathjax)  # registered last: tried first
        # formgrader's pages call its API with the session's cookie, which a token URL does not set
        page.set_extra_http_headers({"Authorization": f"token {lab.token}"})
        try:
            # control: stock nbgrader's page for the same notebook, from the same origin
            control_url = lab.base + "control-unsanitized.html"
            control = stock_formgrade_html(lab, root, submission_id)
            page.context.route(control_url, lambda r: r.fulfill(body=control, content_type="text/html"))
            fired = visit(page, control_url, artifacts / "0-control.png")
            assert fired == sorted(set(FLAGS) - {"diag_img"}), "a payload does not work, the test cannot fail"

            # formgrader's manual-grading page of the submission
            fired = visit(page, lab.url(f"formgrader/submissions/{submission_id}/"), artifacts / "1-formgrade.png",
                          math=True)
            assert fired == [], f"payloads ran in formgrader: {[FLAGS[f] for f in fired]}"
            text = page.inner_text("#notebook-container")
            assert ANSWER_TEXT in text
            assert "<script>window.__pwned_md_script = 1</script>" in text  # shown to the TA as text
            assert page.locator("#notebook-container .MathJax_CHTML").count() >= 2  # inline and display math
            figures = page.evaluate("[...document.querySelectorAll('#notebook-container img')]"
                                    ".filter(i => i.src.startsWith('data:image/png')).map(i => i.naturalWidth)")
            assert figures == [1], "the PNG output is not shown"
            assert page.locator(".name-shown").first.inner_text().strip() == f"{LAST_NAME}, {FIRST_NAME}"

            # the pages that list the student by name
            for n, path in enumerate((f"formgrader/gradebook/{LESSON}/{LESSON}", "formgrader/manage_students")):
                visit(page, lab.url(path), artifacts / f"2-list-{n}.png")
                # the rows are drawn by script after load; the name may be hidden (anonymous grading)
                page.get_by_text(f"{LAST_NAME}, {FIRST_NAME}").first.wait_for(state="attached")
                page.wait_for_timeout(300)
                fired = page.evaluate(FLAGS_JS)
                assert fired == [], f"payloads ran on {path}: {[FLAGS[f] for f in fired]}"
        finally:
            traffic.write(artifacts / "requests.txt")
            page.context.close()

    # the kit's feedback page and class report, opened from disk
    page, traffic = open_page(browser, offline=True)
    try:
        fired = visit(page, feedback.as_uri(), artifacts / "3-feedback.png")
        assert fired == [], f"payloads ran in the feedback page: {[FLAGS[f] for f in fired]}"
        text = page.inner_text("body")
        assert ANSWER_TEXT in text and "<script>window.__pwned_md_script = 1</script>" in text
        assert 'onerror="window.__pwned_diag_img=1"' in text  # the diagnosis, as text
        fired = visit(page, paths.class_report.as_uri(), artifacts / "4-class-report.png")
        assert fired == [], f"payloads ran in the class report: {[FLAGS[f] for f in fired]}"
        assert "__pwned_diag_img" in page.inner_text("body")  # the mistake's example, as text
    finally:
        page.context.close()
    (artifacts / "timing.txt").write_text(f"course built and graded in {built:.1f} s, "
                                          f"total {time.perf_counter() - start:.1f} s\n")
