"""`make site` in a real browser with no network: the index leads to executed lessons with figures and math."""
from __future__ import annotations

import time

import pytest
from browserkit import MATH_ERRORS_JS, REPO

from autograder.present import site
from autograder.present import slides


def test_site_works_offline(browser, offline_page, artifacts, tmp_path):
    lesson = slides.find_lessons(REPO)[0]
    if not (REPO / "notebooks" / lesson / f"{lesson}.ipynb").exists():
        pytest.skip(f"notebooks/{lesson}/{lesson}.ipynb is not generated yet (make release)")
    start = time.perf_counter()
    index = site.main(root=REPO, out=tmp_path / "site", cache=tmp_path / "executed",
                      lessons=[lesson], jobs=2, log=lambda *a: None)
    built = time.perf_counter() - start

    page, traffic = offline_page
    page.goto(index.as_uri())
    page.screenshot(path=artifacts / "1-index.png")
    instructor = page.locator(f"a[href='instructor/{lesson}.html']")
    student = page.locator(f"a[href='student/{lesson}.html']")
    assert instructor.count() == 1 and student.count() == 1, page.content()

    for version, link in (("instructor", instructor), ("student", student)):
        page.goto(index.as_uri())
        link.click()
        page.wait_for_url(f"**/{version}/{lesson}.html")
        # Math typeset by the local MathJax.
        page.wait_for_function("document.querySelectorAll('.MathJax_CHTML').length > 0", timeout=30_000)
        page.wait_for_function("MathJax.Hub.queue.pending === 0", timeout=30_000)
        errors = page.evaluate(MATH_ERRORS_JS)
        assert errors == [], f"{version}: TeX that MathJax could not typeset: {errors}"
        # Figures are embedded (no image files beside the page) and actually decode.
        sizes = page.evaluate(
            "[...document.querySelectorAll('.jp-OutputArea-output img')]"
            ".filter(i => i.src.startsWith('data:image/')).map(i => [i.naturalWidth, i.naturalHeight])"
        )
        assert sizes and all(w > 0 and h > 0 for w, h in sizes), f"{version}: no embedded figure rendered"
        page.screenshot(path=artifacts / f"2-{version}.png", full_page=False)
        if version == "student":
            # The handed-out stubs raise until the student writes them.
            assert "NotImplementedError" in page.inner_text("main")
        # The navigation leads back to the index.
        page.locator("nav.kmeans-nav a", has_text="All lessons").click()
        page.wait_for_url("**/index.html")

    assert traffic.blocked == [], f"the site tried to reach the network: {traffic.blocked}"
    assert traffic.failed == [], f"requests failed (missing vendored files?): {traffic.failed}"
    (artifacts / "timing.txt").write_text(f"lesson {lesson}: build {built:.1f} s\n")
