"""The six lessons: structure of the sources, the generated student versions, and the nbgrader round trip.

The slow tests execute the real notebooks through stock nbgrader in a scratch course:
the instructor's solution, submitted as is, must earn every autograded point with no
error in any cell; the untouched student version must earn none and still grade cleanly.
"""
import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from autograder import exercises
from lessonkit import LESSONS, ROOT, nbgrader

SOLUTION_BEGIN = "### BEGIN SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


def source(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)


def student(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / lesson / f"{lesson}.ipynb", as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb) -> dict:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if "grade_id" in nbgrader_meta(c)}


def exercises_of(lesson: str) -> list[str]:
    return [exercise.name for exercise in exercises.of_lesson(lesson)]


def test_every_lesson_has_a_source_and_a_student_version():
    for lesson in LESSONS:
        assert (ROOT / "solutions" / lesson / f"{lesson}.ipynb").is_file(), lesson
        assert (ROOT / "notebooks" / lesson / f"{lesson}.ipynb").is_file(), lesson
    # Every exercise of the registry belongs to one of the lessons (tests/autograder/test_curriculum.py
    # checks the registry against docs/curriculum.md, kmeans_ref and every check() call of the notebooks).
    assert set(exercises.lessons()) <= set(LESSONS)


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_notebooks_in_git_carry_no_outputs(folder, lesson):
    nb = nbformat.read(ROOT / folder / lesson / f"{lesson}.ipynb", as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{folder}/{lesson}: a code cell has outputs:\n{cell.source[:200]}"
            assert cell.execution_count is None


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_exercise_is_defined_in_exactly_one_solution_cell(lesson):
    nb = source(lesson)
    for name in exercises_of(lesson):
        defining = [c for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source]
        assert len(defining) == 1, f"{lesson}: {name} is defined in {len(defining)} cells"
        cell = defining[0]
        meta = nbgrader_meta(cell)
        assert meta.get("solution") is True and meta.get("grade") is False, f"{name}: not a solution cell"
        assert meta.get("grade_id") == name
        assert SOLUTION_BEGIN in cell.source
        # The signature stays visible to the student: it comes before the solution markers.
        assert cell.source.index(f"def {name}(") < cell.source.index(SOLUTION_BEGIN)


@pytest.mark.parametrize("lesson", LESSONS)
def test_test_cells_call_the_checkers_with_the_agreed_points(lesson):
    cells = cells_by_grade_id(source(lesson))
    for name in exercises_of(lesson):
        visible, hidden = exercises.get(name).points
        cell = cells[f"test_{name}"]
        meta = nbgrader_meta(cell)
        assert (meta["grade"], meta["locked"], meta["solution"]) == (True, True, False)
        assert float(meta["points"]) == visible, f"{name}: visible cell worth {meta['points']}, table says {visible}"
        assert cell.source.strip() == f'check("{name}", {name})'
        cell = cells[f"test_{name}_hidden"]
        meta = nbgrader_meta(cell)
        assert float(meta["points"]) == hidden, f"{name}: hidden cell worth {meta['points']}, table says {hidden}"
        assert HIDDEN_BEGIN in cell.source and f'check("{name}", {name}, hidden=True)' in cell.source


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_has_a_manually_graded_written_question(lesson):
    written = [
        c for c in source(lesson).cells
        if c.cell_type == "markdown" and nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
    ]
    assert written, f"{lesson}: no manually graded Markdown answer cell"
    assert all(float(nbgrader_meta(c)["points"]) > 0 for c in written)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_cell_has_slide_metadata(lesson):
    nb = source(lesson)
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert all(k in SLIDE_TYPES for k in kinds), f"{lesson}: cells without a slide type"
    assert kinds.count("slide") >= 3, f"{lesson}: a lecture deck needs several slides"


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_hides_solutions_and_hidden_tests(lesson):
    src, stu = source(lesson), student(lesson)
    stu_text = "\n".join(c.source for c in stu.cells)
    assert SOLUTION_BEGIN not in stu_text and HIDDEN_BEGIN not in stu_text
    assert "hidden=True" not in stu_text
    stu_cells = cells_by_grade_id(stu)
    for grade_id, cell in cells_by_grade_id(src).items():
        if not nbgrader_meta(cell).get("solution") or cell.cell_type != "code":
            continue
        body = cell.source.split(SOLUTION_BEGIN, 1)[1].split("### END SOLUTION", 1)[0]
        stub = stu_cells[grade_id].source
        assert "raise NotImplementedError()" in stub, f"{lesson}/{grade_id}: no stub"
        for line in body.splitlines():
            line = line.strip()
            if len(line) > 12 and not line.startswith("#"):
                assert line not in stub, f"{lesson}/{grade_id}: solution line leaked: {line}"


@pytest.mark.slow
def test_release_reproduces_the_committed_student_versions(scratch_course):
    for lesson in LESSONS:
        nbgrader(scratch_course, "generate_assignment", lesson, "--force")
    for lesson in LESSONS:
        made = (scratch_course / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes()
        committed = (ROOT / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes()
        assert made == committed, f"notebooks/{lesson} is stale: run `make release` and commit it"


def _autograded_cells(course: Path, student_id: str, lesson: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(lesson, lesson, student_id)
        return {g.name: (g.score, g.max_score) for g in sub.grades if g.auto_score is not None or g.cell_type == "code"}


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_autograde_gives_the_solution_full_marks_and_the_blank_version_zero(scratch_course, lesson):
    course = scratch_course
    nbgrader(course, "generate_assignment", lesson, "--force")
    for student_id, path in [
        ("instructor", course / "solutions" / lesson / f"{lesson}.ipynb"),
        ("blank", course / "notebooks" / lesson / f"{lesson}.ipynb"),
    ]:
        dest = course / "submitted" / student_id / lesson
        dest.mkdir(parents=True)
        shutil.copy(path, dest / f"{lesson}.ipynb")
    started = time.perf_counter()
    nbgrader(course, "autograde", lesson, "--student=instructor")
    seconds = time.perf_counter() - started
    nbgrader(course, "autograde", lesson, "--student=blank")

    graded = nbformat.read(course / "autograded" / "instructor" / lesson / f"{lesson}.ipynb", as_version=4)
    errors = [
        (c.source[:120], o.get("ename"), o.get("evalue"))
        for c in graded.cells if c.cell_type == "code"
        for o in c.outputs if o.output_type == "error"
    ]
    assert errors == [], f"{lesson}: the solution notebook raised in cells: {errors}"
    assert seconds < 90, f"{lesson}: grading the solution took {seconds:.0f} s"

    full = _autograded_cells(course, "instructor", lesson)
    blank = _autograded_cells(course, "blank", lesson)
    auto = [name for name in full if name.startswith("test_")]
    assert len(auto) == 2 * len(exercises_of(lesson))
    for name in auto:
        score, max_score = full[name]
        assert score == max_score > 0, f"{lesson}/{name}: solution got {score}/{max_score}"
        assert blank[name][0] == 0, f"{lesson}/{name}: untouched student version got {blank[name][0]}"


@pytest.mark.slow
def test_validate_fails_on_the_student_version_and_passes_on_the_solution(tmp_path):
    from nbgrader.validator import Validator

    lesson = LESSONS[0]
    for folder, expect_pass in [("solutions", True), ("notebooks", False)]:
        dest = tmp_path / folder
        dest.mkdir()
        shutil.copy(ROOT / folder / lesson / f"{lesson}.ipynb", dest)
        result = Validator().validate(str(dest / f"{lesson}.ipynb"))
        if expect_pass:
            assert result == {}, json.dumps(result)[:2000]
        else:
            assert result.get("failed"), "the untouched student version should fail validation"
            assert any("NotImplementedError" in f.get("raw_error", "") for f in result["failed"])
