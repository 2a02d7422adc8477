"""Shared by every test folder: a folder's conftest.py holds fixtures and is not a doctest module.

``--doctest-modules`` (``addopts`` in pyproject.toml) would also collect each conftest.py as a
module named ``conftest``; given two test folders on one command line
(``pytest tests/notebooks tests/grading``), the second then clashes with the first.
"""


def pytest_ignore_collect(collection_path, config):
    return True if collection_path.name == "conftest.py" else None
