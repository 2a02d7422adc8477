"""Fixtures for the end-to-end browser tests: a real (headless) chromium driven by Playwright.

Playwright's own browser download does not work on these machines, so the tests
use the system's chromium (Debian package `chromium`; `.ci/run` installs it).
Without it every browser test is skipped, with the reason shown in the test
summary (pytest -rs) and as a warning (always shown).

Screenshots and logs go to build/test-artifacts/browser/<test name>/.
"""
from __future__ import annotations

import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browserkit import REPO, open_page  # noqa: E402

ARTIFACTS = REPO / "build" / "test-artifacts" / "browser"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NO_CHROMIUM = (
    "BROWSER TESTS SKIPPED: no `chromium` on PATH. Install it (Debian: apt-get install chromium; "
    ".ci/run does) to run the JupyterLab, slides and site tests in a real browser."
)

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            # One xdist worker runs them all (--dist loadgroup): each starts a browser plus a
            # Jupyter server or kernel, too much for two cores at once.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        warnings.warn(NO_CHROMIUM, pytest.PytestWarning, stacklevel=1)
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def artifacts(request) -> Path:
    """A fresh folder build/test-artifacts/browser/<test name>/ for screenshots and logs."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def offline_page(browser, artifacts):
    """A page that cannot reach anything but this machine; its traffic is saved as an artefact."""
    page, traffic = open_page(browser, offline=True)
    try:
        yield page, traffic
    finally:
        traffic.write(artifacts / "requests.txt")
        page.context.close()

