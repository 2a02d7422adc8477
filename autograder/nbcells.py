"""Reading notebook cells as plain dicts (nbformat 4 JSON), the same way everywhere.

>>> cell = {"cell_type": "code", "source": ["x = 1\\n", "y = 2"], "metadata": {"nbgrader": {"grade_id": "a"}}}
>>> cell_source(cell), nbgrader_meta(cell)["grade_id"]
('x = 1\\ny = 2', 'a')
"""


def nbgrader_meta(cell: dict) -> dict:
    """The cell's nbgrader metadata ({} when it has none or it is malformed)."""
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return meta if isinstance(meta, dict) else {}


def cell_source(cell: dict) -> str:
    """The cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
