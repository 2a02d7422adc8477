"""What two pieces of code share, line by line: the results and the work behind them.

``Evidence``, ``Pair`` and ``Match`` are what :func:`similar_pairs` and
:func:`reference_closeness` return; the rest prepares one exercise (the student's own
tokens, apart from the skeleton they were given) and finds common runs of tokens.
"""
from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field

import numpy as np

from autograder.integrity.similarity.fingerprints import Fingerprint, fingerprint

_MAX_RUN_WORK = 4_000_000        # k-gram pairs above which common runs are approximated


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """Matching lines of one exercise between side ``a`` and side ``b``.

    ``lines_a`` / ``lines_b`` are merged, inclusive, 1-based line ranges of code that
    also occurs on the other side, up to renaming and layout, as a run of at least
    ``k + window - 1`` normalised tokens (pairs) or ``min_run`` tokens (reference);
    skeleton lines are left out. ``snippet_a`` / ``snippet_b`` show those lines with their
    numbers; ``tokens_a`` / ``tokens_b`` count each side's own normalised tokens
    (skeleton excluded). ``score`` is the exercise's score: Jaccard of fingerprints for
    a pair, the reference's share of the student's code for a match.
    """

    exercise: str
    score: float
    lines_a: tuple
    lines_b: tuple
    snippet_a: str
    snippet_b: str
    source_a: str
    source_b: str
    tokens_a: int
    tokens_b: int

    def to_dict(self) -> dict:
        out = asdict(self)
        out["lines_a"] = [list(r) for r in self.lines_a]
        out["lines_b"] = [list(r) for r in self.lines_b]
        return out


@dataclass(frozen=True)
class Pair:
    """Two students whose solutions are alike in ``exercises``.

    ``score`` pools the alike exercises (shared / distinct fingerprints summed over
    them); ``evidence`` has one entry per exercise, ``a`` being ``student_a``.
    """

    student_a: str
    student_b: str
    exercises: tuple
    score: float
    evidence: tuple = field(default=())

    def to_dict(self) -> dict:
        return {"student_a": self.student_a, "student_b": self.student_b,
                "exercises": list(self.exercises), "score": self.score,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Match:
    """A student's exercise close to the reference.

    ``score`` is the share of the student's own tokens in long runs also found in the
    reference's source (see :func:`reference_closeness`); ``evidence.source_b`` is that
    source.
    """

    student: str
    exercise: str
    score: float
    evidence: Evidence

    def to_dict(self) -> dict:
        return {"student": self.student, "exercise": self.exercise, "score": self.score,
                "evidence": self.evidence.to_dict()}


# ---------------------------------------------------------------------------------------
# Preparing one exercise
# ---------------------------------------------------------------------------------------

@dataclass
class _Prepared:
    student: str
    fp: Fingerprint
    own: np.ndarray           # (n_tokens,) bool: the student wrote this token (not the skeleton)
    hashes: np.ndarray        # distinct selected fingerprints whose k-gram is all own tokens

    @property
    def own_tokens(self) -> int:
        return int(self.own.sum())

    @property
    def own_kgrams(self) -> np.ndarray:
        """(n_kgrams,) bool: every token of the k-gram is the student's."""
        if self.own.all():
            return np.ones(len(self.fp.kgrams), dtype=bool)
        foreign = (~self.own).astype(np.int64)
        return np.convolve(foreign, np.ones(self.fp.k, dtype=np.int64), mode="valid")[:len(self.fp.kgrams)] == 0


class _Skeleton:
    """The student version of an exercise's cell, aligned against each submission.

    The skeleton is a template the student fills in, so its lines are found in order:
    ``difflib.SequenceMatcher`` aligns the two sequences of normalised source lines
    (the signature, given lines, the final ``return`` match; the placeholder the
    student replaced does not), and the tokens of matched lines are the skeleton's.
    Lines rather than tokens: a generic piece such as ``V ( V , V`` inside the
    student's own code is not taken for the signature, and it is fast.
    """

    def __init__(self, source):
        self.matcher = None
        if isinstance(source, str):
            lines = _normalised_lines(fingerprint(source))[0]
            if lines:
                self.matcher = difflib.SequenceMatcher(None, autojunk=False)
                self.matcher.set_seq2(lines)     # b is indexed once, a changes per student

    def own(self, fp: Fingerprint) -> np.ndarray:
        own = np.ones(fp.n_tokens, dtype=bool)
        if self.matcher is None or not fp.n_tokens:
            return own
        lines, first = _normalised_lines(fp)
        self.matcher.set_seq1(lines)
        for block in self.matcher.get_matching_blocks():
            if block.size:
                own[first[block.a]:first[block.a + block.size]] = False
        return own


def _normalised_lines(fp: Fingerprint):
    """The normalised tokens grouped by the source line they start on.

    Returns the lines (strings) and the index of each line's first token, with
    ``len(fp.tokens)`` appended, so line ``i`` is ``tokens[first[i]:first[i + 1]]``.
    """
    if not fp.n_tokens:
        return [], [0]
    rows = fp.token_lines[:, 0]
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]).tolist() + [fp.n_tokens]
    lines = [" ".join(fp.tokens[first[i]:first[i + 1]]) for i in range(len(first) - 1)]
    return lines, first


