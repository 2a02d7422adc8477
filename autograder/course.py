"""Where a course's files live, and how to run nbgrader on them.

Every batch command works on one *course root*: the folder that holds
``nbgrader_config.py`` (nbgrader reads it only from the working directory).
:class:`Course` resolves nbgrader's own configuration for that root once, the same
way ``nbgrader`` does, and answers the questions the other modules ask: where are
the submitted, autograded and feedback folders, what is the gradebook's URL, which
environment must an nbgrader subprocess get (``alembic`` on ``PATH``).

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "nbgrader_config.py").write_text("c = get_config()\\n")
>>> course = Course(root)
>>> course.submitted.name, course.db_url.endswith("gradebook.db")
('submitted', True)
"""
from __future__ import annotations

import contextlib
import os
import stat
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# Private state of the batch commands (ledger, scratch gradebooks, logs) lives in a
# hidden folder inside autograded/, so it is created, and deleted, with the
# autograded notebooks it describes. nbgrader's globs (``autograded/*/<id>``) skip it.
STATE_DIRNAME = ".kmeans-course"


class CourseError(RuntimeError):
    """The course root is not usable (no nbgrader_config.py, unknown assignment, ...)."""


# ---------------------------------------------------------------- where the kit itself is
def kit_packages() -> list[Path]:
    """The folders of the two packages this process runs (``autograder``, ``kmeans_ref``).

    Wherever the kit was installed from (a wheel in site-packages, an editable checkout),
    these are the copies the grader imports, and so the ones its kernels must import.
    """
    import kmeans_ref

    import autograder

    return [Path(autograder.__file__).resolve().parent, Path(kmeans_ref.__file__).resolve().parent]


def kit_checkout() -> Path | None:
    """The checkout the kit runs from, or None when it runs from an installed copy.

    A checkout is the folder above the ``autograder`` package that also holds
    ``pyproject.toml`` and the instructor sources (``solutions/``).
    """
    folder = kit_packages()[0].parent
    if (folder / "pyproject.toml").is_file() and (folder / "solutions").is_dir():
        return folder
    return None


def venv_bin() -> Path:
    """The ``bin/`` folder of the running interpreter (where ``nbgrader`` and ``alembic`` are)."""
    return Path(sys.executable).parent


def nbgrader_env(extra: dict | None = None) -> dict:
    """A copy of ``os.environ`` fit for running nbgrader: the venv's ``bin/`` first on PATH.

    nbgrader runs ``alembic`` by name; matplotlib must not try to open windows.
    """
    env = dict(os.environ)
    path = env.get("PATH", "")
    first = str(venv_bin())
    if path.split(os.pathsep)[0] != first:
        env["PATH"] = first + (os.pathsep + path if path else "")
    env.setdefault("MPLBACKEND", "Agg")
    if extra:
        env.update(extra)
    return env


def ensure_path_env() -> None:
    """Put the venv's ``bin/`` first on this process's PATH (for nbgrader run in-process)."""
    os.environ.update({"PATH": nbgrader_env()["PATH"]})
    os.environ.setdefault("MPLBACKEND", "Agg")


