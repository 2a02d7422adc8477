"""Offline reveal.js slides of every lesson: `make slides`, `python -m autograder.present.slides`.

Each instructor notebook (solutions/<id>/<id>.ipynb) is executed with the
repository's Python kernel and exported to build/slides/<id>.slides.html with
the reveal.js, MathJax and Font Awesome copies vendored in autograder/present/static/
(copied next to the decks as build/slides/_static/). A deck loads nothing from
the network: the build fails if one would. The folder build/slides/ can be
copied to a USB stick and opened with any browser, from file:// or a server.

Cells use metadata.slideshow.slide_type (slide, subslide, fragment, skip,
notes, -); the locked setup cell is usually "skip".

Executed notebooks are cached in build/executed/ (valid while the notebook,
the course modules it imported and data/ are unchanged), so `make slides` followed by `make site` runs each
instructor notebook once.

Python API: ``main(*, root=".", out=None, lessons=None, ...)`` returns the
paths of the decks written.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import html
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.present.buildcli import BuildCommand

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = STATIC / "templates"
VENDORED = ("reveal.js", "mathjax", "font-awesome")
THEMES = ("white", "serif")
MATHJAX = "mathjax/MathJax.js?config=TeX-AMS_CHTML"
# matplotlib's jshtml animation links Font Awesome from a CDN for its buttons.
_FONT_AWESOME_CDN = re.compile(
    r"""https?://[^"'\s]*font-awesome[^"'\s]*?\.css""", re.IGNORECASE
)
FONT_AWESOME_LOCAL = "font-awesome/css/animation-icons.css"
# The kernel draws figures inline even when MPLBACKEND=Agg is exported (the Makefile does).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Run after a lesson's cells, in its kernel: the files of every module it imported. The
# cache entry of an executed notebook stays valid while its source, those of these files
# that live in the course (kmeans_ref, autograder) and the data sets are unchanged.
_IMPORTS_PROBE = (
    "import sys as _kmeans_sys, json as _kmeans_json\n"
    "print(_kmeans_json.dumps(sorted({str(getattr(m, '__file__', None) or '')"
    " for m in list(_kmeans_sys.modules.values())})))"
)


class BuildError(RuntimeError):
    """A lesson failed to execute or would load something from the network."""


@dataclass(frozen=True)
class Job:
    """One notebook to execute: source, cached result, and whether errors are allowed."""

    lesson: str
    source: Path
    executed: Path
    allow_errors: bool
    timeout: int
    force: bool


# --------------------------------------------------------------------------- lessons
def find_lessons(root: Path, folder: str = "solutions") -> list[str]:
    """Lesson ids that have root/<folder>/<id>/<id>.ipynb, in teaching order (sorted)."""
    base = Path(root) / folder
    return sorted(p.parent.name for p in base.glob("*/*.ipynb") if p.stem == p.parent.name)


