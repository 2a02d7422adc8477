"""Who a submission belongs to: LMS identities, rosters, and the mapping file.

nbgrader student ids are built from the LMS's stable ids, never from names (two
students with the same name stay apart):

- Canvas: ``canvas-<user id>`` (the numeric ``ID`` column of the gradebook export, the
  third field of a download's file name ``smithjohn_12345_67890_file``).
- Moodle: participant ids ("Participant 12345", the number in a download's folder
  ``John Smith_12345_assignsubmission_file_``) are allocated per assignment, so the
  same student has a different one in every lesson. The stable id is the e-mail
  address, read from the assignment's grading worksheet:
  ``moodle-<local part>-at-<domain>``. Without a worksheet the id is
  ``moodle-p<participant id>``, valid for that assignment only (collect says so).

A roster (``--roster``) is one of: Canvas's gradebook export CSV; Moodle's grading
worksheet CSV (``Identifier`` = ``Participant N``); Moodle's participants CSV (names
and e-mail, matched by full name when the name is unique); or the kit's alias CSV with
a ``student_id`` column (every other cell an alias).

The mapping file ``submitted/.lms.json`` keeps, per nbgrader student id, the LMS ids
(Canvas user id and SIS ids; Moodle e-mail and participant id per lesson) and the
names, and per submission what the LMS said (late flag, submission id, time). The
export commands read it.
"""
from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.course import Course, CourseError

MAPPING = ".lms.json"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
PARTICIPANT = re.compile(r"^\s*Participant\s+(\d+)\s*$", re.IGNORECASE)


