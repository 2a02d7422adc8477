"""Grading on a Dask cluster that cannot be used fails at once with a message saying what to do.

No scheduler at the address, ``distributed`` not installed, a worker running another copy
of the kit: each is a CourseError (``kmeans-course`` exits with 2), before anything is graded.
"""
from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import pytest

from daskcluster import LocalDaskCluster  # tests/grading is on sys.path (conftest)
from gradingkit import submit_class

pytestmark = [pytest.mark.xdist_group("grading")]

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def autograde(root: Path, address: str, capsys) -> tuple[int, str]:
    from autograder import cli

    code = cli.main(["--root", str(root), "--quiet", "autograde", "--dev-secret", "--scheduler", address])
    return code, capsys.readouterr().err


def test_no_scheduler_at_the_address_says_which_and_how_to_start_one(fresh_course, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    code, err = autograde(fresh_course, address, capsys)
    assert code == 2
    assert f"no Dask scheduler answers at {address}" in err
    assert "dask scheduler" in err and f"dask worker {address}" in err


def test_without_distributed_it_says_how_to_install_it(fresh_course, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    code, err = autograde(fresh_course, "tcp://127.0.0.1:8786", capsys)
    assert code == 2
    assert 'pip install "kmeans-course[cluster]"' in err


@pytest.mark.slow
def test_a_worker_with_another_copy_of_the_kit_is_refused(fresh_course, capsys, tmp_path):
    # a worker whose import path starts with a changed copy of the kit
    other = tmp_path / "other-kit"
    for package in ("autograder", "kmeans_ref"):
        shutil.copytree(REPO / package, other / package, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "autograder" / "nbcells.py", "a") as fh:
        fh.write("\n# a local change\n")
    submit_class(fresh_course)
    cluster = LocalDaskCluster(tmp_path / "dask", workers=1, env={"PYTHONPATH": str(other)})
    try:
        code, err = autograde(fresh_course, cluster.address, capsys)
    finally:
        cluster.stop()
    assert code == 2
    assert "the Dask workers must run the kit this machine runs" in err
    assert "worker tcp://127.0.0.1:" in err and "sources" in err
    assert list((fresh_course / "submitted").glob("*/*/*.ipynb"))
    assert not list((fresh_course / "autograded").glob("*/*/*.ipynb"))  # nothing graded