@contextlib.contextmanager
def chdir(path):
    """Run a block with ``path`` as working directory."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def make_writable_and_remove(path: Path) -> None:
    """Delete a file or folder tree that nbgrader wrote read-only (mode 444)."""
    import shutil

    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_file() or path.is_symlink():
        with contextlib.suppress(OSError):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        path.unlink()
        return

    def onerror(func, name, _exc):
        parent = os.path.dirname(name)
        for target in (parent, name):
            with contextlib.suppress(OSError):
                os.chmod(target, os.stat(target).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
        func(name)

    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            target = os.path.join(dirpath, name)
            with contextlib.suppress(OSError):
                if not os.path.islink(target):
                    os.chmod(target, os.stat(target).st_mode | stat.S_IWUSR | stat.S_IRUSR
                             | (stat.S_IXUSR if os.path.isdir(target) else 0))
    shutil.rmtree(path, onerror=onerror)


def load_nbgrader_config(root: Path):
    """nbgrader's configuration for ``root``, loaded exactly as ``nbgrader`` loads it.

    Returns ``(config, coursedir)``: the traitlets Config (jupyter config paths, then
    ``<root>/nbgrader_config.py``) and nbgrader's ``CourseDirectory`` built from it.
    """
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"no nbgrader_config.py in {root}: run from the course root or pass --root")
    path = list(sys.path)
    with chdir(root):
        app = NbGrader()
        # A fresh app per call: no argv, config from the jupyter paths and the root.
        app.initialize([])
        config = app.config.copy()
    # nbgrader puts the course folder first on sys.path while it reads nbgrader_config.py; then it
    # goes: a copy of the kit in the course folder must never shadow the kit this process runs,
    # here or in the grading workers it starts (they inherit sys.path, and import the kit anew).
    sys.path[:] = path
    with chdir(root):
        coursedir = CourseDirectory(config=config)
        # Forget the singleton so a later call (another root) starts over.
        NbGrader.clear_instance()
    return config, coursedir


@dataclass
class Course:
    """A course root and nbgrader's view of it.

    Parameters
    ----------
    root : path of the folder that holds ``nbgrader_config.py``.
    """

    root: Path
    _loaded: tuple | None = field(default=None, repr=False)

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    # nbgrader's configuration -------------------------------------------------
    @property
    def config(self):
        return self._load()[0]

    @property
    def coursedir(self):
        return self._load()[1]

    def _load(self):
        if self._loaded is None:
            self._loaded = load_nbgrader_config(self.root)
        return self._loaded

    @cached_property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @cached_property
    def course_id(self) -> str:
        return self.coursedir.course_id or "default_course"

    def _dir(self, name: str) -> Path:
        return self.root / getattr(self.coursedir, f"{name}_directory")

    @property
    def source(self) -> Path:
        return self._dir("source")

    @property
    def release(self) -> Path:
        return self._dir("release")

    @property
    def submitted(self) -> Path:
        return self._dir("submitted")

    @property
    def autograded(self) -> Path:
        return self._dir("autograded")

    @property
    def feedback(self) -> Path:
        return self._dir("feedback")

    @property
    def state(self) -> Path:
        """Private state of the batch commands: ``autograded/.kmeans-course``."""
        return self.autograded / STATE_DIRNAME

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    # assignments ----------------------------------------------------------------
    def source_assignments(self) -> list[str]:
        """Assignment ids in the source folder (sub-folders holding ``<id>/<id>.ipynb``): those
        listed in ``c.Lessons.lessons`` first, in that order, then the others in name order."""
        from autograder.config import Lessons

        if not self.source.is_dir():
            return []
        found = sorted(p.name for p in self.source.iterdir()
                       if p.is_dir() and (p / f"{p.name}.ipynb").is_file())
        listed = [name for name in Lessons(config=self.config).lessons if name in found]
        return listed + [name for name in found if name not in listed]

    def require_gradebook(self) -> None:
        """Fail clearly when the gradebook does not exist yet (opening it would create an empty one)."""
        from autograder.database import require_gradebook

        require_gradebook(self.db_url)  # any URL nbgrader accepts: a SQLite file, a PostgreSQL server

    def gradebook_assignments(self) -> list[str]:
        """Assignment ids known to the gradebook (created by ``release``), in name order."""
        from nbgrader.api import Gradebook

        self.require_gradebook()
        with Gradebook(self.db_url, self.course_id) as gb:
            return sorted(a.name for a in gb.assignments)

    def submission_dir(self, student: str, assignment: str) -> Path:
        return self.submitted / student / assignment

    def autograded_dir(self, student: str, assignment: str) -> Path:
        return self.autograded / student / assignment