def slug(text: str) -> str:
    """A safe student id: ASCII letters, digits, ``_``, ``-``, ``.``; spaces become ``_``.

    >>> slug("José  Álvarez-Núñez")
    'jose_alvarez-nunez'
    >>> slug("../../etc")
    'etc'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"\s+", "_", text.strip().lower())
    text = re.sub(r"[^a-z0-9_.-]", "", text)
    text = re.sub(r"\.{2,}", ".", text)
    return text.strip("._-")


def canvas_student_id(user_id: str) -> str:
    """>>> canvas_student_id("12345")
    'canvas-12345'
    """
    return f"canvas-{int(user_id)}"


def moodle_student_id(*, email: str = "", participant: str = "") -> str:
    """From the e-mail when known (stable across lessons), else the participant id.

    >>> moodle_student_id(email="Ann.Lee@Uni.example"), moodle_student_id(participant="77")
    ('moodle-ann.lee-at-uni.example', 'moodle-p77')
    """
    if email and "@" in email:
        local, _, domain = email.strip().lower().rpartition("@")
        sid = slug(f"{local}-at-{domain}")
        if sid:
            return f"moodle-{sid}"
    if participant:
        return f"moodle-p{int(participant)}"
    raise ValueError("a Moodle student needs an e-mail address or a participant id")


def split_name(full: str) -> tuple[str, str]:
    """(first, last) of "Last, First" (Canvas) or "First Last" (Moodle).

    >>> split_name("O'Brien, Zoë"), split_name("Ann Marie Lee"), split_name("Prince")
    (('Zoë', "O'Brien"), ('Ann Marie', 'Lee'), ('', 'Prince'))
    """
    full = " ".join(full.split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return first, last


@dataclass
class Person:
    """One student as the LMS knows them."""

    student_id: str
    lms: str  # "canvas" | "moodle" | "local"
    name: str = ""  # as the LMS writes it ("Smith, John" on Canvas)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    canvas_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    participants: dict = field(default_factory=dict)  # Moodle: lesson -> participant id

    def merge(self, other: "Person") -> None:
        """Fill the fields ``other`` knows (later rosters win; participant ids add up)."""
        for key, value in asdict(other).items():
            if key == "participants":
                self.participants.update(value)
            elif value and key != "student_id":
                setattr(self, key, value)


# ----------------------------------------------------------------------------- rosters


@dataclass
class Roster:
    """A class list from the LMS: how to find a person by what a download says."""

    kind: str  # "canvas" | "moodle-worksheet" | "moodle-participants" | "aliases"
    people: list = field(default_factory=list)
    by_canvas: dict = field(default_factory=dict)  # Canvas user id -> Person
    by_participant: dict = field(default_factory=dict)  # Moodle participant id -> Person
    by_name: dict = field(default_factory=dict)  # slug of the full name -> [Person]
    aliases: dict = field(default_factory=dict)  # the kit's alias CSV: slug -> student id

    def lookup_name(self, full_name: str) -> tuple["Person | None", str]:
        """The one person with this full name, or (None, why)."""
        found = self.by_name.get(slug(full_name), [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"{full_name!r} is not on the roster"
        return None, f"{len(found)} students on the roster are named {full_name!r}: cannot tell which"


def _read_rows(path: Path) -> tuple[list, list]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise CourseError(f"{path}: not UTF-8 text ({exc}); save the CSV as UTF-8 and try again") from exc
    if not rows:
        raise CourseError(f"{path}: empty CSV")
    return [h.strip() for h in rows[0]], rows[1:]


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV of any supported kind (see the module docs)."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"roster {path} does not exist")
    header, rows = _read_rows(path)
    cols = {h: i for i, h in enumerate(header)}

    def cell(row, name):
        i = cols.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    roster = None
    if "student_id" in cols:
        roster = Roster("aliases")
        for row in rows:
            sid = slug(cell(row, "student_id"))
            if not sid:
                continue
            for name, i in cols.items():
                if name != "student_id" and i < len(row) and slug(row[i]):
                    roster.aliases[slug(row[i])] = sid
            roster.aliases[sid] = sid
        return roster
    if "Student" in cols and "ID" in cols:
        roster = Roster("canvas")
        for row in rows:
            uid = cell(row, "ID")
            if not uid.isdigit():  # "Points Possible", "Manual Posting": not students
                continue
            name = cell(row, "Student")
            first, last = split_name(name)
            p = Person(canvas_student_id(uid), "canvas", name=name, first_name=first, last_name=last,
                       canvas_user_id=uid, sis_user_id=cell(row, "SIS User ID"),
                       sis_login_id=cell(row, "SIS Login ID"), section=cell(row, "Section"))
            roster.people.append(p)
            roster.by_canvas[uid] = p
    elif "Identifier" in cols and "Full name" in cols:
        roster = Roster("moodle-worksheet")
        for row in rows:
            m = PARTICIPANT.match(cell(row, "Identifier"))
            if not m:
                continue
            pid, name, email = m.group(1), cell(row, "Full name"), cell(row, "Email address")
            first, last = split_name(name)
            p = Person(moodle_student_id(email=email, participant=pid), "moodle", name=name,
                       first_name=first, last_name=last, email=email)
            p.participants["?"] = pid  # the lesson is set when a submission names it
            roster.people.append(p)
            roster.by_participant[pid] = p
    elif "Email address" in cols and ("First name" in cols or "Last name" in cols):
        roster = Roster("moodle-participants")
        for row in rows:
            email = cell(row, "Email address")
            if "@" not in email:
                continue
            first, last = cell(row, "First name"), cell(row, "Last name")
            p = Person(moodle_student_id(email=email), "moodle", name=f"{first} {last}".strip(),
                       first_name=first, last_name=last, email=email, sis_user_id=cell(row, "ID number"))
            roster.people.append(p)
    if roster is None:
        raise CourseError(
            f"{path}: not a roster the kit knows (header {header[:6]}...). Use Canvas's gradebook export "
            "(Student, ID, SIS User ID, ...), Moodle's grading worksheet (Identifier, Full name, Email address, ...), "
            "Moodle's participants list (First name, Last name, Email address), or a CSV with a student_id column")
    if not roster.people:
        raise CourseError(f"{path}: a {roster.kind} roster with no students in it")
    for p in roster.people:
        roster.by_name.setdefault(slug(p.name), []).append(p)
        if p.first_name or p.last_name:  # "Smith, John" on Canvas is "John Smith" in a file name
            alt = slug(f"{p.first_name} {p.last_name}")
            if alt != slug(p.name):
                roster.by_name.setdefault(alt, []).append(p)
    return roster


# ----------------------------------------------------------------------------- the mapping file


class LmsMap:
    """``submitted/.lms.json``: nbgrader student id -> LMS ids; submission -> what the LMS said."""

    def __init__(self, course: Course):
        self.path = course.submitted / MAPPING
        data = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise CourseError(f"{self.path} is not valid JSON ({exc}); restore it from a backup or "
                                  "delete it and collect again with the roster") from exc
        self.students = {sid: Person(**p) for sid, p in data.get("students", {}).items()}
        self.submissions = data.get("submissions", {})

    def upsert(self, person: Person) -> Person:
        known = self.students.get(person.student_id)
        if known is None:
            known = self.students[person.student_id] = Person(person.student_id, person.lms)
        known.merge(person)
        known.participants.pop("?", None)
        return known

    def by_canvas(self, user_id: str) -> Person | None:
        return next((p for p in self.students.values() if p.canvas_user_id == str(user_id)), None)

    def by_participant(self, lesson: str, pid: str) -> Person | None:
        return next((p for p in self.students.values() if p.participants.get(lesson) == str(pid)), None)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(MAPPING + ".tmp")
        data = {"students": {sid: asdict(p) for sid, p in sorted(self.students.items())},
                "submissions": dict(sorted(self.submissions.items()))}
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def write_names(course: Course, people: list) -> int:
    """Names (and e-mail) into nbgrader's gradebook, through its own API; returns how many.

    Writes nothing when the gradebook does not exist yet (``kmeans-course release``
    creates it); the names stay in the mapping file and are written at the next collect.
    """
    from nbgrader.api import Gradebook

    from autograder.database import NoGradebook

    db = course.db_url
    if not people:
        return 0
    try:
        course.require_gradebook()  # a server that cannot be reached is an error, not "no gradebook yet"
    except NoGradebook:
        return 0
    with Gradebook(db, course.course_id) as gb:
        for p in people:
            kwargs = {k: v for k, v in (("first_name", p.first_name), ("last_name", p.last_name),
                                        ("email", p.email)) if v}
            gb.update_or_create_student(p.student_id, **kwargs)
    return len(people)