_NO_SKELETON = _Skeleton(None)


def _prepare(student, source, skeleton: _Skeleton, cache) -> _Prepared:
    fp = cache.get(source)
    if fp is None:
        fp = cache[source] = fingerprint(source)
    prepared = _Prepared(student, fp, skeleton.own(fp), np.empty(0, dtype=np.uint64))
    selected = fp.selected
    if not prepared.own.all():
        selected = selected[prepared.own_kgrams[selected]]   # fingerprints of the student's own k-grams
    prepared.hashes = np.unique(fp.kgrams[selected])
    return prepared


def _min_shared(min_tokens: int, k: int = 5, window: int = 4) -> int:
    """Fingerprints that winnowing guarantees for one common run of ``min_tokens`` tokens.

    A run of L tokens holds L - k + 1 k-grams, and every ``window`` consecutive k-grams
    contribute at least one selected fingerprint: floor((L - k + 1) / window).
    """
    return max(1, (min_tokens - k + 1) // window)


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted, distinct ``sorted_set`` searched many times."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _positions(fp: Fingerprint) -> dict:
    """k-gram hash -> its positions in ``fp`` (the index ``_common_runs`` looks up)."""
    where: dict[int, list[int]] = {}
    for p, h in enumerate(fp.kgrams.tolist()):
        where.setdefault(h, []).append(p)
    return where


def _common_runs(a: Fingerprint, b: Fingerprint, min_run: int, where: dict | None = None,
                 eligible_a=None, eligible_b=None):
    """Token masks of ``a`` and ``b`` covered by aligned common runs of >= ``min_run`` tokens.

    A run is a stretch of consecutive k-grams of ``a`` equal to consecutive k-grams of
    ``b`` (the same normalised token sequence on both sides); r k-grams in a row cover
    r + k - 1 tokens. Isolated five-token coincidences (``V = V ( V``) are not runs.
    ``eligible_a`` / ``eligible_b`` (bool per k-gram) leave out skeleton k-grams, so
    a run never starts in the signature both sides were given.
    """
    k = a.k
    cover_a = np.zeros(a.n_tokens, dtype=bool)
    cover_b = np.zeros(b.n_tokens, dtype=bool)
    if len(a.kgrams) * len(b.kgrams) > _MAX_RUN_WORK:
        # pathological sizes (pasted data, generated code): any shared k-gram counts
        ones = np.ones(k, dtype=np.int64)
        hit_a, hit_b = np.isin(a.kgrams, b.kgrams), np.isin(b.kgrams, a.kgrams)
        if eligible_a is not None:
            hit_a &= eligible_a
        if eligible_b is not None:
            hit_b &= eligible_b
        cover_a = np.convolve(hit_a.astype(np.int64), ones)[:a.n_tokens] > 0
        cover_b = np.convolve(hit_b.astype(np.int64), ones)[:b.n_tokens] > 0
        return cover_a, cover_b
    if where is None:
        where = _positions(b)
    need = max(min_run - k + 1, 1)           # k-grams in a run of min_run tokens

    def close(i_end, p_end, r):
        if r >= need:
            cover_a[i_end - r + 1:i_end + k] = True
            cover_b[p_end - r + 1:p_end + k] = True

    ok_a = None if eligible_a is None else eligible_a.tolist()
    ok_b = None if eligible_b is None else eligible_b.tolist()
    prev: dict[int, int] = {}
    for i, h in enumerate(a.kgrams.tolist()):
        if ok_a is not None and not ok_a[i]:
            cur = {}
        elif ok_b is not None:
            cur = {p: prev.get(p - 1, 0) + 1 for p in where.get(h, ()) if ok_b[p]}
        else:
            cur = {p: prev.get(p - 1, 0) + 1 for p in where.get(h, ())}
        for p, r in prev.items():
            if p + 1 not in cur:
                close(i - 1, p, r)
        prev = cur
    for p, r in prev.items():
        close(len(a.kgrams) - 1, p, r)
    return cover_a, cover_b


def _line_ranges(fp: Fingerprint, tokens: np.ndarray) -> tuple:
    """Merged inclusive line ranges of the tokens where ``tokens`` is True."""
    spans = sorted(map(tuple, fp.token_lines[tokens].tolist()))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _snippet(source: str, ranges) -> str:
    lines = source.splitlines()
    parts = []
    for start, end in ranges:
        parts.append("\n".join(f"{n:>3}  {lines[n - 1]}" for n in range(start, min(end, len(lines)) + 1)))
    return "\n  ...\n".join(parts)


def _evidence(exercise, score, pa: _Prepared, pb: _Prepared, cover_a, cover_b) -> Evidence:
    """Evidence from token masks of the matching code on each side (skeleton tokens left out)."""
    ra = _line_ranges(pa.fp, cover_a & pa.own)
    rb = _line_ranges(pb.fp, cover_b & pb.own)
    return Evidence(exercise, round(float(score), 4), ra, rb, _snippet(pa.fp.source, ra),
                    _snippet(pb.fp.source, rb), pa.fp.source, pb.fp.source, pa.own_tokens, pb.own_tokens)
