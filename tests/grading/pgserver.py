"""A real PostgreSQL server for the tests, started from Debian's binaries in a temporary folder.

``initdb`` makes a cluster (trust authentication, superuser ``kmeans``) in a fresh folder
under the system's temporary directory; ``pg_ctl start`` runs it on a free port, listening
on 127.0.0.1 only, its unix socket in the same folder; ``pg_ctl stop`` (then the
postmaster's pid, if need be) ends it and the folder goes. ``initdb`` refuses to run as
root, so under root (CI) the server runs as the ``postgres`` user Debian creates (or
``nobody``), dropped to with ``setpriv``, and owns its folder.

Binaries: ``initdb`` on PATH, else the newest ``/usr/lib/postgresql/*/bin``, where
Debian's ``postgresql`` package puts them (``.ci/run`` installs it).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "kmeans"  # the cluster's superuser (trust auth: no password)


def find_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (None when PostgreSQL is not installed)."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                      if Path(p).parent.name.isdigit() else 0, reverse=True)
    candidates += [Path(p) for p in versions]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> tuple[list, int, int] | None:
    """(command prefix, uid, gid) to run the server as an unprivileged user; None when not root."""
    if os.geteuid() != 0:
        return None
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run PostgreSQL as a user other than root"
    try:
        entry = pwd.getpwnam("postgres")
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid, gid = 65534, 65534  # nobody
    return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups"], uid, gid


@dataclass
class PostgresServer:
    """A running server: ``url(dbname)`` for nbgrader, ``create_database(name)`` for a fresh one."""

    bin: Path
    folder: Path
    port: int
    host: str = "127.0.0.1"
    user: str = USER

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        with self.connect() as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None


def _run(cmd: list, prefix: list, log: Path) -> None:
    proc = subprocess.run(prefix + [str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120, env={**os.environ, "LC_ALL": "C"}, cwd="/")
    if proc.returncode != 0:
        extra = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(map(str, cmd[:2]))} failed ({proc.returncode}):\n{proc.stdout}\n{extra}")


@contextlib.contextmanager
def running_server(bin_dir: Path):
    """Start a throw-away server; yield a :class:`PostgresServer`; stop it and remove its folder."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-pg-"))
    who = _server_user()
    prefix = []
    if who is not None:
        prefix, uid, gid = who
        os.chown(folder, uid, gid)
    server = PostgresServer(bin_dir, folder, free_port())
    log = folder / "server.log"
    try:
        _run([bin_dir / "initdb", "-D", server.data, "-A", "trust", "-U", USER, "-E", "UTF8",
              "--locale=C", "--no-sync"], prefix, log)
        for attempt in range(3):  # the free port may be taken before the server binds it
            # 127.0.0.1 only, socket in the folder; a throw-away cluster needs no durability
            options = (f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            try:
                _run([bin_dir / "pg_ctl", "-D", server.data, "-l", log, "-o", options, "-w", "-t", "60", "start"],
                     prefix, log)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                server.port = free_port()
        yield server
    finally:
        pid = server.pid()
        if pid is not None:
            with contextlib.suppress(Exception):
                _run([bin_dir / "pg_ctl", "-D", server.data, "-m", "fast", "-w", "-t", "30", "stop"], prefix, log)
            deadline = time.monotonic() + 10
            while server.pid() is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            if server.pid() is not None:  # pg_ctl could not stop it: end this server's postmaster only
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
        shutil.rmtree(folder, ignore_errors=True)
