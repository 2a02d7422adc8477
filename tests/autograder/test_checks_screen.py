"""What check() tells the student: which exercise to fix first, and plain text that fits a narrow box."""

import importlib.util
import textwrap

import pytest

from autograder import CheckFailed, check, run_check
from autograder.checks import dependencies
from autograder.checks.results import WIDTH, wrap_report

LLOYD = '''
def lloyd(X, M0, max_iter=100):
    M = np.array(M0, dtype=float)
    Y = assign(X, M)
    losses = []
    for _ in range(max_iter):
        M = update_means(X, Y, M)
        losses.append(float(kmeans_loss(X, Y, M)))
        Y_new = assign(X, M)
        if np.array_equal(Y_new, Y):
            break
        Y = Y_new
    return M, Y, losses
'''
ASSIGN = '''
def assign(X, M):
    return one_hot(np.argmin(sq_distances(X, M), axis=0), M.shape[1])
'''
NAN_UPDATE = '''
def update_means(X, Y, M_prev):
    return (X @ Y.T) / Y.sum(axis=1)   # no rule for an empty cluster
'''
GOOD_UPDATE = '''
def update_means(X, Y, M_prev):
    n = Y.sum(axis=1)
    M = np.array(M_prev, dtype=float)
    M[:, n > 0] = (X @ Y.T)[:, n > 0] / n[n > 0]
    return M
'''


def _notebook(tmp_path, *sources):
    """A module standing in for a notebook: its functions have source and share its globals."""
    path = tmp_path / f"nb{len(list(tmp_path.iterdir()))}.py"
    path.write_text("import numpy as np\nfrom kmeans_ref import one_hot, sq_distances, kmeans_loss\n"
                    + "\n".join(sources))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_correct_lloyd_on_a_failing_update_means_says_to_fix_update_means_first(tmp_path):
    nb = _notebook(tmp_path, ASSIGN, NAN_UPDATE, LLOYD)
    plain = run_check("lloyd", nb.lloyd)
    result = check("lloyd", nb.lloyd)
    assert 0 < result.score < result.possible and result.score == plain.score  # the score is the checker's
    assert result.diagnosis[0] == dependencies.note("lloyd", ["update_means"])
    assert "your lloyd calls your update_means" in result.diagnosis[0]
    assert "fix update_means first" in result.diagnosis[0]
    assert "assign" not in result.diagnosis[0]  # assign passes its checks


def test_no_note_when_the_callee_passes_or_is_only_mentioned(tmp_path):
    nb = _notebook(tmp_path, ASSIGN, GOOD_UPDATE, LLOYD.replace("max_iter):", "max_iter - 1):"))
    result = check("lloyd", nb.lloyd)
    assert result.score < result.possible
    assert not any("fix" in m and "first" in m for m in result.diagnosis)
    # update_means fails, but lloyd only names it in a comment and a string: it calls the reference
    mentions = LLOYD.replace("update_means(X, Y, M)", "ref_update(X, Y, M)  # not update_means") \
                    .replace("    M = np.array", "    _ = 'update_means'\n    M = np.array")
    nb = _notebook(tmp_path, ASSIGN, NAN_UPDATE, "from kmeans_ref import update_means as ref_update",
                   mentions.replace("max_iter):", "max_iter - 1):"))
    assert run_check("update_means", nb.update_means).score < 2
    result = check("lloyd", nb.lloyd)
    assert result.score < result.possible
    assert not any("update_means first" in m for m in result.diagnosis)


def test_the_callee_is_the_one_the_function_sees(tmp_path):
    # lloyd's own namespace has the reference update_means; a failing one elsewhere is not what it calls
    nb = _notebook(tmp_path, ASSIGN, "from kmeans_ref import update_means",
                   LLOYD.replace("max_iter):", "max_iter - 1):"))
    update_means = _notebook(tmp_path, NAN_UPDATE).update_means  # noqa: F841 - the caller's, not lloyd's
    assert run_check("lloyd", nb.lloyd).score < 2
    assert dependencies.failing_callees("lloyd", nb.lloyd) == []
    assert dependencies.failing_callees("lloyd", lambda X, M0, max_iter=100: None) == []  # calls nothing


