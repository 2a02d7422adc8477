"""``kmeans-course collect`` with LMS identities: Canvas user ids, Moodle participants, rosters, times."""
from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from autograder.course import Course, CourseError
from autograder.lms import collect
from autograder.lms.identity import LmsMap, read_roster

FIXTURES = Path(__file__).parent / "fixtures" / "lms"


def nb_bytes(tag: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": tag}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def lms_zip(manifest: str, dest: Path) -> Path:
    """The download described by a fixture manifest: entry names, their dates, a tag per notebook."""
    spec = json.loads((FIXTURES / manifest).read_text(encoding="utf-8"))
    assert spec["entries"]
    with zipfile.ZipFile(dest, "w") as zf:
        for name, when, tag in spec["entries"]:
            data = nb_bytes(tag) if name.endswith(".ipynb") else tag.encode()
            zf.writestr(zipfile.ZipInfo(name, tuple(when)), data)
    return dest


def filed(course: Course, student: str, lesson: str = "01-toy") -> bytes:
    return (course.submitted / student / lesson / f"{lesson}.ipynb").read_bytes()


def gradebook_students(course: Course) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        return {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}


def test_canvas_download_with_the_gradebook_export_as_roster(fresh_course, tmp_path):
    course = Course(fresh_course)
    report = collect.main(source=lms_zip("canvas_submissions.json", tmp_path / "dl.zip"), root=fresh_course,
                          roster=FIXTURES / "canvas_gradebook_export.csv", quiet=True)

    # two students named "Smith, John" stay apart: the id is Canvas's user id
    assert filed(course, "canvas-12345") == nb_bytes("john 12345")
    assert filed(course, "canvas-12399") == nb_bytes("john 12399")
    # the resubmission (-1) wins; the older file is listed
    assert filed(course, "canvas-33333") == nb_bytes("jose resubmitted")
    assert report.superseded == [("canvas-33333/01-toy", "alvareznunezjose_33333_880004_01-toy.ipynb",
                                  "alvareznunezjose_33333_880004_01-toy-1.ipynb")]
    # someone not on the roster is listed and not filed into anyone's record
    assert [name for name, _ in report.not_on_roster] == ["droppedstudent_55555_880005_01-toy.ipynb"]
    assert "not on the roster" in report.not_on_roster[0][1]
    assert not (course.submitted / "canvas-55555").exists()
    assert "NOT ON THE ROSTER" in report.summary()
    assert sorted(k for k, _, _ in report.filed) == ["canvas-12345/01-toy", "canvas-12399/01-toy",
                                                    "canvas-22222/01-toy", "canvas-33333/01-toy"]

    # names reach nbgrader's gradebook; LMS ids and the LATE flag reach the mapping file
    students = gradebook_students(course)
    assert students["canvas-12345"][:2] == ("John", "Smith")
    assert students["canvas-33333"][:2] == ('José "Pepe"', "Álvarez-Núñez")
    assert students["canvas-22222"][:2] == ("Zoë", "O'Brien")
    lmsmap = LmsMap(course)
    zoe = lmsmap.students["canvas-22222"]
    assert (zoe.canvas_user_id, zoe.sis_user_id, zoe.sis_login_id) == ("22222", "S0003", "zobrien")
    assert lmsmap.submissions["canvas-22222/01-toy"]["lms_late"] is True
    assert lmsmap.submissions["canvas-12345/01-toy"]["lms_late"] is False
    assert lmsmap.submissions["canvas-22222/01-toy"]["canvas_submission_id"] == "880003"
    assert report.late == ["canvas-22222/01-toy"]


def test_timestamp_txt_is_what_nbgrader_reads(fresh_course, tmp_path):
    from nbgrader.coursedir import CourseDirectory

    course = Course(fresh_course)
    z = lms_zip("canvas_submissions.json", tmp_path / "dl.zip")
    collect.collect(z, course)  # zip dates read as UTC (the default)
    folder = course.submission_dir("canvas-22222", "01-toy")
    assert (folder / "timestamp.txt").read_text() == "2026-09-16 08:30:00.000000 UTC"
    assert len((folder / "submission_secret.txt").read_text()) == 128
    assert CourseDirectory().get_existing_timestamp(str(folder)) == dt.datetime(2026, 9, 16, 8, 30)

    # the same download read as Berlin time (CEST, UTC+2) is two hours earlier in UTC
    course2 = Course(fresh_course)
    for child in course2.submitted.iterdir():
        import shutil
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    collect.collect(z, course2, timezone="Europe/Berlin")
    assert CourseDirectory().get_existing_timestamp(str(folder)) == dt.datetime(2026, 9, 16, 6, 30)
    with pytest.raises(CourseError, match="unknown time zone"):
        collect.collect(z, course2, timezone="Mars/Olympus")


def test_an_unchanged_resubmission_keeps_its_time_and_secret(fresh_course, tmp_path):
    course = Course(fresh_course)
    z = lms_zip("canvas_submissions.json", tmp_path / "dl.zip")
    collect.collect(z, course)
    folder = course.submission_dir("canvas-12345", "01-toy")
    before = {n: (folder / n).read_text() for n in ("timestamp.txt", "submission_secret.txt")}
    report = collect.collect(z, course)
    assert ("canvas-12345/01-toy", "smithjohn_12345_880001_01-toy.ipynb", "unchanged") in report.filed
    assert {n: (folder / n).read_text() for n in before} == before


def test_moodle_download_with_the_grading_worksheet(fresh_course, tmp_path):
    course = Course(fresh_course)
    report = collect.main(source=lms_zip("moodle_submissions.json", tmp_path / "moodle.zip"), root=fresh_course,
                          roster=FIXTURES / "moodle_grading_worksheet.csv", quiet=True)
    # ids from the e-mail address (stable across lessons), same-named students apart
    assert filed(course, "moodle-john.smith-at-uni.example") == nb_bytes("john 500101")
    assert filed(course, "moodle-john.smith2-at-uni.example") == nb_bytes("john 500102")
    assert filed(course, "moodle-zoe.obrien-at-uni.example") == nb_bytes("zoe")
    assert [n for n, _ in report.not_on_roster] == ["Guest Auditor_500199_assignsubmission_file_/01-toy.ipynb"]
    assert "grading worksheet" in report.not_on_roster[0][1]
    lmsmap = LmsMap(course)
    john = lmsmap.students["moodle-john.smith-at-uni.example"]
    assert john.participants == {"01-toy": "500101"} and john.email == "john.smith@uni.example"
    assert gradebook_students(course)["moodle-zoe.obrien-at-uni.example"] == ("Zoë", "O'Brien",
                                                                               "zoe.obrien@uni.example")


def test_moodle_participants_list_matches_unique_names_only(fresh_course, tmp_path):
    course = Course(fresh_course)
    report = collect.collect(lms_zip("moodle_submissions.json", tmp_path / "m.zip"), course,
                             roster=read_roster(FIXTURES / "moodle_participants.csv"))
    assert [k for k, _, _ in report.filed] == ["moodle-zoe.obrien-at-uni.example/01-toy"]
    why = dict(report.not_on_roster)
    assert "2 students on the roster are named 'John Smith'" in why[
        "John Smith_500101_assignsubmission_file_/01-toy.ipynb"]
    assert "not on the roster" in why["Guest Auditor_500199_assignsubmission_file_/01-toy.ipynb"]


def test_a_canvas_download_against_a_moodle_roster_files_nothing(fresh_course, tmp_path):
    course = Course(fresh_course)
    report = collect.collect(lms_zip("canvas_submissions.json", tmp_path / "dl.zip"), course,
                             roster=read_roster(FIXTURES / "moodle_grading_worksheet.csv"))
    assert report.filed == []
    assert report.not_on_roster and all("not Canvas's" in why for _, why in report.not_on_roster)


def test_roster_errors_say_what_to_pass(tmp_path):
    bad = tmp_path / "grades.csv"
    bad.write_text("name,score\nann,3\n")
    with pytest.raises(CourseError, match="Canvas's gradebook export"):
        read_roster(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n")
    with pytest.raises(CourseError, match="no students"):
        read_roster(empty)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("Student,ID\n\"Zo\xeb\",1\n".encode("latin-1"))
    with pytest.raises(CourseError, match="UTF-8"):
        read_roster(latin)
