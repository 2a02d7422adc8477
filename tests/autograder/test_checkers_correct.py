"""Correct functions get full marks: the reference and differently written implementations."""

import pytest

import kmeans_ref
from autograder import EXERCISES, POINTS, run_check

from checker_alternatives import ALTERNATIVES, EXTRA

NAMES = list(EXERCISES)
SECRETS = [None, "term one", "term two"]


def _full(name, fn, hidden, secret=None):
    result = run_check(name, fn, hidden=hidden, secret=secret)
    assert result.score == result.possible == POINTS[name][1 if hidden else 0], result.summary()
    assert result.full_marks and not result.failed and not result.diagnosis and not result.mistakes
    return result


@pytest.mark.parametrize("name", NAMES)
def test_reference_gets_full_marks(name):
    fn = getattr(kmeans_ref, name)
    result = _full(name, fn, hidden=False)
    assert any("kmeans_ref" in flag for flag in result.flags)  # noted for the integrity report
    for secret in SECRETS:
        _full(name, fn, hidden=True, secret=secret)


@pytest.mark.parametrize("name", NAMES)
def test_differently_written_implementations_get_full_marks(name):
    for fn in [ALTERNATIVES[name]] + EXTRA.get(name, []):
        assert _full(name, fn, hidden=False).flags == []
        for secret in SECRETS:
            _full(name, fn, hidden=True, secret=secret)


def test_every_exercise_has_an_alternative():
    assert set(ALTERNATIVES) == set(EXERCISES)
