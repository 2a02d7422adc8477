"""Student content rendered as HTML that runs no script: nbgrader's formgrader and feedback.

``nbgrader_config.py`` turns on nbconvert's ``HTMLExporter.sanitize_html`` and plugs in
the three pieces below, because the flag alone does not cover what nbgrader renders:

- :class:`SafeMarkdown` replaces the exporter's ``markdown2html`` filter. nbgrader's
  ``formgrade`` and ``feedback`` templates render markdown cells (the written answers)
  themselves, without the ``clean_html`` step that ``sanitize_html`` adds to nbconvert's
  own templates, so the cleaning has to happen in the filter they call.
- :func:`clean_html` replaces nbconvert's ``clean_html`` filter (used for ``text/html``
  outputs and raw cells when ``sanitize_html`` is on) with one allow-list that keeps what
  the lessons show: headings, tables, lists, code, images, inline styles of the checkers'
  results. Anything else (``<script>``, ``<svg>``, ``<iframe>``, ``<style>``, ``<form>``,
  event handlers such as ``onerror``, ``javascript:`` links) is escaped, so the TA sees it
  as text. Math is text (``$...$``), so MathJax still typesets it.
- :class:`EscapeStudentNames` HTML-escapes the student's id and names in the resources the
  ``formgrade`` template prints unescaped in its navigation bar.

>>> clean_html('<p onclick="x()">$a < b$</p><script>alert(1)</script>')
'<p>$a &lt; b$</p>&lt;script&gt;alert(1)&lt;/script&gt;'
>>> clean_html('<a href="javascript:alert(1)">x</a><img src="data:image/png;base64,AA==" alt="fig">')
'<a>x</a><img src="data:image/png;base64,AA==" alt="fig">'
"""
from __future__ import annotations

import html

import bleach
from bleach.css_sanitizer import CSSSanitizer
from jinja2 import pass_context
from nbconvert.filters import markdown2html as _plain_markdown2html
from nbconvert.preprocessors import Preprocessor
from nbconvert.utils.base import NbConvertBase

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
# No "id": a student's element could otherwise take the id of a score box of the grading form.
COMMON_ATTRIBUTES = frozenset({"class", "title", "style", "align"})
TAG_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
}
# bleach checks href and src against these; javascript:, vbscript:, file: ... are dropped.
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
_CSS = CSSSanitizer()  # bleach's allowed CSS properties: colours, borders, fonts, no positioning


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in COMMON_ATTRIBUTES and name not in TAG_ATTRIBUTES.get(tag, ()):
        return False
    if name in ("href", "src") and value.strip().lower().startswith("data:"):
        # an inline image is fine; a data: link or a non-image data: source is not
        return tag == "img" and value.strip().lower().startswith("data:image/")
    return True


def clean_html(text) -> str:
    """``text`` (str or bytes of HTML) with every tag and attribute outside the allow-list escaped or dropped."""
    text = text.decode() if isinstance(text, bytes) else str(text)
    return bleach.clean(text, tags=TAGS, attributes=_allowed_attribute, protocols=PROTOCOLS,
                        css_sanitizer=_CSS, strip=False, strip_comments=True)


class SafeMarkdown(NbConvertBase):
    """The exporter's own markdown rendering (math, attachments, anchors), then :func:`clean_html`.

    Registered as a filter class, nbconvert builds it with the exporter as ``parent``.
    """

    # nbconvert's markdown2html reads the cell (its attachments) from the Jinja context.
    jinja_pass_arg = pass_context(lambda: None).jinja_pass_arg

    def __call__(self, context, source) -> str:
        render = getattr(self.parent, "markdown2html", None)
        rendered = render(context, source) if render is not None else _plain_markdown2html(source)
        return clean_html(rendered)


class EscapeStudentNames(Preprocessor):
    """HTML-escape the resources that the ``formgrade`` template prints as they are.

    nbgrader's formgrader puts the gradebook's first and last name, the student id and the
    notebook's path into the resources of the export; the template's navigation bar shows
    them with no escaping.
    """

    keys = ("first_name", "last_name", "student", "notebook_path")

    def preprocess(self, nb, resources):
        for key in self.keys:
            if isinstance(resources.get(key), str):
                resources[key] = html.escape(resources[key])
        return nb, resources
