"""``kmeans-course collect``: LMS downloads filed into submitted/<student>/<assignment>/."""
from __future__ import annotations

import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.lms import collect
from autograder.lms.identity import slug
from autograder.course import Course

LESSONS = ["01-labels", "02-loss", "03-lloyd"]


def nb_bytes(tag: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": tag}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture
def course(tmp_path) -> Course:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "nbgrader_config.py", root / "nbgrader_config.py")
    for lesson in LESSONS:
        (root / "solutions" / lesson).mkdir(parents=True)
        (root / "solutions" / lesson / f"{lesson}.ipynb").write_bytes(nb_bytes("source"))
    return Course(root)


def write_zip(path: Path, entries: dict, times: dict | None = None) -> Path:
    times = times or {}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, times.get(name, (2025, 9, 1, 12, 0, 0))), data)
    return path


def submitted(course: Course, student: str, lesson: str) -> bytes:
    return (course.submitted / student / lesson / f"{lesson}.ipynb").read_bytes()


def test_match_assignment_and_slug_by_hand():
    assert collect.match_assignment("01-labels.ipynb", LESSONS) == ("01-labels", 0)
    assert collect.match_assignment("01-labels-1.ipynb", LESSONS) == ("01-labels", 1)
    assert collect.match_assignment("03_Lloyd-Copy1.ipynb", LESSONS) == ("03-lloyd", 0)
    assert collect.match_assignment("02-loss (2).ipynb", LESSONS) == ("02-loss", 0)
    assert collect.match_assignment("02-loss_final.ipynb", LESSONS) == ("02-loss", 0)
    assert collect.match_assignment("homework.ipynb", LESSONS) == (None, 0)
    assert slug("Zoë O'Brien") == "zoe_obrien"
    assert slug("..") == ""


def test_canvas_zip_with_late_resubmission_keeps_the_newest(course, tmp_path):
    z = write_zip(tmp_path / "submissions.zip", {
        "smithjohn_12345_67890_01-labels.ipynb": nb_bytes("john first"),
        "smithjohn_LATE_12345_67890_01-labels-1.ipynb": nb_bytes("john second, late"),
        "doejane_22222_67891_01-labels.ipynb": nb_bytes("jane"),
        "doejane_22222_67892_02-loss.ipynb": nb_bytes("jane loss"),
        "doejane_22222_67893_notes.txt": b"notes",
        "leeann_33333_67894_Untitled.ipynb": nb_bytes("?"),
    }, times={"smithjohn_12345_67890_01-labels.ipynb": (2025, 9, 1, 10, 0, 0),
              "smithjohn_LATE_12345_67890_01-labels-1.ipynb": (2025, 9, 3, 10, 0, 0)})
    report = collect.collect(z, course)
    # student ids come from Canvas's user id, not the name
    assert submitted(course, "canvas-12345", "01-labels") == nb_bytes("john second, late")
    assert submitted(course, "canvas-22222", "02-loss") == nb_bytes("jane loss")
    assert sorted(k for k, _, action in report.filed) == ["canvas-12345/01-labels", "canvas-22222/01-labels",
                                                         "canvas-22222/02-loss"]
    assert report.late == ["canvas-12345/01-labels"]
    assert report.superseded == [("canvas-12345/01-labels", "smithjohn_12345_67890_01-labels.ipynb",
                                  "smithjohn_LATE_12345_67890_01-labels-1.ipynb")]
    unmatched = dict(report.unmatched)
    assert "not a notebook" in unmatched["doejane_22222_67893_notes.txt"]
    assert "which assignment" in unmatched["leeann_33333_67894_Untitled.ipynb"]
    text = report.summary()
    assert "COULD NOT MATCH 2 file(s)" in text and "leeann_33333_67894_Untitled.ipynb" in text


def test_per_assignment_download_files_renamed_notebooks(course, tmp_path):
    z = write_zip(tmp_path / "loss.zip", {"leeann_33333_67894_Untitled.ipynb": nb_bytes("ann's loss")})
    report = collect.collect(z, course, only="02-loss")
    assert submitted(course, "canvas-33333", "02-loss") == nb_bytes("ann's loss")
    assert report.unmatched == []


def test_moodle_zip_and_folder(course, tmp_path):
    entries = {
        "John Smith_12345_assignsubmission_file_/01-labels.ipynb": nb_bytes("john"),
        "José Álvarez_12346_assignsubmission_file_/01-labels-Copy1.ipynb": nb_bytes("jose"),
        "José Álvarez_12346_assignsubmission_file_/scratch.py": b"print(1)",
        "__MACOSX/John Smith_12345_assignsubmission_file_/._01-labels.ipynb": b"junk",
    }
    report = collect.collect(write_zip(tmp_path / "moodle.zip", entries), course)
    # without a grading worksheet the id is the participant id (and collect says it is per assignment)
    assert submitted(course, "moodle-p12345", "01-labels") == nb_bytes("john")
    assert submitted(course, "moodle-p12346", "01-labels") == nb_bytes("jose")
    assert "grading worksheet" in report.summary()
    assert [name for name, _ in report.unmatched] == ["José Álvarez_12346_assignsubmission_file_/scratch.py"]

    # the same layout as a folder
    folder = tmp_path / "moodle_folder"
    for name, data in entries.items():
        if name.startswith("__MACOSX"):
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "Ann Lee_12347_assignsubmission_file_").mkdir()
    (folder / "Ann Lee_12347_assignsubmission_file_" / "02-loss.ipynb").write_bytes(nb_bytes("ann"))
    report = collect.collect(folder, course)
    assert submitted(course, "moodle-p12347", "02-loss") == nb_bytes("ann")
    assert ("moodle-p12345/01-labels", "John Smith_12345_assignsubmission_file_/01-labels.ipynb",
            "unchanged") in report.filed


