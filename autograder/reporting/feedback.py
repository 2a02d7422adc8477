"""Feedback for one student and one assignment: scores, their own code, each check's diagnosis.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is, and that
notebook holds the hidden tests' source (nbgrader restores it before executing). This
module builds the page itself from three things, so nothing hidden can leak:

- the scores that count, from the gradebook (manual grades and overrides included);
- the student's own solution cells and written answers, from the autograded notebook;
- for every test cell, the diagnosis only: a failed check's message (``CheckFailed``),
  a partial score's report, or the error's type and message. Test-cell source and
  tracebacks are never shown; a visible test is named by its released source (which the
  student already has), a hidden one only as "hidden test".

:func:`diagnose_cell` is also what the class report uses to count mistakes.

>>> cell = {"cell_type": "code", "outputs": [{"output_type": "error", "ename": "CheckFailed",
...         "evalue": "assign: 0 / 1 points (visible checks)\\n  diagnosis:\\n    - labels are 1-indexed",
...         "traceback": ["SECRET"]}]}
>>> diagnose_cell(cell).messages
['labels are 1-indexed']
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TAGS = re.compile(r"<[^>]+>")
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def exercise_of(grade_id: str) -> tuple[str, bool]:
    """The exercise a grade cell belongs to, and whether it is the hidden part.

    >>> exercise_of("test_sq_distances_hidden"), exercise_of("test_assign"), exercise_of("written_why")
    (('sq_distances', True), ('assign', False), ('written_why', False))
    """
    if grade_id.startswith("test_"):
        name = grade_id[len("test_"):]
        if name.endswith("_hidden"):
            return name[:-len("_hidden")], True
        return name, False
    return grade_id, False


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


@dataclass
class Diagnosis:
    """What a test cell's outputs say: a headline (if any) and the diagnosis messages."""

    messages: list = field(default_factory=list)
    error: str = ""  # "CheckFailed", "NameError", ... ("" when the cell did not raise)
    partial: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


def _check_messages(summary: str) -> list:
    """The diagnosis bullets of a CheckResult summary (or the whole text if it has none)."""
    lines = summary.splitlines()
    out, current, inside = [], None, False
    for line in lines:
        if line.strip() == "diagnosis:":
            inside = True
            continue
        if not inside:
            continue
        if line.startswith("    - "):
            if current is not None:
                out.append(current)
            current = line[len("    - "):]
        elif line.startswith("      ") and current is not None:
            current += "\n" + line[len("      "):]
    if current is not None:
        out.append(current)
    if out:
        return out
    # no diagnosis section: keep the criteria lines ("failed: ...") or the whole message
    failed = [line.strip() for line in lines if line.strip().startswith("failed:")]
    return failed or [summary.strip()]


def diagnose_cell(cell: dict, *, hidden: bool = False) -> Diagnosis:
    """The diagnosis in a graded test cell's outputs (never its source or traceback).

    For a hidden test, an error other than a failed check is reduced to its type, since
    its message could quote the hidden inputs.
    """
    diag = Diagnosis()
    from_html = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            diag.error = out.get("ename", "Error")
            evalue = ANSI.sub("", out.get("evalue", ""))
            if diag.error == "CheckFailed":
                diag.messages.extend(_check_messages(evalue))
            elif diag.error == "AssertionError":
                diag.messages.append(evalue.strip() or "a check failed")
            elif hidden:
                diag.messages.append(f"{diag.error} while running the hidden checks")
            else:
                first = evalue.strip().splitlines()[0] if evalue.strip() else ""
                diag.messages.append(f"{diag.error}: {first}" if first else diag.error)
        elif kind == "stream" and out.get("name") == "stderr":
            text = ANSI.sub("", _text(out.get("text")))
            if text.startswith("Partial credit:"):
                diag.partial = True
                diag.messages.extend(_check_messages(text[len("Partial credit:"):].strip()))
        elif kind == "execute_result":
            html_text = _text(out.get("data", {}).get("text/html"))
            if html_text:
                plain = html.unescape(TAGS.sub("\n", html_text))
                lines = [line.strip() for line in plain.splitlines() if line.strip()]
                from_html = lines[1:] if len(lines) > 1 else lines
    if not diag.messages and from_html:
        # a partial score shown only as HTML (no plain-text report): use its text
        diag.partial = True
        diag.messages = from_html
    # keep order, drop duplicates (the HTML and the stderr report say the same)
    seen, unique = set(), []
    for m in diag.messages:
        if m not in seen:
            seen.add(m)
            unique.append(m)
    diag.messages = unique
    return diag


