"""The class report's similar-submissions section: evidence of alike code, rendered from templates.

Per assignment: the solution cells of every submitted notebook, compared exercise by
exercise (``autograder.integrity.similarity``) with the released student version as the
shared baseline (its stubs are not evidence). Listed for the TA to judge; nothing here
changes a score.
"""
from __future__ import annotations

from autograder.course import Course
from autograder.reporting.gather import ClassResults, _read_notebook
from autograder.reporting.render import render


def code_lines(source: str, ranges, *, context: int = 2, max_lines: int = 40) -> list[dict]:
    """The lines of ``source`` to show, matching ones marked; a long source shows only those, with context.

    Each row is ``{"number": "  3", "text": line, "marked": bool}`` or ``{"gap": True}``
    where lines are left out.

    >>> [r.get("text", "...") for r in code_lines("a\\nb\\nc", [(2, 2)], context=0, max_lines=1)]
    ['...', 'b', '...']
    """
    lines = source.splitlines()
    marked = {n for start, end in ranges for n in range(start, end + 1)}
    shown = set(range(1, len(lines) + 1))
    if len(lines) > max_lines:
        shown = {m for n in marked for m in range(n - context, n + context + 1)}
    rows, last = [], 0
    for n, line in enumerate(lines, start=1):
        if n not in shown:
            continue
        if n > last + 1:
            rows.append({"gap": True})
        rows.append({"gap": False, "number": f"{n:>3}", "text": line, "marked": n in marked})
        last = n
    if last < len(lines):
        rows.append({"gap": True})
    return rows


def _context(pairs, matches) -> dict:
    return {"pairs": list(pairs), "matches": list(matches), "lines": code_lines}


def render_similarity(pairs, matches) -> str:
    """The HTML fragment of ``integrity.similarity.render_html``: two tables, code side by side."""
    return render("similarity.html", similarity=_context(pairs, matches))


def similarity_evidence(course: Course, results: ClassResults) -> dict:
    """Similar pairs and matches with the reference over every assignment (the section's context)."""
    from autograder.config import Similarity
    from autograder.integrity import similarity

    options = Similarity(config=course.config)  # thresholds: c.Similarity.* in nbgrader_config.py
    pairs, matches = [], []
    for assignment in results.assignments:
        released = _read_notebook(course.root / "notebooks" / assignment / f"{assignment}.ipynb")
        baseline = similarity.solution_cells(released) if released else None
        submissions = {}
        for (student, a), outcome in sorted(results.outcomes.items()):
            if a != assignment or outcome.status == "missing":
                continue
            nb = _read_notebook(course.submission_dir(student, a) / f"{a}.ipynb")
            if isinstance(nb, dict):
                submissions[student] = similarity.solution_cells(nb)
        if len(submissions) >= 2:
            pairs += similarity.similar_pairs(submissions, baseline=baseline, **options.pair_options())
        if submissions:
            matches += similarity.reference_closeness(submissions, baseline=baseline, **options.reference_options())
    return _context(pairs, matches)


def similarity_section(course: Course, results: ClassResults) -> str:
    """The section (heading, note, tables) as the class report shows it."""
    return render("similarity_section.html", similarity=similarity_evidence(course, results))
