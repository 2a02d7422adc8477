"""Similar submissions: copies are found through renaming and reformatting, honest work is not flagged."""
import ast
import builtins
import io
import json
import keyword
import pathlib
import random
import subprocess
import sys
import time
import tokenize

import numpy as np
import pytest

from autograder.integrity import similarity as sim
from autograder.integrity.similarity import (Pair, fingerprint, reference_closeness, reference_source, render_html,
                                   similar_pairs, similarity, winnow)

ROOT = pathlib.Path(__file__).resolve().parents[2]
_BUILTIN_NAMES = set(dir(builtins))


# --------------------------------------------------------------------------------------
# Helpers: a copier's disguise, stubs as nbgrader leaves them
# --------------------------------------------------------------------------------------

def rename(source, prefix="my_"):
    """Rename every variable, parameter and function consistently, as a copier would.

    Attributes (``np.argmin``), keywords, builtins and keyword arguments stay, since
    renaming them would break the code. The layout changes too (``untokenize``).
    """
    toks = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)]
    out = []
    depth = 0
    for i, t in enumerate(toks):
        text = t.string
        if t.type == tokenize.OP:
            depth += text in "([{"
            depth -= text in ")]}"
        prev = next((p for p in reversed(toks[:i]) if p.type not in (tokenize.NL, tokenize.COMMENT)), None)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (t.type == tokenize.NAME and not keyword.iskeyword(text) and text not in _BUILTIN_NAMES
                and text != "np" and not (prev is not None and prev.string == ".")
                and not (depth and nxt is not None and nxt.string == "=")):
            text = prefix + text.lower() + "_"
        out.append((t.type, text))
    renamed = tokenize.untokenize(out)
    ast.parse(renamed)          # still valid Python: a real copy
    return renamed


def stub_of(source):
    """The student version of a solution cell: the solution region replaced as nbgrader does."""
    head, _, rest = source.partition("    ### BEGIN SOLUTION\n")
    tail = rest.partition("    ### END SOLUTION\n")[2]
    return head + "    # YOUR CODE HERE\n    raise NotImplementedError()\n" + tail


def cell(signature, doc, body):
    return f'{signature}\n    """{doc}"""\n    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n'


