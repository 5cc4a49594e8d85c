"""The Leinwand fits its screen (issue 28 §5): logo, hashtags, title and caption inside the
viewport and not clipped, at a projector's 1280×720 and 1920×1080 and a phone's 390×844."""

from __future__ import annotations

import pytest

from tests.campaigns.test_campaigns_build import GEWINNSPIEL

pytestmark = pytest.mark.browser
SIZES = ((1280, 720), (1920, 1080), (390, 844))
PARTS = (".leinwand__mark", ".leinwand__tag", ".leinwand__title", ".leinwand__credit", ".leinwand__image")

MEASURE = """(parts) => parts.map((selector) => {
  const el = document.querySelector(selector);
  const r = el.getBoundingClientRect();
  return {selector, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          clipped: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1};
})"""


def overflow(page, width: int, height: int) -> list[str]:
    """Every part of the Leinwand that leaves the viewport or cuts its own text."""
    problems = []
    for box in page.evaluate(MEASURE, list(PARTS)):
        outside = box["left"] < -0.5 or box["top"] < -0.5 or box["right"] > width + 0.5 or box["bottom"] > height + 0.5
        if outside or (box["clipped"] and box["selector"] != ".leinwand__image"):
            problems.append(f"{box['selector']} at {width}×{height}: {box}")
    caption = page.evaluate("document.querySelector('.leinwand__caption').getBoundingClientRect().bottom")
    bar = page.evaluate("document.querySelector('.leinwand__bar').getBoundingClientRect().top")
    if caption > bar + 0.5:
        problems.append(f"the caption runs into the bar at {width}×{height}: {caption} > {bar}")
    return problems


def leinwand_problems(browser, base: str) -> list[str]:
    problems = []
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            page.goto(f"{base}/{GEWINNSPIEL}leinwand/?sekunden=60", wait_until="networkidle")
            page.wait_for_function("document.querySelector('.leinwand__image').complete")
            problems += overflow(page, width, height)
        finally:
            context.close()
    return problems


def test_logo_and_caption_fit_at_projector_and_phone_sizes(demo_site, serve_dir, chromium_browser):
    assert leinwand_problems(chromium_browser, serve_dir(demo_site)) == []
