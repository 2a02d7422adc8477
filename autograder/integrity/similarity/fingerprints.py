"""Winnowed fingerprints of Python source: the lexer, the normaliser, k-gram hashes, winnowing.

Steps 1 to 3 of the method described in :mod:`autograder.integrity.similarity`, and the
two measures between fingerprints (:func:`similarity`, :func:`containment`).
"""
from __future__ import annotations

import builtins
import hashlib
import keyword
import re
import token
from dataclasses import dataclass

import numpy as np

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