def test_nbgrader_layout_folder_and_roster(course, tmp_path):
    folder = tmp_path / "exchange"
    (folder / "s001" / "03-lloyd").mkdir(parents=True)
    (folder / "s001" / "03-lloyd" / "03-lloyd.ipynb").write_bytes(nb_bytes("s001"))
    (folder / "Smith John").mkdir()
    (folder / "Smith John" / "02-loss.ipynb").write_bytes(nb_bytes("john"))
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\njsmith,Smith John\n")
    collect.main(source=folder, root=course.root, roster=roster, quiet=True)
    assert submitted(course, "s001", "03-lloyd") == nb_bytes("s001")
    assert submitted(course, "jsmith", "02-loss") == nb_bytes("john")


def test_zip_slip_entries_are_rejected_and_nothing_escapes(course, tmp_path):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../evil_12345_1_01-labels.ipynb", nb_bytes("evil"))
        zf.writestr("/abs_12345_2_01-labels.ipynb", nb_bytes("abs"))
        zf.writestr("sub/../../up_12345_3_01-labels.ipynb", nb_bytes("up"))
        link = zipfile.ZipInfo("link_12345_4_01-labels.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("okstudent_12345_5_01-labels.ipynb", nb_bytes("ok"))
    before = set(p for p in tmp_path.rglob("*"))
    report = collect.collect(z, course)
    assert len(report.rejected) == 4
    assert all("zip-slip" in why for _, why in report.rejected)
    assert [k for k, _, _ in report.filed] == ["canvas-12345/01-labels"]
    created = set(p for p in tmp_path.rglob("*")) - before
    assert all(course.submitted in p.parents or p == course.submitted for p in created)
    assert "REJECTED 4 unsafe" in report.summary()


def test_student_ids_from_names_cannot_escape(course, tmp_path):
    z = write_zip(tmp_path / "weird.zip", {"..._12_assignsubmission_file_/01-labels.ipynb": nb_bytes("x")})
    report = collect.collect(z, course)
    assert report.filed == []
    assert "whose submission" in report.unmatched[0][1]


def test_an_older_download_never_silently_replaces_a_newer_submission(course, tmp_path):
    new = write_zip(tmp_path / "new.zip", {"smithjohn_1_2_01-labels-2.ipynb": nb_bytes("attempt 2")})
    old = write_zip(tmp_path / "old.zip", {"smithjohn_1_2_01-labels-1.ipynb": nb_bytes("attempt 1")})
    collect.collect(new, course)
    report = collect.collect(old, course)
    assert submitted(course, "canvas-1", "01-labels") == nb_bytes("attempt 2")
    assert report.kept_existing and "older" in report.kept_existing[0][2]
    assert "kept the existing, newer submission" in report.summary()
    # a newer attempt replaces it
    newest = write_zip(tmp_path / "newest.zip", {"smithjohn_1_2_01-labels-3.ipynb": nb_bytes("attempt 3")})
    report = collect.collect(newest, course)
    assert report.filed == [("canvas-1/01-labels", "smithjohn_1_2_01-labels-3.ipynb", "updated")]
    assert submitted(course, "canvas-1", "01-labels") == nb_bytes("attempt 3")


def test_a_hand_placed_newer_file_is_kept(course, tmp_path):
    target = course.submitted / "canvas-1" / "02-loss" / "02-loss.ipynb"
    target.parent.mkdir(parents=True)
    target.write_bytes(nb_bytes("fixed by the TA"))
    z = write_zip(tmp_path / "dl.zip", {"doejane_1_2_02-loss.ipynb": nb_bytes("from the LMS")},
                  times={"doejane_1_2_02-loss.ipynb": (2020, 1, 1, 0, 0, 0)})
    report = collect.collect(z, course)
    assert submitted(course, "canvas-1", "02-loss") == nb_bytes("fixed by the TA")
    assert report.kept_existing
    report = collect.collect(z, course, overwrite=True)
    assert submitted(course, "canvas-1", "02-loss") == nb_bytes("from the LMS")


def test_dry_run_writes_nothing(course, tmp_path):
    z = write_zip(tmp_path / "dl.zip", {"doejane_1_2_02-loss.ipynb": nb_bytes("x")})
    report = collect.collect(z, course, dry_run=True)
    assert report.filed == [("canvas-1/02-loss", "doejane_1_2_02-loss.ipynb", "new")]
    assert not course.submitted.exists()
