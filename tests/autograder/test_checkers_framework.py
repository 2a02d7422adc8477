"""The checking machinery: hand-computed cases, scoring, hostile outputs, secrets, messages, speed."""

import inspect
import json
import subprocess
import sys

import numpy as np
import pytest

import kmeans_ref
from autograder import EXERCISES, POINTS, CheckFailed, CheckResult, check, checks, exercises, run_check
from autograder.checks import applications, kmedians, lloyd
from autograder.checks.loss import HAND_M, HAND_X
from autograder.checks.results import round_score
from autograder.checks.secret import ENV_VAR, course_secret, fingerprint, hidden_rng, is_development_secret


# --------------------------------------------------------------------------- the agreed tables
def test_points_and_exercises_follow_the_agreed_table():
    # the table of docs/curriculum.md: exercise -> (visible, hidden)
    assert POINTS == {
        "one_hot": (1, 1), "labels_from_one_hot": (1, 1), "is_label_matrix": (1, 1), "reconstruct": (1, 1),
        "sq_distances": (2, 1), "kmeans_loss": (1, 1), "min_form_loss": (1, 1),
        "assign": (1, 1), "update_means": (2, 1), "lloyd": (2, 2),
        "l1_distances": (1, 1), "assign_l1": (1, 1), "l1_loss": (1, 1), "update_medians": (2, 1), "kmedians": (2, 1),
        "loss_gradient": (2, 1), "numerical_gradient": (1, 1), "gradient_descent": (2, 1), "minibatch_step": (2, 1),
        "kmeans_plus_plus": (2, 1), "quantize": (2, 1), "silhouette_scores": (2, 1),
        "soft_assign": (2, 1), "soft_update": (1, 1), "em_isotropic": (2, 2),
    }
    assert list(EXERCISES) == list(POINTS) == exercises.names()
    for name, exercise in EXERCISES.items():
        assert exercise is exercises.get(name) and exercise.name == name
        assert exercise.signature.startswith(name + "(")
        params = exercise.signature[len(name) + 1:-1]
        assert inspect.signature(eval(f"lambda {params}: 0")) == inspect.signature(getattr(kmeans_ref, name))


# --------------------------------------------------------------------------- the registry
def test_registry_finds_checker_reference_points_and_mistakes_of_every_exercise():
    assert exercises.names() and exercises.lessons() == [
        "01-labels", "02-loss", "03-lloyd", "04-kmedians", "05-gradient-descent", "06-applications",
        "07-soft-clustering"]
    for exercise in exercises.EXERCISES:
        assert exercise.checker.name == exercise.name
        assert isinstance(exercise.checker, checks.Checker)
        assert exercise.reference is getattr(kmeans_ref, exercise.name)
        assert exercise.mistakes and all(m.exercise == exercise.name for m in exercise.mistakes)
        assert (exercise.possible(False), exercise.possible(True)) == exercise.points
        assert exercise in exercises.of_lesson(exercise.lesson)
    # every exercise in exactly one lesson, in course order
    by_lesson = [e for lesson in exercises.lessons() for e in exercises.of_lesson(lesson)]
    assert by_lesson == list(exercises.EXERCISES)
    assert exercises.of_lesson("07-no-such-lesson") == []


def test_registry_records_are_frozen():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        exercises.get("assign").points = (5, 5)


@pytest.mark.parametrize("bad", ["asign", "", None, ["assign"]])
def test_unknown_exercise_names_are_refused_with_the_known_ones(bad):
    with pytest.raises(ValueError, match="unknown exercise .*expected one of: one_hot, labels_from_one_hot"):
        exercises.get(bad)
    with pytest.raises(ValueError, match="unknown exercise"):
        run_check(bad, lambda X, M: X)


