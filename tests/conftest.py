"""Fixtures any test may use: a real PostgreSQL server (``postgres``).

The server is started once per test session (per xdist worker) from Debian's
``postgresql`` binaries (``tests/pgserver.py``) and stopped at the end. Without them
the tests that need it are skipped, loudly (the reason in ``pytest -rs`` and as a
warning); under ``CI=true`` they fail instead, since ``.ci/run`` installs the package.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pgserver  # noqa: E402

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
