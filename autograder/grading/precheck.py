"""Before and after nbgrader: why a submission folder cannot be graded, and why nbgrader failed.

:func:`precheck` turns an empty file, invalid JSON, a file that is not a notebook or a
missing ``<assignment>.ipynb`` into a plain reason without running nbgrader;
:func:`failure_reason` reads nbgrader's log of a failed submission into one line a TA
can act on.
"""
from __future__ import annotations

import json
from pathlib import Path

def precheck(submission_dir: Path, notebook_names: list[str]) -> str:
    """Why nbgrader cannot grade this submission folder, or ``""`` if it can try.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "01-labels.ipynb").write_text("")
    >>> precheck(d, ["01-labels"])
    'the notebook file 01-labels.ipynb is empty (0 bytes)'
    """
    present = sorted(p.name for p in submission_dir.glob("*.ipynb")) if submission_dir.is_dir() else []
    expected = [f"{name}.ipynb" for name in notebook_names]
    if not any(name in present for name in expected):
        found = ", ".join(present) if present else "no notebook"
        return f"no {' or '.join(expected)} in the submission (found: {found})"
    for name in expected:
        path = submission_dir / name
        if not path.exists():
            continue
        data = path.read_bytes()
        if not data.strip():
            return f"the notebook file {name} is empty ({len(data)} bytes)"
        try:
            nb = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return f"{name} is not text (not UTF-8 at byte {exc.start}): not a notebook"
        except json.JSONDecodeError as exc:
            return (f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}):"
                    " the file is damaged or was not saved by Jupyter")
        if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
            return f"{name} is JSON but not a Jupyter notebook (no cells)"
        major = nb.get("nbformat")
        if not isinstance(major, int) or major < 3:
            return f"{name} has an unsupported notebook format version ({major!r})"
    return ""


# Known ways nbgrader fails, turned into reasons a TA can act on.
_FAILURE_REASONS = [
    ("DeadKernelError", "the kernel died while running the notebook (the code exits Python, crashes it,"
                        " or runs out of memory)"),
    ("UnresponsiveKernelError", "the kernel stopped responding and could not be interrupted"
                                " (an infinite loop that eats memory?)"),
    ("NotJSONError", "the notebook is not valid JSON"),
    ("SchemaTooOldError", "the notebook's nbgrader metadata is too old"),
    ("SchemaTooNewError", "the notebook's nbgrader metadata is too new"),
    ("failed to validate", "the notebook's nbgrader metadata is corrupted (edited or duplicated cell ids)"),
    ("Inconsistent checksums", "a locked cell could not be restored (edited metadata)"),
    ("No notebooks found", "no notebook of this assignment in the submission"),
]


def failure_reason(log_text: str) -> str:
    """A one-line reason from nbgrader's log of a failed submission."""
    for needle, reason in _FAILURE_REASONS:
        if needle in log_text:
            return reason
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    # The last line of the last traceback names the exception.
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    if starts:
        tail = [x for x in lines[starts[-1] + 1:]
                if not x.startswith(("File ", "^", "~", "[")) and ":" in x]
        if tail:
            return "nbgrader error: " + tail[-1][:300]
    errors = [line for line in lines if line.startswith("[ERROR]")]
    return "nbgrader error: " + ((errors or lines or ["unknown"])[-1])[:300]
