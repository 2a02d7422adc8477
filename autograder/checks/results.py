"""Typed results of a check: what passed, what failed, the score and the diagnosis.

A :class:`CheckResult` is what ``check(...)`` returns in a notebook. Its ``repr``
is the score as a bare number, because that is how nbgrader reads partial credit
from a test cell (``nbgrader.utils.determine_grade``: the ``text/plain`` of the
cell's result is parsed as a float); ``_repr_html_`` shows the diagnosis in the
notebook and in the feedback. A score of zero is raised instead, as
:class:`CheckFailed`, an ``AssertionError`` whose message is the diagnosis.

>>> r = CheckResult("assign", hidden=False, score=0.5, possible=1.0,
...                 items=[CheckItem("type", "returns the right type and shape", 0.2, 3, 3),
...                        CheckItem("ties", "ties (lowest index wins)", 0.8, 0, 2)],
...                 diagnosis=["ties go to the highest index"])
>>> r
0.5
>>> r.passed, r.failed
(['returns the right type and shape'], ['ties (lowest index wins)'])
>>> print(r.summary())
assign: 0.5 / 1 points (visible checks)
  passed: returns the right type and shape
  failed: ties (lowest index wins) (0 of 2)
  diagnosis:
    - ties go to the highest index
"""

import html
import math
import re
import textwrap
from dataclasses import asdict, dataclass, field

__all__ = ["CheckItem", "CheckResult", "CheckFailed", "round_score", "SCORE_STEP", "wrap_report", "WIDTH"]

# Partial scores are multiples of this many points, rounded DOWN, so that any failed
# check costs at least one step and a score never reaches full marks by rounding.
SCORE_STEP = 0.25


def round_score(fraction, possible, step=SCORE_STEP):
    """``possible * fraction`` rounded down to a multiple of ``step`` (full marks only at fraction 1).

    >>> round_score(1.0, 2), round_score(0.99, 2), round_score(0.3, 1), round_score(0.0, 1)
    (2.0, 1.75, 0.25, 0.0)
    """
    if fraction >= 1.0:
        return float(possible)
    steps = math.floor(possible * max(fraction, 0.0) / step + 1e-9)
    return float(min(steps * step, possible - step))


def _fmt_points(x):
    return f"{x:g}"


@dataclass
class CheckItem:
    """One weighted criterion of a check, e.g. "ties (lowest index wins)": passed on 1 of 2 cases."""

    key: str
    label: str
    weight: float
    passed: int
    total: int

    @property
    def fraction(self):
        return self.passed / self.total if self.total else 1.0

    @property
    def ok(self):
        return self.passed == self.total


