"""A visitor on a phone opens the calendar, moves to the next month and opens an event."""

from __future__ import annotations

import pytest


@pytest.mark.browser
def test_visitor_browses_calendar(page_390, serve_dir, demo_site):
    base = serve_dir(demo_site)
    page = page_390
    page.goto(f"{base}/termine/")
    assert page.locator("h1").inner_text() == "Termine"
    page.get_by_role("link", name="Monatsansicht").click()
    page.wait_for_url("**/termine/*/*/")
    this_month = page.locator("h1").inner_text()
    page.locator("nav.month-nav a[rel=next]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() != this_month
    first_event = page.locator("ul.event-list a.event-item__title").first
    title = first_event.inner_text()
    first_event.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    download = page.locator("a[download][href$='.ics']").first
    assert download.is_visible()
    assert page.console_errors == []
    assert page.foreign_requests == []
