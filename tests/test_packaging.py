"""The kit installs the same things whichever way a user installs it."""
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def conda_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {req for req in pip if not req.startswith("-e")}


def test_environment_yml_pins_the_same_packages_as_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_environment_yml_installs_the_kit_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_both_packages_and_their_subpackages_are_found():
    import setuptools

    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    found = set(setuptools.find_packages(str(ROOT), include=find["include"]))
    subpackages = {str(p.parent.relative_to(ROOT)).replace("/", ".")
                   for top in ("kmeans_ref", "autograder") for p in (ROOT / top).rglob("__init__.py")}
    assert {"kmeans_ref", "autograder", "autograder.checks"} <= subpackages
    assert found == subpackages


def test_every_requirement_is_pinned():
    for req in pyproject_requirements():
        assert "==" in req, f"{req} is not pinned"


def test_nbgrader_config_points_at_the_course_folders():
    text = (ROOT / "nbgrader_config.py").read_text()
    assert 'source_directory = "solutions"' in text
    assert 'release_directory = "notebooks"' in text
    assert "c.Execute.timeout" in text
