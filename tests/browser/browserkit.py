"""What the browser tests share besides fixtures: the repository, MathJax's error probe, offline pages.

Test modules import these from here (``from browserkit import ...``), not from
``conftest``: several test folders have a ``conftest.py``, and which one a bare
``import conftest`` finds depends on which folders pytest collected first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# TeX that MathJax 2 (CommonHTML output) could not typeset: syntax errors (noErrors
# extension) and undefined macros (noUndefined extension: red text starting with a backslash).
MATH_ERRORS_JS = """() => [
  ...[...document.querySelectorAll('.mjx-noError')].map(e => e.textContent),
  ...[...document.querySelectorAll('.mjx-mtext')]
      .filter(e => e.style.color === 'red' && e.textContent.startsWith('\\\\'))
      .map(e => e.textContent),
]"""

# Requests that may leave the page: files, inline data, and this machine.
_LOCAL = re.compile(r"^(file:|data:|blob:|about:|https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$))")


@dataclass
class Traffic:
    """What a page asked for: every request, those blocked (off this machine), those that failed."""

    requested: list = field(default_factory=list)
    blocked: list = field(default_factory=list)
    failed: list = field(default_factory=list)

    def write(self, path: Path) -> None:
        lines = [f"requested {u}" for u in self.requested]
        lines += [f"BLOCKED {u}" for u in self.blocked]
        lines += [f"FAILED {u} ({why})" for u, why in self.failed]
        path.write_text("\n".join(lines) + "\n")


def open_page(browser, *, offline: bool = True, viewport=(1280, 900)):
    """A new page (own context) and its Traffic; with offline=True every request that
    would leave this machine (not file:, data:, blob: or loopback) is aborted and recorded."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    traffic = Traffic()

    def route(r):
        url = r.request.url
        if _LOCAL.match(url):
            r.continue_()
        else:
            traffic.blocked.append(url)
            r.abort()

    if offline:
        context.route("**/*", route)
    page.on("request", lambda r: traffic.requested.append(r.url))
    page.on("requestfailed", lambda r: traffic.failed.append((r.url, r.failure)))
    return page, traffic
