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
"""
from __future__ import annotations

import ast
import builtins
import difflib
import hashlib
import html
import inspect
import keyword
import re
import sys
import textwrap
import token
from dataclasses import asdict, dataclass, field

import numpy as np

from autograder.nbcells import cell_source, nbgrader_meta

__all__ = ["Fingerprint", "Evidence", "Pair", "Match", "fingerprint", "winnow", "similarity",
           "containment", "similar_pairs", "reference_closeness", "reference_source", "solution_cells",
           "render_html"]

# Names kept as they are by the normaliser: keywords, and the builtins every student
# calls the same way (a loop over ``range(len(...))`` is a different solution from a
# broadcast). Soft keywords (match, case, _) are ordinary names.
_KEEP_NAMES = frozenset(keyword.kwlist) | frozenset(name for name in dir(builtins) if not name.startswith("_"))
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_STATEMENT_END = ";"          # NEWLINE and ``;`` both end a statement
_BASE = np.uint64(0x100000001B3)          # odd multiplier of the k-gram polynomial
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)     # splitmix64 finaliser constants
_MIX2 = np.uint64(0x94D049BB133111EB)
_TOKEN_HASH: dict[str, int] = {}
_MAX_RUN_WORK = 4_000_000        # k-gram pairs above which common runs are approximated


# ---------------------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Fingerprint:
    """The winnowed fingerprint of one piece of source.

    Attributes
    ----------
    source : str
        The original source.
    tokens : tuple of str
        The normalised tokens.
    token_lines : ndarray of shape (n_tokens, 2), int
        First and last line (1-based, in ``source``) of every token.
    kgrams : ndarray of shape (n_kgrams,), uint64
        The hash of every k-gram of ``tokens`` (``n_kgrams = max(n_tokens - k + 1, 0)``).
    selected : ndarray of shape (n_selected,), int
        Indices into ``kgrams`` chosen by winnowing, increasing.
    k, window : int
        The parameters it was made with.
    """

    source: str
    tokens: tuple
    token_lines: np.ndarray
    kgrams: np.ndarray
    selected: np.ndarray
    k: int
    window: int

    @property
    def kgram_lines(self) -> np.ndarray:
        """First and last line of every k-gram, shape (n_kgrams, 2)."""
        n = len(self.kgrams)
        return np.stack([self.token_lines[:n, 0], self.token_lines[self.k - 1:self.k - 1 + n, 1]], axis=1)

    @property
    def hashes(self) -> np.ndarray:
        """The selected fingerprints (uint64), in source order; may repeat a value."""
        return self.kgrams[self.selected]

    @property
    def hash_set(self) -> frozenset:
        """The distinct selected fingerprints."""
        return frozenset(self.hashes.tolist())

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.selected)

    def __repr__(self) -> str:
        return (f"Fingerprint(n_tokens={self.n_tokens}, n_kgrams={len(self.kgrams)}, "
                f"n_selected={len(self.selected)}, k={self.k}, window={self.window})")


def fingerprint(source: str, *, k: int = 5, window: int = 4) -> Fingerprint:
    """Normalise ``source``, hash its k-grams and winnow them.

    Never raises on bad Python: the lexer reads every token it can around a syntax
    error (a character that starts no token is kept as itself, an unterminated string
    ends with its line), and anything unreadable gives an empty fingerprint.

    >>> fp = fingerprint("def f(x):\\n    '''Doc.'''\\n    return np.argmin(x, axis=0)  # note")
    >>> " ".join(fp.tokens)
    'def V ( V ) : return V . argmin ( V , axis = NUM ) ;'
    >>> len(fp.kgrams), fp.kgram_lines[0].tolist(), fp.kgram_lines[-1].tolist()  # 18 - 5 + 1 five-grams
    (14, [1, 1], [3, 3])
    >>> fingerprint("def broken(:\\n    return").n_tokens > 0
    True

    Parameters
    ----------
    source : str
        Python source, e.g. one solution cell.
    k : int, default 5
        Tokens per k-gram: shorter common runs are noise.
    window : int, default 4
        Winnowing window: common runs of ``window + k - 1`` tokens or more are always found.

    Returns
    -------
    Fingerprint
    """
    if k < 1 or window < 1:
        raise ValueError(f"k and window must be >= 1, got k={k}, window={window}")
    source = source if isinstance(source, str) else ""
    try:
        tokens, starts, ends = _normalise(source)
    except Exception:  # the normaliser must never stop a report
        tokens, starts, ends = [], [], []
    kgrams = _kgram_hashes(tokens, k)
    lines = np.array([starts, ends], dtype=np.int64).T.reshape(len(tokens), 2)
    return Fingerprint(source, tuple(tokens), lines, kgrams, winnow(kgrams, window=window), k, window)


# Token kinds of the lexer (the ``tokenize`` names; the lexer is the same grammar, faster).
_NAME, _NUMBER, _STRING, _OP, _NEWLINE = "NAME", "NUMBER", "STRING", "OP", "NEWLINE"
_OPERATORS = sorted(token.EXACT_TOKEN_TYPES, key=len, reverse=True)
_STRING_PREFIX = r"(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?"
_LEX = re.compile(
    r"(?:[ \t\f]+|#[^\r\n]*)*"          # spaces and a comment before the token are skipped
    r"(?:(?P<cont>\\\r?\n)"
    r"|(?P<nl>\r?\n|\r)"
    r"|(?P<STRING>" + _STRING_PREFIX + r"(?:"
    r"'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    r'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r"|'(?:[^'\\\r\n]|\\.)*(?:'|(?=[\r\n])|\Z)"
    r'|"(?:[^"\\\r\n]|\\.)*(?:"|(?=[\r\n])|\Z)))'
    r"|(?P<NUMBER>0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
    r"|(?P<NAME>\w+)"
    r"|(?P<OP>" + "|".join(re.escape(op) for op in _OPERATORS) + r")"
    r"|(?P<ERRORTOKEN>.)"
    r"|(?P<end>\Z))",                   # so a final comment is skipped whole, not backtracked into
    re.DOTALL,
)


def _lex(source: str):
    """Significant tokens of ``source`` as (kind, text, first line, last line).

    The grammar of :mod:`tokenize` (names, numbers, strings with their prefixes and
    triple quotes, operators), read with one regular expression over the whole text,
    which is several times faster than ``tokenize`` on a class of submissions.
    Comments, blank lines and line breaks inside brackets or after a backslash are
    dropped; the end of every logical line is a NEWLINE token. It never fails: a
    character that starts no token (``$``, ``?``, a stray quote) is an ERRORTOKEN
    and an unterminated string runs to the end of its line (or of the text, for a
    triple-quoted one), so one broken line does not hide the rest of the cell.
    """
    out = []
    row = 1
    depth = 0
    pending = False          # the logical line has tokens: its line break is a NEWLINE
    for m in _LEX.finditer(source):
        kind = m.lastgroup
        if kind == "end":        # trailing spaces or a comment at the very end
            break
        text = m.group(kind)
        if kind == "nl":
            if pending and depth == 0:
                out.append((_NEWLINE, "", row, row))
                pending = False
            row += 1
            continue
        if kind == "cont":
            row += 1
            continue
        end = row
        if kind == _STRING:
            end = row + text.count("\n")
        elif kind == _OP:
            if text in "([{":
                depth += 1
            elif text in ")]}":
                depth = max(depth - 1, 0)
        out.append((kind, text, row, end))
        pending = True
        row = end
    if pending:
        out.append((_NEWLINE, "", row, row))
    return out


def _normalise(source: str):
    """Normalised tokens of ``source`` with the first and last line of each."""
    sig = _lex(source)
    n = len(sig)
    # statement ends: NEWLINE, or ';' (both become one _STATEMENT_END token)
    ends_stmt = [kind == _NEWLINE or (kind == _OP and text == ";") for kind, text, _, _ in sig]
    tokens, starts, ends = [], [], []
    depth = 0
    i = 0
    while i < n:
        kind, text, row, end_row = sig[i]
        if kind == _STRING and (i == 0 or ends_stmt[i - 1]):
            # a bare string statement (docstring): drop it with its implicit concatenations
            j = i
            while j < n and sig[j][0] == _STRING:
                j += 1
            if j == n or ends_stmt[j]:
                i = j + 1
                continue
        if ends_stmt[i]:
            # one statement end between statements; none after the ':' of a compound
            # statement, so ``if c: x`` and its two-line form read the same
            if tokens and tokens[-1] != _STATEMENT_END and tokens[-1] != ":":
                tokens.append(_STATEMENT_END)
                starts.append(row)
                ends.append(end_row)
            i += 1
            continue
        if kind == _NAME:
            if text in _KEEP_NAMES:
                norm = text                       # keywords and builtins: for, in, range, len
            elif i and sig[i - 1][1] == "." and sig[i - 1][0] == _OP:
                norm = text                       # attribute: np.argmin, X.shape, Y.sum
            elif depth and i + 1 < n and sig[i + 1][1] == "=" and sig[i + 1][0] == _OP:
                norm = text                       # keyword argument: axis=0, dtype=float
            else:
                norm = "V"
        elif kind == _OP:
            norm = text
            if text in _OPEN:
                depth += 1
            elif text in _CLOSE:
                depth = max(depth - 1, 0)
        elif kind == _NUMBER:
            norm = "NUM"
        elif kind == _STRING:
            norm = "STR"
        else:                                     # ERRORTOKEN: the character itself
            norm = text
        tokens.append(norm)
        starts.append(row)
        ends.append(end_row)
        i += 1
    return tokens, starts, ends


def _token_hash(token: str) -> int:
    value = _TOKEN_HASH.get(token)
    if value is None:
        value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
        _TOKEN_HASH[token] = value
    return value


def _kgram_hashes(tokens, k: int) -> np.ndarray:
    """Stable 64-bit hashes of the k-grams of ``tokens`` (uint64 arithmetic wraps mod 2**64)."""
    n = len(tokens) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    for tok in set(tokens).difference(_TOKEN_HASH):
        _token_hash(tok)
    t = np.array(list(map(_TOKEN_HASH.__getitem__, tokens)), dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + t[j:j + n]
    # splitmix64 finaliser: every bit of the polynomial reaches every bit of the hash
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def winnow(hashes, *, window: int) -> np.ndarray:
    """Positions selected by robust winnowing (Schleimer, Wilkerson & Aiken 2003).

    In every window of ``window`` consecutive hashes the minimum is selected; on a tie
    the previous window's choice is kept when it is still in the window and still
    minimal, otherwise the rightmost minimum is taken. A sequence shorter than the
    window is one window.

    The paper's example (its Figure 2): 5-gram hashes, windows of 4.

    >>> winnow([77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98], window=4).tolist()
    [3, 6, 8, 11, 15]

    Parameters
    ----------
    hashes : array-like of shape (n,)
    window : int >= 1

    Returns
    -------
    positions : ndarray of shape (n_selected,), int, increasing
    """
    h = np.asarray(hashes)
    n = len(h)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    w = min(int(window), n)
    views = np.lib.stride_tricks.sliding_window_view(h, w)
    # rightmost minimum of every window: argmin of the reversed window
    rightmost = (w - 1 - np.argmin(views[:, ::-1], axis=1)) + np.arange(n - w + 1)
    values = h.tolist()
    selected = []
    prev = -1
    for i, r in enumerate(rightmost.tolist()):
        if prev >= i and values[prev] == values[r]:
            continue                      # the previous choice is still a minimum: keep it
        prev = r
        selected.append(r)
    return np.asarray(selected, dtype=np.int64)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard similarity of the two sets of fingerprints, in [0, 1].

    Jaccard (shared / all distinct) rather than containment (shared / one side) because
    it is symmetric and a short solution that happens to be part of a long one does not
    reach 1; a copy padded with extra code loses score, which the evidence then shows.
    :func:`containment` is the one-sided measure (used against the reference).

    >>> similarity(fingerprint("y = a + b * c - d"), fingerprint("z = p + q * r - s"))
    1.0
    >>> similarity(fingerprint(""), fingerprint(""))
    0.0
    """
    sa, sb = a.hash_set, b.hash_set
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Share of ``a``'s fingerprints that occur anywhere in ``b`` (any k-gram, not only selected ones).

    One-sided: a body lifted from a longer source (the reference validates its inputs
    and splits work into helpers) is contained in it while the two stay far apart in
    Jaccard terms. :func:`reference_closeness` refines it to whole common runs.

    >>> ref = fingerprint("X = check(X)\\nD = X[:, None] - M[None]\\nreturn (D ** 2).sum(-1)")
    >>> containment(fingerprint("d = A[:, None] - B[None]\\nreturn (d ** 2).sum(-1)"), ref)
    1.0
    """
    sa = np.unique(a.hashes)
    if not len(sa):
        return 0.0
    return float(np.isin(sa, b.kgrams).mean())


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


# ---------------------------------------------------------------------------------------
# Pairs of students
# ---------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------
# Closeness to the reference
# ---------------------------------------------------------------------------------------

def reference_source(name: str) -> str | None:
    """Source of ``kmeans_ref.<name>`` and of the private workers it reaches, by name.

    A worker is a function or class of ``kmeans_ref`` that the body names (looked up in
    the namespace of the function's module, so workers imported from a sibling module
    count) and that is private: its name starts with ``_`` or it is defined in a private
    module (``kmeans_ref._fused``). Workers are followed transitively (``assign`` ->
    ``_nearest`` -> ``_sq_distances``); input validation (``kmeans_ref._validation``) is
    left out, as no student writes it, and so are the public functions of the lesson
    modules (other exercises). ``None`` when the reference has no function of that name.

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
                and module != "kmeans_ref._validation"
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