# Three independent, correct solutions of each of three exercises, written differently on purpose.
SQ_DISTANCES = {
    "loop": cell("def sq_distances(X, M):", "Squared distances (k, N).", """\
    d, N = X.shape
    k = M.shape[1]
    D = np.zeros((k, N))
    for j in range(k):
        for i in range(N):
            diff = X[:, i] - M[:, j]
            D[j, i] = np.dot(diff, diff)
    return D
"""),
    "broadcast": cell("def sq_distances(X, M):", "Squared distances (k, N).", """\
    # every centroid against every observation at once
    differences = M[:, :, np.newaxis] - X[:, np.newaxis, :]   # (d, k, N)
    squared = differences ** 2
    total = np.sum(squared, axis=0)
    return total
"""),
    "expansion": cell("def sq_distances(X, M):", "Squared distances (k, N).", """\
    x2 = np.sum(X * X, axis=0)          # (N,)
    m2 = np.sum(M * M, axis=0)          # (k,)
    cross = M.T @ X                     # (k, N)
    D = m2[:, None] - 2 * cross + x2[None, :]
    return np.maximum(D, 0)
"""),
}
UPDATE_MEANS = {
    "loop": cell("def update_means(X, Y, M_prev):", "Cluster means (d, k).", """\
    k = Y.shape[0]
    result = M_prev.copy().astype(float)
    for j in range(k):
        members = X[:, Y[j] == 1]
        if members.shape[1] > 0:
            result[:, j] = members.mean(axis=1)
    return result
"""),
    "broadcast": cell("def update_means(X, Y, M_prev):", "Cluster means (d, k).", """\
    sums = X @ Y.T
    n = Y.sum(axis=1)
    M = np.array(M_prev, dtype=float)
    full = n > 0
    M[:, full] = sums[:, full] / n[full]
    return M
"""),
    "expansion": cell("def update_means(X, Y, M_prev):", "Cluster means (d, k).", """\
    z = labels_from_one_hot(Y)
    new = np.copy(M_prev).astype(np.float64)
    for c in np.unique(z):
        new[:, c] = np.mean(X[:, z == c], axis=1)
    return new
"""),
}
LLOYD = {
    "loop": cell("def lloyd(X, M0, max_iter=100):", "Lloyd's algorithm.", """\
    M = np.array(M0, dtype=float)          # 1. initialise (a copy)
    Y = assign(X, M)                       # 2a. assign
    losses = []
    for _ in range(max_iter):
        M = update_means(X, Y, M)          # 2b. update
        losses.append(float(kmeans_loss(X, Y, M)))
        Y_new = assign(X, M)
        if np.array_equal(Y_new, Y):       # 3. stop when the assignment stops changing
            break
        Y = Y_new
    return M, Y, losses
"""),
    "broadcast": cell("def lloyd(X, M0, max_iter=100):", "Lloyd's algorithm.", """\
    centroids = M0.copy()
    labels = assign(X, centroids)
    history = []
    it = 0
    while it < max_iter:
        centroids = update_means(X, labels, centroids)
        history.append(kmeans_loss(X, labels, centroids))
        new_labels = assign(X, centroids)
        it += 1
        if (new_labels == labels).all():
            break
        labels = new_labels
    return centroids, labels, history
"""),
    "expansion": cell("def lloyd(X, M0, max_iter=100):", "Lloyd's algorithm.", """\
    M = M0.astype(float).copy()
    Y = assign(X, M)
    out = []
    changed = True
    n = 0
    while changed and n < max_iter:
        M = update_means(X, Y, M)
        out.append(float(kmeans_loss(X, Y, M)))
        Y2 = assign(X, M)
        changed = not np.array_equal(Y, Y2)
        Y = Y2 if changed else Y
        n = n + 1
    return M, Y, out
"""),
}
EXERCISES = {"sq_distances": SQ_DISTANCES, "update_means": UPDATE_MEANS, "lloyd": LLOYD}
STUBS = {ex: stub_of(group["loop"]) for ex, group in EXERCISES.items()}


def honest_class():
    """Students "loop", "broadcast", "expansion": each wrote every exercise their own way."""
    return {style: {ex: group[style] for ex, group in EXERCISES.items()} for style in SQ_DISTANCES}


# --------------------------------------------------------------------------------------
# Winnowing and normalisation
# --------------------------------------------------------------------------------------

def test_winnowing_selects_the_papers_fingerprints():
    # Schleimer, Wilkerson & Aiken (2003), Figure 2: windows of 4 over these 5-gram hashes
    # (77 74 42 17) -> 17@3, (74 42 17 98) -> 17@3, (42 17 98 50) -> 17@3,
    # (17 98 50 17) -> tie: 17@3 is still in the window and minimal, kept,
    # (98 50 17 98) -> 17@6, (50 17 98 8) -> 8@8 ... (88 67 39 77) -> 39@11 ...
    # (77 74 42 17) -> 17@15, (74 42 17 98) -> 17@15.
    hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]
    assert winnow(hashes, window=4).tolist() == [3, 6, 8, 11, 15]


def test_winnowing_ties_keep_the_previous_choice_and_short_sequences_are_one_window():
    # [1, 1, 1, 1, 1], window 2: (0,1) -> rightmost 1; (1,2) -> 1 still minimal, kept;
    # (2,3) -> 1 left the window, rightmost 3; (3,4) -> 3 kept. A naive "rightmost
    # minimum of every window" would select 1, 2, 3, 4.
    assert winnow([1, 1, 1, 1, 1], window=2).tolist() == [1, 3]
    assert winnow([5, 3, 4], window=4).tolist() == [1]          # one window: its minimum
    assert winnow([], window=4).tolist() == []
    # density: among distinct random hashes about 2 / (w + 1) are selected
    rng = np.random.default_rng(0)
    selected = winnow(rng.permutation(100_000), window=4)
    assert 0.37 < len(selected) / 100_000 < 0.43


