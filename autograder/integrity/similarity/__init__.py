"""Similar submissions: evidence for the TA, never a score change.

Two questions, both answered from the solution cells' source without running it:

- ``similar_pairs``: which pairs of students wrote unusually alike code, exercise by
  exercise and over the whole assignment?
- ``reference_closeness``: whose code is close to ``kmeans_ref``'s own implementation of
  the same exercise?

The method is document fingerprinting by winnowing (Schleimer, Wilkerson and Aiken,
"Winnowing: local algorithms for document fingerprinting", SIGMOD 2003), the method
behind MOSS:

1. Normalise the source (the token grammar of :mod:`tokenize`, read by one regular
   expression, several times faster): comments, docstrings and blank lines go;
   identifiers become ``V``; literals become their kind (``NUM``, ``STR``); keywords,
   operators, builtins (``range``, ``len``), attribute names (``np.argmin``,
   ``X.shape``) and keyword-argument names (``axis=``) stay. Renaming variables,
   re-indenting, re-commenting and re-wrapping lines change nothing.
2. Hash every k-gram of normalised tokens (``k=5``) with a stable hash: each token
   through ``hashlib.blake2b``, the k-gram as a polynomial of its token hashes modulo
   2**64, then a 64-bit mixer. Python's ``hash()`` is salted per process and is not used.
3. Keep the minimum hash of every window of ``window`` consecutive k-gram hashes
   (rightmost on ties, and the previous choice again when it is still a minimum):
   any common run of at least ``window + k - 1`` tokens shares a fingerprint, and
   about ``2 / (window + 1)`` of the k-grams are kept.

Every token remembers its lines, so the evidence shows which lines match on each side.

What is not evidence: the skeleton every student starts from (signature, docstring,
given lines: pass the student version of the cell as ``baseline``), short solutions
(short correct answers are alike by nature), and, between students, fingerprints held by
a large part of the class (the idioms the lesson teaches).

Policy: nothing here changes a score. The class report lists the pairs and matches, and
the TA reads the evidence and decides.

Example
-------
>>> a = fingerprint("def f(X, M):\\n    D = X - M  # differences\\n    return (D ** 2).sum(axis=0)")
>>> b = fingerprint("def f(data, centres):\\n    diff = data - centres\\n    return (diff**2).sum(axis=0)")
>>> similarity(a, b)
1.0

Modules: ``fingerprints`` (steps 1 to 3), ``evidence`` (the results and the matching
lines), ``pairs`` (:func:`similar_pairs`), ``reference`` (:func:`reference_closeness`,
:func:`solution_cells`). The HTML is ``autograder.reporting``'s (``render_html`` here).
"""
from __future__ import annotations

# the private names are for the tests, which check the lexer and the skeleton alignment directly
from autograder.integrity.similarity.evidence import Evidence, Match, Pair, _prepare, _Skeleton
from autograder.integrity.similarity.fingerprints import (Fingerprint, _lex, containment, fingerprint, similarity,
                                                          winnow)
from autograder.integrity.similarity.pairs import similar_pairs
from autograder.integrity.similarity.reference import reference_closeness, reference_source, solution_cells

__all__ = ["Fingerprint", "Evidence", "Pair", "Match", "fingerprint", "winnow", "similarity",
           "containment", "similar_pairs", "reference_closeness", "reference_source", "solution_cells",
           "render_html"]


def render_html(pairs, matches) -> str:
    """An HTML fragment (two tables, side-by-side code, matching lines highlighted).

    Rendered by the reporting templates (``autograder/reporting/templates/similarity.html``),
    which escape every student name and every line of code.

    >>> out = render_html([], [])
    >>> "No pair" in out and "<table" not in out
    True
    """
    from autograder.reporting.similarity import render_similarity

    return render_similarity(pairs, matches)
