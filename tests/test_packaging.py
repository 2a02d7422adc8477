"""The kit installs the same things whichever way a user installs it.

pyproject.toml declares ranges (what the kit needs), constraints.txt pins the versions tested
(what `make` and CI install), environment.yml and environment-dev.yml give conda users the
same ranges from conda-forge.
"""
import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# Packages that are only used by the tests, never by the kit at run time.
DEV_ONLY = {"pytest", "pytest-xdist", "hypothesis", "scikit-learn", "threadpoolctl", "playwright"}
# conda-forge names that differ from PyPI's (nbconvert-core is PyPI's nbconvert; conda-forge's
# nbconvert adds pandoc and TeX tools the kit does not use).
# conda-forge names: nbconvert without its pandoc and TeX extras; bleach with the CSS sanitizer
# conda-forge's dask is a metapackage with the dashboard's extras; dask-core is PyPI's dask.
CONDA_NAMES = {"nbconvert": "nbconvert-core", "bleach": "bleach-with-css", "dask": "dask-core"}
# Import names that differ from the distribution names.
DISTRIBUTION_OF = {"sklearn": "scikit-learn", "yaml": "pyyaml", "dateutil": "python-dateutil"}


def requirements(group: str) -> dict[str, Requirement]:
    """Requirements of pyproject.toml, by canonical name: group "runtime" or an extra's name."""
    reqs = PROJECT["dependencies"] if group == "runtime" else PROJECT["optional-dependencies"][group]
    parsed = [Requirement(r) for r in reqs]
    assert parsed, f"no requirements in {group}"
    return {canonicalize_name(r.name): r for r in parsed}