def test_normalisation_ignores_names_comments_docstrings_and_layout_but_keeps_the_operations():
    a = fingerprint('def f(X, M):\n    """Doc."""\n    # comment\n\n    return np.argmin(X - M, axis=0)\n')
    b = fingerprint("def g(points, centres): return np.argmin(points-centres,\n    axis = 0)")
    c = fingerprint("def f(X, M):\n    return np.argmax(X - M, axis=0)\n")     # another numpy call
    d = fingerprint("def f(X, M):\n    return np.argmin(X - M, axis=1.5)\n")   # int vs float: both NUM
    assert a.tokens == b.tokens == d.tokens
    # one statement end per statement (";"), none after the ":" that opens a block
    assert a.tokens == ("def", "V", "(", "V", ",", "V", ")", ":", "return", "V", ".", "argmin", "(",
                        "V", "-", "V", ",", "axis", "=", "NUM", ")", ";")
    assert a.tokens != c.tokens
    assert similarity(a, b) == 1.0 and similarity(a, c) < 1.0
    # line numbers point into the original source: "argmin" is on line 5 of a
    assert a.token_lines[a.tokens.index("argmin")].tolist() == [5, 5]


def test_fingerprints_are_stable_across_processes():
    """Python's hash() is salted per process; the fingerprints must not be."""
    source = LLOYD["loop"]
    code = ("import sys; from autograder.integrity.similarity import fingerprint; "
            "print(fingerprint(sys.stdin.read()).hashes.tolist())")
    out = subprocess.run([sys.executable, "-c", code], input=source, capture_output=True, text=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == fingerprint(source).hashes.tolist()


def _tokenize_significant(source):
    out = []
    for t in tokenize.generate_tokens(io.StringIO(source).readline):
        if t.type == tokenize.NEWLINE:
            out.append(("NEWLINE", "", t.start[0], t.start[0]))
        elif t.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            out.append((tokenize.tok_name[t.type], t.string, t.start[0], t.end[0]))
    return out


def test_the_fast_lexer_reads_exactly_what_tokenize_reads():
    sources = [p.read_text() for d in ("kmeans_ref", "autograder") for p in sorted((ROOT / d).glob("*.py"))]
    sources += [s for group in EXERCISES.values() for s in group.values()]
    sources += ['x = rb"a\\"b" + f\'{y!r}\' + """t\n"""  # c\ny = (1,\n     2.5e-3j)\\\n\nz = 0x_1F; w = ...']
    for source in sources:
        assert sim._lex(source) == _tokenize_significant(source)


@pytest.mark.parametrize("source", [
    "def broken(:\n    return 1",
    "x = 'unterminated\ny = x + 1",
    's = """never closed\nmore',
    "def f():\n        a = 1\n    b = 2\n",          # inconsistent dedent
    "x = (1, 2\n",                                  # unbalanced bracket
    "a $= b ? c\n",                                 # characters that start no token
    "\x00\x01 garbage \ufeff",
    "",
    "# only a comment",
])
def test_syntax_errors_do_not_crash(source):
    fp = fingerprint(source)
    assert len(fp.selected) <= max(len(fp.kgrams), 0)
    similar_pairs({"a": {"ex": source}, "b": {"ex": source}}, min_tokens=1)
    reference_closeness({"a": {"ex": source}}, reference_sources={"ex": source}, min_tokens=1)


def test_broken_copies_are_still_compared():
    broken = LLOYD["loop"].replace("for _ in range(max_iter):", "for _ in range(max_iter)") + "x = '\n"
    fp = fingerprint(broken)
    assert fp.n_tokens > 0.9 * fingerprint(LLOYD["loop"]).n_tokens   # the lines after the error still count
    assert similarity(fp, fingerprint(rename(LLOYD["loop"]))) > 0.7
    fingerprint(None)   # not even a string: an empty fingerprint, no exception


# --------------------------------------------------------------------------------------
# Pairs of students
# --------------------------------------------------------------------------------------

def test_a_renamed_copy_is_found_with_its_evidence():
    subs = honest_class()
    subs["copier"] = {ex: rename(source) for ex, source in subs["loop"].items()}
    pairs = similar_pairs(subs, baseline=STUBS)
    assert [(p.student_a, p.student_b) for p in pairs] == [("copier", "loop")]
    pair = pairs[0]
    assert pair.score > 0.9
    assert set(pair.exercises) == {"sq_distances", "update_means", "lloyd"}
    ev = {e.exercise: e for e in pair.evidence}["lloyd"]
    # the body (lines 4-14 of both) matches; the signature and docstring are the skeleton's, not evidence
    assert ev.lines_a and ev.lines_b and ev.lines_a[0][0] >= 3 and ev.lines_b[0][0] >= 3
    assert "update_means" in ev.snippet_b and "my_update_means_" in ev.snippet_a
    json.dumps([p.to_dict() for p in pairs])


def test_reordered_functions_reformatting_and_comments_do_not_hide_a_copy():
    original = '''def _pairwise(A, B):
    """Squared distances between the columns of A and of B."""
    diff = A[:, :, None] - B[:, None, :]
    return np.einsum("dkn,dkn->kn", diff, diff)


def _nearest(D):
    z = np.argmin(D, axis=0)        # lowest index on ties
    k = D.shape[0]
    Y = np.zeros((k, D.shape[1]))
    Y[z, np.arange(D.shape[1])] = 1.0
    return Y


def assign(X, M):
    D = _pairwise(M, X)
    return _nearest(D)
'''
    blocks = original.split("\n\n\n")
    disguised = rename("\n\n\n".join([blocks[2], blocks[0], blocks[1]]))     # reordered and renamed
    disguised = disguised.replace("\n", "\n\n").replace("(", "( ")             # spacing
    disguised = "# I wrote this myself\n" + disguised.replace("return", "# result\n    return")
    a, b = fingerprint(original), fingerprint(disguised)
    assert similarity(a, b) > 0.8
    pairs = similar_pairs({"ann": {"assign": original}, "bob": {"assign": disguised}}, min_exercises=1,
                          long_tokens=0)
    assert [(p.student_a, p.student_b) for p in pairs] == [("ann", "bob")]


def test_independent_correct_solutions_are_not_flagged():
    subs = honest_class()
    assert similar_pairs(subs, baseline=STUBS) == []
    # not vacuous: the solutions are long enough to be compared, and every pair scores low
    loose = similar_pairs(subs, baseline=STUBS, threshold=0.0, min_exercises=1)
    assert len(loose) == 3
    scores = [e.score for p in loose for e in p.evidence]
    assert scores and max(scores) < 0.5
    for group in EXERCISES.values():       # the same without the skeleton's help
        styles = list(group)
        for i, a in enumerate(styles):
            for b in styles[i + 1:]:
                assert similarity(fingerprint(group[a]), fingerprint(group[b])) < 0.5


def test_the_skeleton_everyone_starts_from_is_not_evidence():
    given = '''def kmeans_plus_plus(X, k, rng):
    """k-means++ seeding."""
    X = np.asarray(X, dtype=float)
    d, N = X.shape
    M = np.empty((d, k))
    first = rng.integers(N)
    M[:, 0] = X[:, first]
    closest = np.full(N, np.inf)
    for j in range(1, k):
        # YOUR CODE HERE
        raise NotImplementedError()
    assert M.shape == (d, k), f"expected {(d, k)}, got {M.shape}"
    assert np.all(np.isfinite(M)), "every centroid must be a point of X"
    return M
'''
    body_a = '''        diff = X - M[:, j - 1][:, None]
        closest = np.minimum(closest, np.sum(diff * diff, axis=0))
        probabilities = closest / closest.sum()
        M[:, j] = X[:, rng.choice(N, p=probabilities)]
'''
    body_b = '''        last = M[:, [j - 1]]
        dist = ((X - last) ** 2).sum(axis=0)
        closest = np.where(dist < closest, dist, closest)
        weights = closest / np.sum(closest)
        idx = rng.choice(np.arange(N), p=weights)
        M[:, j] = X[:, idx]
'''
    placeholder = "        # YOUR CODE HERE\n        raise NotImplementedError()\n"
    subs = {"ann": {"kmeans_plus_plus": given.replace(placeholder, body_a)},
            "bob": {"kmeans_plus_plus": given.replace(placeholder, body_b)}}
    # Without the skeleton, the given lines alone make the two look alike ...
    assert similar_pairs(subs, threshold=0.5, min_exercises=1)
    # ... with it, what remains is each student's own code, and it differs.
    assert similar_pairs(subs, threshold=0.5, min_exercises=1, baseline={"kmeans_plus_plus": given}) == []
    # and a copy of the own part is still found through the skeleton
    subs["cy"] = {"kmeans_plus_plus": rename(subs["ann"]["kmeans_plus_plus"])}
    pairs = similar_pairs(subs, min_exercises=1, long_tokens=0, baseline={"kmeans_plus_plus": given})
    assert [(p.student_a, p.student_b) for p in pairs] == [("ann", "cy")]
    ev = pairs[0].evidence[0]
    assert all(9 <= start and end <= 14 for start, end in ev.lines_a)   # only the body's lines


def test_short_solutions_and_single_medium_exercises_are_not_enough():
    short = "def assign(X, M):\n    return one_hot(np.argmin(sq_distances(X, M), axis=0), M.shape[1])\n"
    subs = {s: {"assign": short, "reconstruct": "def reconstruct(M, Y):\n    return M @ Y\n"} for s in "abc"}
    assert similar_pairs(subs) == []                   # identical, but short answers are alike by nature
    # one medium exercise alike (30 <= own tokens < 90, here 73): not enough alone ...
    medium = UPDATE_MEANS["loop"]
    subs = {"a": {"update_means": medium}, "b": {"update_means": rename(medium)}}
    own = sim._prepare("a", medium, sim._Skeleton(STUBS["update_means"]), {}).own_tokens
    assert 30 <= own < 90
    assert similar_pairs(subs, baseline=STUBS) == []
    # ... two alike exercises list the pair ...
    subs["a"]["sq_distances"] = SQ_DISTANCES["expansion"]
    subs["b"]["sq_distances"] = rename(SQ_DISTANCES["expansion"])
    assert [p.exercises for p in similar_pairs(subs, baseline=STUBS)] == [("sq_distances", "update_means")]
    assert similar_pairs(subs, baseline=STUBS, min_exercises=3) == []
    # ... and so does one long one (own tokens >= 3 * min_tokens = 90; this Lloyd loop has 95)
    subs = {"a": {"lloyd": LLOYD["loop"]}, "b": {"lloyd": rename(LLOYD["loop"])}}
    assert [p.exercises for p in similar_pairs(subs, baseline=STUBS)] == [("lloyd",)]
    assert similar_pairs(subs, baseline=STUBS, long_tokens=100) == []


def test_code_that_much_of_the_class_shares_is_an_idiom_not_a_copy():
    solution = LLOYD["loop"]
    two = {"a": {"lloyd": solution}, "b": {"lloyd": rename(solution)}}
    assert len(similar_pairs(two, baseline=STUBS, min_exercises=1, long_tokens=0)) == 1
    # the same code in 12 submissions: every fingerprint is held by more than 10 students
    many = {f"s{i:02d}": {"lloyd": rename(solution, prefix=f"p{i}_")} for i in range(12)}
    assert similar_pairs(many, baseline=STUBS, min_exercises=1, long_tokens=0) == []
    # max_share=1 turns the idiom filter off
    assert len(similar_pairs(many, baseline=STUBS, min_exercises=1, long_tokens=0, max_share=1.0)) == 66


# --------------------------------------------------------------------------------------
# Closeness to kmeans_ref
# --------------------------------------------------------------------------------------

def _largest_private_worker():
    """(exercise, source) of the longest private worker in the reference's sources, pasted
    under the exercise's signature as a student would (its docstring left out)."""
    best = None
    for name in ["sq_distances", "assign", "update_means", "lloyd", "update_medians", "kmedians",
                 "loss_gradient", "gradient_descent", "kmeans_plus_plus", "quantize"]:
        source = reference_source(name)
        tree = ast.parse(source)
        public = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
        lines = source.splitlines()
        for worker in tree.body:
            if not isinstance(worker, ast.FunctionDef) or not worker.name.startswith("_"):
                continue
            first = worker.body[0].end_lineno if isinstance(worker.body[0], ast.Expr) else worker.body[0].lineno - 1
            body = lines[first:worker.end_lineno]
            if best is None or len(body) > len(best[1]):
                best = (name, body, lines[public.lineno - 1])
    name, body, signature = best
    return name, signature + "\n" + "\n".join(body) + "\n"


@pytest.mark.parametrize("name", ["lloyd", "kmeans_plus_plus", "update_means"])
def test_the_reference_copied_and_renamed_is_found(name):
    copied = rename(reference_source(name))
    matches = reference_closeness({"eve": {name: copied}, "loop": {name: LLOYD["loop"]}})
    assert [m.student for m in matches] == ["eve"]
    assert matches[0].score > 0.9
    assert matches[0].evidence.source_b == reference_source(name)


def test_a_private_worker_of_the_reference_pasted_under_the_signature_is_found():
    name, pasted = _largest_private_worker()
    copied = rename(pasted)
    assert fingerprint(copied).n_tokens >= 40, copied
    matches = reference_closeness({"fay": {name: copied}})
    assert [m.student for m in matches] == ["fay"], (name, copied)
    ev = matches[0].evidence
    assert matches[0].score > 0.8 and ev.lines_a and ev.lines_b
    # the evidence points at the worker's lines in the reference
    ref_lines = reference_source(name).splitlines()
    matched = {ref_lines[n - 1].strip() for start, end in ev.lines_b for n in range(start, end + 1)}
    # (comment lines carry no tokens, so only code lines can be evidence)
    code_lines = {line.strip() for line in pasted.splitlines()[1:] if line.strip() and not line.strip().startswith("#")}
    assert code_lines <= matched


def test_independent_solutions_are_not_close_to_a_reference():
    subs = honest_class()
    # a reference written in the test, so the check does not depend on kmeans_ref's internals
    reference = {"sq_distances": SQ_DISTANCES["broadcast"], "update_means": UPDATE_MEANS["broadcast"]}
    flagged = {(m.student, m.exercise) for m in reference_closeness(subs, reference_sources=reference,
                                                                     baseline=STUBS)}
    assert flagged == {("broadcast", "sq_distances"), ("broadcast", "update_means")}   # the reference itself
    copy = {"ivy": {ex: rename(src) for ex, src in reference.items()}}
    assert len(reference_closeness(copy, reference_sources=reference, baseline=STUBS)) == 2
    # the default reference: a loop over observations is nothing like it
    assert reference_closeness({"loop": {"sq_distances": SQ_DISTANCES["loop"]}}, baseline=STUBS) == []


# --------------------------------------------------------------------------------------
# The course's own notebooks
# --------------------------------------------------------------------------------------

def _model_solutions():
    notebooks = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    if not notebooks:
        pytest.skip("no lesson notebooks in solutions/")
    cells = {}
    for path in notebooks:
        cells.update(sim.solution_cells(json.loads(path.read_text())))
    return cells


def test_the_lessons_model_answers_are_not_close_to_the_reference_and_a_copy_of_them_is_found():
    model = _model_solutions()
    baseline = {ex: stub_of(source) for ex, source in model.items()}
    # a student who writes the model answer is not reported as close to kmeans_ref
    assert reference_closeness({"model": model}, baseline=baseline) == []
    # a classmate who renames the model answers is reported, on every long enough exercise
    subs = {"model": model, "copy": {ex: rename(source) for ex, source in model.items()}}
    pairs = similar_pairs(subs, baseline=baseline)
    assert [(p.student_a, p.student_b) for p in pairs] == [("copy", "model")]
    assert len(pairs[0].exercises) >= len(model) // 2 and pairs[0].score > 0.9


# --------------------------------------------------------------------------------------
# Report fragment
# --------------------------------------------------------------------------------------

def test_the_html_fragment_escapes_names_and_code():
    evil = "<script>alert(1)</script>"
    subs = {evil: {"lloyd": LLOYD["loop"] + "    # </pre><b>\n", "update_means": UPDATE_MEANS["loop"]},
            "bob": {"lloyd": rename(LLOYD["loop"]), "update_means": rename(UPDATE_MEANS["loop"])}}
    pairs = similar_pairs(subs, baseline=STUBS)
    matches = reference_closeness({evil: {"update_medians": rename(reference_source("update_medians"))}})
    assert pairs and matches and isinstance(pairs[0], Pair)
    out = render_html(pairs, matches)
    assert "<script>" not in out and "&lt;script&gt;" in out and "</pre><b>" not in out
    assert out.count("<table") == 2 and "<mark>" in out
    assert "No pair" in render_html([], matches) and "No submission" in render_html(pairs, [])


# --------------------------------------------------------------------------------------
# Scale: 500 students x 20 exercises
# --------------------------------------------------------------------------------------

_NAMES = ["a", "b", "c", "tmp", "acc", "best", "dist", "out", "val", "sel", "cur", "res", "w", "s", "t", "u"]
_TEMPLATES = [
    "{v} = np.{f}({a} {op} {b}, axis={n})",
    "{v} = {a}.{m}(axis={n}){idx}",
    "for {i} in range({a}.shape[{n}]):\n        {v}[{i}] = np.{f}({b}[:, {i}] {op} {c})",
    "if np.{g}({a} {cmp} {b}):\n        {v} = {a}.{m}()",
    "{v} = {a} {op} {b} {op2} {c}",
    "{v} = np.{j}(({a}, {b}), axis={n})",
    "while {a}.{m}() {cmp} {n}:\n        {a} = {a} {op} {b}",
    "{v} = [{a}[{i}] for {i} in range({n}) if {b}[{i}] {cmp} {c}]",
]


def _statement(rng):
    c = rng.choice
    return c(_TEMPLATES).format(
        v=c(_NAMES), a=c(_NAMES), b=c(_NAMES), c=c(_NAMES), i=c("ijk"), n=rng.randrange(4),
        f=c(["sum", "mean", "max", "min", "argmin", "argmax", "median", "abs", "sqrt", "square", "cumsum"]),
        m=c(["sum", "mean", "max", "min", "argmin", "argmax", "std", "var", "copy", "ravel"]),
        op=c("+-*/@"), op2=c("+-*/@"), cmp=c(["<", ">", "==", "<=", ">=", "!="]), g=c(["any", "all"]),
        j=c(["concatenate", "stack", "vstack", "hstack"]), idx=c(["", "[:, None]", "[None, :]", ".T"]))


def test_a_class_of_500_students_and_20_exercises_is_compared_in_seconds():
    rng = random.Random(0)
    exercises = [f"ex{e:02d}" for e in range(20)]
    stubs = {ex: f'def {ex}(X, M, k):\n    """Exercise {ex}."""\n    # YOUR CODE HERE\n'
                 f'    raise NotImplementedError()\n' for ex in exercises}
    subs = {}
    for s in range(500):
        subs[f"s{s:03d}"] = {
            ex: stubs[ex].split("    # YOUR")[0]
            + "".join(f"    {_statement(rng)}\n" for _ in range(rng.randint(6, 10))) + "    return out\n"
            for ex in exercises}
    planted = set()
    for _ in range(10):          # ten copiers, each copying three exercises with a disguise
        a, b = rng.sample(sorted(subs), 2)
        for ex in rng.sample(exercises, 3):
            subs[b][ex] = "# my own work\n" + rename(subs[a][ex], prefix="z").replace(" = ", "=")
        planted.add(tuple(sorted((a, b))))

    start = time.perf_counter()
    pairs = similar_pairs(subs, baseline=stubs)
    seconds = time.perf_counter() - start
    print(f"\nsimilar_pairs: 500 students x 20 exercises in {seconds:.2f} s")
    assert {(p.student_a, p.student_b) for p in pairs} == planted
    assert seconds < 120     # generous: a few seconds on one core; the point is no O(n^2) blow-up
