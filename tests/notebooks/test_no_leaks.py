"""The student versions of the lessons give no solution away, and guide a student who runs them.

A solution region's code lines (comments dropped, whitespace removed, longer than 12
characters) must appear nowhere in the student notebook, Markdown included; every hand-worked
self-check says what it expected when it fails; every hidden-test cell tells the student what it is.
"""
import io
import re
import tokenize

import nbformat
import pytest

from lessonkit import ROOT

from lessonkit import LESSONS  # noqa: E402  (every lesson of the course)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN_NOTE = "# Hidden tests run here at grading time, with other inputs of the same kind."


def read(folder, lesson):
    return nbformat.read(ROOT / folder / lesson / f"{lesson}.ipynb", as_version=4)


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def code_lines(region):
    """The region's lines without comments, whitespace removed."""
    kept = {}
    for tok in tokenize.generate_tokens(io.StringIO(region).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER):
            continue
        kept.setdefault(tok.start[0], []).append(tok.string)
    return ["".join(parts) for parts in kept.values()]


def solution_lines(lesson):
    lines = set()
    for cell in read("solutions", lesson).cells:
        if cell.cell_type == "code" and meta(cell).get("solution"):
            for region in SOLUTION.findall(cell.source):
                lines.update(line for line in code_lines(region) if len(line) > 12)
    return lines


def squashed(text):
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_line_of_a_solution_appears_in_the_student_version(lesson):
    lines = solution_lines(lesson)
    assert len(lines) >= 4, f"{lesson}: too few solution lines found to make this test meaningful"
    student = [squashed(cell.source) for cell in read("notebooks", lesson).cells]
    leaks = sorted(line for line in lines if any(line in text for text in student))
    assert leaks == [], f"{lesson}: solution lines shown to the student: {leaks}"


def test_the_comparison_sees_a_leak():
    region = "    D = sq_distances(X, M)   # all pairs\n    return float(np.sum(np.min(D, axis=0)))\n"
    assert code_lines(region) == ["D=sq_distances(X,M)", "returnfloat(np.sum(np.min(D,axis=0)))"]
    assert "returnfloat(np.sum(np.min(D,axis=0)))" in squashed("so `return float(np.sum(np.min(D, axis = 0)))`")


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_self_check_assert_says_what_it_expected(lesson):
    asserts = [line for cell in read("notebooks", lesson).cells if cell.cell_type == "code" and not meta(cell)
               for line in _statements(cell.source) if line.startswith("assert ")]
    assert asserts, f"{lesson}: no self-check"
    bare = [line for line in asserts if not re.search(r',\s*f?"', line)]
    assert bare == [], f"{lesson}: asserts without a message: {bare}"


def _statements(source):
    """Top-level logical lines of a cell (continuation lines joined)."""
    out, current, depth = [], "", 0
    for line in source.splitlines():
        continued = line.rstrip().endswith("\\")
        current += line.strip().rstrip("\\") + " "
        depth += line.count("(") + line.count("[") - line.count(")") - line.count("]")
        if depth <= 0 and not continued:
            out.append(current.strip())
            current, depth = "", 0
    return out


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_hidden_test_cell_says_what_it_is(lesson):
    hidden = [cell for cell in read("notebooks", lesson).cells if meta(cell).get("grade_id", "").endswith("_hidden")]
    assert hidden
    for cell in hidden:
        assert cell.source.startswith(HIDDEN_NOTE), f"{lesson}/{meta(cell)['grade_id']}: {cell.source!r}"
