"""``kmeans-course collect``: file an LMS download into nbgrader's ``submitted/`` folder.

Input: a folder or a ``.zip`` as an LMS hands it out. Recognised layouts:

- Canvas ("Download Submissions"): flat files ``<login>_[LATE_]<user id>_<submission id>_<file>``,
  e.g. ``smithjohn_12345_67890_01-labels.ipynb``; a resubmission's file gets ``-1``,
  ``-2``, ... before the extension (``smithjohn_LATE_12345_67890_01-labels-1.ipynb``).
- Moodle ("Download all submissions"): a folder per student,
  ``John Smith_12345_assignsubmission_file_/01-labels.ipynb``; the student id is the
  name in lower case (``john_smith``), unless a roster maps it.
- nbgrader's own layout ``<student>/<assignment>/<file>.ipynb``, or ``<student>/<assignment>.ipynb``.

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

import csv
import datetime as _dt
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from autograder.course import Course, CourseError

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # a notebook larger than this is not a submission
PROVENANCE = ".collect.json"
SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}

CANVAS = re.compile(
    r"^(?P<login>[A-Za-z0-9-]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[A-Za-z]+_?$")
# What LMSs and file managers append to a file name: "-1", " (1)", "-Copy1", "_copy".
ATTEMPT = re.compile(r"^(?P<base>.*?)-(?P<n>\d+)$")
COPY = re.compile(r"(?:[ _-]*\(\d+\)|[ _-]*copy\d*|-checkpoint)$", re.IGNORECASE)


# ----------------------------------------------------------------------------- ids


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


@dataclass
class Entry:
    """A file in the download: where it came from and how to read it."""

    name: str  # path inside the archive or folder, with "/" separators
    size: int
    mtime: float
    read: Callable[[], bytes]


def _unsafe(name: str) -> str:
    """Why an archive entry name is unsafe to trust, or ``""``."""
    if "\x00" in name:
        return "the name contains a NUL byte"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path (zip-slip)"
    if any(part == ".." for part in posix.split("/")):
        return "path escapes the archive with '..' (zip-slip)"
    return ""


def _zip_entries(path: Path, rejected: list) -> list[Entry]:
    entries = []
    archive = zipfile.ZipFile(path)
    for info in archive.infolist():
        if info.is_dir():
            continue
        why = _unsafe(info.filename)
        mode = (info.external_attr >> 16) & 0o170000
        if not why and mode == stat.S_IFLNK:
            why = "symbolic link in the archive (zip-slip)"
        if why:
            rejected.append((info.filename, why))
            continue
        if info.file_size > MAX_NOTEBOOK_BYTES and info.filename.lower().endswith(".ipynb"):
            rejected.append((info.filename, f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB"))
            continue
        mtime = _dt.datetime(*info.date_time).timestamp()

        def read(info=info):
            with archive.open(info) as fh:
                data = fh.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB once unpacked")
            return data

        entries.append(Entry(info.filename.replace("\\", "/"), info.file_size, mtime, read))
    return entries


def _folder_entries(path: Path, rejected: list) -> list[Entry]:
    entries = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_PARTS and not d.startswith("."))
        for name in sorted(filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                rejected.append((rel, "symbolic link (not followed)"))
                continue
            st = full.stat()
            if st.st_size > MAX_NOTEBOOK_BYTES and name.lower().endswith(".ipynb"):
                rejected.append((rel, f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB"))
                continue
            entries.append(Entry(rel, st.st_size, st.st_mtime, lambda full=full: full.read_bytes()))
    return entries


# ----------------------------------------------------------------------------- matching


@dataclass
class Candidate:
    entry: Entry
    student: str
    assignment: str
    attempt: int
    late: bool
    layout: str

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    def order(self) -> tuple:
        """Newer sorts later: attempt number, then time, then an exact file name."""
        exact = PurePosixPath(self.entry.name).name == f"{self.assignment}.ipynb"
        return (self.attempt, self.entry.mtime, exact)


def identify(entry: Entry, assignments: list[str], *, only: str | None = None,
             roster: dict | None = None) -> tuple[Candidate | None, str]:
    """Who submitted ``entry`` and for which assignment; or (None, why not)."""
    parts = PurePosixPath(entry.name).parts
    filename = parts[-1]
    roster = roster or {}

    def student_id(raw: str) -> str:
        return roster.get(slug(raw), slug(raw))

    student, late, layout, inner = None, False, "", filename
    m = CANVAS.match(filename)
    if m:
        student, late, layout, inner = student_id(m.group("login")), bool(m.group("late")), "canvas", m.group("file")
    else:
        for part in reversed(parts[:-1]):
            mm = MOODLE.match(part)
            if mm:
                student, layout = student_id(mm.group("name")), "moodle"
                break
    if not filename.lower().endswith(".ipynb"):
        return None, "not a notebook (.ipynb)"
    assignment, attempt = match_assignment(inner, assignments)
    if student is None:
        # nbgrader layout: <student>/<assignment>/<file>.ipynb or <student>/<assignment>.ipynb
        if len(parts) >= 3 and parts[-2] in assignments:
            student, layout, assignment = student_id(parts[-3]), "nbgrader", parts[-2]
        elif len(parts) >= 2 and assignment is not None:
            student, layout = student_id(parts[-2]), "folder"
    if student is None or not student:
        return None, "cannot tell whose submission it is (not a Canvas or Moodle name, not <student>/<file>)"
    if only is not None:
        if assignment not in (None, only):
            return None, f"for {assignment}, not {only}"
        assignment = only
    if assignment is None:
        return None, (f"cannot tell which assignment it is for (student {student}; expected a file named like "
                      f"{assignments[0] if assignments else '<assignment>'}.ipynb)")
    return Candidate(entry, student, assignment, attempt, late, layout), ""


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
        if self.unmatched:
            lines.append(f"COULD NOT MATCH {len(self.unmatched)} file(s):")
            lines += [f"  {name}: {why}" for name, why in self.unmatched]
        if self.rejected:
            lines.append(f"REJECTED {len(self.rejected)} unsafe or oversized entr{'y' if len(self.rejected) == 1 else 'ies'}:")
            lines += [f"  {name!r}: {why}" for name, why in self.rejected]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("source", "filed", "kept_existing", "superseded",
                                              "unmatched", "rejected", "late")}


def read_roster(path: str | Path) -> dict:
    """alias -> student id from a CSV with a ``student_id`` column; every other cell is an alias."""
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            sid = slug(row.get("student_id") or "")
            if not sid:
                continue
            for key, value in row.items():
                if key != "student_id" and value and slug(value):
                    out[slug(value)] = sid
            out[sid] = sid
    return out


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
            only: str | None = None, roster: dict | None = None, dry_run: bool = False,
            overwrite: bool = False) -> CollectReport:
    """File the submissions of ``source`` into ``course.submitted``; see the module docs."""
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
        entries = _zip_entries(source, report.rejected)
    elif source.is_dir():
        entries = _folder_entries(source, report.rejected)
    else:
        raise CourseError(f"{source} is neither a folder nor a zip archive")

    chosen: dict[str, Candidate] = {}
    for entry in entries:
        parts = PurePosixPath(entry.name).parts
        if set(parts) & SKIP_PARTS or parts[-1] in SKIP_NAMES or parts[-1].startswith("._"):
            continue
        if parts[-1].lower().endswith((".zip", ".tar", ".gz", ".7z", ".rar")):
            report.unmatched.append((entry.name, "nested archive: unpack it and collect the folder"))
            continue
        cand, why = identify(entry, assignments, only=only, roster=roster)
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
        report.filed.append((key, cand.entry.name, action))
        if cand.late:
            report.late.append(key)

    if not dry_run and report.filed:
        prov_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = prov_path.with_name(PROVENANCE + ".tmp")
        tmp.write_text(json.dumps(provenance, indent=1, sort_keys=True))
        os.replace(tmp, prov_path)
    return report


def _when(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def main(*, source: str | Path, root: str | Path = ".", assignment: str | None = None,
         roster: str | Path | None = None, dry_run: bool = False, overwrite: bool = False,
         quiet: bool = False) -> CollectReport:
    """Collect ``source`` (folder or zip) into ``<root>/submitted``; print what happened.

    Parameters
    ----------
    source : the LMS download (a .zip or a folder).
    root : the course root.
    assignment : file every notebook under this assignment (a per-assignment download),
        even when its file name does not say which assignment it is.
    roster : CSV with a ``student_id`` column; other columns are aliases (LMS login, name).
    dry_run : report what would happen, write nothing.
    overwrite : replace existing submissions even with older or same-age files.
    """
    course = Course(root)
    report = collect(source, course, only=assignment, roster=read_roster(roster) if roster else None,
                     dry_run=dry_run, overwrite=overwrite)
    if not quiet:
        print(("(dry run) " if dry_run else "") + report.summary(), file=sys.stdout)
    return report