def test_the_catalogue_loads_on_first_use_not_at_import():
    code = ("import sys, autograder; from autograder import exercises; ex = exercises.get('assign'); "
            "ex.checker; ex.reference; before = 'autograder.mistakes' in sys.modules; ex.mistakes; "
            "print(before, 'autograder.mistakes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_no_two_classes_of_the_grader_share_a_name():
    import ast
    from pathlib import Path

    root = Path(exercises.__file__).parent
    names = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names.setdefault(node.name, []).append(str(path.relative_to(root)))
    assert "Exercise" in names and "Checker" in names
    assert names["Exercise"] == ["exercises.py"], names["Exercise"]


def test_import_is_light():
    code = ("import sys, autograder; bad = [m for m in ('scipy', 'sklearn', 'matplotlib', 'pandas', 'IPython') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- hand-computed cases
def test_documented_hand_case_of_lesson_02():
    # X columns (0,0),(1,0),(4,3),(5,3),(9,0); centroids (1,1),(4,2),(9,1): e.g. (4-1)^2 + (3-1)^2 = 13
    D = np.array([[2, 1, 13, 20, 65], [20, 13, 1, 2, 29], [82, 65, 29, 20, 1]])
    np.testing.assert_array_equal(kmeans_ref.sq_distances(HAND_X, HAND_M), D)
    assert kmeans_ref.min_form_loss(HAND_X, HAND_M) == 2 + 1 + 1 + 2 + 1
    Y = kmeans_ref.one_hot([0, 1, 1, 2, 0], 3)
    assert kmeans_ref.kmeans_loss(HAND_X, Y, HAND_M) == 2 + 13 + 1 + 20 + 65
    L1 = np.array([[2, 1, 5, 6, 9], [6, 5, 1, 2, 7], [10, 9, 7, 6, 1]])
    np.testing.assert_array_equal(kmeans_ref.l1_distances(HAND_X, HAND_M), L1)
    # labels [0,1,1,2,0]: m0 = mean{(0,0),(9,0)}, m1 = mean{(1,0),(4,3)}, m2 = (5,3)
    np.testing.assert_array_equal(kmeans_ref.update_means(HAND_X, Y, HAND_M), [[4.5, 2.5, 5], [0, 1.5, 3]])
    # nearest labels [0,0,1,1,2]: 2*((1,1)+(0,1)), 2*((0,-1)+(-1,-1)), 2*(0,1)
    np.testing.assert_array_equal(kmeans_ref.loss_gradient(HAND_X, HAND_M), [[2, -2, 0], [4, -4, 2]])


def test_documented_gradient_descent_case():
    # X = [0, 1, 4, 5, 9], M0 = (1, 6), lr = 0.1: the gradient of m1 = 6 is 2 * (2 + 1 - 3) = 0, so it stays;
    # m0: 1 -> 1 - 0.1 * 2 * (1 + 0) = 0.8 -> 0.8 - 0.1 * 2 * (0.8 - 0.2) = 0.68 -> 0.68 - 0.1 * 2 * 0.36 = 0.608
    M, losses = kmeans_ref.gradient_descent(np.array([[0.0, 1, 4, 5, 9]]), np.array([[1.0, 6]]), 0.1, 3)
    np.testing.assert_allclose(M, [[0.608, 6.0]])
    assert losses[0] == 1 + 0 + 4 + 1 + 9


def test_exact_kmeans_plus_plus_distribution_by_hand():
    # points 0, 1, 3 on a line, k = 2. First pick uniform (1/3 each); then D^2:
    # from 0: D^2 = (0, 1, 9) -> 0.1, 0.9; from 1: (1, 0, 4) -> 0.2, 0.8; from 3: (9, 4, 0) -> 9/13, 4/13
    probs = applications.exact_kpp_distribution(np.array([[0.0, 1, 3]]), 2, [0, 1, 2])
    expected = {(0, 1): 0.1 / 3, (0, 2): 0.9 / 3, (1, 0): 0.2 / 3, (1, 2): 0.8 / 3,
                (2, 0): 9 / 13 / 3, (2, 1): 4 / 13 / 3}
    assert probs.keys() == expected.keys()
    for key, p in expected.items():
        assert probs[key] == pytest.approx(p)


def test_chi_square_threshold_matches_the_exact_quantile():
    scipy_stats = pytest.importorskip("scipy.stats")
    # Wilson-Hilferty errs on the safe side: a correct function fails with probability below 1e-6
    for df in (1, 3, 8, 15, 30):
        exact = scipy_stats.chi2.isf(1e-6, df)
        approx = applications.chi2_critical(df)
        assert exact <= approx <= 1.15 * exact
        assert 1e-8 < scipy_stats.chi2.sf(approx, df) <= 1e-6


def test_partial_credit_right_shape_wrong_values():
    # one_hot returning zeros of the right shape: type (0.15) and "unchanged" (0.1) pass, the
    # value groups (0.65) and the ValueError check (0.1) fail: 0.25 of 1 point -> 0.25.
    def one_hot(z, k):
        return np.zeros((k, len(z)))

    result = run_check("one_hot", one_hot)
    assert result.score == 0.25
    assert result.passed == ["returns the right type and shape", "leaves its inputs unchanged"]
    assert result.diagnosis and result.mistakes == []


def test_round_score_floors_to_quarter_points():
    assert round_score(1.0, 2) == 2.0
    assert round_score(0.999, 2) == 1.75
    assert round_score(0.5, 1) == 0.5
    assert round_score(0.24, 1) == 0.0
    assert round_score(0.0, 2) == 0.0


# --------------------------------------------------------------------------- hostile or broken functions
class Liar:
    """Equal to everything."""

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros((3, 5))


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


def test_an_object_that_equals_everything_earns_nothing():
    result = run_check("sq_distances", lambda X, M: Liar())
    assert result.score == 0
    assert "returned an object of type Liar" in result.summary()
    result = run_check("is_label_matrix", lambda Y: Liar())
    assert result.score == 0


def test_an_ndarray_subclass_loses_the_type_credit_but_its_values_are_judged():
    result = run_check("sq_distances", lambda X, M: kmeans_ref.sq_distances(X, M).view(LyingArray))
    assert 0 < result.score < result.possible
    assert "subclass of ndarray" in result.summary()
    wrong = run_check("sq_distances", lambda X, M: np.zeros((M.shape[1], X.shape[1])).view(LyingArray))
    assert wrong.score < result.score


def test_a_list_of_objects_is_rejected_and_a_list_of_numbers_loses_the_type_credit():
    objects = run_check("labels_from_one_hot", lambda Y: [Liar() for _ in range(Y.shape[1])])
    assert objects.score == 0
    numbers = run_check("labels_from_one_hot", lambda Y: [int(i) for i in np.argmax(Y, axis=0)])
    assert 0 < numbers.score < numbers.possible
    assert "Python list" in numbers.summary()


def test_a_one_by_one_array_for_a_loss_is_a_type_problem_only():
    result = run_check("kmeans_loss", lambda X, Y, M: np.array([[kmeans_ref.kmeans_loss(X, Y, M)]]))
    assert 0 < result.score < 1
    assert "shape (1, 1)" in result.summary()


def test_faults_of_the_function_never_escape_and_never_reach_stderr(capfd):
    def raises(X, M):
        raise ZeroDivisionError("boom")

    def exits(X, M):
        sys.exit(3)

    def prints(X, M):
        print("debugging")
        print("to stderr", file=sys.stderr)
        import warnings
        warnings.warn("careful")
        return np.log(np.zeros((M.shape[1], X.shape[1])) - 1)  # NaN with a RuntimeWarning

    def forgets_return(X, M):
        kmeans_ref.sq_distances(X, M)

    for fn in (raises, exits, prints, forgets_return, 42):
        result = run_check("sq_distances", fn)
        assert result.score == (0.5 if fn is prints else 0)  # NaN of the right shape: type + unchanged
        assert result.diagnosis
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "ZeroDivisionError: boom" in run_check("sq_distances", raises).summary()
    assert "line" in run_check("sq_distances", raises).summary()  # where in the student's code
    assert "missing" in run_check("sq_distances", forgets_return).summary()
    assert "is not a function" in run_check("sq_distances", 42).summary()
    assert "remove debugging prints" in run_check("sq_distances", prints).summary()


def test_not_implemented_gets_its_own_message():
    def assign(X, M):
        raise NotImplementedError()

    result = run_check("assign", assign)
    assert result.score == 0 and "not implemented yet" in result.diagnosis[0]


def test_mutating_the_input_costs_points_and_is_reported():
    def update_means(X, Y, M_prev):
        M_prev[:] = kmeans_ref.update_means(X, Y, M_prev)  # right values, written into the input
        return M_prev.copy()

    result = run_check("update_means", update_means)
    assert result.score < result.possible
    assert "leaves its inputs unchanged" in result.failed
    assert "M_prev" in result.summary()


# --------------------------------------------------------------------------- check() in a notebook
def test_check_returns_the_score_as_its_repr_and_raises_at_zero():
    result = check("one_hot", kmeans_ref.one_hot)
    assert isinstance(result, CheckResult) and repr(result) == "1" and float(repr(result)) == 1.0
    partial = check("one_hot", lambda z, k: np.zeros((k, len(z))))
    assert repr(partial) == "0.25"
    with pytest.raises(CheckFailed) as info:
        check("one_hot", lambda z, k: None)
    assert isinstance(info.value, AssertionError)
    assert "one_hot: 0 / 1 points" in str(info.value) and "`return`" in str(info.value)
    assert info.value.result.score == 0


def test_results_serialise_and_escape_html():
    def assign(X, M):
        raise ValueError("<script>alert(1)</script>")

    result = run_check("assign", assign)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["name"] == "assign" and data["score"] == 0 and data["failed"]
    assert "<script>" not in result._repr_html_() and "&lt;script&gt;" in result._repr_html_()
    good = run_check("assign", kmeans_ref.assign)
    assert "&#10003;" in good._repr_html_() and good.to_dict()["passed"]


def test_unknown_exercise_is_a_caller_error():
    with pytest.raises(ValueError, match="unknown exercise"):
        run_check("kmeans", kmeans_ref.assign)


# --------------------------------------------------------------------------- secrets and hidden cases
def test_secret_comes_from_the_environment_else_the_development_secret(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert is_development_secret()
    monkeypatch.setenv(ENV_VAR, "   ")
    assert is_development_secret()
    monkeypatch.setenv(ENV_VAR, "spring term")
    assert course_secret() == "spring term" and not is_development_secret()
    assert course_secret("explicit") == "explicit"
    assert fingerprint() == fingerprint("spring term") != fingerprint("autumn term")
    a = hidden_rng("assign").integers(10**9, size=4)
    b = hidden_rng("assign", "spring term").integers(10**9, size=4)
    c = hidden_rng("assign", "autumn term").integers(10**9, size=4)
    assert (a == b).all() and not (a == c).all()


def _hidden_arrays(name, secret):
    ex = exercises.get(name).checker
    cases = ex.cases(True, hidden_rng(name, secret))
    return [a for c in cases for a in c.args if isinstance(a, np.ndarray)]


@pytest.mark.parametrize("name", list(EXERCISES))
def test_hidden_cases_are_deterministic_per_secret_and_change_with_it(name):
    a, b, c = (_hidden_arrays(name, s) for s in ("s", "s", "t"))
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len(a) != len(c) or not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, c))


def test_checks_are_deterministic_for_a_given_secret():
    from autograder import mistakes

    for m in [mistakes.get("kmeans_plus_plus.global_rng"), mistakes.get("lloyd.stop_on_M"),
              mistakes.get("quantize.seeding_only")]:
        for hidden in (False, True):
            r1 = run_check(m.exercise, m.function, hidden=hidden, secret="x").to_dict()
            r2 = run_check(m.exercise, m.function, hidden=hidden, secret="x").to_dict()
            r1.pop("seconds"), r2.pop("seconds")
            assert r1 == r2


def test_hidden_feedback_shows_neither_inputs_nor_exception_messages():
    seen = {}

    def sq_distances(X, M):
        seen.setdefault("X", X.copy())
        raise ValueError(f"X was {X.tolist()}")

    hidden = run_check("sq_distances", sq_distances, hidden=True, secret="s").summary()
    leaked = str(seen["X"].tolist())[:12]  # the start of the hidden data, as the message would show it
    assert leaked not in hidden and "X =" not in hidden and "expected:" not in hidden
    assert "raised ValueError" in hidden
    visible = run_check("sq_distances", sq_distances).summary()
    assert "X was [[0.0, 3.0, -1.0, 4.0]]" in visible  # visible cases are public: the full message helps

    def wrong(X, M):
        return kmeans_ref.sq_distances(X, M) + 1

    text = run_check("sq_distances", wrong, hidden=True, secret="s").summary()
    assert "got:" not in text and "expected:" not in text and "[[" not in text
    assert run_check("sq_distances", wrong, hidden=True, secret="s").secret_id == fingerprint("s")


# --------------------------------------------------------------------------- the visible cases are sound
def test_random_visible_cases_have_distinct_sizes():
    for name in ("sq_distances", "min_form_loss", "assign", "loss_gradient"):
        random_cases = [c for c in exercises.get(name).checker.visible_cases() if c.group == "random"]
        assert random_cases, f"{name} has no random visible case"
        for case in random_cases:
            (d, N), (_, k) = case.args[0].shape, case.args[1].shape
            assert len({d, N, k}) == 3, (name, case.label)


def test_visible_loop_cases_avoid_near_ties():
    for case in exercises.get("lloyd").checker.visible_cases():
        X, M0, max_iter = case.args
        # exact ties at the start are allowed on integer data (every method computes them exactly)
        assert lloyd.min_gap(X, M0, max_iter, skip_first=(case.group == "ties")) > 1e-6, case.label
    for case in exercises.get("kmedians").checker.visible_cases():
        X, M0, max_iter = case.args
        assert kmedians.acceptable_kmedians_start(case.group, X, M0, max_iter), case.label


def test_every_visible_case_of_loops_runs_the_reference_to_the_documented_end():
    # the chain case needs 4 updates, so max_iter = 1 and 2 stop it early
    hand, one, two = exercises.get("lloyd").checker.visible_cases()[:3]
    assert len(kmeans_ref.lloyd(*hand.args)[2]) == 4
    assert len(kmeans_ref.lloyd(*one.args)[2]) == 1 and len(kmeans_ref.lloyd(*two.args)[2]) == 2


# --------------------------------------------------------------------------- speed
@pytest.mark.parametrize("name", list(EXERCISES))
def test_visible_check_is_fast(name):
    # CPU time (not wall time, which other processes inflate), cold: first check in a fresh process
    code = ("import time, kmeans_ref, autograder; t = time.process_time(); "
            f"r = autograder.run_check({name!r}, kmeans_ref.{name}); "
            "print(r.score == r.possible, time.process_time() - t)")
    ok, seconds = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout.split()
    assert ok == "True"
    assert float(seconds) < 0.5  # typically 0.01 to 0.15 s
