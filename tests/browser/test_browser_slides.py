"""`make slides` in a real browser with no network: one deck advances, shows math, plays its animation."""
from __future__ import annotations

import json
import time

import pytest
from conftest import MATH_ERRORS_JS, REPO

from autograder import slides


def lesson_with_animation(root) -> str:
    """The first lesson whose instructor notebook shows a jshtml animation."""
    for lesson in slides.find_lessons(root):
        text = (root / "solutions" / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8")
        if "to_jshtml" in text:
            return lesson
    pytest.fail("no lesson in solutions/ shows an animation (FuncAnimation(...).to_jshtml()), "
                "which the curriculum requires and this test needs")


def test_deck_works_offline(browser, offline_page, artifacts, tmp_path):
    lesson = lesson_with_animation(REPO)
    start = time.perf_counter()
    decks = slides.main(root=REPO, out=tmp_path / "slides", cache=tmp_path / "executed",
                        lessons=[lesson], jobs=1, log=lambda *a: None)
    built = time.perf_counter() - start
    assert [d.name for d in decks] == [f"{lesson}.slides.html"]
    assert (tmp_path / "slides" / "index.html").exists()

    page, traffic = offline_page
    page.goto(decks[0].as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
    page.screenshot(path=artifacts / "1-first-slide.png")

    # Slides advance.
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total > 1, "the deck has a single slide"
    before = page.evaluate("JSON.stringify(Reveal.getIndices())")
    page.keyboard.press("Space")
    page.wait_for_function(f"JSON.stringify(Reveal.getIndices()) !== {json.dumps(before)}", timeout=5_000)
    page.screenshot(path=artifacts / "2-next-slide.png")

    # Math is typeset by the local MathJax (CommonHTML output), without TeX errors.
    page.wait_for_function("document.querySelectorAll('.MathJax_CHTML').length > 0", timeout=30_000)
    page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0", timeout=30_000)
    errors = page.evaluate(MATH_ERRORS_JS)
    assert errors == [], f"TeX that MathJax could not typeset: {errors}"

    # The animation plays: its frame image changes after pressing Play.
    anim = page.locator("img[id^='_anim_img']").first
    page.evaluate(
        "img => { const s = Reveal.getIndices(img.closest('section')); Reveal.slide(s.h, s.v); }",
        anim.element_handle(),
    )
    page.wait_for_timeout(800)  # the slide transition
    page.screenshot(path=artifacts / "3-animation-slide.png")
    first = anim.get_attribute("src")
    anim_id = anim.get_attribute("id")[len("_anim_img"):]
    page.locator(f"div.animation:has(#_anim_img{anim_id}) button[title='Play']").click()
    page.wait_for_function(
        "([id, src]) => document.getElementById('_anim_img' + id).src !== src", arg=[anim_id, first], timeout=10_000
    )
    page.screenshot(path=artifacts / "4-animation-playing.png")
    # The buttons' icons come from the vendored Font Awesome.
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/[\"']/g, '') === 'FontAwesome' && f.status === 'loaded')"
    ), "the Font Awesome icons of the animation buttons did not load"

    assert traffic.blocked == [], f"the deck tried to reach the network: {traffic.blocked}"
    assert traffic.failed == [], f"requests failed (missing vendored files?): {traffic.failed}"
    (artifacts / "timing.txt").write_text(f"lesson {lesson}: build {built:.1f} s\n")