# ----------------------------------------------------------------------------- the page


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1f2328;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.meta{color:#57606a}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;border-radius:4px;white-space:pre-wrap}
.ok{color:#1a7f37}.part{color:#9a6700}.bad{color:#cf222e}.todo{color:#57606a}
.diag{border-left:4px solid #cf222e;padding:.2rem .8rem;margin:.4rem 0;background:#fff8f8}
.diag.partial{border-color:#9a6700;background:#fffbf0}
.banner{padding:1rem;border:2px solid #cf222e;background:#fff8f8;border-radius:6px}
"""


def _fmt(x) -> str:
    return "" if x is None else f"{x:g}"


def _cls(score, possible) -> str:
    if score is None:
        return "todo"
    if score >= possible:
        return "ok"
    return "part" if score > 0 else "bad"


def render(outcome, *, course_id: str = "", released_sources: dict | None = None) -> str:
    """The feedback page (one self-contained HTML string) of a ``SubmissionOutcome``."""
    esc = html.escape
    released_sources = released_sources or {}
    title = f"{outcome.assignment}: feedback for {outcome.student}"
    head = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            f"<h1>{esc(outcome.assignment)}</h1>",
            f"<p class='meta'>{esc(course_id)} &middot; student <b>{esc(outcome.student)}</b></p>"]
    body = []
    if outcome.status == "failed":
        body.append("<div class='banner'><b>Your notebook could not be graded.</b><br>"
                    f"{esc(outcome.reason)}<br>Your instructor has been told; you may be asked to resubmit.</div>")
        return "".join(head + body + ["</body></html>"])

    score_line = f"{_fmt(outcome.score)} / {_fmt(outcome.max_score)} points"
    if outcome.late_penalty:
        score_line += f" (after a late penalty of {_fmt(outcome.late_penalty)})"
    body.append(f"<p><b>Score: {esc(score_line)}</b></p>")
    if outcome.needs_manual:
        body.append("<p class='meta'>Some answers (written questions) are graded by hand: "
                    "their points are not counted yet.</p>")

    # summary table: one row per exercise
    rows = []
    for ex in outcome.exercises():
        cells = [c for c in outcome.cells if c.exercise == ex]
        score = None if any(c.score is None for c in cells) else sum(c.score for c in cells)
        possible = sum(c.max_score for c in cells)
        status = "needs manual grading" if score is None else (
            "full marks" if score >= possible else ("partial credit" if score > 0 else "no credit"))
        rows.append(f"<tr><td>{esc(ex)}</td><td class='num {_cls(score, possible)}'>"
                    f"{_fmt(score) if score is not None else '&ndash;'} / {_fmt(possible)}</td>"
                    f"<td class='{_cls(score, possible)}'>{status}</td></tr>")
    body.append("<table><tr><th>exercise</th><th>points</th><th></th></tr>" + "".join(rows) + "</table>")

    # detail per exercise: the student's code, then each test's result and diagnosis
    for ex in outcome.exercises():
        body.append(f"<h2>{esc(ex)}</h2>")
        code = outcome.solutions.get(ex)
        if code is not None:
            body.append("<p>Your code:</p><pre>" + esc(HIDDEN_BLOCK.sub("", code)) + "</pre>")
        for c in [c for c in outcome.cells if c.exercise == ex]:
            label = "hidden test" if c.hidden else ("written answer" if c.kind == "written" else "test")
            score = "needs manual grading" if c.score is None else f"{_fmt(c.score)} / {_fmt(c.max_score)}"
            line = f"<p><b>{label}</b>: <span class='{_cls(c.score, c.max_score)}'>{esc(score)}</span>"
            if not c.hidden and c.kind == "test" and released_sources.get(c.grade_id):
                line += f" &nbsp;<code>{esc(released_sources[c.grade_id].strip())}</code>"
            body.append(line + "</p>")
            if c.kind == "written" and c.answer is not None:
                body.append("<p>Your answer:</p><pre>" + esc(c.answer) + "</pre>")
            if c.messages and (c.score is None or c.score < c.max_score):
                klass = "diag partial" if (c.score or 0) > 0 else "diag"
                body.append(f"<div class='{klass}'>" + "".join(f"<pre>{esc(m)}</pre>" for m in c.messages)
                            + "</div>")
    return "".join(head + body + ["</body></html>"])