@dataclass
class CheckResult:
    """The outcome of checking one exercise (visible or hidden part).

    Attributes
    ----------
    name : str
        Exercise name (a function name of docs/curriculum.md).
    hidden : bool
        Whether these were the hidden (secret-drawn) cases.
    score, possible : float
        Points earned and available for this test cell.
    items : list of CheckItem
        The weighted criteria and how many cases passed each.
    diagnosis : list of str
        Messages for the student: the recognised mistake or what was expected and
        what came back. Never contains hidden inputs.
    mistakes : list of str
        Catalogue ids of the recognised mistakes (e.g. ``"sq_distances.not_squared"``).
    flags : list of str
        Facts for the grader that do not change the score (e.g. the function *is*
        the reference implementation).
    n_cases : int
        Number of cases run.
    seconds : float
        Wall time of the check.
    secret_id : str or None
        Fingerprint of the secret for hidden checks (see :func:`autograder.checks.secret.fingerprint`).
    """

    name: str
    hidden: bool
    score: float
    possible: float
    items: list = field(default_factory=list)
    diagnosis: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    n_cases: int = 0
    seconds: float = 0.0
    secret_id: str = None

    # --- derived views ---------------------------------------------------------------
    @property
    def passed(self):
        """Labels of the criteria passed on every case."""
        return [it.label for it in self.items if it.ok]

    @property
    def failed(self):
        """Labels of the criteria failed on at least one case."""
        return [it.label for it in self.items if not it.ok]

    @property
    def full_marks(self):
        return self.score >= self.possible

    @property
    def kind(self):
        return "hidden" if self.hidden else "visible"

    # --- text -----------------------------------------------------------------------
    def headline(self):
        return f"{self.name}: {_fmt_points(self.score)} / {_fmt_points(self.possible)} points ({self.kind} checks)"

    def summary(self, width=None, criteria=True):
        """A self-contained plain-text report (the message of :class:`CheckFailed`).

        ``width``: wrap the prose at word boundaries to this many columns (code and
        arrays are kept as they are; see :func:`wrap_report`). ``criteria=False`` leaves
        out the passed/failed lines (when a checklist already shows them).
        """
        lines = [self.headline()]
        ok = self.passed
        if ok and criteria:
            lines.append("  passed: " + "; ".join(ok))
        bad = [f"{it.label} ({it.passed} of {it.total})" for it in self.items if not it.ok]
        if bad and (criteria or not self.diagnosis):
            lines.append("  failed: " + "; ".join(bad))
        if self.diagnosis:
            lines.append("  diagnosis:")
            for message in self.diagnosis:
                first, *rest = str(message).splitlines() or [""]
                lines.append("    - " + first)
                lines.extend("      " + line for line in rest)
        text = "\n".join(lines)
        return wrap_report(text, width) if width else text

    def __str__(self):
        return self.summary()

    def __repr__(self):
        # nbgrader reads the text/plain of a test cell's result as its partial credit.
        return _fmt_points(self.score)

    def to_dict(self):
        """Plain data (JSON-ready) for the clean-room grader and the reports."""
        d = asdict(self)
        d["passed"] = self.passed
        d["failed"] = self.failed
        return d

    def _repr_html_(self):
        # When the diagnosis of this (partial) result follows on stderr, where nbgrader's
        # Validate reads it, the HTML shows only the score and the checklist, so that the
        # student reads the diagnosis once.
        follows = _diagnosis_follows(self)
        if follows:
            _RENDERED_SHORT.append(self)
        return self.html(diagnosis=not follows)

    def html(self, diagnosis=True):
        """The score, the checklist of criteria and (``diagnosis=True``) the diagnosis, as HTML."""
        esc = html.escape
        colour = "#1a7f37" if self.full_marks else ("#9a6700" if self.score > 0 else "#cf222e")
        mark = "&#10003;" if self.full_marks else ("&#9680;" if self.score > 0 else "&#10007;")
        parts = [
            f'<div style="border-left:4px solid {colour};padding:4px 10px;font-family:sans-serif;{_WRAP_CSS}">',
            f'<b style="color:{colour}">{mark} {esc(self.headline())}</b>',
        ]
        rows = "".join(
            f"<li>{'&#10003;' if it.ok else '&#10007;'} {esc(it.label)}"
            + ("" if it.ok else f" ({it.passed} of {it.total})")
            + "</li>"
            for it in self.items
        )
        if rows and not self.full_marks:
            parts.append(f'<ul style="margin:4px 0">{rows}</ul>')
        if diagnosis:
            parts.append(diagnosis_html(self.diagnosis))
        parts.append("</div>")
        return "".join(parts)


# JupyterLab (and nbconvert's classic style) give every <pre> of an output
# `word-break: break-all`, which splits words anywhere ("us / e M_prev"): wrap at
# spaces instead, and break only a token longer than the whole line.
_WRAP_CSS = "word-break:normal;overflow-wrap:break-word"


def diagnosis_html(messages):
    """The diagnosis messages as HTML blocks that wrap at word boundaries."""
    return "".join(f'<pre style="white-space:pre-wrap;{_WRAP_CSS};margin:4px 0">{html.escape(str(m))}</pre>'
                   for m in messages)


# ---------------------------------------------------------------------------------------
# Plain text for narrow boxes: nbgrader's Validate dialog shows the failing cell's error
# in a <pre> that does not wrap, so the text the kit writes there is wrapped beforehand.
# ---------------------------------------------------------------------------------------
#: columns of the plain-text reports (the CheckFailed message and the partial-credit note)
WIDTH = 72

# A line that shows code or data, not prose: an array row, "X =", a quoted source line.
_CODE = re.compile(r"^([\[\(\{]|[-+]?\d|[A-Za-z_][\w.]* =( |$)|at line \d|line \d+ of )")
# A quoted line of the student's source, "at line 4 of assign: return ...": cut to the
# width (the line number says where the rest is).
_SOURCE_QUOTE = re.compile(r"^(at )?line \d+ of \w+: ")


def wrap_report(text, width=WIDTH):
    """``text`` with each prose line longer than ``width`` wrapped at spaces, keeping its indent.

    A continuation line is indented two more spaces than its line (so a bullet's lines
    stay under it); words are never split, and lines of code or arrays are left whole,
    except a quoted source line ("at line 4 of assign: ..."), which is cut to ``width``.

    >>> print(wrap_report("    - an empty cluster gives NaN: use M_prev[:, j] there", width=30))
        - an empty cluster gives
          NaN: use M_prev[:, j]
          there
    >>> wrap_report("      [[0. , 1. , 2. , 3. , 4. , 5. , 6. , 7. , 8.5],", width=30)
    '      [[0. , 1. , 2. , 3. , 4. , 5. , 6. , 7. , 8.5],'
    """
    out = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = line[:len(line) - len(body)]
        if len(line) > width and _SOURCE_QUOTE.match(body):
            line = line[:width - 4].rstrip() + " ..."
        if len(line) <= width or _CODE.match(body):
            out.append(line)
            continue
        hang = indent + "  "
        out.extend(textwrap.wrap(body, width, initial_indent=indent, subsequent_indent=hang,
                                 break_long_words=False, break_on_hyphens=False) or [line])
    return "\n".join(out)


