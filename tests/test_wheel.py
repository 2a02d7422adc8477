"""The kit works as a library: its wheel, installed in a fresh venv, runs a lesson anywhere.

Builds the wheel (`pip wheel --no-deps`), installs it into a new venv without the system's
site-packages, its dependencies resolved through constraints.txt (the versions `make` tests),
checks the venv with `pip check`, then runs lesson 01 copied to a folder outside the checkout,
in that venv's kernel, with nothing of the checkout on any path.
"""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "solutions" / "01-labels" / "01-labels.ipynb"

pytestmark = pytest.mark.slow

# Run by the venv's Python: execute the notebook in the venv's kernel, with a last cell that
# reports where the kernel found the kit, and save the executed notebook.
RUN_NOTEBOOK = """\
import sys
import nbformat
from nbclient import NotebookClient

source, executed = sys.argv[1], sys.argv[2]
nb = nbformat.read(source, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, kmeans_ref, autograder\\n"
    "print(sys.executable)\\nprint(kmeans_ref.__file__)\\nprint(autograder.__file__)"))
client = NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": str(__import__("pathlib").Path(source).parent)}})
client.execute()
nbformat.write(nb, executed)
"""


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure, fail the test with its output."""
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    return out


def outside_env(venv: Path, home: Path) -> dict:
    """The environment of a user of the venv: its bin/ first on PATH, a private HOME (no user
    kernels or site-packages), nothing pointing at the checkout."""
    checkout_bins = {str(ROOT / ".venv" / "bin"), str(Path(sys.executable).parent)}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in checkout_bins]
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "KMEANS_COURSE_DATA", "JUPYTER_PATH",
            "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PATH=os.pathsep.join([str(venv / "bin"), *path]), HOME=str(home),
               MPLBACKEND="Agg", PYTHONNOUSERSITE="1")
    return env


def test_the_wheel_installs_and_runs_a_lesson_outside_the_checkout(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    assert ROOT not in base.parents and base not in ROOT.parents

    # 1. the wheel, with the data sets inside and the maintainers' scripts left out
    wheels = base / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, ROOT], timeout=600)
    built = list(wheels.glob("kmeans_course-*.whl"))
    assert len(built) == 1, built
    names = set(zipfile.ZipFile(built[0]).namelist())
    data = {n for n in names if n.startswith("kmeans_ref/data/")}
    assert data == {f"kmeans_ref/data/{f}" for f in
                    ("README.md", "real_estate.csv", "old_faithful.csv", "penguins.csv", "photo.png")}
    assert not any(n.startswith("data/") for n in names)

    # 2. a fresh venv (no system site-packages) with the wheel and the tested versions
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python]
    run([*pip, "install", "--quiet", "--disable-pip-version-check", built[0],
         "-c", ROOT / "constraints.txt"], timeout=900)
    check = run([*pip, "check"], timeout=120)
    assert "No broken requirements found" in check.stdout
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    assert site.is_relative_to(venv)

    # 3. the lesson, copied far from the checkout, run in the venv's kernel from there
    home, work = base / "home", base / "somewhere" / "else"
    home.mkdir()
    work.mkdir(parents=True)
    notebook = work / LESSON.name
    notebook.write_bytes(LESSON.read_bytes())
    (work / "run_notebook.py").write_text(RUN_NOTEBOOK)
    env = outside_env(venv, home)
    executed = work / "executed.ipynb"
    run([python, "run_notebook.py", notebook, executed], cwd=work, env=env, timeout=900)

    nb = nbformat.read(executed, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) > 10
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    last = "".join(o.get("text", "") for o in code[-1].outputs if o.output_type == "stream")
    kernel_python, kmeans_ref_file, autograder_file = last.split()
    assert Path(kernel_python).parent == venv / "bin"
    for module in (kmeans_ref_file, autograder_file):
        assert Path(module).is_relative_to(site), module
        assert not Path(module).resolve().is_relative_to(ROOT), module

    # 4. every loader from that folder, reading the packaged data
    loaders = ("from kmeans_ref import datasets as d; "
               "print(d.data_dir()); print(d.load_real_estate().X.shape, d.load_old_faithful().X.shape, "
               "d.load_penguins().X.shape, d.load_photo().shape)")
    out = run([python, "-c", loaders], cwd=work, env=env).stdout.splitlines()
    assert out == [str(site / "kmeans_ref" / "data"), "(2, 200) (2, 272) (4, 342) (160, 240, 3)"]
