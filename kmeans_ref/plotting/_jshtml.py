"""Animations whose HTML works offline: ``to_jshtml()`` without matplotlib's icon font from a CDN."""

from __future__ import annotations

import os
import re

from matplotlib.animation import FuncAnimation

# nbgrader's own runs of a notebook set NBGRADER_EXECUTION: "validate" (the Validate button)
# and "autograde". Both keep only the grades, and a lesson's animation is the same for every
# student, so they skip drawing its frames: in 03-lloyd that was 0.71 of 1.97 s of cells
# (nbclient's per-cell timings, Agg backend, as the grader runs).
_NBGRADER_RUNS = {"validate": "Validate", "autograde": "the autograder"}
SKIPPED_HTML = ("<p><em>Animation not drawn in {run}'s run (it keeps only the grades); it plays when "
                "you run the notebook yourself.</em></p>")

# matplotlib's jshtml links Font Awesome from a CDN for its nine buttons' icons, so offline
# (a laptop in class, the slides on a USB stick) the buttons are blank. These 16 x 16 icons are
# drawn inline with the text colour instead; the "backward" ones are the "forward" ones mirrored.
_ICON_PATHS = {
    "play": "M4 2.5v11L13 8z",
    "pause": "M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z",
    "step-forward": "M3 2.5v11L10.5 8zM10.5 2.5H13v11h-2.5z",
    "fast-forward": "M1 2.5v11L7.5 8zM7.5 2.5v11L13.5 8zM13.5 2.5H15v11h-1.5z",
    "minus": "M2 7h12v2H2z",
    "plus": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
}
_MIRRORED = {"step-backward": "step-forward", "fast-backward": "fast-forward"}
_FA_ICON = re.compile(r"""<i\s+class\s*=\s*["']fa\s+([^"']*)["']\s*>\s*</i>""", re.I)
_REMOTE_STYLESHEET = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>\s*""", re.I)


def _inline_icon(match: re.Match) -> str:
    """The SVG for one ``<i class="fa fa-NAME [fa-flip-horizontal]">``; unknown icons are kept."""
    classes = match.group(1).split()
    flip = "fa-flip-horizontal" in classes
    names = [c[3:] for c in classes if c.startswith("fa-") and c != "fa-flip-horizontal"]
    if len(names) != 1:
        return match.group(0)
    name = names[0]
    if name in _MIRRORED:
        name, flip = _MIRRORED[name], not flip
    if name not in _ICON_PATHS:
        return match.group(0)
    mirror = ' transform="matrix(-1 0 0 1 16 0)"' if flip else ""
    return (
        '<svg viewBox="0 0 16 16" width="1em" height="1em" fill="currentColor" aria-hidden="true"'
        ' focusable="false" style="vertical-align: -0.125em">'
        f'<path{mirror} d="{_ICON_PATHS[name]}"/></svg>'
    )


def offline_jshtml(html: str) -> str:
    """matplotlib's ``to_jshtml()`` output without its CDN stylesheet, icons drawn inline.

    >>> offline_jshtml('<link rel="stylesheet" href="https://cdn.example/fa.css">'
    ...                 '<i class="fa fa-play"></i>')
    '<svg viewBox="0 0 16 16" ...><path d="M4 2.5v11L13 8z"/></svg>'
    """
    return _FA_ICON.sub(_inline_icon, _REMOTE_STYLESHEET.sub("", html))


class OfflineAnimation(FuncAnimation):
    """A FuncAnimation whose HTML (``to_jshtml()``, and the notebook display when
    ``rcParams["animation.html"]`` is ``"jshtml"``) loads nothing from the network."""

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None):
        run = _NBGRADER_RUNS.get(os.environ.get("NBGRADER_EXECUTION", ""))
        if run is not None:
            self._draw_was_started = True  # no "deleted without rendering anything" warning
            return SKIPPED_HTML.format(run=run)
        return offline_jshtml(super().to_jshtml(fps, embed_frames, default_mode))
