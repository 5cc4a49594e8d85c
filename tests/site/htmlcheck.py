"""Reading a built site back: its pages, its links, its external references."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from plugins.newsletter.consent import SIGNUP_PATH

CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
URL_ATTRIBUTES = (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src"),
                  ("iframe", "src"), ("video", "src"), ("audio", "src"), ("track", "src"), ("video", "poster"),
                  ("form", "action"))


APPS = {"pagefind", "admin"}  # the search bundle and the web editor (tests/cms checks its page)
# Paths nginx hands to a service, not files of the build (deploy/nginx/soists.conf): the newsletter
# sign-up form's target (tests/newsletter/test_signup_browser.py posts to it through nginx).
SERVER_PATHS = {f"/{SIGNUP_PATH}"}


def html_pages(site: Path) -> list[Path]:
    """The site's pages for visitors."""
    return sorted(p for p in site.rglob("*.html") if not APPS & set(p.relative_to(site).parts[:1]))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def srcset_urls(value: str) -> list[str]:
    return [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]


def references(document: BeautifulSoup) -> list[tuple[str, str]]:
    """(tag, url) for every URL a page links to or loads."""
    found = []
    for tag, attribute in URL_ATTRIBUTES:
        for element in document.find_all(tag):
            if element.get(attribute):
                found.append((tag, element[attribute]))
    for element in document.find_all(["img", "source"]):
        for url in srcset_urls(element.get("srcset", "")):
            found.append((element.name, url))
    for element in document.find_all(style=True):
        found.extend(("style", url) for url in CSS_URL.findall(element["style"]))
    for element in document.find_all("style"):
        found.extend(("style", url) for url in CSS_URL.findall(element.get_text()))
    return found


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in ("127.0.0.1", "localhost")


def local_target(site: Path, page: Path, url: str) -> Path | None:
    """The file a same-site URL points to, or None for external/special URLs."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("#", "mailto:", "tel:", "data:")):
        return None
    path = unquote(parts.path)
    if not path or path in SERVER_PATHS:
        return None
    target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
    return target / "index.html" if path.endswith("/") or target.is_dir() else target
