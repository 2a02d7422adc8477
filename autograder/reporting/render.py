"""The Jinja2 environment of the reports: templates from ``autograder/reporting/templates``.

Autoescape is on for every ``.html`` template, so student-controlled strings (names,
code, diagnoses, cell text, reasons) are escaped by Jinja, never by hand.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def num(x) -> str:
    """A score as the reports print it: ``1.5``, ``2``; ``""`` for no score."""
    return "" if x is None else f"{x:g}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("autograder.reporting", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["num"] = num
    return env


def render(template: str, **context) -> str:
    """``templates/<template>`` rendered with ``context``."""
    return environment().get_template(template).render(**context)
