"""Pairs of students whose solutions are unusually alike, exercise by exercise."""
from __future__ import annotations

import numpy as np

from autograder.integrity.similarity.evidence import (Pair, _common_runs, _evidence, _min_shared, _prepare,
                                                      _Skeleton)
from autograder.integrity.similarity.fingerprints import Fingerprint


def similar_pairs(submissions: dict, *, threshold: float = 0.8, min_tokens: int = 30,
                  baseline: dict | None = None, min_exercises: int = 2, long_tokens: int | None = None,
                  max_share: float = 0.1) -> list[Pair]:
    """Pairs of students whose solutions are unusually alike, with the matching lines.

    >>> ann = '''def lloyd(X, M0):
    ...     M = M0.copy()
    ...     for _ in range(100):
    ...         D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
    ...         z = D.argmin(axis=0)
    ...         M_new = np.stack([X[:, z == j].mean(axis=1) for j in range(M.shape[1])], axis=1)
    ...         if np.allclose(M_new, M):
    ...             break
    ...         M = M_new
    ...     return M'''
    >>> bob = ann.replace("M_new", "C2").replace("D", "dist").replace("z", "labels")
    >>> cy = "def lloyd(X, M0):\\n    return kmeans_ref.lloyd(X, M0)[0]"
    >>> [(p.student_a, p.student_b, p.exercises) for p in similar_pairs(
    ...     {"ann": {"lloyd": ann}, "bob": {"lloyd": bob}, "cy": {"lloyd": cy}})]
    [('ann', 'bob', ('lloyd',))]

    Parameters
    ----------
    submissions : dict of str -> dict of str -> str
        student -> exercise -> source of that exercise's solution cell.
    threshold : float, default 0.8
        Jaccard similarity of fingerprints (:func:`similarity`) from which an exercise is alike.
    min_tokens : int, default 30
        Solutions with fewer own normalised tokens (skeleton excluded) are left out:
        short correct answers are alike by nature.
    baseline : dict of str -> str, optional
        exercise -> the student version of the solution cell (signature, docstring,
        given lines). Code shared with it is not evidence.
    min_exercises : int, default 2
        A pair is listed when at least this many exercises are alike ...
    long_tokens : int, optional
        ... or one alike exercise has at least this many own tokens on both sides
        (default ``3 * min_tokens``).
    max_share : float, default 0.1
        Fingerprints held by more than ``max(10, max_share * n)`` of the ``n`` students of
        an exercise are idioms of the lesson (hints, the model's one-liners), not evidence.

    Returns
    -------
    list of Pair
        Most exercises first, then highest score; ``student_a < student_b``.

    Notes
    -----
    Cost: one fingerprint per solution, then, per exercise, an inverted index
    fingerprint -> students; only pairs that share a fingerprint are ever compared, and
    fingerprints held by many students (dropped above) never enumerate pairs. Lines of
    evidence are computed only for listed pairs.
    """
    long_tokens = 3 * min_tokens if long_tokens is None else long_tokens
    min_shared = _min_shared(min_tokens)
    cache: dict[str, Fingerprint] = {}
    exercises = sorted({ex for per in submissions.values() for ex in (per or {})})
    # (a, b) -> list of (exercise, shared fingerprints, distinct fingerprints, prepared a, prepared b)
    alike: dict[tuple, list] = {}
    for ex in exercises:
        skeleton = _Skeleton((baseline or {}).get(ex))
        prepared = [_prepare(s, per[ex], skeleton, cache) for s, per in sorted(submissions.items())
                    if isinstance((per or {}).get(ex), str)]
        prepared = [p for p in prepared if p.own_tokens >= min_tokens and len(p.hashes)]
        n = len(prepared)
        if n < 2:
            continue
        owner = np.concatenate([np.full(len(p.hashes), i, dtype=np.int64) for i, p in enumerate(prepared)])
        values = np.concatenate([p.hashes for p in prepared])
        distinct, inverse, holders = np.unique(values, return_inverse=True, return_counts=True)
        # Policy: a fingerprint that many students hold is an idiom of the lesson, not a copy.
        limit = max(10, int(max_share * n))
        common = distinct[holders > limit]
        keep = holders[inverse] <= limit
        owner, group = owner[keep], inverse[keep]
        sizes = np.bincount(owner, minlength=n)
        order = np.lexsort((owner, group))
        owner, group = owner[order], group[order]
        firsts, seconds = [], []
        for d in range(1, int(holders[holders <= limit].max(initial=1))):
            same = group[:-d] == group[d:]
            if not same.any():
                break
            firsts.append(owner[:-d][same])
            seconds.append(owner[d:][same])
        if not firsts:
            continue
        keys = np.concatenate(firsts) * n + np.concatenate(seconds)
        keys, shared = np.unique(keys, return_counts=True)
        i, j = keys // n, keys % n
        union = sizes[i] + sizes[j] - shared
        score = shared / np.maximum(union, 1)
        for ii, jj, sh, un in zip(*(x[(score >= threshold) & (shared >= min_shared)].tolist()
                                    for x in (i, j, shared, union))):
            pa, pb = prepared[ii], prepared[jj]
            if pa.student > pb.student:
                pa, pb = pb, pa
            alike.setdefault((pa.student, pb.student), []).append((ex, sh, un, pa, pb))

    pairs = []
    for (a, b), rows in alike.items():
        # Policy: several alike exercises, or one long one; short answers alone never list a pair.
        long_one = any(min(pa.own_tokens, pb.own_tokens) >= long_tokens for _, _, _, pa, pb in rows)
        if len(rows) < min_exercises and not long_one:
            continue
        # Evidence: common runs long enough that winnowing is sure to see them (k + window - 1 tokens).
        evidence = tuple(_evidence(ex, sh / un, pa, pb, *_common_runs(
            pa.fp, pb.fp, pa.fp.k + pa.fp.window - 1, eligible_a=pa.own_kgrams, eligible_b=pb.own_kgrams))
            for ex, sh, un, pa, pb in rows)
        pooled = sum(r[1] for r in rows) / sum(r[2] for r in rows)
        pairs.append(Pair(a, b, tuple(r[0] for r in rows), round(pooled, 4), evidence))
    pairs.sort(key=lambda p: (-len(p.exercises), -p.score, p.student_a, p.student_b))
    return pairs
