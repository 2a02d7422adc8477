"""The vendored browser libraries and the export templates, checked without a browser (fast).

The browser tests prove that a deck and a site page work offline; these catch
the usual ways that breaks (a CDN link in an output, a missing vendored file, a
theme importing a web font, an accidentally vendored 70 MB MathJax) in a second.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path

import matplotlib
import nbformat
import pytest

from autograder.present import site
from autograder.present import slides

STATIC = slides.STATIC
LIBRARIES = {
    # folder: (licence file, text it must contain)
    "reveal.js": ("LICENSE", "Permission is hereby granted"),
    "mathjax": ("LICENSE", "Apache License"),
    "font-awesome": ("README.md", "SIL OFL 1.1"),
}
# 1x1 transparent PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def _jshtml() -> str:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: (line.set_ydata([0, i]),), frames=2)
    html = anim.to_jshtml()
    plt.close(fig)
    return html


def _notebook(jshtml: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    md = nbformat.v4.new_markdown_cell("# Title\n\n$$L(Y, M) = \\lVert X - M Y \\rVert_F^2$$")
    md.metadata["slideshow"] = {"slide_type": "slide"}
    code = nbformat.v4.new_code_cell("anim")
    code.metadata["slideshow"] = {"slide_type": "-"}
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("execute_result", data={"text/html": jshtml, "text/plain": "<HTML>"}, execution_count=1),
    ]
    code.execution_count = 1
    nb.cells = [md, code]
    return nb


def _relative_loads(page: str) -> list[str]:
    """Relative URLs the page loads (script src, link href), without query strings."""
    urls = re.findall(r"""<(?:script|img)\b[^>]*?\bsrc=["']([^"']+)""", page)
    urls += re.findall(r"""<link\b[^>]*?\bhref=["']([^"']+)""", page)
    return [u.split("?")[0] for u in urls if not re.match(r"(?i)(data:|https?:|//)", u)]


@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_vendored_library_has_its_licence(name):
    licence, text = LIBRARIES[name]
    assert text in (STATIC / name / licence).read_text(encoding="utf-8")


def test_vendored_copies_stay_small():
    total = sum(p.stat().st_size for name in LIBRARIES for p in (STATIC / name).rglob("*") if p.is_file())
    # reveal.js + pruned MathJax 2 + one Font Awesome font: about 1.3 MB.
    assert total < 2 * 1024 * 1024, f"vendored libraries take {total / 1e6:.1f} MB: prune them (refresh_vendor.py)"


def test_vendored_css_imports_no_web_font():
    for css in STATIC.rglob("*.css"):
        assert slides.external_loads(css.read_text(encoding="utf-8")) == [], css


def test_animation_icons_are_served_locally():
    html = _jshtml()
    assert slides.external_loads(html), "matplotlib's jshtml no longer links a CDN: simplify localize_outputs"
    nb = _notebook(html)
    assert slides.localize_outputs(nb, "_static") == 1
    out = nb.cells[1].outputs[1].data["text/html"]
    assert slides.external_loads(out) == []
    assert f"_static/{slides.FONT_AWESOME_LOCAL}" in out


@pytest.mark.parametrize("kind", ["slides", "site"])
def test_exported_pages_load_only_vendored_files(kind, tmp_path):
    nb = _notebook(_jshtml())
    if kind == "slides":
        page = slides.export_slides(nb, name="demo")
        prefix = "_static/"
    else:
        page = site.export_page(nb, name="demo", source_dir=tmp_path, static_prefix="../_static", nav="x")
        prefix = "../_static/"
    assert slides.external_loads(page) == []
    loads = _relative_loads(page)
    assert loads, "the page loads no vendored file at all"
    for url in loads:
        assert url.startswith(prefix), url
        assert (STATIC / url[len(prefix):]).is_file(), f"{url} is not vendored"
    assert "MathJax.js" in page and "data:image/png;base64," in page


def test_offline_check_names_the_url():
    with pytest.raises(slides.BuildError, match="cdn.example"):
        slides.check_offline(Path("x.html"), '<script src="https://cdn.example/lib.js"></script>')
