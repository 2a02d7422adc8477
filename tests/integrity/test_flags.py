"""One registry of flag codes: every code a producer of the kit can emit is registered."""
import ast
from pathlib import Path

import pytest

from autograder.integrity import flags
from autograder.integrity.scan import FLAG_MEANINGS, Flag

ROOT = Path(__file__).resolve().parents[2]


def _producer_codes() -> dict:
    """code -> files, for every literal code passed to ``flag(...)``/``Flag(...)`` or listed in logflags.CHANGE_FLAGS (the nbgrader log's cell changes).

    Read from the source (AST), so a producer that is never run by a test is still checked.
    """
    found = {}
    files = sorted((ROOT / "autograder").rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            codes = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("flag", "Flag") and node.args:
                    first = node.args[0]
                    # a literal, or a name from a table read below, or a checked Flag's .kind; never
                    # a code put together at run time (an f-string), which no reading could check
                    assert isinstance(first, (ast.Constant, ast.IfExp, ast.Name, ast.Attribute)), (
                        f"{path}:{node.lineno}: a flag code is built at run time; pass a literal code")
                    if isinstance(first, ast.Constant):
                        codes.append(first.value)
                    if isinstance(first, ast.IfExp):  # flag("a" if ... else "b", ...)
                        codes += [first.body.value, first.orelse.value]
                # a dict literal with a literal "code" bypasses the registry (the worker relays the
                # codes of a course's own post-grading hook as they come: not literals, not checked)
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        literal = [v for k, v in zip(arg.keys, arg.values) if isinstance(k, ast.Constant)
                                   and k.value == "code" and isinstance(v, ast.Constant)]
                        assert not literal, f"{path}:{node.lineno}: build the flag with flags.flag(...)"
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "CHANGE_FLAGS" for t in node.targets):
                codes += [row.elts[1].value for row in node.value.elts]
            if isinstance(node, ast.Dict) and any(isinstance(v, ast.Constant) and str(v.value).startswith("cleanroom_")
                                                  for v in node.values):
                codes += [v.value for v in node.values]
            for code in codes:
                found.setdefault(code, set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_every_code_a_producer_can_emit_is_registered():
    found = _producer_codes()
    # the producers that exist today, so the reading above cannot silently find nothing
    assert {"reaches_reference", "kernel_disagrees", "points_edited", "cleanroom_failed",
            "weak_kernel_isolation", "files_beside_notebook"} <= found.keys()
    unknown = {code: files for code, files in found.items() if code not in flags.REGISTRY}
    assert not unknown, f"flag codes raised but not registered in autograder/integrity/flags.py: {unknown}"


def test_every_registered_code_has_a_producer_and_a_detector():
    produced = _producer_codes().keys()
    assert flags.REGISTRY
    for code, entry in flags.REGISTRY.items():
        assert code in produced, f"{code} is registered but nothing raises it"
        assert entry.raised_by and set(entry.raised_by) <= {flags.SCAN, flags.CLEAN_ROOM, flags.NBGRADER_LOG,
                                                             flags.WORKER}
        assert entry.meaning.endswith(".")


def test_an_unknown_code_is_refused_where_it_is_raised():
    with pytest.raises(flags.UnknownFlag, match="register it in autograder/integrity/flags.py"):
        flags.flag("no_such_flag", "message")
    with pytest.raises(flags.UnknownFlag):
        Flag("no_such_flag", "cell", "detail")


def test_the_legend_reads_the_registry():
    assert FLAG_MEANINGS is flags.FLAG_MEANINGS
    assert set(FLAG_MEANINGS) == set(flags.REGISTRY)


def test_one_event_one_code():
    # the points of a cell are reported from nbgrader's log only; the scan no longer repeats them
    assert "points_changed" not in flags.REGISTRY
    assert flags.REGISTRY["points_edited"].raised_by == (flags.NBGRADER_LOG,)
