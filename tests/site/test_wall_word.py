"""One word for the wall and one date format per context (issue 28 §5, docs/STYLEGUIDE.md):
the menu and the heading say „Fotowand“ (English: "Photo wall"); the address stays /wall/;
a photo's page gives plain dates (the weekday form is for events)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def nav_label(page: BeautifulSoup, href_end: str) -> str:
    link = next(a for a in page.select("nav.main-nav a") if a["href"].rstrip("/").endswith(href_end))
    return link.get_text(" ", strip=True)


def test_menu_and_heading_name_the_wall_alike(demo_site):
    for folder, word in ((demo_site, "Fotowand"), (demo_site / "en", "Photo wall")):
        wall = soup(folder / "wall/index.html")
        assert nav_label(wall, "/wall") == word
        assert wall.h1.get_text(" ", strip=True).split(" –")[0] == word
        assert nav_label(soup(folder / "index.html"), "/wall") == word


def test_a_photo_page_gives_plain_dates(demo_site):
    page = next((demo_site / "wall").glob("2026-*/index.html"))
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True) for dt in soup(page).select("dl dt")}
    assert re.fullmatch(r"\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ 20\d\d", facts["Vorgestellt am"]), facts
    assert "Auf So ist S seit" not in facts