# ---------------------------------------------------------------------------------------
# HTML fragment for the class report
# ---------------------------------------------------------------------------------------

_STYLE = """<style>
.similarity table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
.similarity th, .similarity td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
.similarity pre { margin: 0; font-size: 12px; line-height: 1.3; max-width: 40vw; overflow-x: auto; }
.similarity mark { background: #ffe08a; }
.similarity .ln { color: #999; user-select: none; }
</style>"""


def _code_html(source: str, ranges, *, context: int = 2, max_lines: int = 40) -> str:
    """The source with matching lines marked; a long source shows only them, with context."""
    lines = source.splitlines()
    marked = {n for start, end in ranges for n in range(start, end + 1)}
    shown = set(range(1, len(lines) + 1))
    if len(lines) > max_lines:
        shown = {m for n in marked for m in range(n - context, n + context + 1)}
    rows, last = [], 0
    for n, line in enumerate(lines, start=1):
        if n not in shown:
            continue
        if n > last + 1:
            rows.append('<span class="ln">...</span>')
        text = f'<span class="ln">{n:>3}</span>  {html.escape(line)}'
        rows.append(f"<mark>{text}</mark>" if n in marked else text)
        last = n
    if last < len(lines):
        rows.append('<span class="ln">...</span>')
    return "<pre>" + "\n".join(rows) + "</pre>"


