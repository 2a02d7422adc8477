"""Faults of the grader are never recorded as the students': the kit the kernels import, a setup cell
that fails for everyone, a kernel that outgrows its memory, grading without a course secret."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

import minicourse as mc
from gradingkit import gradebook_scores

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

# Prepended to the toy lesson's locked setup cell: the lesson imports the kit, as the real ones do,
# and prints which copy of it the kernel imported.
KIT_SETUP = ("import os as _os, autograder, kmeans_ref\n"
             "print('KIT', _os.path.realpath(_os.path.dirname(autograder.__file__)))\n")
# A cell a student inserts above the setup: it breaks the setup's `import math` in their own kernel only.
BREAK_SETUP = "import sys\nsys.modules['math'] = None\n"
# A solution that grows by 50 MB every 0.1 s (touched bytes, so resident), up to 5 GB.
SLOW_HOG = ("    import time\n    _hog = []\n    for _ in range(100):\n"
            "        _hog.append(b'x' * (50 * 1024 * 1024))\n        time.sleep(0.1)\n    return a + b\n")
KERNEL_MEMORY = 300 * 1024**2


def ledger(root):
    from autograder.grading.merge import Ledger

    return Ledger(root / "autograded" / ".kmeans-course" / "ledger.jsonl").latest()


def course_with_setup(root: Path, prefix: str) -> Path:
    """The toy course (lesson 01-toy) whose locked setup cell starts with ``prefix``, released."""
    from autograder.authoring import release

    mc.make_course(root, lessons=("01-toy",), release=False)
    path = root / "solutions" / "01-toy" / "01-toy.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    setup.source = prefix + setup.source
    nbformat.write(nb, str(path))
    release.main(root=root, quiet=True)
    return root


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def shadowed(tmp_path_factory):
    """A course holding its own copy of the kit, graded by this checkout's kit (clean room off);
    the setup cell imports the kit; a per-kernel memory limit of 300 MB in nbgrader_config.py."""
    from autograder.course import kit_packages
    from autograder.grading import autograde as batch

    root = course_with_setup(tmp_path_factory.mktemp("shadowed") / "course", KIT_SETUP)
    for package in kit_packages():  # the reproduction: the course's own autograder/ and kmeans_ref/
        shutil.copytree(package, root / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.Grading.kernel_memory = {KERNEL_MEMORY}\n")
    mc.submit(root, "ann", "01-toy", mc.student_notebook(root, "01-toy"))
    broken = mc.student_notebook(root, "01-toy")
    broken.cells.insert(1, nbformat.v4.new_code_cell(BREAK_SETUP))
    mc.submit(root, "mal", "01-toy", broken)
    mc.submit(root, "hog", "01-toy", mc.student_notebook(root, "01-toy", {"add": SLOW_HOG}))
    summary = batch.main(root=root, workers=2, clean_room=False, dev_secret=True, progress=False, quiet=True)
    return root, summary


def test_kernels_import_the_graders_kit_not_the_course_copy(shadowed):
    from autograder.course import kit_packages

    root, summary = shadowed
    rec = ledger(root)
    assert rec["ann/01-toy"]["status"] == "graded"
    nb = nbformat.read(str(root / "autograded" / "ann" / "01-toy" / "01-toy.ipynb"), as_version=4)
    outputs = cell(nb, "setup").outputs
    assert [o.output_type for o in outputs] == ["stream"], outputs  # no error
    assert outputs[0].text.strip() == f"KIT {kit_packages()[0]}"
    s = gradebook_scores(root)
    assert [s[("ann", "01-toy", g)] for g in ("test_add", "test_add_hidden", "test_mul", "test_mul_hidden")] \
        == [1.0, 1.0, 2.0, 1.0]


def test_a_student_who_breaks_the_setup_is_graded_and_the_batch_goes_on(shadowed):
    root, summary = shadowed
    rec = ledger(root)
    assert sorted(rec) == ["ann/01-toy", "hog/01-toy", "mal/01-toy"]
    assert rec["mal/01-toy"]["status"] == "graded"
    nb = nbformat.read(str(root / "autograded" / "mal" / "01-toy" / "01-toy.ipynb"), as_version=4)
    assert any(o.output_type == "error" for o in cell(nb, "setup").outputs)  # in mal's kernel only


def test_a_kernel_that_outgrows_its_memory_is_stopped_and_the_record_says_why(shadowed):
    root, summary = shadowed
    rec = ledger(root)["hog/01-toy"]
    assert rec["status"] == "failed"
    assert "the kernel used more than 300 MB of memory" in rec["reason"]
    assert summary.failed == 1 and summary.graded == 2


@pytest.fixture
def broken_setup(tmp_path):
    root = course_with_setup(tmp_path / "course", "from autograder import no_such_name\n")
    for student in ("ann", "bob"):
        mc.submit(root, student, "01-toy", mc.student_notebook(root, "01-toy"))
    return root


def test_a_setup_cell_that_fails_for_everyone_stops_the_batch(broken_setup, capsys):
    from autograder import cli

    code = cli.main(["--root", str(broken_setup), "autograde", "--dev-secret", "--no-clean-room",
                     "--workers", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3
    assert "the grader failed (not the students)" in err
    assert "setup of 01-toy/01-toy fails in a grading kernel" in err
    assert "ImportError: cannot import name 'no_such_name' from 'autograder'" in err
    assert ledger(broken_setup) == {}  # nobody recorded as failed
    assert not (broken_setup / "autograded" / "ann" / "01-toy").exists()


def test_grading_without_a_course_secret_needs_dev_secret(tmp_path, monkeypatch, capsys):
    from autograder import cli

    monkeypatch.delenv("KMEANS_COURSE_SECRET", raising=False)
    root = mc.make_course(tmp_path / "course", lessons=("01-toy",), release=False)
    assert cli.main(["--root", str(root), "autograde"]) == 2
    err = capsys.readouterr().err
    assert "KMEANS_COURSE_SECRET is not set" in err and "--dev-secret" in err and "export" in err


def test_settings_come_from_nbgrader_config_and_the_command_line(tmp_path, capsys):
    from autograder import cli
    from autograder.config import CleanRoom, Grading, command_line_config, grading_settings
    from autograder.course import Course
    from autograder.isolation.sandbox import Limits

    root = mc.make_course(tmp_path / "course", lessons=("01-toy",), release=False)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.Grading.workers = 3\nc.Grading.kernel_memory = 10**9\nc.CleanRoom.cpu_seconds = 99\n")
    config = Course(root).config
    assert Grading(config=config).workers == 3
    assert Grading(config=config).cell_timeout == 60  # c.Execute.timeout of the course
    assert CleanRoom().limits() == Limits()  # the defaults are the sandbox's
    config.merge(command_line_config(["--Grading.workers=8", "--Grading.clean_room=False"]))
    options = Grading(config=config)
    assert (options.workers, options.kernel_memory, options.clean_room) == (8, 10**9, False)
    settings = grading_settings(config, state_dir="s", kernel_threads=1, submission_timeout=5.0)
    assert (settings.kernel_memory, settings.submission_timeout, settings.post_grade) == (10**9, 5.0, None)
    assert settings.clean_room_limits.cpu_seconds == 99
    import pickle

    assert pickle.loads(pickle.dumps(settings)) == settings
    with pytest.raises(ValueError, match="--Class.name=value"):
        command_line_config(["--Nope.workers=8"])
    with pytest.raises(ValueError, match="expected an int, not the str 'many'"):
        command_line_config(["--Grading.workers=many"])

    assert cli.main(["--help-all"]) == 0
    out = capsys.readouterr().out
    for option in ("--Grading.kernel_memory=<Int>", "--CleanRoom.cpu_seconds=<Int>",
                   "--Similarity.threshold=<Float>", "--Lessons.lessons=<list-item-1>..."):
        assert option in out


def test_the_lesson_order_comes_from_the_config(tmp_path):
    from autograder.course import Course

    root = mc.make_course(tmp_path / "course", lessons=("01-toy", "02-toy"), release=False)
    assert Course(root).source_assignments() == ["01-toy", "02-toy"]
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.Lessons.lessons = ['02-toy', '99-missing']\n")
    assert Course(root).source_assignments() == ["02-toy", "01-toy"]


def test_similarity_settings_default_to_the_functions_defaults():
    import inspect

    from autograder.config import Similarity
    from autograder.integrity import similarity

    checked = 0
    for function, options in ((similarity.similar_pairs, Similarity().pair_options()),
                              (similarity.reference_closeness, Similarity().reference_options())):
        assert options
        for name, value in options.items():
            assert inspect.signature(function).parameters[name].default == value, (function.__name__, name)
            checked += 1
    assert checked == 7


def test_a_kernel_that_starts_for_nobody_stops_the_batch(tmp_path, monkeypatch, capsys):
    import json
    import sys

    from autograder import cli

    root = course_with_setup(tmp_path / "course", "")
    for student in ("ann", "bob"):
        mc.submit(root, student, "01-toy", mc.student_notebook(root, "01-toy"))
    # a python3 kernel that exits at once, found before the real one (JUPYTER_PATH comes first)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; sys.exit(3)", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    code = cli.main(["--root", str(root), "autograde", "--dev-secret", "--no-clean-room",
                     "--workers", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "the grader failed (not the students)" in err
    assert "a grading kernel does not start, for any student" in err
    assert ledger(root) == {}  # nobody recorded as failed
