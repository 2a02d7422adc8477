"""What a student reads under a failing test cell and in the Validate dialog, in JupyterLab in chromium.

The lab serves 03-lloyd (the student version) with every exercise answered with the
instructor's solution except ``update_means``, which divides by the cluster sizes with no
rule for an empty cluster (NaN there). The test runs the cells up to ``lloyd``'s test
cell and reads the page as the student sees it:

- under ``update_means``'s test cell the diagnosis appears exactly once;
- no word of what the check shows is split across two lines (each word's line boxes,
  from ``Range.getClientRects()``, lie on one line), in a window (640 px) narrow enough
  that the text has to wrap;
- ``lloyd``'s test cell (a correct lloyd that inherits the NaN) says to fix
  ``update_means`` first;
- the Validate dialog shows the whole key sentence, with no horizontal scrolling in
  any of its ``<pre>`` blocks.

Screenshots: build/test-artifacts/browser/<test name>/.
"""
from __future__ import annotations

import time

import nbformat
import numpy as np
import pytest
from browserkit import REPO, open_page
from labserver import JupyterLab
from test_browser_lab import SCROLL_TO_TEXT, WAIT_KERNEL

LESSON = "03-lloyd"
# update_means without the empty-cluster rule: 0 / 0 = NaN in an empty cluster's column.
NAN_UPDATE = ("def update_means(X, Y, M_prev):\n"
              "    return (X @ Y.T) / Y.sum(axis=1)   # no rule for an empty cluster\n")

# {grade_id: cell index} of the open notebook's nbgrader cells.
GRADE_IDS = """() => {
  const found = {};
  window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, i) => {
    const meta = cell.model.sharedModel.getMetadata().nbgrader;
    if (meta && meta.grade_id) found[meta.grade_id] = i;
  });
  return found;
}"""

# Run cells 0..i one by one, as a student pressing Shift+Enter would, going on past a
# cell that raises (the lesson's by-hand check of update_means does, with NaN); resolve
# with the number of code cells run.
RUN_THROUGH = """async i => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  let ran = 0;
  for (let j = 0; j <= i; j++) {
    if (panel.content.widgets[j].model.type !== 'code') continue;
    panel.content.activeCellIndex = j;
    await app.commands.execute('notebook:run-cell');
    ran += 1;
  }
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  while (panel.sessionContext.session.kernel.status !== 'idle') await sleep(100);
  return ran;
}"""


# Words (runs of non-space) of the element's text that occupy more than one line box,
# leaving out a token wider than the whole line (that one may break, and must).
SPLIT_WORDS = """node => {
  const split = [];
  let words = 0;
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const box = n.parentElement.getBoundingClientRect().width;
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(n.textContent))) {
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      words += 1;
      const lines = new Set(rects.map(r => Math.round(r.top)));
      const width = rects.reduce((sum, r) => sum + r.width, 0);
      if (lines.size > 1 && width < box) split.push(m[0]);
    }
  }
  return {words, split};
}"""

# Text lines of the element that wrap onto more than one line box: proof that the window
# is narrow enough for the word-split test to mean something.
WRAPPED_LINES = """node => {
  let wrapped = 0;
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let at = 0;
    for (const line of n.textContent.split('\\n')) {
      if (line.trim()) {
        const range = document.createRange();
        range.setStart(n, at);
        range.setEnd(n, at + line.length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) wrapped += 1;
      }
      at += line.length + 1;
    }
  }
  return wrapped;
}"""

# How each <pre> of the element breaks its lines (recorded beside the screenshots).
PRE_STYLES = """node => [...node.querySelectorAll('pre')].map(p => {
  const s = getComputedStyle(p);
  return `${p.parentElement.className}: white-space ${s.whiteSpace}, word-break ${s.wordBreak}, ` +
         `overflow-wrap ${s.overflowWrap}, width ${p.clientWidth}px`;
})"""


