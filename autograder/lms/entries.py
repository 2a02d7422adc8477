"""The files of an LMS download (a zip or a folder), read safely.

Archive entries are read in memory, never extracted; names that would escape the
archive (``../``, absolute paths, links) and oversized notebooks are rejected and
listed ("zip-slip").
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # a notebook larger than this is not a submission
SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


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


def zip_entries(path: Path, rejected: list, tz) -> list[Entry]:
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
        # a zip entry's date has no zone: the LMS server's clock, read in ``tz``
        mtime = _dt.datetime(*info.date_time, tzinfo=tz).timestamp()

        def read(info=info):
            with archive.open(info) as fh:
                data = fh.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB once unpacked")
            return data

        entries.append(Entry(info.filename.replace("\\", "/"), info.file_size, mtime, read))
    return entries


def folder_entries(path: Path, rejected: list) -> list[Entry]:
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
