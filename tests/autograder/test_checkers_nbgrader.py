"""check() in a real kernel, read by nbgrader: partial credit AND the diagnosis reach grade and Validate."""

import nbformat
import pytest
from nbconvert.filters import strip_ansi
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.slow

nbclient = pytest.importorskip("nbclient")
from nbgrader.utils import determine_grade  # noqa: E402
from nbgrader.validator import Validator  # noqa: E402

K_FROM_LABELS = """def one_hot(z, k):
    z = np.asarray(z)
    if np.any(z < 0) or np.any(z >= k):
        raise ValueError("labels must lie in 0..k-1")
    Y = np.zeros((z.max() + 1, len(z)))
    Y[z, np.arange(len(z))] = 1
    return Y"""


def _meta(**fields):
    nbgrader = {"grade": False, "solution": False, "locked": True, "schema_version": 3}
    nbgrader.update(fields)
    return {"nbgrader": nbgrader}


def _test_cell(source, grade_id, points=1):
    return new_code_cell(source, metadata=_meta(grade=True, points=points, grade_id=grade_id))


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_code_cell("import numpy as np\nfrom autograder import check", metadata=_meta(grade_id="setup")),
        new_code_cell(K_FROM_LABELS, metadata=_meta(solution=True, locked=False, grade_id="one_hot")),
        _test_cell('check("one_hot", one_hot)', "test_one_hot"),
        _test_cell('### BEGIN HIDDEN TESTS\ncheck("one_hot", one_hot, hidden=True)\n### END HIDDEN TESTS',
                   "test_one_hot_hidden"),
        new_code_cell("def assign(X, M):\n    raise NotImplementedError()",
                      metadata=_meta(solution=True, locked=False, grade_id="assign")),
        _test_cell('check("assign", assign)', "test_assign"),
        new_code_cell("def reconstruct(M, Y):\n    return M @ Y",
                      metadata=_meta(solution=True, locked=False, grade_id="reconstruct")),
        _test_cell('check("reconstruct", reconstruct)', "test_reconstruct"),
        new_code_cell('r = check("one_hot", one_hot)  # not displayed: no note'),
    ]
    path = tmp_path_factory.mktemp("nb") / "lesson.ipynb"
    nbformat.write(nb, path)
    executed = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(executed, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return path, executed


def _outputs(cell, kind, name=None):
    return [o for o in cell.outputs if o.output_type == kind and (name is None or o.get("name") == name)]


def test_partial_credit_is_graded_and_explained(notebook):
    _, nb = notebook
    cell = nb.cells[2]
    assert determine_grade(cell) == (0.5, 1.0)
    kinds = [o.output_type for o in cell.outputs]
    assert kinds == ["execute_result", "stream"]  # the score first, then the diagnosis on stderr
    assert cell.outputs[0]["data"]["text/plain"] == "0.5"
    html = cell.outputs[0]["data"]["text/html"]
    assert "raises ValueError for labels outside 0..k-1" in html  # the checklist...
    assert "max(z) + 1 rows instead of k" not in html  # ...but the diagnosis only once, on stderr
    note = cell.outputs[1]
    assert note.name == "stderr" and note.text.startswith("Partial credit: one_hot: 0.5 / 1 points")
    assert note.text.count("max(z) + 1 rows instead of k") == 1
    assert "passed:" not in note.text  # the criteria are in the checklist above it
    assert max(len(line) for line in note.text.splitlines()) <= 72  # fits Validate's box
    hidden = nb.cells[3]
    assert determine_grade(hidden)[0] < 1.0 and "max(z) + 1 rows" in _outputs(hidden, "stream", "stderr")[0].text


def test_zero_raises_a_short_self_contained_error(notebook):
    _, nb = notebook
    cell = nb.cells[5]
    assert determine_grade(cell) == (0, 1.0)
    (error,) = _outputs(cell, "error")
    assert error.ename == "CheckFailed"
    text = strip_ansi("\n".join(error.traceback))
    assert "not implemented yet" in text
    assert "run_check" not in text and "_framework" not in text  # the checker's frames stay hidden
    assert len(text.splitlines()) < 20
    assert max(len(line) for line in error.evalue.splitlines()) <= 72  # fits Validate's box


def test_full_marks_and_silence(notebook):
    _, nb = notebook
    cell = nb.cells[7]
    assert determine_grade(cell) == (1.0, 1.0)
    assert [o.output_type for o in cell.outputs] == ["execute_result"]
    assert _outputs(nb.cells[8], "stream", "stderr") == []  # a result that is not displayed adds no note
    assert _outputs(nb.cells[0], "stream", "stderr") == []  # importing the checker is silent


def test_validate_shows_the_diagnosis_of_partial_and_failed_cells(notebook):
    path, _ = notebook
    results = Validator().validate(str(path))
    failed = {item["source"]: item["raw_error"] for item in results["failed"]}
    assert set(failed) == {'check("one_hot", one_hot)', 'check("assign", assign)',
                           '### BEGIN HIDDEN TESTS\ncheck("one_hot", one_hot, hidden=True)\n### END HIDDEN TESTS'}
    assert "max(z) + 1 rows instead of k" in failed['check("one_hot", one_hot)']
    assert "not implemented yet" in failed['check("assign", assign)']


def test_a_person_at_the_notebook_reads_the_diagnosis_once_in_the_html():
    """A frontend a person uses (its execute requests allow input) gets the whole diagnosis as
    HTML and no stderr box; the score it reads is the same."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        setup = "import numpy as np\nfrom autograder import check\n" + K_FROM_LABELS
        assert kc.execute_interactive(setup, allow_stdin=True, timeout=60)["content"]["status"] == "ok"
        runs = {}
        for person in (True, False):
            outputs = []
            kc.execute_interactive('check("one_hot", one_hot)', allow_stdin=person, timeout=60,
                                   output_hook=lambda msg: outputs.append(msg))
            runs[person] = [(m["msg_type"], m["content"]) for m in outputs
                            if m["msg_type"] in ("execute_result", "stream", "display_data", "error")]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    (kind, result), = runs[True]
    assert kind == "execute_result" and result["data"]["text/plain"] == "0.5"
    assert result["data"]["text/html"].count("max(z) + 1 rows instead of k") == 1
    assert "word-break:normal" in result["data"]["text/html"]  # not the frontend's break-all
    assert [kind for kind, _ in runs[False]] == ["execute_result", "stream"]  # Validate's run
    assert runs[False][0][1]["data"]["text/plain"] == "0.5"