def _lesson_notebook(folder):
    """The student notebook with the instructor's answers, except the NaN update_means."""
    student = nbformat.read(REPO / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4)
    solutions = nbformat.read(REPO / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    answers = {}
    for cell in solutions.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = "\n".join(
                line for line in cell.source.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    answered = []
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = NAN_UPDATE if meta["grade_id"] == "update_means" else answers[meta["grade_id"]]
            answered.append(meta["grade_id"])
    assert {"assign", "update_means", "lloyd"} <= set(answered), answered
    path = folder / LESSON / f"{LESSON}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(student, path)
    return path


def _key_sentence():
    """The catalogue's advice for the NaN update_means (the first line of its diagnosis)."""
    from autograder import run_check

    namespace = {"np": np}
    exec(NAN_UPDATE, namespace)
    result = run_check("update_means", namespace["update_means"])
    assert 0 < result.score < result.possible, result.summary()
    sentence = result.diagnosis[0].splitlines()[0]
    assert "M_prev[:, j]" in sentence, sentence
    return sentence


def _flat(text):
    return " ".join(text.split())


def test_student_reads_each_diagnosis_once_whole_and_pointing_at_its_cause(browser, artifacts, tmp_path):
    if not (REPO / "notebooks" / LESSON / f"{LESSON}.ipynb").exists():
        pytest.skip(f"notebooks/{LESSON} is not generated yet (make release)")
    key = _key_sentence()
    path = _lesson_notebook(tmp_path / "course")
    start = time.perf_counter()
    timing = []
    # A window this narrow makes the 72-column reports wrap in the cell outputs.
    with JupyterLab(tmp_path / "course", log_path=artifacts / "jupyterlab.log") as lab:
        page, traffic = open_page(browser, offline=True, viewport=(640, 900))
        try:
            page.goto(lab.url(f"lab/tree/{LESSON}/{path.name}", reset=True))
            page.wait_for_function(
                "window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
            assert page.evaluate(WAIT_KERNEL) == "python3"
            page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
            ids = page.evaluate(GRADE_IDS)
            assert {"test_update_means", "test_lloyd"} <= set(ids), sorted(ids)
            timing.append(f"lab open {time.perf_counter() - start:.1f} s")
            assert page.evaluate(RUN_THROUGH, ids["test_lloyd"]) > 10
            timing.append(f"cells run {time.perf_counter() - start:.1f} s")

            def outputs(grade_id):
                cell = page.locator(".jp-Notebook .jp-Cell").nth(ids[grade_id])
                area = cell.locator(".jp-OutputArea")
                area.locator(".jp-OutputArea-output").first.wait_for(timeout=30_000)
                area.scroll_into_view_if_needed()
                return area

            # update_means: the diagnosis once, no word split across lines.
            update = outputs("test_update_means")
            page.screenshot(path=artifacts / "1-update-means-cell.png")
            update.screenshot(path=artifacts / "1-update-means-outputs.png")
            shown = _flat(update.inner_text())
            assert shown.count(_flat(key)) == 1, shown
            assert shown.count("Seen on the smallest failing case") == 1, shown
            assert page.evaluate(WRAPPED_LINES, update.element_handle()) > 0, "nothing wraps: widen the test"
            styles = update.evaluate(PRE_STYLES)
            (artifacts / "pre-styles.txt").write_text("\n".join(styles) + "\n")
            words = update.evaluate(SPLIT_WORDS)
            assert words["words"] > 50 and words["split"] == [], words

            # lloyd: correct, inherits the NaN, and says where it comes from.
            lloyd = outputs("test_lloyd")
            lloyd.screenshot(path=artifacts / "2-lloyd-outputs.png")
            shown = _flat(lloyd.inner_text())
            assert "your lloyd calls your update_means" in shown and "fix update_means first" in shown, shown
            assert lloyd.evaluate(SPLIT_WORDS)["split"] == []

            # Validate (a wider window, as the dialog needs): the whole key sentence, no sideways
            # scrolling.
            page.set_viewport_size({"width": 1100, "height": 900})
            page.locator("jp-button.validate-button").click()
            message = page.locator("#validation-message")
            message.wait_for(timeout=120_000)
            timing.append(f"validated {time.perf_counter() - start:.1f} s")
            page.screenshot(path=artifacts / "3-validate.png")
            message.evaluate(SCROLL_TO_TEXT, "calls your update_means")
            page.screenshot(path=artifacts / "4-validate-lloyd.png")
            assert "validation-failed" in message.get_attribute("class").split()
            assert _flat(key) in _flat(message.inner_text()), message.inner_text()
            assert "fix update_means first" in _flat(message.inner_text())
            blocks = message.locator("pre").evaluate_all(
                "pres => pres.map(p => [p.scrollWidth, p.clientWidth, p.innerText.slice(0, 60)])")
            assert blocks, "the dialog shows no <pre>"
            wide = [b for b in blocks if b[0] > b[1]]
            assert wide == [], wide
            page.locator(".jp-Dialog .jp-mod-accept").click()
        finally:
            traffic.write(artifacts / "requests.txt")
            page.context.close()
    timing.append(f"total {time.perf_counter() - start:.1f} s")
    (artifacts / "timing.txt").write_text("\n".join(timing) + "\n")
