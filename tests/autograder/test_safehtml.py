"""The course's sanitizing export keeps what the lessons show: every markdown cell's text and math."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from autograder import safehtml

REPO = Path(__file__).resolve().parents[2]
TAG = re.compile(r"<[^>]+>")


def course_exporter(sanitize: bool) -> HTMLExporter:
    """An HTMLExporter configured by the repository's nbgrader_config.py (or with none of it)."""
    config = Config()
    if sanitize:
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    return HTMLExporter(config=config)


def visible_text(page: str) -> str:
    body = page[page.index("<body"):]
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", body))).strip()


def test_lessons_lose_no_text_or_math_when_sanitized():
    lessons = sorted(REPO.glob("solutions/*/*.ipynb"))
    assert lessons, "no lessons under solutions/"
    for path in lessons:
        nb = nbformat.read(str(path), as_version=4)
        nb.cells = [c for c in nb.cells if c.cell_type == "markdown"]
        assert nb.cells, f"{path.name}: no markdown cells"
        plain, _ = course_exporter(False).from_notebook_node(nb)
        clean, _ = course_exporter(True).from_notebook_node(nb)
        # the same words and TeX (MathJax reads the text), with or without sanitizing
        assert visible_text(clean) == visible_text(plain), path.name
        assert "&amp;amp;" not in clean and "&amp;lt;" not in clean, path.name  # no double escaping


def test_hostile_markup_is_inert():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell('ok $x<y$ <img src=x onerror="alert(1)"> <svg onload="alert(2)"></svg>'
                                      "\n\n[a](javascript:alert(3)) <iframe src='//evil'></iframe>"),
        nbformat.v4.new_code_cell("", outputs=[
            nbformat.v4.new_output("display_data", {"text/html": "<b onmouseover='alert(4)'>b</b><script>alert(5)</script>"}),
            nbformat.v4.new_output("display_data", {"application/javascript": "alert(6)"}),
        ]),
    ])
    page, _ = course_exporter(True).from_notebook_node(nb)
    body = page[page.index("<body"):]
    parser = Elements()
    parser.feed(body)
    assert parser.tags, "nothing parsed"
    live = [(tag, name, value) for tag, attrs in parser.tags for name, value in attrs
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:")]
    assert live == []
    assert not {"svg", "iframe"} & {tag for tag, _ in parser.tags}
    assert not any("alert" in script for script in parser.scripts)
    for marker in ("alert(2)", "alert(5)"):  # an escaped tag stays, as text for the TA to see
        assert marker in body
    assert "alert(1)" not in body and "alert(4)" not in body  # an allowed tag loses its handler
    assert "alert(6)" not in body  # JavaScript outputs are not shown at all


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of every script."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)
            self._in_script = False


def test_student_names_are_escaped():
    resources = {"first_name": "<b>Al</b>", "last_name": "O'Neil & co", "index": 0}
    _, out = safehtml.EscapeStudentNames().preprocess(None, resources)
    assert out == {"first_name": "&lt;b&gt;Al&lt;/b&gt;", "last_name": "O&#x27;Neil &amp; co", "index": 0}
