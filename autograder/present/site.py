"""Executed HTML of every lesson: `make site`, `python -m autograder.present.site`.

Writes build/site/:

    index.html                 every lesson, with links to both versions
    instructor/<id>.html       solutions/<id>/<id>.ipynb executed (the worked answers)
    student/<id>.html          notebooks/<id>/<id>.ipynb executed as handed out: the
                               stubs raise NotImplementedError and their checks fail,
                               which is what a student sees before answering
    _static/                   the vendored MathJax and Font Awesome (no network needed)

Images are embedded in the pages, math is typeset by the local MathJax, and the
build fails if a page would load anything from another host, so the site can be
opened from file:// on a machine with no network, or served by any static server.

Python API: ``main(*, root=".", out=None, lessons=None, ...)`` returns the path
of index.html.
"""
from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

from autograder.present.buildcli import BuildCommand
from autograder.present.slides import (
    MATHJAX,
    BuildError,
    Job,
    check_offline,
    copy_static,
    execute_lessons,
    failure_report,
    find_lessons,
    index_page,
    localize_outputs,
)
from autograder.present.slides import _cached_title, _silent

# version name -> (source folder, errors allowed while executing, label)
VERSIONS = {
    "instructor": ("solutions", False, "instructor version (solutions)"),
    "student": ("notebooks", True, "student version (as handed out)"),
}


