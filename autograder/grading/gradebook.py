"""The scratch gradebook of a grading worker: the course's assignments copied in, grades read back.

Each worker grades into a private SQLite gradebook, so that the course gradebook has
one writer (the batch's parent, ``autograder.grading.merge``). :func:`export_structure`
turns the master copy of the assignments into plain data in the parent,
:func:`build_scratch_gradebook` recreates it in the worker, and :func:`read_back`
reads what nbgrader recorded for one submission.
"""
from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import Optional

from autograder.grading.messages import NotebookGrades, Task


def export_structure(gb, assignments) -> dict:
    """The master copy of ``assignments`` as plain data (what a scratch gradebook needs).

    Cells are listed in the gradebook's own order: nbgrader re-inserts a deleted test
    cell after its predecessor in that order, so the copy must keep it.
    """
    out = {}
    for name in assignments:
        a = gb.find_assignment(name)
        notebooks = []
        for nb in a.notebooks:
            cells = []
            for cell in nb._base_cells:
                entry = {"name": cell.name, "type": cell.type}
                if cell.type in ("GradeCell", "TaskCell"):
                    entry.update(max_score=cell.max_score, cell_type=cell.cell_type)
                cells.append(entry)
            notebooks.append({
                "name": nb.name,
                "kernelspec": nb.kernelspec,
                "cells": cells,
                "source_cells": [
                    {"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                     "source": c.source, "checksum": c.checksum}
                    for c in nb.source_cells
                ],
            })
        out[name] = {
            "duedate": a.duedate.isoformat() if a.duedate is not None else None,
            "notebooks": notebooks,
        }
    return out


def build_scratch_gradebook(db_url: str, course_id: str, structure: dict, alembic_version: str = "") -> None:
    """Create the assignments of ``structure`` in an empty gradebook at ``db_url``.

    ``alembic_version``: the course gradebook's schema version. nbgrader stamps a new
    database by running ``alembic heads`` in a subprocess (about 3 s); stamping the
    scratch copy with the course's version first skips that.
    """
    from nbgrader.api import Gradebook

    if alembic_version and db_url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(db_url[len("sqlite:///"):])) as con:
            con.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
            con.execute("DELETE FROM alembic_version")
            con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (alembic_version,))
            con.commit()

    with Gradebook(db_url, course_id) as gb:
        for name, a in structure.items():
            gb.update_or_create_assignment(name, duedate=a["duedate"])
            for nb in a["notebooks"]:
                gb.update_or_create_notebook(nb["name"], name, kernelspec=nb["kernelspec"])
                for cell in nb["cells"]:
                    if cell["type"] == "GradeCell":
                        gb.update_or_create_grade_cell(cell["name"], nb["name"], name,
                                                       max_score=cell["max_score"], cell_type=cell["cell_type"])
                    elif cell["type"] == "SolutionCell":
                        gb.update_or_create_solution_cell(cell["name"], nb["name"], name)
                    elif cell["type"] == "TaskCell":
                        gb.update_or_create_task_cell(cell["name"], nb["name"], name,
                                                      max_score=cell["max_score"], cell_type=cell["cell_type"])
                for src in nb["source_cells"]:
                    gb.update_or_create_source_cell(
                        src["name"], nb["name"], name, cell_type=src["cell_type"], locked=src["locked"],
                        source=src["source"], checksum=src["checksum"])


def alembic_version(gb) -> str:
    """The schema version stamped in a gradebook ("" if none)."""
    from sqlalchemy import text

    try:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    except Exception:
        gb.db.rollback()  # PostgreSQL refuses every later statement of a failed transaction
        return ""


def read_back(gb, task: Task, structure: dict) -> tuple[dict, Optional[str]]:
    """Grades, comments and late penalty nbgrader saved for ``task`` in the scratch gradebook."""
    from nbgrader.api import MissingEntry

    notebooks = {}
    try:
        submission = gb.find_submission(task.assignment, task.student)
    except MissingEntry:
        return notebooks, None
    timestamp = submission.timestamp.isoformat() if submission.timestamp is not None else None
    for snb in submission.notebooks:
        grades = {}
        for grade in snb.grades:
            grades[grade.cell.name] = {
                "auto_score": grade.auto_score,
                "max_score": grade.max_score,
                "needs_manual_grade": bool(grade.needs_manual_grade),
            }
        comments = {c.cell.name: c.auto_comment for c in snb.comments}
        notebooks[snb.name] = asdict(NotebookGrades(grades, comments, snb.late_submission_penalty))
    return notebooks, timestamp


def share_engine(db_url: str) -> None:
    """Make every nbgrader ``Gradebook`` of this process open ``db_url`` through one SQLAlchemy engine.

    nbgrader opens a gradebook about ten times per notebook (assignment set-up, cell
    overwriting, saving grades, ...), each with a new engine: a new connection pool, a
    new cache of compiled SQL, every table inspected again. A grading worker talks to
    its own scratch gradebook only, so one engine serves them all (``Gradebook.close``
    disposes its pool, which the engine refills on the next use). Other URLs open as before.
    """
    import nbgrader.api as api

    create = getattr(api.create_engine, "unshared", api.create_engine)
    engines = {}

    def create_engine(url, *args, **kwargs):
        if str(url) != db_url:
            return create(url, *args, **kwargs)
        if db_url not in engines:
            engines[db_url] = create(url, *args, **kwargs)
            if db_url.startswith("sqlite"):
                _skip_fsync(engines[db_url])
        return engines[db_url]

    create_engine.unshared = create
    api.create_engine = create_engine


def _skip_fsync(engine) -> None:
    """No fsync on the scratch gradebook's ~35 commits per notebook (2 ms each here): it is
    thrown away if the worker stops, and what counts is merged into the course gradebook."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA journal_mode = MEMORY")
        cursor.close()
