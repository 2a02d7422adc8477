"""A third-party import deferred to its first use: ``rfc3987_syntax``, behind nbformat.

nbformat imports jsonschema, and jsonschema imports ``rfc3987_syntax`` (when installed,
as ``jsonschema[format-nongpl]`` installs it) for its "iri" and "iri-reference" format
checks. That import compiles 38 lark grammars: 0.9 s of the 1.05 s ``import nbformat``
took here (``python -X importtime``, three runs), paid by every ``kmeans-course``
command and by every grading worker before its first submission. No notebook schema
uses those formats (python-jsonschema/jsonschema#1428). So, before jsonschema is
imported, a stand-in module takes the name: its ``is_valid_syntax``, and any other
attribute, import the real module on first use. A check of an IRI behaves exactly as
before; it costs nothing unless one runs.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

NAME = "rfc3987_syntax"


def defer_rfc3987_syntax() -> bool:
    """Put the stand-in in ``sys.modules``; False when it is too late or there is nothing to defer."""
    if NAME in sys.modules or "jsonschema" in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(NAME)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = types.ModuleType(NAME)
    stand_in.__doc__ = f"Stand-in for {NAME}, imported on first use (autograder.deferred_imports)."
    stand_in.__spec__ = spec  # the real module's: importlib.util.find_spec still answers for it
    if spec.submodule_search_locations is not None:
        stand_in.__path__ = list(spec.submodule_search_locations)  # its submodules import as before

    def real():
        if sys.modules.get(NAME) is stand_in:
            del sys.modules[NAME]
        return importlib.import_module(NAME)

    def is_valid_syntax(*args, **kwargs):
        return real().is_valid_syntax(*args, **kwargs)

    def __getattr__(attr):
        if attr.startswith("__"):  # dunder lookups (the import system makes some) are not a use
            raise AttributeError(attr)
        return getattr(real(), attr)

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = __getattr__
    sys.modules[NAME] = stand_in
    return True
