"""``kmeans-course collect``: file an LMS download into nbgrader's ``submitted/`` folder.

Input: a folder or a ``.zip`` as an LMS hands it out. Recognised layouts:

- Canvas ("Download Submissions"): flat files ``<login>_[LATE_]<user id>_<submission id>_<file>``,
  e.g. ``smithjohn_12345_67890_01-labels.ipynb``; a resubmission's file gets ``-1``,
  ``-2``, ... before the extension (``smithjohn_LATE_12345_67890_01-labels-1.ipynb``).
  The student id is ``canvas-<user id>`` (``canvas-12345``); ``LATE`` is recorded.
- Moodle ("Download all submissions"): a folder per student,
  ``John Smith_12345_assignsubmission_file_/01-labels.ipynb`` (12345: the participant
  id). The student id comes from the e-mail in the grading worksheet passed as
  ``--roster`` (``moodle-john.smith-at-uni.example``); without one it is ``moodle-p12345``.
- nbgrader's own layout ``<student>/<assignment>/<file>.ipynb``, or ``<student>/<assignment>.ipynb``.

Identities, rosters and the mapping file ``submitted/.lms.json``: see
:mod:`autograder.lms.identity`. With a Canvas or Moodle roster, a submission from
someone not on it is listed and not filed.

Beside every notebook it files, ``collect`` writes nbgrader's ``timestamp.txt`` (the
time the LMS gives the file: the zip entry's date, read in ``timezone``, UTC by
default; a folder's file time) and a ``submission_secret.txt`` (as nbgrader's
``submit`` does; ``nbgrader release_feedback`` keys the feedback by it).

Output: ``submitted/<student>/<assignment>/<assignment>.ipynb``. The assignment is
read from the notebook's file name (``01-labels.ipynb``, ``01-labels-1.ipynb``,
``01-labels (1).ipynb``, ``01_labels-Copy1.ipynb`` all match ``01-labels``).

Rules: several files for one student and assignment keep the newest (highest attempt
number, then latest time) and list the others; an existing submission is replaced
only by a newer one (never silently by an older one); archive entries are read in
memory and written only to paths built from sanitised ids, and entries whose names
would escape the archive (``../``, absolute paths, links) are rejected and listed
("zip-slip"); everything that could not be matched is listed with the reason.

Example (from the course root)::

    kmeans-course collect ~/Downloads/submissions.zip
    kmeans-course collect moodle_download/ --assignment 02-loss
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.course import Course, CourseError
from autograder.lms.deadlines import TIMESTAMP, format_timestamp
from autograder.lms.entries import SKIP_PARTS, Entry, folder_entries, zip_entries
from autograder.lms.identity import (LmsMap, Person, Roster, canvas_student_id, moodle_student_id,  # noqa: F401
                                     read_roster, slug, split_name, write_names)

PROVENANCE = ".collect.json"
SECRET = "submission_secret.txt"
SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}

CANVAS = re.compile(
    r"^(?P<login>[A-Za-z0-9-]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[A-Za-z]+_?$")
# What LMSs and file managers append to a file name: "-1", " (1)", "-Copy1", "_copy".
ATTEMPT = re.compile(r"^(?P<base>.*?)-(?P<n>\d+)$")
COPY = re.compile(r"(?:[ _-]*\(\d+\)|[ _-]*copy\d*|-checkpoint)$", re.IGNORECASE)


# ----------------------------------------------------------------------------- ids


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def match_assignment(filename: str, assignments: list[str]) -> tuple[str | None, int]:
    """Which assignment a notebook file name is for, and its attempt number.

    >>> match_assignment("01-labels-2.ipynb", ["01-labels", "02-loss"])
    ('01-labels', 2)
    >>> match_assignment("02_Loss (1).ipynb", ["01-labels", "02-loss"])
    ('02-loss', 0)
    >>> match_assignment("Untitled.ipynb", ["01-labels"])
    (None, 0)
    """
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else filename
    attempt = 0
    stem = _norm(stem)
    for _ in range(3):  # "01-labels-Copy1 (2)" needs more than one pass
        stripped = COPY.sub("", stem)
        if stripped == stem:
            break
        stem = stripped
    by_norm = {_norm(a): a for a in assignments}
    if stem in by_norm:
        return by_norm[stem], 0
    m = ATTEMPT.match(stem)
    if m and m.group("base") in by_norm:
        return by_norm[m.group("base")], int(m.group("n"))
    # longest assignment id that the name starts with, followed by a separator
    for norm in sorted(by_norm, key=len, reverse=True):
        if stem.startswith(norm + "-"):
            return by_norm[norm], attempt
    return None, attempt


# ----------------------------------------------------------------------------- entries


# ----------------------------------------------------------------------------- matching


@dataclass
class Candidate:
    entry: Entry
    student: str
    assignment: str
    attempt: int
    late: bool
    layout: str
    person: Person | None = None  # who the LMS says it is (names, LMS ids)
    lms: dict = field(default_factory=dict)  # what the file name says: user/submission/participant id

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    def order(self) -> tuple:
        """Newer sorts later: attempt number, then time, then an exact file name."""
        exact = PurePosixPath(self.entry.name).name == f"{self.assignment}.ipynb"
        return (self.attempt, self.entry.mtime, exact)


class NotOnRoster(Exception):
    """A submission from someone the roster does not list (or lists twice)."""


def _canvas_person(login: str, uid: str, roster: Roster | None, lmsmap: LmsMap | None) -> Person:
    if roster is not None and roster.kind == "aliases":
        sid = roster.aliases.get(slug(login)) or roster.aliases.get(uid) or canvas_student_id(uid)
        return Person(sid, "canvas", canvas_user_id=uid)
    if roster is not None:
        if roster.kind != "canvas":
            raise NotOnRoster(f"Canvas user {uid} ({login}): the roster is a {roster.kind} list, not Canvas's")
        if uid not in roster.by_canvas:
            raise NotOnRoster(f"Canvas user {uid} ({login}) is not on the roster")
        return roster.by_canvas[uid]
    known = lmsmap.by_canvas(uid) if lmsmap else None
    return known or Person(canvas_student_id(uid), "canvas", canvas_user_id=uid)


def _moodle_person(name: str, pid: str, lesson: str, roster: Roster | None, lmsmap: LmsMap | None) -> Person:
    if roster is not None and roster.kind == "aliases":
        return Person(roster.aliases.get(slug(name)) or moodle_student_id(participant=pid), "moodle")
    if roster is not None and roster.kind == "moodle-worksheet":
        if pid not in roster.by_participant:
            raise NotOnRoster(f"Moodle participant {pid} ({name}) is not in the grading worksheet")
        person = roster.by_participant[pid]
    elif roster is not None and roster.kind == "moodle-participants":
        person, why = roster.lookup_name(name)
        if person is None:
            raise NotOnRoster(f"Moodle participant {pid}: {why}")
    elif roster is not None:
        raise NotOnRoster(f"Moodle participant {pid} ({name}): the roster is a {roster.kind} list, not Moodle's")
    else:
        known = lmsmap.by_participant(lesson, pid) if lmsmap else None
        first, last = split_name(name)
        person = known or Person(moodle_student_id(participant=pid), "moodle", name=name,
                                 first_name=first, last_name=last)
    person = Person(**{**person.__dict__, "participants": {lesson: pid}})
    return person


def _folder_person(raw: str, roster: Roster | None) -> Person:
    sid = slug(raw)
    if roster is None:
        return Person(sid, "local")
    if roster.kind == "aliases":
        return Person(roster.aliases.get(sid, sid), "local")
    by_id = {p.student_id: p for p in roster.people}
    if sid in by_id:
        return by_id[sid]
    person, why = roster.lookup_name(raw)
    if person is None:
        raise NotOnRoster(f"folder {raw!r}: {why}")
    return person


def identify(entry: Entry, assignments: list[str], *, only: str | None = None,
             roster: Roster | None = None, lmsmap: LmsMap | None = None) -> tuple[Candidate | None, str]:
    """Who submitted ``entry`` and for which assignment; or (None, why not).

    Raises :class:`NotOnRoster` when the file is a submission but the roster does not
    list its author.
    """
    parts = PurePosixPath(entry.name).parts
    filename = parts[-1]
    layout, inner, canvas, moodle, late = "", filename, None, None, False
    m = CANVAS.match(filename)
    if m:
        layout, inner, canvas, late = "canvas", m.group("file"), m, bool(m.group("late"))
    else:
        for part in reversed(parts[:-1]):
            mm = MOODLE.match(part)
            if mm:
                layout, moodle = "moodle", mm
                break
    if not filename.lower().endswith(".ipynb"):
        return None, "not a notebook (.ipynb)"
    assignment, attempt = match_assignment(inner, assignments)
    folder = None
    if not layout:
        # nbgrader layout: <student>/<assignment>/<file>.ipynb or <student>/<assignment>.ipynb
        if len(parts) >= 3 and parts[-2] in assignments:
            folder, layout, assignment = parts[-3], "nbgrader", parts[-2]
        elif len(parts) >= 2 and assignment is not None:
            folder, layout = parts[-2], "folder"
    who_unknown = "cannot tell whose submission it is (not a Canvas or Moodle name, not <student>/<file>)"
    if not layout or (moodle and not slug(moodle.group("name"))) or (folder is not None and not slug(folder)):
        return None, who_unknown
    if only is not None:
        if assignment not in (None, only):
            return None, f"for {assignment}, not {only}"
        assignment = only
    if assignment is None:
        return None, (f"cannot tell which assignment it is for (expected a file named like "
                      f"{assignments[0] if assignments else '<assignment>'}.ipynb)")
    lms = {}
    if canvas:
        uid = canvas.group("user")
        person = _canvas_person(canvas.group("login"), uid, roster, lmsmap)
        lms = {"canvas_user_id": uid, "canvas_submission_id": canvas.group("sub"), "canvas_late": late}
    elif moodle:
        pid = moodle.group("pid")
        person = _moodle_person(moodle.group("name"), pid, assignment, roster, lmsmap)
        lms = {"moodle_participant": pid}
    else:
        person = _folder_person(folder, roster)
    return Candidate(entry, person.student_id, assignment, attempt, late, layout, person, lms), ""


# ----------------------------------------------------------------------------- the report


@dataclass
class CollectReport:
    """What ``collect`` did with every file of the download."""

    source: str
    filed: list = field(default_factory=list)  # (key, entry name, action) action: new|updated|unchanged
    kept_existing: list = field(default_factory=list)  # (key, entry name, why)
    superseded: list = field(default_factory=list)  # (key, entry name, newer entry name)
    unmatched: list = field(default_factory=list)  # (entry name, why)
    rejected: list = field(default_factory=list)  # (entry name, why)
    late: list = field(default_factory=list)  # keys marked late by the LMS
    not_on_roster: list = field(default_factory=list)  # (entry name, why): not filed
    notes: list = field(default_factory=list)  # what the TA should know (ids, names)

    def count(self, action: str) -> int:
        return sum(1 for _, _, a in self.filed if a == action)

    def summary(self) -> str:
        lines = [f"collected {len(self.filed)} submission(s) from {self.source}: "
                 f"{self.count('new')} new, {self.count('updated')} updated, {self.count('unchanged')} unchanged"]
        if self.late:
            lines.append(f"marked late by the LMS ({len(self.late)}): {', '.join(sorted(self.late))}")
        if self.kept_existing:
            lines.append(f"kept the existing, newer submission ({len(self.kept_existing)}):")
            lines += [f"  {key}: not replaced by {name} ({why})" for key, name, why in self.kept_existing]
        if self.superseded:
            lines.append(f"older attempts ignored ({len(self.superseded)}):")
            lines += [f"  {key}: {name} (newer: {newer})" for key, name, newer in self.superseded]
        if self.not_on_roster:
            lines.append(f"NOT ON THE ROSTER, not filed ({len(self.not_on_roster)}):")
            lines += [f"  {name}: {why}" for name, why in self.not_on_roster]
        if self.unmatched:
            lines.append(f"COULD NOT MATCH {len(self.unmatched)} file(s):")
            lines += [f"  {name}: {why}" for name, why in self.unmatched]
        if self.rejected:
            lines.append(f"REJECTED {len(self.rejected)} unsafe or oversized entr{'y' if len(self.rejected) == 1 else 'ies'}:")
            lines += [f"  {name!r}: {why}" for name, why in self.rejected]
        lines += self.notes
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("source", "filed", "kept_existing", "superseded",
                                              "unmatched", "rejected", "late", "not_on_roster", "notes")}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    tmp = path.with_name(path.name + ".collecting")
    tmp.write_bytes(data)
    os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)


def collect(source: str | Path, course: Course, *, assignments: list[str] | None = None,
            only: str | None = None, roster: Roster | None = None, dry_run: bool = False,
            overwrite: bool = False, timezone: str = "UTC") -> CollectReport:
    """File the submissions of ``source`` into ``course.submitted``; see the module docs.

    ``timezone``: the zone of the zip entries' dates (the LMS server's clock), an IANA
    name such as ``UTC`` or ``Europe/Berlin``.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"unknown time zone {timezone!r}: use an IANA name such as UTC or Europe/Berlin") from None
    source = Path(source)
    report = CollectReport(str(source))
    if not assignments:
        assignments = sorted(set(course.source_assignments())
                             | {p.name for p in course.release.iterdir() if p.is_dir()}
                             if course.release.is_dir() else set(course.source_assignments()))
        if not assignments:
            with_db = []
            try:
                with_db = course.gradebook_assignments()
            except Exception:
                pass
            assignments = with_db
    if only and only not in assignments:
        assignments = sorted(set(assignments) | {only})
    if not assignments:
        raise CourseError("no assignments known: release the course first or pass --assignment")

    if source.is_file() and zipfile.is_zipfile(source):
        entries = zip_entries(source, report.rejected, tz)
    elif source.is_dir():
        entries = folder_entries(source, report.rejected)
    else:
        raise CourseError(f"{source} is neither a folder nor a zip archive")

    lmsmap = LmsMap(course)
    chosen: dict[str, Candidate] = {}
    for entry in entries:
        parts = PurePosixPath(entry.name).parts
        if set(parts) & SKIP_PARTS or parts[-1] in SKIP_NAMES or parts[-1].startswith("._"):
            continue
        if parts[-1].lower().endswith((".zip", ".tar", ".gz", ".7z", ".rar")):
            report.unmatched.append((entry.name, "nested archive: unpack it and collect the folder"))
            continue
        try:
            cand, why = identify(entry, assignments, only=only, roster=roster, lmsmap=lmsmap)
        except NotOnRoster as exc:
            report.not_on_roster.append((entry.name, str(exc)))
            continue
        if cand is None:
            report.unmatched.append((entry.name, why))
            continue
        other = chosen.get(cand.key)
        if other is None:
            chosen[cand.key] = cand
        elif cand.order() > other.order():
            report.superseded.append((cand.key, other.entry.name, cand.entry.name))
            chosen[cand.key] = cand
        else:
            report.superseded.append((cand.key, cand.entry.name, other.entry.name))

    prov_path = course.submitted / PROVENANCE
    try:
        provenance = json.loads(prov_path.read_text()) if prov_path.exists() else {}
    except (OSError, ValueError):
        provenance = {}

    for key in sorted(chosen):
        cand = chosen[key]
        try:
            data = cand.entry.read()
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            report.rejected.append((cand.entry.name, str(exc)))
            continue
        target = course.submission_dir(cand.student, cand.assignment) / f"{cand.assignment}.ipynb"
        digest = _sha(data)
        record = {"source": f"{source.name}:{cand.entry.name}", "layout": cand.layout, "attempt": cand.attempt,
                  "mtime": cand.entry.mtime, "late": cand.late, "sha256": digest,
                  "collected_at": _dt.datetime.now().isoformat(timespec="seconds")}
        action = "new"
        if target.exists():
            old = target.read_bytes()
            if _sha(old) == digest:
                report.filed.append((key, cand.entry.name, "unchanged"))
                if cand.late:
                    report.late.append(key)
                if not dry_run:
                    _record(lmsmap, cand, target.parent, source, rewrite_time=False)
                continue
            prev = provenance.get(key)
            if prev is not None:
                older = (cand.attempt, cand.entry.mtime) < (prev.get("attempt", 0), prev.get("mtime", 0.0))
                same_age = (cand.attempt, cand.entry.mtime) == (prev.get("attempt", 0), prev.get("mtime", 0.0))
                why = (f"attempt {cand.attempt} of {_when(cand.entry.mtime)} is older than the collected attempt "
                       f"{prev.get('attempt', 0)} of {_when(prev.get('mtime', 0.0))}")
            else:
                existing_mtime = target.stat().st_mtime
                older = cand.entry.mtime < existing_mtime
                same_age = cand.entry.mtime == existing_mtime
                why = (f"its time {_when(cand.entry.mtime)} is older than the existing file's "
                       f"{_when(existing_mtime)}")
            if same_age and not overwrite:
                report.kept_existing.append((key, cand.entry.name, "same attempt and time but different content;"
                                             " pass --overwrite to replace"))
                continue
            if older and not overwrite:
                report.kept_existing.append((key, cand.entry.name, why))
                continue
            action = "updated"
        if not dry_run:
            _write_atomic(target, data, cand.entry.mtime)
            provenance[key] = record
            _record(lmsmap, cand, target.parent, source, rewrite_time=True)
        report.filed.append((key, cand.entry.name, action))
        if cand.late:
            report.late.append(key)

    if not dry_run and report.filed:
        lmsmap.save()
        people = [lmsmap.students[c.student] for c in chosen.values() if c.student in lmsmap.students]
        named = [p for p in people if p.first_name or p.last_name or p.email]
        if named and not write_names(course, named):
            report.notes.append(f"names of {len(named)} student(s) kept in {lmsmap.path.name}; the gradebook does "
                                "not exist yet (run `kmeans-course release`), collect again to write them")
    if any(c.layout == "moodle" and c.student.startswith("moodle-p") for c in chosen.values()):
        report.notes.append("Moodle participant ids change from one assignment to the next: pass the assignment's "
                            "grading worksheet as --roster so each student keeps one id (from the e-mail address)")
    if not dry_run and report.filed:
        prov_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = prov_path.with_name(PROVENANCE + ".tmp")
        tmp.write_text(json.dumps(provenance, indent=1, sort_keys=True))
        os.replace(tmp, prov_path)
    return report