def lesson_title(nb, default: str) -> str:
    """The text of the first Markdown heading of the notebook, else `default`."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"\s*#{1,6}\s+(.*\S)", line)
            if m:
                return re.sub(r"[*_`]", "", m.group(1))
    return default


def _cached_title(executed: Path, default: str) -> str:
    """The lesson title from an executed notebook in the cache, else `default`."""
    import nbformat

    try:
        return lesson_title(nbformat.read(executed, as_version=4), default)
    except (OSError, ValueError):
        return default


def _select(root: Path, folder: str, lessons) -> list[str]:
    available = find_lessons(root, folder)
    if lessons is None:
        if not available:
            raise BuildError(f"no lessons found in {Path(root) / folder} (expected <id>/<id>.ipynb)")
        return available
    missing = [x for x in lessons if x not in available]
    if missing:
        raise BuildError(
            f"unknown lesson(s) {', '.join(missing)} in {Path(root) / folder}; "
            f"available: {', '.join(available) or 'none'}"
        )
    return list(lessons)


# --------------------------------------------------------------------------- execution
def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _dependencies(root: Path, module_files: list[str]) -> dict[str, str]:
    """{path relative to root: sha256} of the course's own imported modules and of data/."""
    root = Path(root).resolve()
    venv = root / ".venv"
    deps = {}
    for name in module_files:
        if not name:
            continue
        path = Path(name).resolve()
        if path.is_file() and path.is_relative_to(root) and not path.is_relative_to(venv):
            deps[path.relative_to(root).as_posix()] = _sha256(path)
    for path in sorted((root / "data").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            deps[path.relative_to(root).as_posix()] = _sha256(path)
    return deps


def _cache_is_current(executed: Path, root: Path, record: dict) -> bool:
    import nbformat

    try:
        cached = nbformat.read(executed, as_version=4).metadata.get("kmeans_course_build", {})
    except Exception:  # missing or unreadable: rebuild
        return False
    if any(cached.get(k) != v for k, v in record.items()):
        return False
    for rel, digest in cached.get("dependencies", {}).items():
        path = Path(root) / rel
        if not path.is_file() or _sha256(path) != digest:
            return False
    return "dependencies" in cached


def _execute(job: Job, root: Path) -> tuple[str, float, bool]:
    """Execute one notebook unless its cached copy is current. Returns (lesson, seconds, cached)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    record = {"source": _sha256(job.source), "allow_errors": job.allow_errors}
    if not job.force and _cache_is_current(job.executed, root, record):
        return job.lesson, 0.0, True

    nb = nbformat.read(job.source, as_version=4)
    probe = nbformat.v4.new_code_cell(_IMPORTS_PROBE)
    nb.cells.append(probe)
    env = dict(os.environ, MPLBACKEND=INLINE_BACKEND)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kmeans-exec-") as scratch:
        km = KernelManager(kernel_name="python3")
        km.transport = "ipc"  # local sockets: no TCP port, no plain-text traffic
        km.ip = str(Path(scratch) / "kernel-ipc")
        client = NotebookClient(
            nb,
            km=km,
            timeout=job.timeout,
            allow_errors=job.allow_errors,
            resources={"metadata": {"path": scratch}},
        )
        try:
            client.execute(env=env, cwd=scratch)
        except Exception as exc:  # CellExecutionError, DeadKernelError, timeouts
            raise BuildError(f"{job.source}: execution failed:\n{exc}") from None
        finally:
            if km.has_kernel:  # the client leaves a kernel it did not create running
                km.shutdown_kernel(now=False)
    seconds = time.perf_counter() - start
    nb.cells.remove(probe)
    printed = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
    try:
        module_files = json.loads(printed)
    except ValueError:
        module_files = []  # then only the source and data/ key the cache
    nb.metadata["kmeans_course_build"] = dict(record, dependencies=_dependencies(root, module_files))
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.executed.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(job.executed)
    return job.lesson, seconds, False


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def execute_lessons(jobs_list: list[Job], *, root: Path, jobs: int = 2, log=print) -> dict[str, str]:
    """Execute every job (in `jobs` processes); return {lesson: error message} for those that failed."""
    root = Path(root).resolve()
    failures = {}

    def report(job, future_or_call):
        try:
            lesson, seconds, cached = future_or_call()
        except Exception as exc:  # BuildError, or e.g. an unreadable notebook
            message = str(exc) if isinstance(exc, BuildError) else f"{job.source}: {type(exc).__name__}: {exc}"
            failures[job.lesson] = _ANSI.sub("", message)
            log(f"  {job.lesson}: FAILED")
            return
        log(f"  {lesson}: {'up to date' if cached else f'executed in {seconds:.1f} s'}")

    if jobs <= 1 or len(jobs_list) <= 1:
        for job in jobs_list:
            report(job, lambda: _execute(job, root))
    else:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [(job, pool.submit(_execute, job, root)) for job in jobs_list]
            for job, future in futures:
                report(job, future.result)
    return failures


def failure_report(failures: dict[str, str]) -> str:
    """One message for BuildError: which lessons failed, then each error."""
    head = f"{len(failures)} notebook(s) failed to execute: {', '.join(failures)}"
    return head + "\n\n" + "\n\n".join(failures.values())


# --------------------------------------------------------------------------- offline
_LOAD_PATTERNS = (
    # Elements that make the browser fetch something when the page loads.
    re.compile(r"""<(?:script|img|iframe|audio|video|source|embed|input)\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I),
    re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.I),
    re.compile(r"""<object\b[^>]*?\bdata\s*=\s*["']?([^"'\s>]+)""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""", re.I),
    re.compile(r"""url\(\s*["']?([^"')\s]+)""", re.I),
    re.compile(r"""\bimport\s*\(?\s*["']([^"']+)["']"""),
)