def constraints() -> dict[str, str]:
    """constraints.txt as {canonical name: exact version}."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt: {line!r} is not an exact pin name==version"
        pins[canonicalize_name(name)] = version
    return pins


def conda_env(name: str) -> tuple[dict[str, SpecifierSet], list[str]]:
    """An environment file as ({canonical conda package name: specifier}, [pip lines])."""
    env = yaml.safe_load((ROOT / name).read_text())
    assert env["channels"] == ["conda-forge"]
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip = dep["pip"]
            continue
        package, _, spec = dep.partition(" ")
        conda[canonicalize_name(package)] = SpecifierSet(spec.replace(" ", ""))
    return conda, pip


def third_party_imports(folder: str) -> set[str]:
    """Top-level names imported anywhere in a package, minus the standard library and the kit."""
    names = set()
    files = list((ROOT / folder).rglob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"kmeans_ref", "autograder", "__future__"}


# --------------------------------------------------------------------------- pyproject


def test_the_kit_declares_every_package_it_imports():
    # the cluster extra's packages are imported only by `autograde --scheduler`, which says how to
    # install them when they are missing
    declared = set(requirements("runtime")) | set(requirements("cluster"))
    imported = third_party_imports("kmeans_ref") | third_party_imports("autograder")
    assert {"numpy", "nbgrader", "nbformat", "sqlalchemy", "distributed"} <= imported  # the scan sees imports
    missing = {canonicalize_name(DISTRIBUTION_OF.get(n, n)) for n in imported} - declared
    # scikit-learn is only imported when a caller asks for it (tests, check_estimator)
    assert missing <= {"scikit-learn"}, f"imported but not in [project] dependencies: {missing}"
    assert "jinja2" in declared  # the reports are rendered from Jinja2 templates


def test_runtime_requirements_are_ranges_without_test_tools():
    runtime = requirements("runtime")
    assert not DEV_ONLY & set(runtime), "test tools belong in the dev extra"
    for name, req in runtime.items():
        assert not any(s.operator in ("==", "===", "~=") for s in req.specifier), \
            f"{req}: state a range (>= the version tested), not a pin; pins go in constraints.txt"
        assert any(s.operator == ">=" for s in req.specifier), f"{req} has no lower bound"


def test_the_dev_extra_holds_the_test_tools():
    assert DEV_ONLY <= set(requirements("dev"))


def test_the_dev_extra_holds_the_cluster_extra():
    # the tests start a local Dask cluster, so `make test` installs what grading on one needs
    cluster = requirements("cluster")
    assert {"dask", "distributed"} <= set(cluster)
    dev = requirements("dev")
    assert all(dev.get(name) == req for name, req in cluster.items())


def test_every_requirement_is_pinned_in_the_constraints_and_the_pins_satisfy_it():
    pins = constraints()
    reqs = [r for group in ("runtime", "dev", "cluster") for r in requirements(group).values()]
    for req in reqs:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's {req}"


def test_the_constraints_do_not_pin_the_kit_itself():
    assert canonicalize_name(PROJECT["name"]) not in constraints()


def test_make_installs_through_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    install = [l for l in makefile.splitlines() if "pip install" in l and ".[dev]" in l]
    assert len(install) == 1, install
    assert re.search(r"(-c|--constraint) constraints\.txt", install[0]), install[0]
    # a change of the pins reinstalls the venv
    assert re.search(r"^\$\(STAMP\):.*constraints\.txt", makefile, re.M)


# --------------------------------------------------------------------------- conda


def test_environment_yml_has_the_runtime_requirements_from_conda_forge():
    conda, pip = conda_env("environment.yml")
    expected = {CONDA_NAMES.get(n, n): r.specifier for n, r in requirements("runtime").items()}
    packages = {n: s for n, s in conda.items() if n not in ("python", "pip")}
    assert packages == expected
    assert not DEV_ONLY & set(conda), "students need no test tools"
    assert pip == ["-e ."]


def test_environment_dev_yml_adds_the_dev_extra():
    conda, pip = conda_env("environment-dev.yml")
    wanted = {**requirements("runtime"), **requirements("dev")}
    from_pip = {canonicalize_name(Requirement(l).name): Requirement(l).specifier
                for l in pip if not l.startswith("-e")}
    assert from_pip == {"playwright": wanted["playwright"].specifier}  # not on conda-forge
    expected = {CONDA_NAMES.get(n, n): r.specifier for n, r in wanted.items() if n not in from_pip}
    assert {n: s for n, s in conda.items() if n not in ("python", "pip")} == expected
    assert "-e ." in pip


def test_environments_ask_for_the_python_of_pyproject():
    for name in ("environment.yml", "environment-dev.yml"):
        conda, _ = conda_env(name)
        assert conda["python"] == SpecifierSet(PROJECT["requires-python"]), name


def test_the_tested_versions_satisfy_the_environments():
    pins = constraints()
    for name in ("environment.yml", "environment-dev.yml"):
        conda, _ = conda_env(name)
        packages = {n: s for n, s in conda.items() if n not in ("python", "pip")}
        assert packages
        pypi = {v: k for k, v in CONDA_NAMES.items()}
        for package, spec in packages.items():
            version = pins[canonicalize_name(pypi.get(package, package))]
            assert spec.contains(version, prereleases=True), f"{name}: {package} {spec} vs {version}"


# --------------------------------------------------------------------------- package contents


def test_both_packages_and_their_subpackages_are_found():
    import setuptools

    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    found = set(setuptools.find_packages(str(ROOT), include=find["include"]))
    subpackages = {str(p.parent.relative_to(ROOT)).replace("/", ".")
                   for top in ("kmeans_ref", "autograder") for p in (ROOT / top).rglob("__init__.py")}
    assert {"kmeans_ref", "autograder", "autograder.checks"} <= subpackages
    assert found == subpackages


def test_the_package_data_folder_is_the_repository_data_folder():
    # One copy of the data: kmeans_ref/data links to data/, and package-data ships its files.
    link = ROOT / "kmeans_ref" / "data"
    assert link.is_symlink() and link.resolve() == (ROOT / "data").resolve()
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["kmeans_ref"]
    shipped = {p.name for pattern in patterns for p in (ROOT / "kmeans_ref").glob(pattern)}
    assert {"real_estate.csv", "old_faithful.csv", "penguins.csv", "photo.png", "README.md"} <= shipped
    assert not {n for n in shipped if n.endswith(".py")}, "the maintainers' scripts stay out"


def test_nbgrader_config_points_at_the_course_folders():
    text = (ROOT / "nbgrader_config.py").read_text()
    assert 'source_directory = "solutions"' in text
    assert 'release_directory = "notebooks"' in text
    assert "c.Execute.timeout" in text


def test_the_postgres_extra_is_psycopg_pinned_and_in_the_dev_extra():
    # `pip install "kmeans-course[postgres]"` brings the driver SQLAlchemy loads for
    # postgresql+psycopg:// URLs; the tests start a real server, so dev needs it too.
    postgres, dev, pins = requirements("postgres"), requirements("dev"), constraints()
    assert set(postgres) == {"psycopg"} and "binary" in postgres["psycopg"].extras
    assert dev["psycopg"] == postgres["psycopg"]
    for name in ("psycopg", "psycopg-binary"):
        assert postgres["psycopg"].specifier.contains(pins[name]), f"constraints.txt pins {name}=={pins[name]}"
