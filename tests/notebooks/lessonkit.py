"""Helpers for the lesson tests: paths and running stock nbgrader in a scratch course."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = [
    "01-labels",
    "02-loss",
    "03-lloyd",
    "04-kmedians",
    "05-gradient-descent",
    "06-applications",
    "07-soft-clustering",
]
BIN = Path(sys.executable).parent


def nbgrader(course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the stock `nbgrader` command in `course` (it reads nbgrader_config.py from the cwd)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


