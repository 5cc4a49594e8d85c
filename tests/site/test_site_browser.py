"""A visitor on a phone, in headless Chromium, on the built demo site."""

import pytest

pytestmark = pytest.mark.browser


def test_home_loads_without_console_errors_or_foreign_requests(demo_site, serve_dir, page_390):
    base = serve_dir(demo_site)
    response = page_390.goto(base + "/", wait_until="networkidle")
    assert response.status == 200
    assert page_390.locator("h1").first.inner_text().startswith("So ist S")
    assert page_390.console_errors == []
    assert page_390.foreign_requests == []
    # Nothing wider than the phone: no horizontal scrolling.
    assert page_390.evaluate("document.documentElement.scrollWidth") <= 390


def test_phone_visitor_reaches_a_municipality_through_the_overview(demo_site, serve_dir, page_390):
    base = serve_dir(demo_site)
    page_390.goto(base + "/", wait_until="networkidle")
    page_390.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Kommunen").click()
    page_390.wait_for_url(base + "/kommunen/")
    page_390.locator(".municipality-list").get_by_role("link", name="Süßen", exact=True).click()
    page_390.wait_for_url(base + "/kommunen/suessen/")
    assert page_390.locator("h1").inner_text() == "Süßen"
    assert "Landkreis Göppingen" in page_390.locator("main").inner_text()
    assert page_390.console_errors == []
    assert page_390.foreign_requests == []


def test_skip_link_is_first_and_focus_is_visible(demo_site, serve_dir, page_390):
    page_390.goto(serve_dir(demo_site) + "/kommunen/", wait_until="networkidle")
    page_390.keyboard.press("Tab")
    focused = page_390.evaluate("document.activeElement.textContent")
    assert focused == "Zum Inhalt springen"
    outline = page_390.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_a_municipality_page_uses_the_desktop_width(demo_site, serve_dir, chromium_browser):
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(serve_dir(demo_site) + "/kommunen/plochingen/", wait_until="networkidle")
    facts = page.locator(".facts").bounding_box()
    text = page.locator(".municipality-intro .prose").bounding_box()
    assert text["x"] >= facts["x"] + facts["width"] and text["y"] < facts["y"] + facts["height"]  # side by side
    assert text["x"] + text["width"] > 1000  # the right half of the page is used
    page.set_viewport_size({"width": 390, "height": 900})  # on a phone: one column, text below the facts
    facts, text = page.locator(".facts").bounding_box(), page.locator(".municipality-intro .prose").bounding_box()
    assert text["y"] >= facts["y"] + facts["height"]
    page.close()


@pytest.mark.parametrize("path", ["/wall/", "/newsletter/", "/kampagnen/"])
def test_the_hashtag_is_shown_in_its_own_spelling(demo_site, serve_dir, page_390, path):
    page_390.goto(serve_dir(demo_site) + path, wait_until="networkidle")
    assert page_390.locator(".hero__kicker").first.inner_text() == "#SoistS"  # innerText applies text-transform


GAPS = """() => [...document.querySelectorAll('.card-grid--mixed > li')].map(li => {
  const card = li.firstElementChild, box = card.getBoundingClientRect();
  const img = card.querySelector('img').getBoundingClientRect();
  const texts = [...card.querySelectorAll('blockquote, .card__body > *')].map(e => e.getBoundingClientRect().bottom);
  return {ratio: img.width / img.height, gap: (box.bottom - Math.max(...texts)) / box.height};
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_portraits_and_articles_share_one_grid_without_grey_gaps(demo_site, serve_dir, chromium_browser, width):
    page = chromium_browser.new_page(viewport={"width": width, "height": 900})
    page.goto(serve_dir(demo_site) + "/", wait_until="networkidle")
    cards = page.evaluate(GAPS)
    assert len(cards) >= 6
    assert {round(card["ratio"], 2) for card in cards} == {1.33}  # one crop (4:3) for every card
    assert max(card["gap"] for card in cards) < 0.2, cards  # no card is mostly empty below its text
    page.close()
