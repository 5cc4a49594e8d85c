"""In Chromium at phone width: the wall loads cleanly and locally; search finds a municipality."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_wall_pages_load_without_errors_or_foreign_requests(demo_site, serve_dir, page_390):
    base = serve_dir(demo_site)
    first_post = sorted(p.name for p in (demo_site / "wall").iterdir() if p.is_dir() and p.name != "seite")[-1]
    for path in ("/wall/", "/wall/seite/2/", f"/wall/{first_post}/", "/"):
        response = page_390.goto(base + path, wait_until="load")
        assert response.status == 200, path
        page_390.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page_390.wait_for_timeout(200)
        broken = page_390.evaluate(
            "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.currentSrc || i.src)")
        assert broken == [], (path, broken)
    assert page_390.console_errors == []
    assert page_390.foreign_requests == []


def test_search_finds_municipality_page(demo_site, serve_dir, page_390):
    base = serve_dir(demo_site)
    page_390.goto(base + "/suche/", wait_until="load")
    search = page_390.locator(".pagefind-ui__search-input")
    search.fill("Plochingen")
    link = page_390.locator('.pagefind-ui__result-link[href="/kommunen/plochingen/"]')
    link.first.wait_for(timeout=10_000)
    assert page_390.console_errors == []
    assert page_390.foreign_requests == []
