"""Where hidden test cases come from: the course secret.

Hidden cases are *drawn at grading time* from a random generator seeded by the
course secret and the exercise name, so reading the installed autograder shows
how cases are built (sizes, ties, empty clusters, ...) but never which numbers a
grading run uses.

- The TA sets the secret outside the repository, in the environment variable
  ``KMEANS_COURSE_SECRET`` (any string; change it every term).
- When it is unset (students working on their own machine, the test suite), a
  fixed development secret is used silently, so everything still runs.
- The same secret always gives the same cases: grading is reproducible.

>>> a = hidden_rng("assign", "term-2031").integers(1000, size=3)
>>> b = hidden_rng("assign", "term-2031").integers(1000, size=3)
>>> bool((a == b).all())
True
>>> fingerprint("term-2031") == fingerprint("term-2032")
False
"""

import hashlib
import os

import numpy as np

__all__ = ["ENV_VAR", "course_secret", "is_development_secret", "hidden_rng", "fingerprint"]

ENV_VAR = "KMEANS_COURSE_SECRET"

# Used when no secret is configured. It is public, so hidden cases drawn from it are
# only "hidden" from people who do not read this file: set KMEANS_COURSE_SECRET to grade.
_DEVELOPMENT_SECRET = "kmeans-course development secret (set KMEANS_COURSE_SECRET to grade)"

# Bump when the way cases are drawn changes, so old and new cases never coincide by accident.
_SCHEME = "kmeans-course/hidden-cases/v1"


def course_secret(secret=None):
    """The secret in force: ``secret`` if given, else the environment, else the development one."""
    if secret is not None:
        return str(secret)
    value = os.environ.get(ENV_VAR, "")
    return value if value.strip() else _DEVELOPMENT_SECRET


def is_development_secret(secret=None):
    """True when no course secret is configured (the public development secret is in use)."""
    return course_secret(secret) == _DEVELOPMENT_SECRET


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8"))
        h.update(b"\x00")
    return h.digest()


def hidden_rng(exercise, secret=None, purpose="cases"):
    """A ``numpy.random.Generator`` for one exercise, fixed by the secret.

    Different exercises and purposes get independent streams; the secret cannot be
    recovered from the numbers drawn (they pass through SHA-256).
    """
    seed = int.from_bytes(_digest(_SCHEME, exercise, purpose, course_secret(secret)), "big")
    return np.random.Generator(np.random.PCG64(seed))


def fingerprint(secret=None):
    """Eight hex digits that identify the secret in reports without revealing it."""
    return _digest(_SCHEME, "fingerprint", course_secret(secret)).hex()[:8]
