"""Figures are drawn with Agg, closed after every test, and no helper may call plt.show()."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    # Helpers must never call plt.show(): make it fail loudly.
    def _no_show(*args, **kwargs):
        raise AssertionError("a plotting helper called plt.show()")

    monkeypatch.setattr(plt, "show", _no_show)
    yield
    plt.close("all")