def render_html(pairs, matches) -> str:
    """An HTML fragment (two tables, side-by-side code, matching lines highlighted).

    Every student name and every line of code is escaped.

    >>> out = render_html([], [])
    >>> "No pair" in out and "<table" not in out
    True
    """
    e = html.escape
    out = ['<section class="similarity">', _STYLE,
           "<h3>Similar submissions</h3>",
           "<p>Evidence for review, not a verdict: no score was changed. Highlighted lines "
           "also occur, up to renaming and layout, on the other side. The code every student "
           "was given and short solutions are not counted, nor, between students, code that "
           "much of the class wrote alike.</p>"]
    if pairs:
        out.append("<table><thead><tr><th>Students</th><th>Exercise</th><th>Score</th>"
                   "<th>First student</th><th>Second student</th></tr></thead><tbody>")
        for pair in pairs:
            for n, ev in enumerate(pair.evidence):
                head = ""
                if n == 0:
                    span = len(pair.evidence)
                    head = (f'<td rowspan="{span}">{e(pair.student_a)}<br>{e(pair.student_b)}'
                            f"<br><small>overall {pair.score:.2f}</small></td>")
                out.append(f"<tr>{head}<td>{e(ev.exercise)}</td><td>{ev.score:.2f}</td>"
                           f"<td>{_code_html(ev.source_a, ev.lines_a)}</td>"
                           f"<td>{_code_html(ev.source_b, ev.lines_b)}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>No pair of submissions is above the threshold.</p>")
    out.append("<h3>Close to the reference implementation</h3>")
    if matches:
        out.append("<table><thead><tr><th>Student</th><th>Exercise</th><th>Score</th>"
                   "<th>Submission</th><th>kmeans_ref</th></tr></thead><tbody>")
        for m in matches:
            ev = m.evidence
            out.append(f"<tr><td>{e(m.student)}</td><td>{e(m.exercise)}</td><td>{m.score:.2f}</td>"
                       f"<td>{_code_html(ev.source_a, ev.lines_a)}</td>"
                       f"<td>{_code_html(ev.source_b, ev.lines_b)}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>No submission is above the threshold.</p>")
    out.append("</section>")
    return "\n".join(out)
