"""nbgrader's Validate runs a lesson in a kernel that draws no figures (autograder.validating)."""
import os
import types

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import validating

SETUP = "import matplotlib\nimport matplotlib.pyplot as plt\nfrom autograder import check"
FIGURE = "fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0])\nprint(matplotlib.get_backend().lower())"
OPEN_FIGURES = "print(len(plt.get_fignums()))"


def run(cells, validating_env):
    """Execute ``cells`` in a real kernel; the executed notebook."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    env = {key: value for key, value in os.environ.items() if key not in ("MPLBACKEND", "NBGRADER_VALIDATING")}
    if validating_env:
        env["NBGRADER_VALIDATING"] = "1"  # what nbgrader's Validator sets around its kernel
    NotebookClient(nb, timeout=60, kernel_name="python3").execute(env=env)
    return nb


def stdout(cell):
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def images(cell):
    return [out for out in cell.outputs if "image/png" in out.get("data", {})]


def test_a_validating_kernel_draws_no_figure_and_closes_them_after_each_cell():
    nb = run([SETUP, FIGURE, OPEN_FIGURES], validating_env=True)
    assert stdout(nb.cells[1]).strip() == "agg"
    assert images(nb.cells[1]) == []
    assert stdout(nb.cells[2]).strip() == "0"


def test_a_students_kernel_still_draws_inline():
    nb = run([SETUP, FIGURE, OPEN_FIGURES], validating_env=False)
    assert "inline" in stdout(nb.cells[1])
    assert len(images(nb.cells[1])) == 1
    assert stdout(nb.cells[2]).strip() == "0"


def test_a_plotting_cell_that_raises_still_fails_validate():
    with pytest.raises(CellExecutionError, match="x and y must have same first dimension"):
        run([SETUP, "plt.plot([1, 2, 3], [1, 2])"], validating_env=True)


def test_outside_validate_nothing_changes():
    environ, modules = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}, {}
    assert validating.draw_no_figures_when_validating(environ, modules) is False
    assert environ == {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def test_pyplot_not_yet_imported_chooses_agg_through_the_environment():
    environ = {"NBGRADER_VALIDATING": "1"}
    assert validating.draw_no_figures_when_validating(environ, {"IPython": types.SimpleNamespace(get_ipython=lambda: None)}) is True
    assert environ["MPLBACKEND"] == "agg"


def test_nbgraders_validate_runs_the_notebook_with_agg_and_no_animation_frames(tmp_path):
    """nbgrader's own Validator (what the Validate button calls) sets what the kit reads."""
    from nbgrader.validator import Validator

    test_cell = nbformat.v4.new_code_cell(
        SETUP + "\n"
        "import numpy as np\n"
        "from kmeans_ref import plotting\n"
        "X = np.random.default_rng(0).normal(size=(2, 12))\n"
        "html = plotting.animate_lloyd(X, X[:, :2], max_iter=1).to_jshtml()\n"
        "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend()\n"
        "assert 'not drawn in Validate' in html, html[:200]\n")
    test_cell.metadata["nbgrader"] = {"grade": True, "grade_id": "validate_mode", "locked": True, "points": 1,
                                      "schema_version": 3, "solution": False, "task": False}
    nb = nbformat.v4.new_notebook(cells=[test_cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "validate-mode.ipynb"
    nbformat.write(nb, path)
    result = Validator().validate(str(path))
    assert result == {}, result  # no failed, changed or type-changed cell