def external_loads(text: str) -> list[str]:
    """URLs of resources that `text` (HTML or CSS) would fetch from another host.

    Links the reader may follow (<a href>) are not loads; data: URIs and
    relative paths are local.

    >>> external_loads('<script src="https://cdn.example/x.js"></script><a href="https://example.org">x</a>')
    ['https://cdn.example/x.js']
    >>> external_loads('<link rel="stylesheet" href="_static/a.css"><img src="data:image/png;base64,AA">')
    []
    >>> external_loads("@import url(https://fonts.example/css?family=Lato);")
    ['https://fonts.example/css?family=Lato']
    """
    found = []
    for pattern in _LOAD_PATTERNS:
        for url in pattern.findall(text):
            url = html.unescape(url)
            if re.match(r"(?i)(https?:)?//", url) and url not in found:
                found.append(url)
    return found


def localize_outputs(nb, static_prefix: str) -> int:
    """Point outputs' CDN links (Font Awesome of jshtml animations) at the vendored copy.

    Returns the number of outputs changed. `static_prefix` is the relative path
    from the page to the _static folder, e.g. "_static" or "../_static".
    """
    changed = 0
    local = f"{static_prefix}/{FONT_AWESOME_LOCAL}"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = data.get("text/html")
            if text is None:
                continue
            joined = "".join(text) if isinstance(text, list) else text
            new = _FONT_AWESOME_CDN.sub(local, joined)
            if new != joined:
                data["text/html"] = new
                changed += 1
    return changed


def check_offline(page: Path, text: str) -> None:
    """Raise BuildError if the page would load anything from another host."""
    urls = external_loads(text)
    if urls:
        raise BuildError(
            f"{page} would load from the network: {', '.join(urls)}. "
            "Vendor the file in autograder/present/static/ or remove the output that needs it."
        )


def copy_static(out: Path, names: tuple[str, ...] = VENDORED) -> Path:
    """Copy the vendored libraries `names` into out/_static and return that folder."""
    dest = Path(out) / "_static"
    for name in names:
        shutil.copytree(STATIC / name, dest / name, dirs_exist_ok=True)
    return dest


