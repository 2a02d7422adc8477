"""Vectorisation is graded: a loop over the observations loses exactly its share, in the kernel and the clean room.

The detector counts the lines of the student's own code executed at N and 4N observations
(autograder.checks.vectorised): deterministic, so a loaded machine cannot change a score.
"""

import copy
import json

import numpy as np
import pytest

import kmeans_ref
from autograder import POINTS, exercises, mistakes, run_check
from autograder.checks.vectorised import SIZES, Probe, xm_inputs
from checker_alternatives import ALTERNATIVES

GRADED = {"sq_distances": "02-loss", "l1_distances": "04-kmedians"}
SHARE = 0.25


def loop_mistake(name):
    return mistakes.get(f"{name}.loop_over_observations")


def comprehension(X, M):
    return np.array([((X[:, [i]] - M) ** 2).sum(axis=0) for i in range(X.shape[1])]).T


def apply_along(X, M):
    return np.apply_along_axis(lambda x: ((x[:, None] - M) ** 2).sum(axis=0), 0, X)


def loop_over_centroids(X, M):
    D = np.zeros((M.shape[1], X.shape[1]))
    for j in range(M.shape[1]):
        D[j] = ((X - M[:, [j]]) ** 2).sum(axis=0)
    return D


def _baseline(name):
    namespace = {}
    exec(compile(mistakes.baseline_of(name), f"<baseline {name}>", "exec"), namespace)
    return namespace[name]


def test_only_the_announced_exercises_grade_vectorisation():
    graded = [e.name for e in exercises.EXERCISES if e.checker.vectorised_share]
    assert graded == list(GRADED)
    assert all(exercises.get(name).checker.vectorised_share == SHARE for name in graded)


@pytest.mark.parametrize("fn", [comprehension, apply_along], ids=["comprehension", "apply_along_axis"])
def test_hidden_loops_over_the_observations_are_seen(fn):
    measure = Probe(xm_inputs).measure(fn)
    assert measure.grows
    assert measure.large - measure.small >= 3 * SIZES[0]


@pytest.mark.parametrize("fn", [loop_over_centroids, kmeans_ref.sq_distances, kmeans_ref.l1_distances,
                                lambda X, M: (X ** 2).sum(0) - 2 * M.T @ X + (M ** 2).sum(0)[:, None]],
                         ids=["loop over centroids", "reference sq", "reference l1", "expansion"])
def test_vectorised_code_and_loops_over_centroids_are_not_flagged(fn):
    measure = Probe(xm_inputs).measure(fn)
    assert measure is not None and not measure.grows
    assert measure.large == measure.small  # the same lines whatever N


def test_the_count_does_not_depend_on_the_machine_load():
    first, second = Probe(xm_inputs).measure(comprehension), Probe(xm_inputs).measure(comprehension)
    assert (first.small, first.large) == (second.small, second.large)


@pytest.mark.parametrize("name", list(GRADED))
@pytest.mark.parametrize("hidden", [False, True])
def test_a_correct_loop_loses_exactly_the_vectorisation_share_with_a_message(name, hidden):
    m = loop_mistake(name)
    result = run_check(name, m.function, hidden=hidden)
    possible = POINTS[name][hidden]
    assert result.score == possible * (1 - SHARE)
    assert result.failed == ["vectorised (no Python loop over the observations)"]
    assert result.mistakes == [m.id]
    assert result.diagnosis[0].startswith(m.message)
    assert f"worth {SHARE * possible:g} of this check's {possible:g} point" in result.diagnosis[0]
    assert f"N = {SIZES[0]}" in result.diagnosis[0]


@pytest.mark.parametrize("name", list(GRADED))
def test_the_reference_and_every_honest_alternative_keep_full_marks(name):
    candidates = [getattr(kmeans_ref, name), ALTERNATIVES[name], _baseline(name)]
    assert len(candidates) >= 2
    for fn in candidates:
        for hidden in (False, True):
            result = run_check(name, fn, hidden=hidden)
            assert result.score == result.possible, result.summary()
            assert "vectorised (no Python loop over the observations)" in result.passed


def test_a_wrong_vectorised_function_earns_nothing_for_being_vectorised(monkeypatch):
    def constant(X, M):
        return np.zeros((M.shape[1], X.shape[1])) + 7.0

    graded = run_check("sq_distances", constant)
    assert "vectorised (no Python loop over the observations)" in graded.passed
    monkeypatch.setattr(exercises.get("sq_distances").checker, "vectorised_share", 0.0)
    ungraded = run_check("sq_distances", constant)
    assert graded.score == ungraded.score < graded.possible  # only type and "unchanged" credit


@pytest.mark.parametrize("name", list(GRADED))
def test_the_clean_room_takes_the_same_points_with_the_same_message(tmp_path, name):
    from autograder.grading.cleanroom import SOLUTIONS, grade_notebook

    lesson = GRADED[name]
    nb = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text())
    nb = copy.deepcopy(nb)
    m = loop_mistake(name)
    cells = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name]
    assert len(cells) == 1
    cells[0]["source"] = m.source
    path = tmp_path / f"{lesson}.ipynb"
    path.write_text(json.dumps(nb))
    report = grade_notebook(path, lesson)
    assert report.status == "graded"
    for hidden in (False, True):
        score = report.scores[f"test_{name}" + ("_hidden" if hidden else "")]
        assert score.score == POINTS[name][hidden] * (1 - SHARE), score.diagnosis
        assert m.message in " ".join(score.diagnosis.split())
    others = [s for s in report.scores.values() if s.exercise != name]
    assert others and all(s.score == s.possible for s in others)
