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
from dataclasses import asdict, dataclass, field

__all__ = ["CheckItem", "CheckResult", "CheckFailed", "round_score", "SCORE_STEP"]

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

    def summary(self):
        """A self-contained plain-text report (the message of :class:`CheckFailed`)."""
        lines = [self.headline()]
        ok = self.passed
        if ok:
            lines.append("  passed: " + "; ".join(ok))
        bad = [f"{it.label} ({it.passed} of {it.total})" for it in self.items if not it.ok]
        if bad:
            lines.append("  failed: " + "; ".join(bad))
        if self.diagnosis:
            lines.append("  diagnosis:")
            for message in self.diagnosis:
                first, *rest = str(message).splitlines() or [""]
                lines.append("    - " + first)
                lines.extend("      " + line for line in rest)
        return "\n".join(lines)

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
        esc = html.escape
        colour = "#1a7f37" if self.full_marks else ("#9a6700" if self.score > 0 else "#cf222e")
        mark = "&#10003;" if self.full_marks else ("&#9680;" if self.score > 0 else "&#10007;")
        parts = [
            f'<div style="border-left:4px solid {colour};padding:4px 10px;font-family:sans-serif">',
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
        for message in self.diagnosis:
            parts.append(f'<pre style="white-space:pre-wrap;margin:4px 0">{esc(str(message))}</pre>')
        parts.append("</div>")
        return "".join(parts)


class CheckFailed(AssertionError):
    """Raised by ``check`` when an exercise scores zero; the message is the full diagnosis."""

    def __init__(self, result):
        super().__init__(result.summary())
        self.result = result


# ---------------------------------------------------------------------------------------
# Getting the diagnosis of a PARTIAL score into nbgrader's Validate and feedback.
#
# nbgrader (utils.determine_grade) walks a test cell's outputs in order: an error or a
# stderr stream zeroes the cell, the first execute_result gives the partial credit; and
# Validate (validator._extract_error) reports a partially credited cell only as "Partial
# credit; passed some but not all of the tests" unless the cell has error or stderr
# output. So, after a test cell whose displayed result is a partial score, we write the
# diagnosis to stderr from IPython's post_run_cell event: that stream output comes AFTER
# the execute_result (the display hook has already published it), so determine_grade
# still returns the partial credit while Validate and the feedback show the diagnosis.
# Nothing is written when the result was not displayed (e.g. `r = check(...)`), when the
# score is full or zero (zero raises CheckFailed, whose message is the diagnosis), or
# outside IPython.
# ---------------------------------------------------------------------------------------
_PENDING = []
_HOOKED = []


def note_partial_credit(result):
    """Arrange for the diagnosis of a partial ``result`` to follow it on stderr (IPython only)."""
    if result.full_marks or result.score <= 0:
        return
    import sys

    module = sys.modules.get("IPython")
    shell = module.get_ipython() if module is not None and hasattr(module, "get_ipython") else None
    if shell is None or not hasattr(shell, "events"):
        return
    if shell not in _HOOKED:
        shell.events.register("post_run_cell", _after_cell)
        _HOOKED.append(shell)
    _PENDING.append(result)


def _after_cell(execution_result=None):
    import sys

    pending = list(_PENDING)
    _PENDING.clear()
    shown = getattr(execution_result, "result", None)
    if not any(shown is r for r in pending):
        return
    try:
        sys.stderr.write(f"Partial credit: {shown.summary()}\n")
        sys.stderr.flush()
    except Exception:  # pragma: no cover - never let a report break the kernel
        pass
