"""Which German pages have an English counterpart, and the links between the two.

An English page lives at en/ + the German path (/kommunen/plochingen/ -> /en/kommunen/plochingen/):
one rule, so every German link on an English page can be pointed at its English counterpart
without asking the generators, and municipality and district names stay what they are.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from plugins.files import FolderListings, files_below

PREFIX = "en/"
# Whole sections that are rendered in English: the calendar, the municipality and district
# pages, the wall and the later pages of the home page's story list.
ENGLISH_SECTIONS = ("termine/", "kommunen/", "landkreise/", "wall/", "seite/")
HOME = "index.html"
# hreflang alternates must be absolute URLs; a development build has no SITEURL, so they name the
# preview server, as plugins/sitemap does for the same reason.
DEVELOPMENT_SITE_URL = "http://localhost:8000"


@dataclass(frozen=True)
class Alternate:
    hreflang: str  # "de", "en" or "x-default"
    url: str  # "https://…/kommunen/plochingen/": absolute, as hreflang wants


def has_english(output_file: str, english_pages: Collection[str]) -> bool:
    """True when `output_file` (a German page's path in the output) gets an English twin.

    `english_pages` are the paths of the Markdown pages that have an English translation
    (mitmachen/index.html, ...)."""
    if output_file.startswith(PREFIX) or not output_file.endswith(".html"):
        return False
    return output_file == HOME or output_file.startswith(ENGLISH_SECTIONS) or output_file in english_pages


def english_path(output_file: str) -> str:
    return PREFIX + output_file


def url_of(output_file: str) -> str:
    """'kommunen/x/index.html' -> 'kommunen/x/' (how the site links pages)."""
    return output_file[: -len("index.html")] if output_file.endswith("index.html") else output_file


def alternates(german_file: str, site_url: str) -> tuple[Alternate, ...]:
    site_url = site_url or DEVELOPMENT_SITE_URL
    german = f"{site_url}/{url_of(german_file)}"
    english = f"{site_url}/{url_of(english_path(german_file))}"
    return (Alternate("de", german), Alternate("en", english), Alternate("x-default", german))


def localize_links(html: str, site_url: str, english_pages: Collection[str]) -> str:
    """Point every link of an English page at the English counterpart where there is one.

    Links that must stay German say so before their href: hreflang="de" / "x-default" (the
    alternates and the language switch), and files that are not pages (.ics, images) never
    match because only URLs ending in "/" are page URLs."""
    # split() with two groups: [text, 'href="<site>/', path, text, 'href="<site>/', path, ...];
    # five times faster than sub() with a function per link (7,800 English pages per build).
    parts = link_pattern(site_url).split(html)
    decided: dict[str, str] = {}  # the menus repeat the same links on every page
    for index in range(2, len(parts), 3):
        path = parts[index]
        localized = decided.get(path)
        if localized is None:
            english = (path == "" or path.endswith("/")) and has_english(path + HOME, english_pages)
            localized = decided[path] = PREFIX + path if english else path
        parts[index] = localized
    return "".join(parts)


@lru_cache(maxsize=4)
def link_pattern(site_url: str) -> re.Pattern:
    # The lookbehinds follow the literal href=" so that the engine can scan for it (placed
    # before it, they were tried at every position of the page).
    return re.compile(r'(href="(?<!hreflang="de" href=")(?<!hreflang="x-default" href=")'
                      + re.escape(str(escape(site_url))) + r'/)([^"#?]*)')


def orphans(output: Path, english_pages: Collection[str], listings: FolderListings | None = None) -> list[Path]:
    """English pages left from an earlier build whose German page is gone (a deleted post, event
    or municipality intro's page) or has no English version any more. Pelican never deletes
    what it no longer writes, and a removed post must leave no trace."""
    pages = files_below(output, (".html",), listings)
    present = set(pages)
    return [output / english for english in pages if english.startswith(PREFIX)
            and (not has_english(english[len(PREFIX):], english_pages) or english[len(PREFIX):] not in present)]


def german_marker(language: str) -> Markup:
    """' lang="de"' for German text on an English page; nothing on a German page."""
    return Markup(' lang="de"') if language == "en" else Markup("")
