"""Accessibility in Chromium: axe-core over every page type at 390 and 1280 px, reflow at
320 px, real Tab presses for the tab order, and the search's label, headings and excerpts."""

from __future__ import annotations

import os

import pytest

from tests.site.a11y import AXE_JS, AXE_PAGE_TYPES, PAGE_TYPES, WIDTHS, axe_context, prepare, run_axe

pytestmark = pytest.mark.browser

# What the focused element is: enough to compare tab stops and to read a failure.
FOCUSED = """() => { const e = document.activeElement;
  if (!e || e === document.body) return null;
  return {tag: e.tagName.toLowerCase(), href: e.getAttribute('href') || '', text: (e.innerText || e.value || '').trim().slice(0, 40),
          inSvg: !!e.closest('svg'), inMain: !!e.closest('main'), filter: !!e.closest('.event-nav'),
          event: e.classList.contains('event-item__title'), current: e.getAttribute('aria-current') || ''}; }"""


@pytest.fixture(scope="module")
def site(demo_site, serve_dir):
    if not AXE_JS.exists():
        message = f"{AXE_JS} missing; run .ci/setup --browser (npm ci --prefix tests)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return serve_dir(demo_site)


def tab_stops(page, url: str, limit: int = 400) -> list[dict]:
    """Every tab stop of the page in order, by pressing Tab until focus leaves the document."""
    prepare(page, url)
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (stops and focused == stops[0]):
            break
        stops.append(focused)
    return stops


def test_axe_finds_no_violation_on_any_page_type_at_both_widths(site, chromium_browser):
    found = {}
    for width in WIDTHS:
        context = axe_context(chromium_browser, width)
        page = context.new_page()
        for name, path in AXE_PAGE_TYPES.items():
            prepare(page, site + path)
            violations = run_axe(page)
            if violations:
                found[f"{name} @ {width}px"] = violations
        context.close()
    assert found == {}


def test_every_page_type_reflows_at_320_px(site, chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = {}
    for name, path in PAGE_TYPES.items():
        prepare(page, site + path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
    context.close()
    assert too_wide == {}


def test_the_map_is_no_tab_stop_and_the_list_is_the_way_in(site, page_390):
    stops = tab_stops(page_390, site + "/kommunen/")
    assert not [s for s in stops if s["inSvg"]]
    in_main = [s for s in stops if s["inMain"]]
    # the first stop in the content is the first district, then its municipalities
    assert in_main[0]["href"] == "/landkreise/stuttgart/"
    assert in_main[1]["href"] == "/kommunen/stuttgart/"
    assert len([s for s in in_main if s["href"].startswith("/kommunen/")]) == 179


def test_termine_filters_come_before_the_list_and_mark_the_active_one(site, page_390):
    stops = tab_stops(page_390, site + "/termine/kategorie/instawalk/")
    first_filter = next(i for i, s in enumerate(stops) if s["filter"])
    first_event = next(i for i, s in enumerate(stops) if s["event"])
    assert first_filter < first_event
    current = [s for s in stops if s["current"] == "page" and s["filter"]]
    assert [s["href"] for s in current] == ["/termine/kategorie/instawalk/"]
    marked = page_390.locator('.event-nav a[aria-current="page"]')
    other = page_390.locator('.event-nav a:not([aria-current])').first
    assert marked.evaluate("e => getComputedStyle(e).backgroundColor") != other.evaluate(
        "e => getComputedStyle(e).backgroundColor")


@pytest.mark.parametrize("path", ["/", "/wall/", "/kommunen/esslingen-am-neckar/", "/termine/", "/rubrik/menschen-in-der-region/"])
def test_no_two_adjacent_tab_stops_lead_to_the_same_place(site, page_390, path):
    stops = tab_stops(page_390, site + path)
    assert len(stops) > 5
    # within the content: e.g. a card's image link and title link would be two stops for one target
    repeated = [(a["href"], a["text"], b["text"]) for a, b in zip(stops, stops[1:])
                if a["inMain"] and b["inMain"] and a["href"] and a["href"] == b["href"]]
    assert repeated == []


def test_search_field_has_a_visible_label_and_results_are_headings(site, page_390):
    prepare(page_390, site + "/suche/?q=esslingen")
    field = page_390.get_by_label("Suchbegriff")
    assert field.is_visible()
    assert page_390.locator('label[for="suche-eingabe"]').is_visible()
    headings = page_390.locator("#suche").get_by_role("heading", level=2)
    assert headings.count() >= 3
    assert headings.first.inner_text() == "Esslingen am Neckar"


SEARCH = """async (q) => { const pagefind = await import('/pagefind/pagefind.js');
  const found = await pagefind.search(q); const out = [];
  for (const r of found.results.slice(0, 10)) { const d = await r.data(); out.push({url: d.url, title: d.meta.title, excerpt: d.excerpt}); }
  return out; }"""


def test_search_index_holds_readable_text_with_clean_titles(site, page_390):
    page_390.goto(site + "/suche/", wait_until="networkidle")
    results = {q: page_390.evaluate(SEARCH, q) for q in ("esslingen", "plochingen", "karl", "expo")}
    esslingen = results["esslingen"][0]
    assert esslingen["url"] == "/kommunen/esslingen-am-neckar/" and esslingen["title"] == "Esslingen am Neckar"
    assert "ist eine Stadt im Landkreis" in esslingen["excerpt"]
    assert results["karl"][0]["title"] == "Karl aus Süßen: „Süßen ist klein, aber wir halten zusammen – das merkt man beim Stadtfest.“"
    for hits in results.values():
        for hit in hits:
            for noise in ("Gemeindeschlüssel", "LandkreisLandkreis", "ArtStadt", "ArtGemeinde", "Bei So ist S",
                          "Als Kalenderdatei", "Wann", "Gezeigt mit Erlaubnis"):
                assert noise not in hit["excerpt"], (hit["url"], hit["excerpt"])
            assert hit["title"] and " – So ist S" not in hit["title"]
