"""rfc3987_syntax, which jsonschema imports for its IRI format checks, loads on first use only."""
import importlib.util
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None,
                                reason="rfc3987_syntax is not installed: nothing to defer")

PROBE = """
import importlib.util, json, sys
import autograder
spec = importlib.util.find_spec("rfc3987_syntax")  # other code may probe for it: it must still answer
import nbformat
seen = {"spec_origin": spec.origin.endswith("__init__.py"), "grammars_at_import": "rfc3987_syntax.syntax_helpers" in sys.modules,
        "lark_at_import": "lark" in sys.modules}
from jsonschema import Draft7Validator
iri = Draft7Validator({"format": "iri"}, format_checker=Draft7Validator.FORMAT_CHECKER)
reference = Draft7Validator({"format": "iri-reference"}, format_checker=Draft7Validator.FORMAT_CHECKER)
seen["checks"] = [iri.is_valid("https://example.org/caf\u00e9"), iri.is_valid("no scheme, spaces"),
                  iri.is_valid(3), reference.is_valid("../relative"), reference.is_valid("a b")]
seen["real_after_use"] = "rfc3987_syntax.syntax_helpers" in sys.modules
import rfc3987_syntax
seen["module_attribute"] = rfc3987_syntax.is_valid_syntax("iri", "https://example.org")
print(json.dumps(seen))
"""


def test_importing_the_kit_then_nbformat_compiles_no_iri_grammar_and_iri_checks_still_work():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["grammars_at_import"] is False and seen["lark_at_import"] is False
    assert seen["spec_origin"] is True
    assert seen["checks"] == [True, False, True, True, False]  # as jsonschema checks them with the real module
    assert seen["real_after_use"] is True
    assert seen["module_attribute"] is True


def test_without_the_stand_in_the_same_checks_give_the_same_answers():
    plain = PROBE.replace("import autograder\n", "")
    assert plain != PROBE
    out = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["grammars_at_import"] is True  # what the stand-in saves
    assert seen["checks"] == [True, False, True, True, False]
