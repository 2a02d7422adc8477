"""Fixtures for the lesson tests."""
import shutil

import pytest

from lessonkit import ROOT


@pytest.fixture
def scratch_course(tmp_path):
    """A copy of the course (config + solutions) in tmp_path, so tests never touch gradebook.db."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    return tmp_path
