"""`make slides` in a real browser with no network: one deck advances, shows math, plays its
animation, and every slide fits (nothing runs past the slide's right edge, tall slides scroll)."""
from __future__ import annotations

import json
import time

import pytest
from browserkit import MATH_ERRORS_JS, REPO

from autograder.present import slides

# What on the current slide reaches past its right edge, or below the slide area. Elements
# with no box (display: none, e.g. speaker notes) have an empty rect; an element inside a box
# that clips (MathJax's hidden copy of the formula for screen readers) counts only up to it.
OVERFLOW_JS = """() => {
  const section = Reveal.getCurrentSlide();
  const edge = section.getBoundingClientRect();
  const area = document.querySelector('.reveal .slides').getBoundingClientRect();
  const name = e => e.tagName.toLowerCase() + (e.classList.length ? '.' + [...e.classList].join('.') : '');
  const visibleRight = e => {
    let right = e.getBoundingClientRect().right;
    for (let a = e.parentElement; a && a !== section; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') right = Math.min(right, a.getBoundingClientRect().right);
    }
    return right;
  };
  const found = [];
  if (edge.bottom > area.bottom + 1) {
    found.push(`the slide ends ${Math.round(edge.bottom - area.bottom)} px below the slide area`);
  }
  for (const e of section.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if ((r.width || r.height) && r.right > edge.right + 1 && visibleRight(e) > edge.right + 1) {
      const text = (e.textContent || '').trim().slice(0, 40);
      found.push(`${name(e)} "${text}" by ${Math.round(r.right - edge.right)} px`);
    }
  }
  return found;
}"""
# Reveal.js has moved, MathJax has re-typeset the slide (rerendered on every slide change).
SETTLED_JS = "!window.MathJax || !MathJax.Hub || MathJax.Hub.queue.pending === 0"


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
    page.wait_for_timeout(800)  # the slide transition: a screenshot mid-way shows the slide cut off
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
    # Every button shows its icon (inline SVG from kmeans_ref.plotting, no icon font needed).
    icons = page.evaluate(
        """id => [...document.querySelectorAll(`div.animation:has(#_anim_img${id}) button`)].map(b => {
             const svg = b.querySelector('svg'), r = svg && svg.getBoundingClientRect();
             return [b.title, !!svg && r.width >= 8 && r.height >= 8 && getComputedStyle(svg).fill !== 'none'];
           })""",
        anim_id,
    )
    assert len(icons) == 9 and all(shown for _, shown in icons), f"buttons without a visible icon: {icons}"
    buttons = page.locator(f"div.animation:has(#_anim_img{anim_id}) .anim-buttons")
    buttons.screenshot(path=artifacts / "5-animation-buttons.png")

    # Every slide fits: code and paragraphs wrap, figures scale, tall slides shrink or
    # scroll inside the slide area. Visited without transitions, so the rects are final.
    page.evaluate("Reveal.configure({transition: 'none'})")
    overflow = {}
    shots = artifacts / "slides"
    shots.mkdir()
    start = time.perf_counter()
    indices = page.evaluate("Reveal.getSlides().map(s => Reveal.getIndices(s)).map(i => [i.h, i.v || 0])")
    for n, (h, v) in enumerate(indices):
        page.evaluate(f"Reveal.slide({h}, {v})")
        page.wait_for_function(SETTLED_JS, timeout=30_000)
        page.screenshot(path=shots / f"{n:02d}-{h}.{v}.png")
        found = page.evaluate(OVERFLOW_JS)
        if found:
            overflow[f"{h}.{v}"] = found[:3] + ([f"... {len(found) - 3} more"] if len(found) > 3 else [])
    walked = time.perf_counter() - start
    assert overflow == {}, f"slides (h.v) running past the slide, see {shots}: {json.dumps(overflow, indent=1)}"

    assert traffic.blocked == [], f"the deck tried to reach the network: {traffic.blocked}"
    assert traffic.failed == [], f"requests failed (missing vendored files?): {traffic.failed}"
    (artifacts / "timing.txt").write_text(
        f"lesson {lesson}: build {built:.1f} s, {len(indices)} slides checked in {walked:.1f} s\n"
    )
