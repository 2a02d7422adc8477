"""nbgrader's log records of one submission -> flags for what nbgrader repaired.

nbgrader's ``OverwriteCells`` restores locked cells, points and types a student
edited, and puts deleted test cells back; it says so only in its log. The worker
collects the log records (:class:`ListHandler`) and :func:`flags_from_log` turns them
into flags ``{"code", "message", "cell"}`` for the ledger and the class report.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from autograder.integrity import flags as registry


class ListHandler(logging.Handler):
    """Keeps every log record of one submission."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


CHANGE_FLAGS = (
    # nbgrader's OverwriteCells warns "Attribute '%s' for cell %s has changed!" when it
    # restores a locked cell: the student edited something they should not have.
    ("checksum", "locked_cell_edited", "locked cell {cell} was edited; nbgrader restored it"),
    ("points", "points_edited", "the points of cell {cell} were edited; nbgrader restored them"),
    ("locked", "lock_removed", "cell {cell} was unlocked; nbgrader locked it again"),
    ("cell_type", "cell_type_changed", "the type of cell {cell} was changed; nbgrader restored it"),
)


def cell_sources(path: Path) -> dict:
    """grade_id -> source of every nbgrader cell of a notebook file ({} if unreadable)."""
    from autograder.nbcells import cell_source, nbgrader_meta

    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        out = {}
        for cell in nb.get("cells", []):
            gid = nbgrader_meta(cell).get("grade_id")
            if gid:
                out[gid] = cell_source(cell)
        return out
    except (OSError, ValueError, AttributeError):
        return {}


def flags_from_log(records, released: dict, submitted: dict) -> list:
    """Flags for what nbgrader repaired. ``released``/``submitted``: grade_id -> source.

    nbgrader reports every hidden-test cell as changed (the released cell has the
    hidden tests stripped), so an edit is flagged only when the submitted source
    differs from the released one.
    """
    import re

    flags = []
    for rec in records:
        msg = rec.getMessage()
        m = re.match(r"Attribute '(\w+)' for cell (\S+) has changed", msg)
        if m:
            attr, cell = m.groups()
            if attr == "checksum" and submitted.get(cell) == released.get(cell, submitted.get(cell)):
                continue
            for name, code, text in CHANGE_FLAGS:
                if name == attr:
                    flags.append(registry.flag(code, text.format(cell=cell), cell))
        m = re.match(r"Missing grade cell (\S+) encountered", msg)
        if m:
            flags.append(registry.flag("test_cell_deleted", f"test cell {m.group(1)} was deleted; nbgrader put it "
                                       "back and graded it", m.group(1)))
    return flags


