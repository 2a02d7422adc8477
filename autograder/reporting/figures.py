"""The class report's figures, as embedded PNGs (``data:image/png;base64,...`` URIs).

:func:`figures` returns ``{"status", "scores", "pass_rate", "mistakes"}`` (the last two
only when there is something to show), drawn with matplotlib's Agg backend.
"""
from __future__ import annotations

import base64
import io

from autograder.reporting.gather import ClassResults


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def figures(results: ClassResults, stats: dict) -> dict:
    """Figure name -> PNG data URI, from the numbers of ``class_report.class_statistics``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figs = {}
    n = max(1, len(results.assignments))
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False, sharey=True)
    for ax, a in zip(axes.flat, results.assignments):
        pct = stats["assignments"][a]["percent"]
        ax.hist(pct, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color="#4c72b0", edgecolor="white")
        mean = stats["assignments"][a]["mean"]
        ax.set_title(f"{a}  (n={len(pct)}" + (f", mean {mean:.0f}%)" if mean is not None else ")"), fontsize=9)
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (% of the points graded so far)", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes[0][0].set_ylabel("students", fontsize=8)
    fig.suptitle("Score distribution per assignment", fontsize=11)
    fig.tight_layout()
    figs["scores"] = _png(fig)

    ex = stats["exercises"]
    if ex:
        fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(ex) + 1.0))
        labels = [f"{e['assignment']} / {e['exercise']}" for e in ex][::-1]
        rates = [100 * e["pass_rate"] for e in ex][::-1]
        palette = plt.get_cmap("tab10")
        colours = [palette(results.assignments.index(e["assignment"]) % 10) for e in ex][::-1]
        ax.barh(labels, rates, color=colours)
        for y, r in enumerate(rates):
            ax.text(min(r + 1, 92), y, f"{r:.0f}%", va="center", fontsize=7)
        ax.set_xlim(0, 100)
        ax.set_xlabel("students with full marks (%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title("Pass rate per exercise (visible + hidden checks)", fontsize=11)
        fig.tight_layout()
        figs["pass_rate"] = _png(fig)

    top = stats["mistakes"].most_common(15)
    if top:
        fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(top) + 1.0))
        colours = ["#999999" if k.endswith(")") else "#c44e52" for k, _ in top][::-1]
        ax.barh([k if len(k) < 60 else k[:57] + "..." for k, _ in top][::-1], [v for _, v in top][::-1],
                color=colours)
        ax.set_xlabel("students", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Most frequent diagnosed mistakes (grey: not a catalogue mistake)", fontsize=11)
        fig.tight_layout()
        figs["mistakes"] = _png(fig)

    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    xs = range(len(results.assignments))
    g = [stats["assignments"][a]["graded"] for a in results.assignments]
    f = [stats["assignments"][a]["failed"] for a in results.assignments]
    m = [stats["assignments"][a]["missing"] for a in results.assignments]
    ax.bar(xs, g, color="#55a868", label="graded")
    ax.bar(xs, f, bottom=g, color="#c44e52", label="failed to grade")
    ax.bar(xs, m, bottom=[a + b for a, b in zip(g, f)], color="#bbbbbb", label="missing")
    ax.set_xticks(list(xs), results.assignments, fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Submissions per assignment", fontsize=11)
    fig.tight_layout()
    figs["status"] = _png(fig)
    return figs
