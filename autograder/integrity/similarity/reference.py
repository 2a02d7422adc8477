"""Code close to ``kmeans_ref``'s own implementation, and the solution cells of a notebook."""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap

import numpy as np

from autograder.integrity.similarity.evidence import (_NO_SKELETON, Match, _common_runs, _evidence, _member,
                                                      _positions, _prepare, _Skeleton)
from autograder.integrity.similarity.fingerprints import Fingerprint
from autograder.nbcells import cell_source, nbgrader_meta


# Modules of kmeans_ref that hold no exercise's code: input checks, work splitting.
NOT_EXERCISE_CODE = frozenset({"kmeans_ref._validation", "kmeans_ref._parallel"})


def reference_source(name: str) -> str | None:
    """Source of ``kmeans_ref.<name>`` and of the private workers it reaches, by name.

    A worker is a function or class of ``kmeans_ref`` that the body names (looked up in
    the namespace of the function's module, so workers imported from a sibling module
    count) and that is private: its name starts with ``_`` or it is defined in a private
    module (``kmeans_ref._fused``). Workers are followed transitively (``assign`` ->
    ``_nearest`` -> ``_sq_distances``); input validation (``kmeans_ref._validation``) and
    the splitting of work among threads and cache-sized blocks (``kmeans_ref._parallel``)
    are left out, as no student writes them (their generic arithmetic would only lend the
    reference runs of tokens that any solution may share), and so are the public functions
    of the lesson modules (other exercises). ``None`` when the reference has no function of that name.

    >>> "def update_means" in reference_source("update_means")
    True
    >>> reference_source("no_such_exercise") is None
    True
    """
    try:
        import kmeans_ref
        func = getattr(kmeans_ref, name, None)
    except Exception:
        return None
    if not inspect.isfunction(func):
        return None

    def is_worker(obj, attr):
        module = getattr(obj, "__module__", None) or ""
        parts = module.split(".")
        return ((inspect.isfunction(obj) or inspect.isclass(obj)) and parts[0] == "kmeans_ref"
                and module not in NOT_EXERCISE_CODE
                and (attr.startswith("_") or any(part.startswith("_") for part in parts[1:])))

    found, queue = [], [func]
    seen = {id(func)}
    while queue:
        f = queue.pop(0)
        try:
            src = textwrap.dedent(inspect.getsource(f))
            tree = ast.parse(src)
        except (OSError, TypeError, SyntaxError):
            continue
        found.append(src)
        module = sys.modules.get(f.__module__)
        for attr in sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}):
            if attr.startswith("__"):
                continue
            worker = getattr(module, attr, None)
            if id(worker) not in seen and is_worker(worker, attr):
                seen.add(id(worker))
                queue.append(worker)
    return "\n\n".join(found)


def reference_closeness(submissions: dict, *, reference_sources: dict | None = None, threshold: float = 0.7,
                        min_tokens: int = 30, baseline: dict | None = None, min_run: int = 16) -> list[Match]:
    """Solutions close to ``kmeans_ref``'s implementation of the same exercise.

    The score is the share of the student's own normalised tokens (skeleton excluded)
    that lie in runs of at least ``min_run`` tokens found, in the same order, in the
    reference's source. Renaming, re-wrapping and re-commenting do not lower it, and
    the reference's extra lines (input validation, helpers) do not either. Runs rather
    than single fingerprints because the specification forces some short phrases on
    everyone (``if np.array_equal(z_new, z): break``): a natural Lloyd loop shares many
    five-token pieces with the reference, a copy shares whole stretches.

    >>> src = reference_source("update_medians")
    >>> copied = src.replace("M_prev", "old").replace("members", "inside")
    >>> [(m.student, m.exercise) for m in reference_closeness({"dan": {"update_medians": copied}})]
    [('dan', 'update_medians')]

    Parameters
    ----------
    submissions : dict of str -> dict of str -> str
        student -> exercise -> solution-cell source.
    reference_sources : dict of str -> str, optional
        exercise -> reference source; by default :func:`reference_source` of each exercise.
    threshold : float, default 0.7
    min_tokens : int, default 30
        Shorter solutions (own tokens, skeleton excluded) are left out.
    baseline : dict of str -> str, optional
        exercise -> student version of the cell; its code is not evidence.
    min_run : int, default 16
        Shortest common run of normalised tokens that counts (twice the ``k + window - 1``
        tokens that winnowing is sure to detect).

    Returns
    -------
    list of Match, highest score first.
    """
    cache: dict[str, Fingerprint] = {}
    exercises = sorted({ex for per in submissions.values() for ex in (per or {})})
    if reference_sources is None:
        reference_sources = {ex: src for ex in exercises if (src := reference_source(ex)) is not None}
    matches = []
    for ex in exercises:
        ref_src = reference_sources.get(ex)
        if not isinstance(ref_src, str):
            continue
        skeleton = _Skeleton((baseline or {}).get(ex))
        ref = _prepare("kmeans_ref", ref_src, _NO_SKELETON, {})
        ref_set = np.unique(ref.fp.kgrams)
        ref_where = _positions(ref.fp)
        for student, per in sorted(submissions.items()):
            source = (per or {}).get(ex)
            if not isinstance(source, str):
                continue
            p = _prepare(student, source, skeleton, cache)
            own = p.own_tokens
            if own < min_tokens or not len(p.fp.kgrams):
                continue
            # Cheap upper bound first: own tokens under any k-gram found in the reference.
            hit = _member(p.fp.kgrams, ref_set).astype(np.int64)
            if ((np.convolve(hit, np.ones(p.fp.k, dtype=np.int64)) > 0) & p.own).sum() < threshold * own:
                continue
            cover, cover_ref = _common_runs(p.fp, ref.fp, min_run, ref_where, eligible_a=p.own_kgrams)
            score = int((cover & p.own).sum()) / own
            if score >= threshold:
                matches.append(Match(student, ex, round(score, 4), _evidence(ex, score, p, ref, cover, cover_ref)))
    matches.sort(key=lambda m: (-m.score, m.student, m.exercise))
    return matches


def solution_cells(notebook: dict) -> dict:
    """``grade_id -> source`` of the solution code cells of a notebook (nbformat 4, as a dict).

    The input both functions above expect, from a submitted notebook (``submissions``)
    or from the released student version (``baseline``). Markdown answers are left out.

    >>> nb = {"cells": [{"cell_type": "code", "source": ["def f(x):\\n", "    return x"],
    ...                  "metadata": {"nbgrader": {"solution": True, "grade_id": "f"}}},
    ...                 {"cell_type": "code", "source": "check('f', f)", "metadata": {}}]}
    >>> solution_cells(nb)
    {'f': 'def f(x):\\n    return x'}
    """
    out = {}
    for cell in notebook.get("cells", []) or []:
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            out.setdefault(meta["grade_id"], cell_source(cell))
    return out
