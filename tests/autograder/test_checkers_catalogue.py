"""The mistake catalogue: well-formed entries, each one losing points and getting its own message.

Each exercise's baseline (its correct solution) earns every point; each variant is a real edit
of it, applied exactly once, that changes what the function returns.
"""

import ast
import inspect
import re

import numpy as np
import pytest

import kmeans_ref
from autograder import EXERCISES, POINTS, exercises, mistakes, run_check

ALL = mistakes.all_mistakes()
IDS = [m.id for m in ALL]


def test_catalogue_is_large_and_covers_every_exercise():
    assert len(ALL) >= 40
    assert len(set(IDS)) == len(IDS)
    per_exercise = {name: len(mistakes.for_exercise(name)) for name in EXERCISES}
    assert all(n >= 3 for n in per_exercise.values()), per_exercise
    assert {m.exercise for m in ALL} <= set(EXERCISES)


@pytest.mark.parametrize("m", ALL, ids=IDS)
def test_entry_is_a_standalone_numpy_function_with_the_curriculum_signature(m):
    tree = ast.parse(m.source)
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(node) for node in imports] == ["import numpy as np"]
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert [d.name for d in defs] == [m.exercise]
    assert len(tree.body) == 2  # the import and the function, nothing else
    expected = inspect.signature(getattr(kmeans_ref, m.exercise))
    assert inspect.signature(m.function) == expected
    assert m.signature.startswith(f"def {m.exercise}(") and m.signature.endswith(":")
    assert m.id.startswith(m.exercise + ".") and m.slug.replace("_", "").isalnum()
    # the body pastes under the notebook's own def line
    assert all(line.startswith("    ") or not line for line in m.body.splitlines())
    assert inspect.getsource(m.function) == m.source.split("\n\n\n", 1)[1]
    assert m.message and m.message[0].isupper() and "  " not in m.message


VARIANTS = [m for m in ALL if m.edits]
FULL = [m for m in ALL if not m.edits]


def _compiled(source, name):
    namespace = {}
    exec(compile(source, f"<baseline {name}>", "exec"), namespace)
    return namespace[name]


def test_every_exercise_has_one_baseline_and_most_mistakes_are_edits_of_it():
    assert list(mistakes.BASELINES) == list(EXERCISES)
    assert all(m.baseline == mistakes.baseline_of(m.exercise) for m in VARIANTS)
    # a full copy is the exception (a different structure altogether), not the rule
    assert len(VARIANTS) >= 4 * len(FULL), (len(VARIANTS), len(FULL))


@pytest.mark.parametrize("name", list(EXERCISES))
def test_baseline_earns_every_point(name):
    fn = _compiled(mistakes.baseline_of(name), name)
    for hidden in (False, True):
        result = run_check(name, fn, hidden=hidden)
        assert result.score == result.possible, result.summary()


@pytest.mark.parametrize("m", VARIANTS, ids=[m.id for m in VARIANTS])
def test_each_edit_applies_exactly_once_and_changes_behaviour(m):
    assert 1 <= len(m.edits) <= 3
    for old, new in m.edits:
        assert m.baseline.count(old) == 1, f"{m.id}: {old!r} occurs {m.baseline.count(old)} times"
        assert old != new
    assert m.source != m.baseline
    exercise = exercises.get(m.exercise).checker
    from autograder.checks.secret import hidden_rng

    cases = exercise.visible_cases() + exercise.cases(True, hidden_rng(m.exercise, None))
    calls = exercise.evaluate(m.function, cases)
    assert calls and not all(call.ok for call in calls), f"{m.id} behaves like the reference on every case"


def test_an_edit_that_does_not_match_exactly_once_is_refused():
    base = mistakes.baseline("def f(x):\n    return x + x\n")
    with pytest.raises(ValueError, match="exactly once"):
        mistakes.variant(base, ("x", "y")).apply()
    with pytest.raises(ValueError, match="exactly once"):
        mistakes.variant(base, ("x * x", "x")).apply()
    assert mistakes.variant(base, ("x + x", "2 * x")).apply() == "def f(x):\n    return 2 * x\n"


@pytest.mark.parametrize("m", FULL, ids=[m.id for m in FULL])
def test_a_full_copy_says_why_it_is_not_an_edit(m):
    text = "".join(inspect.getsource(mod) for mod in _lesson_modules())
    entry = text.split(f'"{m.id}",', 1)[1].split("mistake(", 1)[0]
    assert re.search(r"\n\s+# .*different structure", entry), f"{m.id}: no comment says why it is a full copy"


def _lesson_modules():
    from autograder.mistakes import applications, gradient, kmedians, labels, lloyd, loss
    from autograder.mistakes import soft

    return [labels, loss, lloyd, kmedians, gradient, applications, soft]


def test_an_edit_that_empties_a_loop_says_what_it_stands_for():
    text = "".join(inspect.getsource(mod) for mod in _lesson_modules())
    assert "range(0)" in text
    for entry in text.split("mistake(")[1:]:
        if "range(0)" in entry:
            assert re.search(r"# range\(0\): .+", entry), entry[:200]


def _check_mistake(m, hidden, secret=None):
    result = run_check(m.exercise, m.function, hidden=hidden, secret=secret)
    possible = POINTS[m.exercise][1 if hidden else 0]
    assert result.possible == possible
    assert result.score < possible, f"{m.id} was not caught:\n{result.summary()}"
    assert result.mistakes and result.mistakes[0] == m.id, (
        f"{m.id} diagnosed as {result.mistakes}:\n{result.summary()}")
    assert result.diagnosis[0].startswith(m.message)
    return result


@pytest.mark.parametrize("m", ALL, ids=IDS)
def test_visible_check_names_the_mistake(m, capfd):
    _check_mistake(m, hidden=False)
    assert capfd.readouterr() == ("", "")  # nothing reaches stdout or stderr (nbgrader zeroes stderr)


@pytest.mark.parametrize("m", ALL, ids=IDS)
def test_hidden_check_names_the_mistake(m):
    _check_mistake(m, hidden=True)


@pytest.mark.parametrize("m", ALL[::7], ids=IDS[::7])
def test_hidden_check_names_the_mistake_for_another_secret(m):
    _check_mistake(m, hidden=True, secret="another term's secret")


def test_a_student_with_two_mistakes_gets_both_messages():
    # transposed AND no validation of the labels: two catalogue entries explain it together
    def one_hot(z, k):
        Y = np.zeros((len(z), k))
        Y[np.arange(len(z)), z] = 1
        return Y

    result = run_check("one_hot", one_hot)
    assert result.mistakes[:2] == ["one_hot.transposed", "one_hot.no_validation"]
    assert result.score == 0


def test_unknown_mistakes_get_a_precise_generic_message():
    def sq_distances(X, M):  # cubes: in no catalogue
        return (np.abs(X[:, None, :] - M[:, :, None]) ** 3).sum(axis=0)

    result = run_check("sq_distances", sq_distances)
    assert result.mistakes == []
    text = result.diagnosis[0]
    # the smallest failing visible case: d = 1, X = [[0, 3, -1, 4]], M = [[1, 2]]
    assert text.startswith('On the smallest failing case "d = 1"')
    assert "X = [[ 0.,  3., -1.,  4.]]" in text and "M = [[1., 2.]]" in text
    # |0 - 1|^2 = 1 expected, |0 - 1|^3 = 1 too; first difference at [0, 1]: |3 - 1|^2 = 4 vs 8
    assert "first at [0, 1]: expected 4, got 8" in text
