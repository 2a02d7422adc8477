"""Run a test scenario in a fresh Python and read back what it saw.

The scenario prints one line ``SEEN <json>`` at its end; a scenario that fails or
prints none fails the calling fixture with the tail of its output.
"""

import json
import os
import subprocess
import sys


def run_scenario(script, *args, secret, cwd=None, timeout=300):
    """The JSON of the last ``SEEN`` line that ``python -c script *args`` printed."""
    env = dict(os.environ, KMEANS_COURSE_SECRET=secret, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SEEN ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(lines[-1][len("SEEN "):])
