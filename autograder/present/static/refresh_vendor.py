"""Refresh the vendored reveal.js, MathJax and Font Awesome files from npm packages.

The slides and the lesson site must work with no network, so the few browser
libraries they load are kept in this folder (see README.md here for versions and
licences). This script rebuilds them from an npm install, keeping only the files
the pages use:

    mkdir -p /tmp/kmeans-vendor && cd /tmp/kmeans-vendor
    npm install reveal.js@4.0.2 mathjax@2.7.9 font-awesome@4.7.0
    python autograder/present/static/refresh_vendor.py /tmp/kmeans-vendor/node_modules

Building and presenting never run it: the pruned copies are part of the repository.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

VERSIONS = {"reveal.js": "4.0.2", "mathjax": "2.7.9", "font-awesome": "4.7.0"}

# Files kept, as glob patterns relative to each package.
KEEP = {
    "reveal.js": [
        "LICENSE",
        "dist/reveal.js",
        "dist/reveal.css",
        "dist/theme/serif.css",   # imports no fonts at all
        "dist/theme/white.css",   # its font @import is removed below
        "plugin/notes/notes.js",  # speaker view (press S)
    ],
    "mathjax": [
        "LICENSE",
        "MathJax.js",
        # TeX input, AMS macros, CommonHTML output configuration, menus, previews:
        # one combined file. Every file it "preloads" is left out of this copy.
        "config/TeX-AMS_CHTML.js",
        "jax/output/CommonHTML/jax.js",
        "jax/output/CommonHTML/autoload/*.js",
        "jax/output/CommonHTML/fonts/TeX/*.js",
        "jax/element/mml/optable/*.js",
        # TeX extensions loaded on demand (\require, \color, \cancel, \boldsymbol, ...),
        # less the four the combined file preloads.
        *[f"extensions/TeX/{name}.js" for name in (
            "AMScd", "HTML", "action", "autobold", "autoload-all", "bbox", "begingroup",
            "boldsymbol", "cancel", "color", "enclose", "extpfeil", "mathchoice",
            "mediawiki-texvc", "newcommand", "text-macros", "unicode", "verb")],
        "extensions/HelpDialog.js",
        "localization/en/*.js",
        # The web fonts of the TeX font set, woff only (every current browser reads it).
        "fonts/HTML-CSS/TeX/woff/*.woff",
    ],
    "font-awesome": [
        # The nine icons of matplotlib's jshtml animation controls; the CSS that
        # maps them is font-awesome/css/animation-icons.css (written by hand).
        "fonts/fontawesome-webfont.woff2",
    ],
}

# Licence files that are not at the top of a package.
EXTRA_LICENCES = {"font-awesome": "README.md"}


def _check_version(package_dir: Path, name: str) -> None:
    version = json.loads((package_dir / "package.json").read_text())["version"]
    if version != VERSIONS[name]:
        raise SystemExit(f"{name}: expected version {VERSIONS[name]}, found {version} in {package_dir}")


def refresh(node_modules: Path, dest: Path = HERE) -> int:
    """Copy the kept files from node_modules into dest; return the number of bytes copied."""
    total = 0
    for name, patterns in KEEP.items():
        src_root = node_modules / name
        _check_version(src_root, name)
        dst_root = dest / name
        for pattern in patterns:
            matches = sorted(src_root.glob(pattern))
            if not matches:
                raise SystemExit(f"{name}: nothing matches {pattern!r}")
            for src in matches:
                dst = dst_root / src.relative_to(src_root)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
                total += dst.stat().st_size
        if name in EXTRA_LICENCES:
            shutil.copyfile(src_root / EXTRA_LICENCES[name], dst_root / "README.md")
    # white.css imports a web font; presenting offline must not depend on it.
    white = dest / "reveal.js" / "dist" / "theme" / "white.css"
    text = white.read_text()
    font_import = "@import url(fonts/source-sans-pro/source-sans-pro.css);"
    if font_import not in text:
        raise SystemExit("white.css: the font @import line changed; update refresh_vendor.py")
    white.write_text(text.replace(font_import, "/* font @import removed: system sans-serif fonts are used */"))
    return total


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    n = refresh(Path(sys.argv[1]))
    print(f"copied {n / 1024:.0f} KiB into {HERE}")