def test_a_zero_score_names_the_cause_in_its_message(tmp_path):
    # assign is still the stub: lloyd, which calls it, raises on every case
    stub = "def assign(X, M):\n    raise NotImplementedError()\n"
    nb = _notebook(tmp_path, stub, GOOD_UPDATE, LLOYD)
    with pytest.raises(CheckFailed) as info:
        check("lloyd", nb.lloyd)
    message = str(info.value)
    assert info.value.result.score == 0
    assert "your lloyd calls your assign, which fails its own checks: fix assign first" in " ".join(message.split())
    assert "update_means" not in message.split("diagnosis:")[1].splitlines()[1]  # it passes: not named
    assert max(len(line) for line in message.splitlines()) <= WIDTH


def test_clean_room_and_kernel_read_the_same_names():
    source = "def lloyd(X, M0):\n    # update_means is not called here\n    return assign(X, M0), 'update_means'\n"
    assert dependencies.referenced(source, ["assign", "update_means", "lloyd"]) == ["assign"]
    assert dependencies.referenced("def broken(:\n", ["assign"]) == []
    assert dependencies.referenced("    return assign(X, M)\n", ["assign"]) == ["assign"]  # an indented body
    assert dependencies.note("kmeans", ["assign", "update_means"]).startswith(
        "Note: your kmeans calls your assign and update_means, which fail their own checks: "
        "fix assign and update_means first")


# --------------------------------------------------------------------------- plain text for narrow boxes
def test_reports_wrap_prose_at_word_boundaries_and_leave_code_whole():
    namespace = {}
    exec(textwrap.dedent(NAN_UPDATE), namespace)
    result = run_check("update_means", namespace["update_means"])
    text = result.summary()
    wrapped = result.summary(width=WIDTH)
    assert wrapped.split() == text.split()  # only line breaks moved: no word cut or lost
    long_lines = [line for line in text.splitlines() if len(line) > WIDTH]
    assert long_lines, "nothing to wrap: the test needs a longer diagnosis"
    assert max(len(line) for line in wrapped.splitlines()) <= WIDTH
    for row in ("[[ 3.3333,  7.    ,  4.5   ],", "[[3.3333,    nan, 4.5   ],"):
        assert any(line.strip() == row for line in wrapped.splitlines())
    # a bullet's continuation lines stay under it (the feedback reads bullets by their indent)
    bullet = wrap_report("    - " + "word " * 30, width=40).splitlines()
    assert bullet[0].startswith("    - ") and all(line.startswith("      ") for line in bullet[1:])
    rows = "          [[0. , 1. , 2. , 3. , 4. , 5. , 6. , 7. , 8.5, 9. , 10. , 11. , 12. ],"
    assert wrap_report(rows) == rows  # data is never cut
    quote = "      at line 21 of lloyd: losses.append(float(kmeans_loss(X, Y, M_previous_centroids)))"
    assert wrap_report(quote) == quote[:WIDTH - 4] + " ..."  # the line number says where the rest is
    assert wrap_report("      " + "x" * 100) == "      " + "x" * 100  # a token is never split


def test_the_html_wraps_at_spaces_and_leaves_the_diagnosis_out_only_when_it_follows_on_stderr():
    namespace = {}
    exec(textwrap.dedent(NAN_UPDATE), namespace)
    result = run_check("update_means", namespace["update_means"])
    html = result._repr_html_()  # not in a kernel: nothing follows, the HTML has it all
    assert "Keep the previous centroid" in html and "break-all" not in html
    assert html.count("word-break:normal") >= 2  # the box and every <pre>
    assert "Keep the previous centroid" not in result.html(diagnosis=False)
    assert "empty clusters keep M_prev&#x27;s column" in result.html(diagnosis=False)
