"""A worker's scratch gradebook: one SQLAlchemy engine for every nbgrader Gradebook it opens."""
import os
import sys
from pathlib import Path

import nbgrader.api as api
import pytest

from autograder.grading.gradebook import build_scratch_gradebook, read_back, share_engine
from autograder.grading.messages import Task

STRUCTURE = {"01-x": {"duedate": None, "notebooks": [{
    "name": "01-x", "kernelspec": None,
    "cells": [{"name": "test_f", "type": "GradeCell", "max_score": 2.0, "cell_type": "code"}],
    "source_cells": [{"name": "test_f", "cell_type": "code", "locked": True, "source": "check()",
                      "checksum": "abc"}]}]}}


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "create_engine", api.create_engine)  # the patch ends with the test
    # nbgrader stamps a new gradebook by running `alembic`, installed beside this Python
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    build_scratch_gradebook(url, "course", STRUCTURE)
    return url


def test_the_scratch_gradebook_opens_through_one_engine_and_others_through_their_own(scratch, tmp_path):
    share_engine(scratch)
    with api.Gradebook(scratch, "course") as a, api.Gradebook(scratch, "course") as b:
        assert a.engine is b.engine
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with api.Gradebook(other, "course") as c, api.Gradebook(other, "course") as d:
        assert c.engine is not d.engine and c.engine is not a.engine


def test_grades_written_and_read_back_through_the_shared_engine_after_gradebooks_closed(scratch):
    share_engine(scratch)
    share_engine(scratch)  # twice: still one engine, wrapping nbgrader's own create_engine once
    assert api.create_engine.unshared.__module__.startswith("sqlalchemy")
    for _ in range(3):  # each close disposes the pool; the next Gradebook reconnects
        with api.Gradebook(scratch, "course") as gb:
            gb.update_or_create_student("ada")
    with api.Gradebook(scratch, "course") as gb:
        gb.add_submission("01-x", "ada")
        grade = gb.find_grade("test_f", "01-x", "01-x", "ada")
        grade.auto_score = 1.5
        gb.db.commit()
    with api.Gradebook(scratch, "course") as gb:
        notebooks, _ = read_back(gb, Task("ada", "01-x", "hash"), STRUCTURE)
    assert notebooks["01-x"]["grades"]["test_f"]["auto_score"] == 1.5
