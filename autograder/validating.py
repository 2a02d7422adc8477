"""nbgrader's Validate draws no figures.

JupyterLab's Validate button runs the whole notebook in a fresh kernel and keeps only
which test cells failed: every figure that kernel renders is thrown away. Rendering the
lessons' figures inline was most of a Validate's time (06-applications, nbclient's per-cell
timings: 5.1 s of cells with figures inline, 1.6 s with Agg).

nbgrader marks the validating kernel's environment with ``NBGRADER_VALIDATING=1``. When the
kit is imported there (every lesson's first cell imports it), matplotlib switches to Agg,
the backend the grader itself runs the notebooks with, and figures are closed after each
cell as the inline backend closes them. So Validate runs a notebook as the grader does, and
a plotting cell that raises still fails Validate: only the drawing is skipped.
"""
from __future__ import annotations

import os
import sys

AGG = "agg"


def draw_no_figures_when_validating(environ=None, modules=None) -> bool:
    """Switch matplotlib to Agg in a kernel nbgrader's Validate started; True if it did.

    ``environ`` and ``modules`` default to ``os.environ`` and ``sys.modules``. pyplot,
    when already imported (the lessons import it before the kit), is switched at once;
    otherwise ``MPLBACKEND`` makes its first import choose Agg.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if environ.get("NBGRADER_VALIDATING") != "1":
        return False
    environ["MPLBACKEND"] = AGG
    pyplot = modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.switch_backend(AGG)
    _close_figures_after_each_cell(modules)
    return True


def _close_figures_after_each_cell(modules) -> None:
    # The inline backend closes a cell's figures when it ends; without that, Agg keeps every
    # figure of the lesson open (and matplotlib warns past 20).
    ipython = getattr(modules.get("IPython"), "get_ipython", lambda: None)()
    if ipython is None:
        return

    def close_figures(*_):
        pyplot = modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")

    ipython.events.register("post_run_cell", close_figures)
