"""A post-grading hook for the tests (imported by name in the grading workers)."""
from autograder.grading.autograde import PostGradeResult


def halve_add(autograded, submission):
    """Halve test_add when graded; score a notebook nbgrader could not grade as all zeros."""
    if autograded is None:
        return PostGradeResult(overrides={gid: 0.0 for gid in submission.max_scores if gid.startswith("test_")})
    if submission.scores.get("test_add") is None:
        return None
    return PostGradeResult(overrides={"test_add": submission.scores["test_add"] / 2},
                           flags=[{"code": "halved", "message": "add halved by the test hook", "cell": "test_add"}],
                           diagnoses={"test_add": "halved on purpose"})
