"""The command line of the lesson builds, `python -m autograder.present.slides` and `python -m autograder.present.site`.

Both execute lessons into the same cache and export them; they share their options
(LESSON ..., --out, --cache, --jobs, --timeout, --force), their error handling and
their `kmeans-course` verb, and differ in a few options of their own.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class BuildCommand:
    """One build: `python -m autograder.<name>` and the `kmeans-course <name>` verb.

    `build(common, args)` calls the module's main() with `common` (the shared options as
    its keyword arguments) and the command's own options from `args`; `error` is the
    exception that main() raises for a failed build (exit status 1, message on stderr).
    """

    name: str
    doc: str  # the module docstring: its first paragraph describes the command
    help: str  # its line in `kmeans-course --help`
    root_help: str
    own_options: Callable[[argparse.ArgumentParser], None]  # listed after --cache
    build: Callable[[dict, argparse.Namespace], object]
    error: type[Exception]

    def add_options(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("lessons", nargs="*", metavar="LESSON", help="lesson ids (default: every one in solutions/)")
        p.add_argument("--out", default=None, help=f"output folder (default: ROOT/build/{self.name})")
        p.add_argument("--cache", default=None, help="executed-notebook cache (default: ROOT/build/executed)")
        self.own_options(p)
        p.add_argument("--jobs", "-j", type=int, default=2, help="notebooks executed in parallel (default: 2)")
        p.add_argument("--timeout", type=int, default=120, help="per-cell timeout in seconds (default: 120)")
        p.add_argument("--force", "-f", action="store_true", help="re-execute even if the cached run is current")

    def run(self, args: argparse.Namespace) -> int:
        common = dict(
            root=args.root, out=args.out, cache=args.cache, lessons=args.lessons or None, jobs=args.jobs,
            timeout=args.timeout, force=args.force, quiet=getattr(args, "quiet", False),
        )
        try:
            self.build(common, args)
        except self.error as exc:
            print(f"{self.name}: {exc}", file=sys.stderr)
            return 1
        return 0

    def add_parser(self, sub):
        """Register the verb on an argparse subparsers object (whose parent parser defines
        --root and --quiet); return the function that runs the parsed arguments."""
        p = sub.add_parser(self.name, help=self.help, description=self.doc.split("\n\n")[0])
        self.add_options(p)
        return self.run

    def cli(self, argv=None) -> int:
        p = argparse.ArgumentParser(prog=f"python -m autograder.{self.name}", description=self.doc.split("\n\n")[0])
        p.add_argument("--root", default=".", help=self.root_help)
        p.add_argument("--quiet", "-q", action="store_true", help="print only errors")
        self.add_options(p)
        return self.run(p.parse_args(argv))
