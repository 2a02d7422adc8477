"""Fixtures of the grading tests: a released toy course, and a small graded class.

The toy course (``minicourse.py``) is released once per session and copied for each
test that needs a fresh one. ``graded_class`` grades a six-student class once per
session with ``kmeans-course autograde`` and, on an identical copy, with stock
``nbgrader autograde``; the batch and report tests read it. Every test that executes
notebooks is marked ``slow`` and kept in one xdist group, so the class is graded once.

``postgres`` is a real PostgreSQL server, started once per session (per xdist worker) from
Debian's ``postgresql`` binaries (``pgserver.py``) and stopped at the end. Without them the
tests that need it are skipped, loudly (the reason in ``pytest -rs`` and as a warning); under
``CI=true`` they fail instead, since ``.ci/run`` installs the package.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import minicourse as mc  # noqa: E402
import pgserver  # noqa: E402
from gradingkit import GradedClass, copy_course, run_stock_autograde, submit_class  # noqa: E402


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A released toy course (two lessons); copy it before changing it."""
    return mc.make_course(tmp_path_factory.mktemp("toy") / "course")


@pytest.fixture
def fresh_course(released_course, tmp_path) -> Path:
    return copy_course(released_course, tmp_path / "course")


@pytest.fixture(scope="session")
def graded_class(released_course, tmp_path_factory) -> GradedClass:
    """The class graded once per test run (read it, do not change it).

    Every test that uses it is in the xdist group "grading", so one worker builds it.
    """
    from autograder.grading import autograde as batch

    shared = tmp_path_factory.mktemp("graded-class")
    root, stock = shared / "course", shared / "stock"
    copy_course(released_course, root)
    submit_class(root)
    copy_course(root, stock)
    summary = batch.main(root=root, dev_secret=True, workers=2, output_cap_bytes=50_000, progress=False, quiet=True)
    run_stock_autograde(stock, ["01-toy", "02-toy"])
    return GradedClass(root, stock, summary, None)


NO_POSTGRES = (
    "POSTGRESQL TESTS SKIPPED: no `initdb`/`pg_ctl` on PATH or under /usr/lib/postgresql/*/bin. Install "
    "Debian's PostgreSQL (apt-get install postgresql; .ci/run does) to grade into a real server."
)


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL server (:class:`pgserver.PostgresServer`) on 127.0.0.1, trust auth."""
    bin_dir = pgserver.find_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(NO_POSTGRES + " Under CI this is a failure: .ci/run should have installed it.")
        warnings.warn(NO_POSTGRES, pytest.PytestWarning, stacklevel=1)
        pytest.skip(NO_POSTGRES)
    with pgserver.running_server(bin_dir) as server:
        yield server
