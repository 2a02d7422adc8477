"""The course gradebook's database, whatever URL nbgrader was given: a SQLite file or a server.

nbgrader keeps its gradebook wherever ``c.CourseDirectory.db_url`` points: the default
``sqlite:///<root>/gradebook.db``, or a PostgreSQL database
(``postgresql+psycopg://user@host:5432/dbname``, driver from ``pip install
"kmeans-course[postgres]"``). This module answers, for any such URL, what the batch
commands ask before they open it with nbgrader's ``Gradebook``:

* is it there at all: :func:`require_gradebook` (reachable, and created by ``release``),
  :func:`require_reachable` (a server that answers; ``release`` creates the tables);
* how to say which database it is without its password: :func:`redact`;
* how a writer survives another writer beside it (two TAs grading two lessons at once):
  :func:`with_busy_timeout` (SQLite waits for the other's lock instead of failing at once)
  and :func:`is_transient` (what a retry may cure: a lock, a deadlock, a row the other
  writer inserted first).

A server that cannot be reached, a driver that is not installed, a URL that does not
parse: each is a :class:`DatabaseError` (a ``CourseError``: the command line prints it
and exits 2) naming the host, port and database and what to check, never a traceback.

>>> redact("postgresql+psycopg://ta:s3cret@db.example.org:5432/kmeans")
'postgresql+psycopg://ta:***@db.example.org:5432/kmeans'
>>> with_busy_timeout("sqlite:////tmp/gradebook.db")
'sqlite:////tmp/gradebook.db?timeout=30'
>>> with_busy_timeout("postgresql+psycopg://ta@127.0.0.1/kmeans")
'postgresql+psycopg://ta@127.0.0.1/kmeans'
"""
from __future__ import annotations

from pathlib import Path

from autograder.course import CourseError

SQLITE_PREFIX = "sqlite:///"
# Seconds a SQLite writer waits for another process's lock before "database is locked"
# (Python's default is 5): a merge holds the lock for milliseconds, a burst of merges
# from another batch for longer.
BUSY_TIMEOUT = 30
# Seconds to wait for a database server to answer before saying it cannot be reached.
CONNECT_TIMEOUT = 10
# A table every nbgrader gradebook has: its absence means `release` has not run yet.
MARKER_TABLE = "assignment"
# The driver module SQLAlchemy imports for each PostgreSQL URL scheme, and how to get it.
DRIVERS = {
    "postgresql+psycopg": ("psycopg", 'pip install "kmeans-course[postgres]"'),
    "postgresql": ("psycopg2", 'use postgresql+psycopg:// in db_url and pip install "kmeans-course[postgres]"'),
    "postgresql+psycopg2": ("psycopg2", 'use postgresql+psycopg:// in db_url and pip install "kmeans-course[postgres]"'),
}


class DatabaseError(CourseError):
    """The gradebook's database cannot be used: no driver, no server, no such database."""


class NoGradebook(DatabaseError):
    """The database is there but holds no gradebook yet (``kmeans-course release`` creates it)."""


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (what may be printed or logged)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<a db_url that is not a database URL>"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for any other database, or SQLite in memory)."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def with_busy_timeout(url: str, seconds: int = BUSY_TIMEOUT) -> str:
    """A SQLite file URL whose connections wait ``seconds`` for another writer's lock; others unchanged."""
    if sqlite_path(url) is None or "timeout=" in url.partition("?")[2]:
        return url
    return url + ("&" if "?" in url else "?") + f"timeout={seconds}"


def _where(url: str) -> str:
    """"host H, port P, database D" of a server URL (for messages)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return f"host {u.host or 'localhost (unix socket)'}, port {u.port or 'default'}, database {u.database or '?'}"


def _engine(url: str):
    """A SQLAlchemy engine for ``url`` that gives up on a silent server after CONNECT_TIMEOUT s."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"c.CourseDirectory.db_url is not a database URL ({exc}); write it as "
                            "sqlite:////path/to/gradebook.db or postgresql+psycopg://user@host:5432/dbname "
                            "in nbgrader_config.py") from None
    args = {"connect_timeout": CONNECT_TIMEOUT} if u.get_backend_name() == "postgresql" else {}
    try:
        return create_engine(u, connect_args=args)
    except NoSuchModuleError:
        raise DatabaseError(f"db_url {redact(url)}: SQLAlchemy knows no database {u.drivername!r}; "
                            "use sqlite:///... or postgresql+psycopg://...") from None
    except ImportError as exc:
        module, fix = DRIVERS.get(u.drivername, (getattr(exc, "name", None) or "its driver", "install it"))
        raise DatabaseError(f"the gradebook is at {redact(url)}, and its database driver ({module}) is not "
                            f"installed: {fix}") from None


def _tables(url: str) -> list[str]:
    """The tables of the database at a server ``url``; DatabaseError when it cannot be reached."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    engine = _engine(url)
    try:
        with engine.connect() as con:
            return inspect(con).get_table_names()
    except DBAPIError as exc:
        password = engine.url.password
        reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        reason = " ".join(line.strip() for line in reason[:2])
        if password:
            reason = reason.replace(str(password), "***")
        raise DatabaseError(
            f"cannot open the gradebook database {redact(url)} ({_where(url)}): {reason.rstrip('.')}; check that the "
            "server is running and accepts connections from this machine there (postgresql.conf's "
            "listen_addresses and port, pg_hba.conf), that the database exists (createdb), and the user "
            "and password in c.CourseDirectory.db_url in nbgrader_config.py") from None
    finally:
        engine.dispose()


def require_reachable(url: str) -> None:
    """Fail clearly unless nbgrader can open ``url`` (a server that answers, with the driver installed)."""
    if sqlite_path(url) is None and not url.startswith(SQLITE_PREFIX):
        _tables(url)


def require_gradebook(url: str) -> None:
    """Fail clearly unless the gradebook at ``url`` exists (opening a missing one would create it empty)."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise NoGradebook(f"no gradebook at {path}: run `kmeans-course release` first")
        return
    if url.startswith(SQLITE_PREFIX):  # SQLite in memory: always empty, nothing to check
        return
    if MARKER_TABLE not in _tables(url):
        raise NoGradebook(f"the database {redact(url)} ({_where(url)}) holds no gradebook yet: "
                            "run `kmeans-course release` first (it creates nbgrader's tables there)")


def is_transient(exc: BaseException) -> bool:
    """True for an error another writer caused and a retry of the same transaction may cure.

    SQLite: "database is locked" (another process held the lock past the busy timeout).
    PostgreSQL: serialization failure (40001), deadlock (40P01). Both: a unique violation,
    another writer inserted the same new row first (two batches creating one student;
    nbgrader reports it as ``InvalidEntry`` wrapping the ``IntegrityError``).
    """
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    if isinstance(exc, InvalidEntry):
        text = " ".join(str(a) for a in exc.args)
        return "UNIQUE constraint failed" in text or "duplicate key value" in text
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in ("40001", "40P01")
    return False
