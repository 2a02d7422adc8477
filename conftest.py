"""Suite-wide test configuration: xdist groups that hold.

``make test`` runs ``pytest -n N --dist loadgroup``: tests marked
``xdist_group(NAME)`` run on one worker, so a module or session fixture that grades
a class (``tests/grading``, ``tests/integrity/test_hostile_batch.py``) is built once,
and browser tests never run two at a time.

pytest-xdist 3.8 tags a grouped test by rewriting ``Item._nodeid``, which pytest 9.2
no longer reads (its node ids live in ``Item._id``), so every group is scattered over
the workers. The hook below applies the same tag where pytest 9.2 reads it; it does
nothing when the tag is already in the node id (a pytest-xdist that handles it).
"""
import pytest


def _groups(item) -> list[str]:
    return sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                   for m in item.iter_markers("xdist_group")})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = _groups(item)
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)
