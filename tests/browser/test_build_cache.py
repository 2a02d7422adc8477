"""The executed-notebook cache behind `make slides` and `make site` (no kernel, no browser)."""
from __future__ import annotations

import nbformat

from autograder.present import slides


def _course(root):
    (root / "kmeans_ref").mkdir()
    (root / "kmeans_ref" / "loss.py").write_text("x = 1\n")
    (root / "autograder").mkdir()
    (root / "autograder" / "batch.py").write_text("y = 2\n")  # never imported by a lesson
    (root / "data").mkdir()
    (root / "data" / "points.csv").write_text("1,2\n")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "numpy.py").write_text("")
    (root / "lesson.ipynb").write_text("{}")
    return root


def _cached(root, record, module_files):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kmeans_course_build"] = dict(record, dependencies=slides._dependencies(root, module_files))
    path = root / "executed.ipynb"
    nbformat.write(nb, path)
    return path


def test_dependencies_are_the_imported_course_modules_and_the_data(tmp_path):
    root = _course(tmp_path)
    imported = [str(root / "kmeans_ref" / "loss.py"), str(root / ".venv" / "lib" / "numpy.py"), "/usr/lib/python3/os.py", ""]
    assert sorted(slides._dependencies(root, imported)) == ["data/points.csv", "kmeans_ref/loss.py"]


def test_cache_is_current_until_a_dependency_changes(tmp_path):
    root = _course(tmp_path)
    record = {"source": slides._sha256(root / "lesson.ipynb"), "allow_errors": False}
    executed = _cached(root, record, [str(root / "kmeans_ref" / "loss.py")])
    assert slides._cache_is_current(executed, root, record)

    (root / "autograder" / "batch.py").write_text("y = 3\n")  # not imported: still current
    assert slides._cache_is_current(executed, root, record)

    (root / "kmeans_ref" / "loss.py").write_text("x = 2\n")  # imported: stale
    assert not slides._cache_is_current(executed, root, record)


def test_cache_is_stale_for_another_source_data_or_mode(tmp_path):
    root = _course(tmp_path)
    record = {"source": slides._sha256(root / "lesson.ipynb"), "allow_errors": False}
    executed = _cached(root, record, [])
    assert not slides._cache_is_current(executed, root, dict(record, source="0" * 64))
    assert not slides._cache_is_current(executed, root, dict(record, allow_errors=True))
    (root / "data" / "points.csv").write_text("1,3\n")
    assert not slides._cache_is_current(executed, root, record)
    assert not slides._cache_is_current(root / "missing.ipynb", root, record)