def _record(lmsmap: LmsMap, cand: Candidate, folder: Path, source: Path, *, rewrite_time: bool) -> None:
    """timestamp.txt and submission_secret.txt beside the notebook; the LMS ids in the mapping file.

    An unchanged submission keeps its time and secret (they are written only if missing).
    """
    stamp = folder / TIMESTAMP
    if rewrite_time or not stamp.exists():
        stamp.write_text(format_timestamp(cand.entry.mtime))
    secret = folder / SECRET
    if not secret.exists():
        secret.write_text(secrets.token_hex(64))  # as nbgrader's submit makes one
    if cand.person is not None and cand.layout in ("canvas", "moodle"):
        lmsmap.upsert(cand.person)
    elif cand.student not in lmsmap.students:
        lmsmap.upsert(Person(cand.student, "local"))
    if rewrite_time or cand.key not in lmsmap.submissions:
        lmsmap.submissions[cand.key] = {"layout": cand.layout, "file": f"{source.name}:{cand.entry.name}",
                                        "submitted_at": stamp.read_text(), "lms_late": cand.late, **cand.lms}


def _when(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def main(*, source: str | Path, root: str | Path = ".", assignment: str | None = None,
         roster: str | Path | None = None, dry_run: bool = False, overwrite: bool = False,
         timezone: str = "UTC", quiet: bool = False) -> CollectReport:
    """Collect ``source`` (folder or zip) into ``<root>/submitted``; print what happened.

    Parameters
    ----------
    source : the LMS download (a .zip or a folder).
    root : the course root.
    assignment : file every notebook under this assignment (a per-assignment download),
        even when its file name does not say which assignment it is.
    roster : Canvas's gradebook export, Moodle's grading worksheet or participants list,
        or a CSV with a ``student_id`` column (other columns are aliases); see
        :mod:`autograder.lms.identity`.
    dry_run : report what would happen, write nothing.
    overwrite : replace existing submissions even with older or same-age files.
    timezone : the zone of the zip entries' dates (default UTC).
    """
    course = Course(root)
    report = collect(source, course, only=assignment, roster=read_roster(roster) if roster else None,
                     dry_run=dry_run, overwrite=overwrite, timezone=timezone)
    if not quiet:
        print(("(dry run) " if dry_run else "") + report.summary(), file=sys.stdout)
    return report
