"""The mistake catalogue: well-formed entries, each one losing points and getting its own message."""

import ast
import inspect

import numpy as np
import pytest

import kmeans_ref
from autograder import EXERCISES, POINTS, mistakes, run_check

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
