"""What a graded test cell's outputs say: the diagnosis, never the test's source or traceback.

For every test cell only a failed check's message (``CheckFailed``), a partial score's
report, or the error's type and message is kept; a hidden test's other errors are
reduced to their type, since their message could quote the hidden inputs. The feedback
pages show these messages and the class report counts mistakes from them.

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
