"""A student's session in JupyterLab, in a real browser: write a solution, run all, press Validate.

The lab is the one `make lab` starts (the venv's JupyterLab with the nbgrader
extensions the install enables), serving a copy of notebooks/01-labels. The
test types every exercise's answer (the instructor's, from solutions/) into its
stub cell through the editor, runs all cells, checks that figures and math
appear, and reads the Validate dialog's success message; then it types a wrong
(transposed) `one_hot` and reads the checker's diagnosis in the dialog.
"""
from __future__ import annotations

import re
import shutil
import textwrap
import time

import nbformat
import numpy as np
import pytest
from browserkit import REPO, open_page
from labserver import JupyterLab

LESSON = "01-labels"
# One row per observation: the transpose of the (k, N) label matrix.
WRONG = "Y = np.zeros((z.size, k))\nY[np.arange(z.size), z] = 1\nreturn Y"

# Waits until the kernel really answers: JupyterLab shows "idle" before the kernel
# is usable, and a run-all sent then is dropped.
WAIT_KERNEL = """async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const until = Date.now() + 90000;
  while (Date.now() < until) {
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (kernel && kernel.connectionStatus === 'connected') {
      try {
        const reply = await Promise.race([kernel.requestKernelInfo(), sleep(5000).then(() => null)]);
        if (reply && reply.content.status === 'ok') return kernel.name;
      } catch (e) { /* not connected yet */ }
    }
    await sleep(100);
  }
  throw new Error('the kernel did not answer kernel_info within 90 s');
}"""

# {grade_id: [cell index, source]} of the cells the student writes (nbgrader solution cells:
# code to complete and Markdown answers).
SOLUTION_CELLS = """() => {
  const found = {};
  window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, i) => {
    const meta = cell.model.sharedModel.getMetadata().nbgrader;
    if (meta && meta.solution) found[meta.grade_id] = [i, cell.model.sharedModel.getSource()];
  });
  return found;
}"""

# Make cell i the active one, with its editor shown (a rendered Markdown cell hides it).
ACTIVATE_CELL = """async i => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = i;
  await notebook.scrollToItem(i);
  const cell = notebook.widgets[i];
  if (cell.model.type === 'markdown') cell.rendered = false;
}"""

SCROLL_TO_TEXT = """(root, text) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.textContent.includes(text)) { n.parentElement.scrollIntoView({block: 'center'}); return true; }
  }
  return false;
}"""

CELL_SOURCE = "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()"

RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const ok = await app.commands.execute('runmenu:run-all');
  while (panel.sessionContext.session.kernel.status !== 'idle') await sleep(100);
  return ok;
}"""


def _indent(body: str, prefix: str) -> str:
    return textwrap.indent(body, prefix)


def _with_body(stub_source: str, body: str) -> str:
    """The stub cell with its `# YOUR CODE HERE / raise NotImplementedError()` replaced by body."""
    m = re.search(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)", stub_source, re.M)
    assert m, f"no nbgrader stub in the cell:\n{stub_source}"
    return stub_source[: m.start()] + _indent(body, m.group(1)) + stub_source[m.end():]


def _answers(solutions_notebook) -> dict[str, str]:
    """{grade_id: source} of the instructor's solution cells (code and written answers), without
    the solution markers."""
    nb = nbformat.read(solutions_notebook, as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def _expected_diagnosis() -> str:
    """The course checker's diagnosis of the wrong one_hot (its first diagnosis line)."""
    from autograder import check

    namespace = {"np": np}
    exec("def one_hot(z, k):\n" + _indent(WRONG, "    "), namespace)
    with pytest.raises(AssertionError) as info:
        check("one_hot", namespace["one_hot"])
    lines = [line.strip() for line in str(info.value).strip().splitlines()]
    diagnoses = [line[2:] for line in lines if line.startswith("- ")]
    return diagnoses[0] if diagnoses else lines[0]


def test_student_validates_in_jupyterlab(browser, artifacts, tmp_path):
    source = REPO / "notebooks" / LESSON / f"{LESSON}.ipynb"
    if not source.exists():
        pytest.skip(f"{source.relative_to(REPO)} is not generated yet (make release)")
    work = tmp_path / "course"
    (work / LESSON).mkdir(parents=True)
    shutil.copy(source, work / LESSON / source.name)
    diagnosis = _expected_diagnosis()

    start = time.perf_counter()
    with JupyterLab(work, log_path=artifacts / "jupyterlab.log") as lab:
        page, traffic = open_page(browser, offline=True)
        try:
            page.goto(lab.url(f"lab/tree/{LESSON}/{source.name}", reset=True))
            page.wait_for_function(
                "window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext",
                timeout=60_000,
            )
            assert page.evaluate(WAIT_KERNEL) == "python3"
            page.locator("jp-button.validate-button").wait_for(timeout=30_000)
            page.screenshot(path=artifacts / "1-opened.png")

            cells = page.evaluate(SOLUTION_CELLS)
            answers = _answers(REPO / "solutions" / LESSON / source.name)
            assert "one_hot" in cells and set(cells) <= set(answers), (sorted(cells), sorted(answers))

            def type_cell(grade_id: str, text: str) -> None:
                """Select everything in the cell's editor and type `text` over it."""
                index = cells[grade_id][0]
                page.evaluate(ACTIVATE_CELL, index)
                editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
                editor.scroll_into_view_if_needed()
                editor.click()
                page.keyboard.press("Control+a")
                page.keyboard.insert_text(text)
                assert page.evaluate(CELL_SOURCE, index) == text

            def validate(shot: str, show: str = ""):
                page.locator("jp-button.validate-button").click()
                message = page.locator("#validation-message")
                message.wait_for(timeout=120_000)
                if show:  # scroll the dialog to this text for the screenshot
                    message.evaluate(SCROLL_TO_TEXT, show)
                page.screenshot(path=artifacts / shot)
                result = message.get_attribute("class").split(), message.inner_text()
                page.locator(".jp-Dialog .jp-mod-accept").click()
                message.wait_for(state="detached")
                return result

            # Every exercise answered: run all, see figures and math, Validate succeeds.
            for grade_id in cells:
                type_cell(grade_id, answers[grade_id])
            assert page.evaluate(RUN_ALL) is True, "run all stopped on an error with every exercise answered"
            page.wait_for_function(
                "document.querySelectorAll('.jp-OutputArea-output img').length > 0", timeout=30_000
            )
            page.wait_for_function(
                "document.querySelectorAll('.jp-RenderedMarkdown mjx-container').length > 0", timeout=30_000
            )
            page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
            page.screenshot(path=artifacts / "2-ran-all.png")
            classes, text = validate("3-validate-success.png")
            assert "validation-success" in classes, text
            assert "Success" in text, text

            # A wrong solution: Validate (which saves and runs the notebook) fails and shows
            # the checker's diagnosis.
            type_cell("one_hot", _with_body(cells["one_hot"][1], WRONG))
            classes, text = validate("4-validate-failed.png", show=diagnosis[:30])
            assert "validation-failed" in classes, text
            assert " ".join(diagnosis.split()) in " ".join(text.split()), (diagnosis, text)
        finally:
            traffic.write(artifacts / "requests.txt")
            page.context.close()
    (artifacts / "timing.txt").write_text(f"lab flow {time.perf_counter() - start:.1f} s\n")
