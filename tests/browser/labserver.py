"""Start a private JupyterLab for browser tests.

    with JupyterLab(folder) as lab:
        page.goto(lab.url("lab/tree/01-labels/01-labels.ipynb"))

The server listens on 127.0.0.1 on a free port, serves `folder` (also its
working directory, as `make lab` does from notebooks/), and keeps its user
settings, workspaces, runtime files and user config in a temporary folder,
so it neither reads nor changes the tester's own Jupyter setup. It uses the
Python that runs the tests (the repository's venv), so its kernel imports
`autograder` and `kmeans_ref`, and the nbgrader extensions the venv enables
(the Validate button) are there.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# JupyterLab settings for a quiet test browser: no news pop-up, no update check.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server process, started on enter and stopped (kernels included) on exit."""

    def __init__(self, folder: str | Path, *, log_path: str | Path | None = None, startup_timeout: float = 90):
        self.folder = Path(folder).resolve()
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else None
        self._tmp = None
        self.proc = None

    # ------------------------------------------------------------------ urls
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str = "lab", **query) -> str:
        """URL of `path` with the token (and `reset`, so no old tabs are restored)."""
        params = [f"token={self.token}"] + [k if v is True else f"{k}={v}" for k, v in query.items()]
        return self.base + path.lstrip("/") + "?" + "&".join(params)

    def api(self, path: str):
        """GET a JSON REST endpoint of the server."""
        req = urllib.request.Request(self.base + path.lstrip("/"), headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> "JupyterLab":
        self._tmp = tempfile.TemporaryDirectory(prefix="kmeans-lab-")
        tmp = Path(self._tmp.name)
        settings = tmp / "settings"
        for rel, values in SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        # The Makefile exports MPLBACKEND=Agg; kernels inheriting it would draw no figures.
        env.pop("MPLBACKEND", None)
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
            JUPYTER_CONFIG_DIR=str(tmp / "config"),  # ignore ~/.jupyter
        )
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.folder}",
            # Lets the tests drive commands (run all) through window.jupyterapp.
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                cmd, cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}; see {self.log_path}")
            try:
                self.api("api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        raise TimeoutError(f"JupyterLab did not answer within {self.startup_timeout} s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM makes the server shut its kernels down; kill its process group if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session: the server and its kernels
                self.proc.wait(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __exit__(self, *exc) -> None:
        self.stop()