def index_page(title: str, intro: str, rows: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """A plain HTML index (no scripts, no external files): rows of (label, [(text, href)])."""
    items = []
    for label, links in rows:
        anchors = " · ".join(
            f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links
        )
        items.append(f"<li><span class=\"lesson\">{html.escape(label)}</span> {anchors}</li>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n"
        "body { font-family: system-ui, sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }\n"
        "li { margin: 0.4em 0; } .lesson { display: inline-block; min-width: 22em; }\n"
        "</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{intro}</p>\n<ul>\n" + "\n".join(items) + "\n</ul>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- slides
def export_slides(nb, *, name: str, theme: str = "white", transition: str = "slide", static_prefix: str = "_static") -> str:
    """The reveal.js HTML of an executed notebook, loading only files under static_prefix."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES} (the vendored ones), got {theme!r}")
    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.SlidesExporter.template_name = "kmeans_reveal"
    c.SlidesExporter.reveal_url_prefix = f"{static_prefix}/reveal.js"
    c.SlidesExporter.reveal_theme = theme
    c.SlidesExporter.reveal_transition = transition
    c.SlidesExporter.mathjax_url = f"{static_prefix}/{MATHJAX}"
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    localize_outputs(nb, static_prefix)
    body, _ = SlidesExporter(config=c).from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def main(
    *,
    root: str | Path = ".",
    out: str | Path | None = None,
    cache: str | Path | None = None,
    lessons: list[str] | None = None,
    theme: str = "white",
    transition: str = "slide",
    jobs: int = 2,
    timeout: int = 120,
    force: bool = False,
    quiet: bool = False,
    log=print,
) -> list[Path]:
    """Build one offline deck per lesson into `out` (default root/build/slides); return their paths.

    Lessons that fail to execute get no deck; the others are written, then
    BuildError lists the failures. `quiet` silences the progress lines.
    """
    import nbformat

    if quiet:
        log = _silent

    root = Path(root).resolve()
    out = Path(out) if out is not None else root / "build" / "slides"
    cache = Path(cache) if cache is not None else root / "build" / "executed"
    chosen = _select(root, "solutions", lessons)
    log(f"slides: executing {len(chosen)} lesson(s)")
    jobs_list = [
        Job(x, root / "solutions" / x / f"{x}.ipynb", cache / "solutions" / f"{x}.ipynb", False, timeout, force)
        for x in chosen
    ]
    failures = execute_lessons(jobs_list, root=root, jobs=jobs, log=log)

    out.mkdir(parents=True, exist_ok=True)
    copy_static(out)
    decks = []
    for job in jobs_list:
        if job.lesson in failures:  # no stale deck of a lesson that no longer builds
            (out / f"{job.lesson}.slides.html").unlink(missing_ok=True)
            continue
        nb = nbformat.read(job.executed, as_version=4)
        body = export_slides(nb, name=job.lesson, theme=theme, transition=transition)
        deck = out / f"{job.lesson}.slides.html"
        check_offline(deck, body)
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
    # The index lists every deck in the folder, also those of lessons not rebuilt this time.
    rows = []
    for deck in sorted(out.glob("*.slides.html")):
        lesson = deck.name[: -len(".slides.html")]
        rows.append((f"{lesson}: {_cached_title(cache / 'solutions' / f'{lesson}.ipynb', lesson)}", [("slides", deck.name)]))
    index = out / "index.html"
    index.write_text(
        index_page(
            "K-means course: slides",
            "Arrow keys move between slides, <kbd>S</kbd> opens the speaker view, "
            "<kbd>Esc</kbd> the overview. Everything here works without a network.",
            rows,
        ),
        encoding="utf-8",
    )
    log(f"slides: wrote {len(decks)} deck(s); open {index}")
    if failures:
        raise BuildError(failure_report(failures))
    return decks


def _silent(*args, **kwargs) -> None:
    pass


def _own_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theme", default="white", choices=THEMES, help="reveal.js theme (default: white)")
    p.add_argument("--transition", default="slide", choices=("none", "fade", "slide", "convex", "concave", "zoom"),
                   help="slide transition (default: slide)")


_COMMAND = BuildCommand(
    "slides", __doc__, help="offline reveal.js decks of every lesson (build/slides/)",
    root_help="course root (the folder with solutions/; default: .)",
    own_options=_own_options,
    build=lambda common, args: main(**common, theme=args.theme, transition=args.transition),
    error=BuildError,
)


def add_parser(sub):
    """Register the `slides` verb on an argparse subparsers object (whose parent parser
    defines --root and --quiet); returns the function that runs the parsed arguments."""
    return _COMMAND.add_parser(sub)


def cli(argv=None) -> int:
    """Command line: python -m autograder.present.slides [LESSON ...] [--out DIR] [--force] ..."""
    return _COMMAND.cli(argv)


if __name__ == "__main__":
    sys.exit(cli())