def export_page(nb, *, name: str, source_dir: Path, static_prefix: str, nav: str = "") -> str:
    """The HTML page of an executed notebook, loading only files under static_prefix."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.extra_template_basedirs = [str(Path(__file__).resolve().parent / "static" / "templates")]
    c.HTMLExporter.template_name = "kmeans_lab"
    c.HTMLExporter.mathjax_url = f"{static_prefix}/{MATHJAX}"
    c.HTMLExporter.embed_images = True  # Markdown images become data: URIs
    localize_outputs(nb, static_prefix)
    resources = {"metadata": {"name": name, "path": str(source_dir)}, "kmeans_nav": nav}
    body, _ = HTMLExporter(config=c).from_notebook_node(nb, resources=resources)
    return body


def _nav(lesson: str, version: str, pages: dict[str, list[str]]) -> str:
    """Links above a page: the index, the lesson's other version, the previous and next lesson.

    `pages` maps each version to the lessons that have a page in it (sorted).
    """
    links = ['<a href="../index.html">All lessons</a>']
    for other, lessons in pages.items():
        if other != version and lesson in lessons:
            links.append(f'<a href="../{other}/{lesson}.html">{html.escape(other)} version</a>')
    lessons = pages[version]
    i = lessons.index(lesson)
    if i > 0:
        links.append(f'<a href="{lessons[i - 1]}.html">&larr; {html.escape(lessons[i - 1])}</a>')
    if i + 1 < len(lessons):
        links.append(f'<a href="{lessons[i + 1]}.html">{html.escape(lessons[i + 1])} &rarr;</a>')
    return f"<strong>{html.escape(lesson)}</strong> ({html.escape(version)}) | " + " | ".join(links)


def main(
    *,
    root: str | Path = ".",
    out: str | Path | None = None,
    cache: str | Path | None = None,
    lessons: list[str] | None = None,
    versions: tuple[str, ...] | list[str] = ("instructor", "student"),
    jobs: int = 2,
    timeout: int = 120,
    force: bool = False,
    quiet: bool = False,
    log=print,
) -> Path:
    """Execute and export every lesson in every version into `out` (default root/build/site).

    Notebooks that fail to execute get no page; the others are written, then
    BuildError lists the failures. `quiet` silences the progress lines.
    """
    import nbformat

    if quiet:
        log = _silent

    root = Path(root).resolve()
    out = Path(out) if out is not None else root / "build" / "site"
    cache = Path(cache) if cache is not None else root / "build" / "executed"
    versions = list(versions)
    unknown = [v for v in versions if v not in VERSIONS]
    if unknown or not versions:
        raise BuildError(f"versions must be among {list(VERSIONS)}, got {versions}")

    # A lesson is listed once it has its instructor source; each version needs its own file.
    if lessons is None:
        lessons = sorted(set().union(*(find_lessons(root, VERSIONS[v][0]) for v in versions)))
        if not lessons:
            raise BuildError(f"no lessons found under {root} (solutions/<id>/<id>.ipynb)")
    jobs_list, missing = [], []
    for version in versions:
        folder, allow_errors, _ = VERSIONS[version]
        for lesson in lessons:
            source = root / folder / lesson / f"{lesson}.ipynb"
            if not source.exists():
                missing.append(str(source.relative_to(root)))
                continue
            jobs_list.append(
                Job(f"{lesson} ({version})", source, cache / folder / f"{lesson}.ipynb", allow_errors, timeout, force)
            )
    if missing:
        raise BuildError("missing notebook(s): " + ", ".join(missing) + " (run `make release` for notebooks/)")

    log(f"site: executing {len(jobs_list)} notebook(s)")
    failures = execute_lessons(jobs_list, root=root, jobs=jobs, log=log)

    out.mkdir(parents=True, exist_ok=True)
    copy_static(out, ("mathjax", "font-awesome"))
    for version in versions:  # no stale page of a lesson that no longer builds
        for lesson in lessons:
            if f"{lesson} ({version})" in failures:
                (out / version / f"{lesson}.html").unlink(missing_ok=True)
    # The pages the site will hold, those of lessons not rebuilt this time included.
    pages = {}
    for v in VERSIONS:
        have = {p.stem for p in (out / v).glob("*.html")}
        if v in versions:
            have |= {x for x in lessons if f"{x} ({v})" not in failures}
        if have:
            pages[v] = sorted(have)
    for version in versions:
        folder = VERSIONS[version][0]
        (out / version).mkdir(exist_ok=True)
        for lesson in lessons:
            if f"{lesson} ({version})" in failures:
                continue
            nb = nbformat.read(cache / folder / f"{lesson}.ipynb", as_version=4)
            page = out / version / f"{lesson}.html"
            body = export_page(
                nb,
                name=f"{lesson} ({version})",
                source_dir=root / folder / lesson,
                static_prefix="../_static",
                nav=_nav(lesson, version, pages),
            )
            check_offline(page, body)
            page.write_text(body, encoding="utf-8")
    rows = []
    for lesson in sorted(set().union(*pages.values())):
        links = [(VERSIONS[v][2], f"{v}/{lesson}.html") for v in pages if lesson in pages[v]]
        title = _cached_title(cache / "solutions" / f"{lesson}.ipynb", lesson)
        rows.append((f"{lesson}: {title}", links))
    index = out / "index.html"
    index.write_text(
        index_page(
            "K-means course: lessons",
            "Every lesson executed. The instructor version shows the worked answers; the student "
            "version is the notebook as handed out, run before any answer is written. "
            "Everything here works without a network.",
            rows,
        ),
        encoding="utf-8",
    )
    log(f"site: wrote {len(lessons) * len(versions) - len(failures)} page(s); open {index}")
    if failures:
        raise BuildError(failure_report(failures))
    return index


def _own_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--version", action="append", dest="versions", choices=list(VERSIONS),
                   help="only this version (repeatable; default: both)")


_COMMAND = BuildCommand(
    "site", __doc__, help="executed HTML of every lesson, both versions (build/site/)",
    root_help="course root (the folder with solutions/ and notebooks/; default: .)",
    own_options=_own_options,
    build=lambda common, args: main(**common, versions=tuple(args.versions or VERSIONS)),
    error=BuildError,
)


def add_parser(sub):
    """Register the `site` verb on an argparse subparsers object (whose parent parser
    defines --root and --quiet); returns the function that runs the parsed arguments."""
    return _COMMAND.add_parser(sub)


def cli(argv=None) -> int:
    """Command line: python -m autograder.present.site [LESSON ...] [--version V] [--out DIR] [--force] ..."""
    return _COMMAND.cli(argv)


if __name__ == "__main__":
    sys.exit(cli())