class CheckFailed(AssertionError):
    """Raised by ``check`` when an exercise scores zero; the message is the full diagnosis."""

    def __init__(self, result):
        super().__init__(result.summary(width=WIDTH))
        self.result = result


# ---------------------------------------------------------------------------------------
# Getting the diagnosis of a PARTIAL score into nbgrader's Validate and feedback, and
# showing it to the student once.
#
# nbgrader (utils.determine_grade) walks a test cell's outputs in order: an error or a
# stderr stream zeroes the cell, the first execute_result gives the partial credit; and
# Validate (validator._extract_error) reports a partially credited cell only as "Partial
# credit; passed some but not all of the tests" unless the cell has error or stderr
# output. So, after a test cell whose displayed result is a partial score, we write the
# diagnosis to stderr from IPython's post_run_cell event: that stream output comes AFTER
# the execute_result (the display hook has already published it), so determine_grade
# still returns the partial credit while Validate and the feedback show the diagnosis;
# the displayed result then shows only the score and the checklist (see _repr_html_).
#
# Where a person runs the cell (JupyterLab, the notebook, VS Code: the execute request
# allows input, which nbclient, hence nbgrader's Validate and autograde, never does),
# nothing goes to stderr: the HTML shows the whole diagnosis, wrapped at word boundaries,
# instead of a red box that the frontend styles with `word-break: break-all`. Validate
# and autograde run the notebook again in their own kernel, so they still get the note;
# the scores are the same either way (the execute_result comes first).
#
# Nothing is written when the result was not the cell's value (e.g. `r = check(...)`),
# when the score is full or zero (zero raises CheckFailed, whose message is the
# diagnosis), or outside IPython.
# ---------------------------------------------------------------------------------------
_PENDING = []          # partial results of this cell whose diagnosis may go to stderr
_RENDERED_SHORT = []   # those of them already shown without their diagnosis
_HOOKED = []


def note_partial_credit(result):
    """Arrange for the diagnosis of a partial ``result`` to follow it on stderr (IPython only)."""
    if result.full_marks or result.score <= 0:
        return
    import sys

    module = sys.modules.get("IPython")
    shell = module.get_ipython() if module is not None and hasattr(module, "get_ipython") else None
    if shell is None or not hasattr(shell, "events") or _person_at_frontend(shell):
        return
    if shell not in _HOOKED:
        shell.events.register("post_run_cell", _after_cell)
        _HOOKED.append(shell)
    _PENDING.append(result)


def _person_at_frontend(shell):
    """Whether the cell being run came from a frontend a person uses (its request allows input)."""
    kernel = getattr(shell, "kernel", None)
    try:
        request = kernel.get_parent("shell") if kernel is not None else None
    except Exception:  # pragma: no cover - an older kernel: behave as for a batch run
        return False
    return bool(isinstance(request, dict) and request.get("content", {}).get("allow_stdin"))


def partial_credit_note(result):
    """The stderr text after a partial score: the headline and the diagnosis, wrapped for Validate."""
    return f"Partial credit: {result.summary(width=WIDTH, criteria=False)}\n"


def _diagnosis_follows(result):
    return any(result is r for r in _PENDING)


def _after_cell(execution_result=None):
    import sys

    pending = list(_PENDING)
    short = [r for i, r in enumerate(_RENDERED_SHORT) if not any(r is q for q in _RENDERED_SHORT[:i])]
    _PENDING.clear()
    _RENDERED_SHORT.clear()
    shown = getattr(execution_result, "result", None)
    try:
        if any(shown is r for r in pending):
            sys.stderr.write(partial_credit_note(shown))
            sys.stderr.flush()
        # shown without its diagnosis (e.g. display(r)) but not the cell's value, so no
        # stderr note follows: show the diagnosis now (a display adds no grade)
        for result in short:
            if result is not shown and result.diagnosis:
                from IPython.display import HTML, display

                display(HTML(diagnosis_html(result.diagnosis)))
    except Exception:  # pragma: no cover - never let a report break the kernel
        pass
