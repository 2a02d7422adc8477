"""``kmeans-course release`` and the command line."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gradingkit import VENV_BIN, copy_course, nbgrader_env

from autograder import cli


def test_release_writes_what_stock_nbgrader_writes(released_course, tmp_path):
    stock = copy_course(released_course, tmp_path / "stock")
    for lesson in ("01-toy", "02-toy"):
        subprocess.run([str(Path(VENV_BIN) / "nbgrader"), "generate_assignment", lesson, "--force"],
                       cwd=stock, env=nbgrader_env(), check=True, capture_output=True)
        ours = (released_course / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes()
        assert (stock / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes() == ours
    # the student version has no solution and no hidden test
    text = (released_course / "notebooks" / "01-toy" / "01-toy.ipynb").read_text()
    assert "return a + b" not in text and "HIDDEN_SECRET_MARKER" not in text


def test_release_is_byte_stable_and_records_the_assignment(fresh_course, capsys):
    before = (fresh_course / "notebooks" / "02-toy" / "02-toy.ipynb").read_bytes()
    assert cli.main(["--root", str(fresh_course), "release", "02-toy"]) == 0
    assert "released 02-toy" in capsys.readouterr().out
    assert (fresh_course / "notebooks" / "02-toy" / "02-toy.ipynb").read_bytes() == before
    from autograder.course import Course

    assert Course(fresh_course).gradebook_assignments() == ["01-toy", "02-toy"]


def test_cli_errors_are_one_line_and_exit_2(fresh_course, capsys):
    assert cli.main(["--root", str(fresh_course), "release", "09-nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kmeans-course release: not in ") and "01-toy, 02-toy" in err
    assert cli.main(["--root", str(fresh_course / "solutions"), "report"]) == 2
    assert "no nbgrader_config.py" in capsys.readouterr().err


def test_every_verb_has_help():
    parser, runners = cli.build_parser()
    assert sorted(runners) == ["autograde", "collect", "demo", "duedate", "export", "extend", "feedback-zip",
                              "release", "report", "site", "slides"]
    for verb in runners:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([verb, "--help"])
        assert exc.value.code == 0
    args = parser.parse_args(["autograde", "01-labels", "--workers", "3", "--force"])
    assert (args.assignments, args.workers, args.force) == (["01-labels"], 3, True)


def test_console_script_is_installed():
    script = Path(VENV_BIN) / "kmeans-course"
    assert script.exists()
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    for verb in ("release", "collect", "autograde", "report", "demo"):
        assert verb in out
