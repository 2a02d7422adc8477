"""animate_lloyd's HTML works offline: no stylesheet from a CDN, an inline icon on every button."""

import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import _animation_data  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from kmeans_ref import plotting  # noqa: E402
from kmeans_ref.plotting._jshtml import offline_jshtml  # noqa: E402

# matplotlib's nine jshtml buttons, by title.
BUTTONS = [
    "Decrease speed", "First frame", "Previous frame", "Play backwards", "Pause",
    "Play", "Next frame", "Last frame", "Increase speed",
]


class _Buttons(HTMLParser):
    """Each <button>'s title and the icon tags inside it; every URL a tag would load."""

    def __init__(self):
        super().__init__()
        self.buttons, self.loads, self._open = {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "button":
            self._open = self.buttons.setdefault(attrs.get("title"), [])
        elif self._open is not None:
            self._open.append((tag, attrs))
        if tag == "link" or attrs.get("src"):
            self.loads.append(attrs.get("href") or attrs.get("src"))

    def handle_endtag(self, tag):
        if tag == "button":
            self._open = None


def _parse(html):
    parser = _Buttons()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def anim():
    X = np.random.default_rng(3).normal(size=(2, 15))
    return plotting.animate_lloyd(X, X[:, [0, 1]], max_iter=2)


def test_jshtml_loads_nothing_from_the_network(anim):
    html = anim.to_jshtml()
    assert isinstance(anim, FuncAnimation)
    assert _parse(html).loads == [], "a <link> or src= left in the animation's HTML"
    assert not re.search(r"""(?:href|src)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", html)
    assert "font-awesome" not in html and 'class="fa ' not in html


def test_every_button_has_a_visible_icon(anim):
    buttons = _parse(anim.to_jshtml()).buttons
    assert sorted(buttons) == sorted(BUTTONS)
    for title, inside in buttons.items():
        svgs = [a for tag, a in inside if tag == "svg"]
        paths = [a for tag, a in inside if tag == "path"]
        assert len(svgs) == 1 and len(paths) == 1, f"{title}: {inside}"
        svg, path = svgs[0], paths[0]
        assert svg["width"] == svg["height"] == "1em" and svg["fill"] == "currentColor", title
        assert len(path["d"]) > 10, title
    # Backward buttons are the forward icons mirrored; every icon differs from the others.
    drawn = {t: (dict(i[1][1]).get("d"), dict(i[1][1]).get("transform")) for t, i in buttons.items()}
    assert drawn["Play backwards"] == (drawn["Play"][0], "matrix(-1 0 0 1 16 0)")
    assert drawn["Previous frame"][0] == drawn["Next frame"][0] and drawn["Previous frame"][1]
    assert drawn["First frame"][0] == drawn["Last frame"][0] and drawn["First frame"][1]
    assert len(set(drawn.values())) == len(BUTTONS)


def test_notebook_display_is_offline_too(anim, monkeypatch):
    # `anim` as a cell's last line shows _repr_html_ when animation.html is "jshtml".
    monkeypatch.setitem(matplotlib.rcParams, "animation.html", "jshtml")
    html = anim._repr_html_()
    assert _parse(html).loads == [] and html.count("<svg") == len(BUTTONS)


def test_every_matplotlib_button_icon_is_known():
    # A matplotlib upgrade that adds or renames a button fails here, not silently offline.
    template = _animation_data.JS_INCLUDE + _animation_data.DISPLAY_TEMPLATE
    assert "<i " in template, "matplotlib no longer draws icons with <i class='fa ...'>"
    out = offline_jshtml(template)
    assert "<i " not in out and "<link" not in out
    assert out.count("<svg") == template.count("<i ")


def _drawn(ax):
    """What a frame put on the axes: its artists by kind, the title and the limits."""
    kinds = {"collections": len(ax.collections), "lines": len(ax.lines), "patches": len(ax.patches),
             "texts": len(ax.texts), "images": len(ax.images), "legend": ax.get_legend() is not None}
    return kinds, ax.get_title(), ax.get_xlim(), ax.get_ylim()


def test_every_frame_shows_exactly_what_plot_frame_draws_and_the_layout_is_computed_once():
    # Frames replace the previous frame's artists instead of clearing the axes: nothing of
    # frame i - 1 may remain in frame i, and the first drawn frame's layout holds for the rest.
    import io

    import matplotlib.pyplot as plt

    X = np.random.default_rng(5).normal(size=(2, 40)) + np.repeat([[0.0, 4.0], [0.0, 3.0]], 20, axis=1)
    anim = plotting.animate_lloyd(X, X[:, [0, 1]], max_iter=4)
    frames = anim.frames
    assert len(frames) >= 4, "the data should take a few steps"
    fig = anim._fig
    assert fig.get_layout_engine() is not None
    ax = fig.axes[0]
    positions = []
    for i in (0, 1, 2, 3, len(frames) - 1, 1):
        anim._func(i)
        fig.savefig(io.BytesIO(), format="png")  # as to_jshtml saves each frame
        positions.append(ax.get_position().bounds)
        fresh_fig, fresh_ax = plt.subplots(figsize=(5, 4), dpi=75, layout="constrained")
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        plotting.plot_frame(X, frames[i], ax=fresh_ax, M_prev=frames[i - 1].M if i > 0 else None, xlim=xlim, ylim=ylim)
        assert _drawn(ax) == _drawn(fresh_ax), f"frame {i}"
        plt.close(fresh_fig)
    assert fig.get_layout_engine() is None  # frozen after the first draw
    assert len(set(positions)) == 1, positions


@pytest.mark.parametrize("run, who", [("validate", "Validate"), ("autograde", "the autograder")])
def test_nbgrader_runs_skip_drawing_the_frames(monkeypatch, run, who):
    import gc
    import warnings

    X = np.random.default_rng(3).normal(size=(2, 15))
    drawn = plotting.animate_lloyd(X, X[:, [0, 1]], max_iter=2).to_jshtml()
    assert drawn.count("data:image/png;base64") >= 3  # one per frame, without nbgrader
    monkeypatch.setenv("NBGRADER_EXECUTION", run)
    gc.collect()  # earlier tests' animations warn when collected: not this one's business
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        anim = plotting.animate_lloyd(X, X[:, [0, 1]], max_iter=2)
        html = anim.to_jshtml()
        del anim
        gc.collect()
    assert f"not drawn in {who}'s run" in html
    assert "data:image" not in html and "<script" not in html
    assert not [w for w in caught if "without rendering" in str(w.message)]
