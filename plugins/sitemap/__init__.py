"""sitemap.xml and robots.txt from what the build actually wrote.

Walking the output (rather than asking each generator) means every page — articles,
municipality pages, events, wall pages from any plugin, the English pages under /en/ — is
listed without each plugin having to register itself. A page that exists in both languages
(/x/ and /en/x/, plugins/i18n) carries its hreflang alternates, as search engines read them
from sitemaps.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pelican import signals

from plugins.files import FolderListings, files_below
from plugins.incremental import output_kept

EXCLUDED = {"404.html"}
# Not pages for visitors: the search bundle, theme files and the web editor (plugins/cms).
EXCLUDED_FOLDERS = ("pagefind/", "theme/", "admin/")
ENGLISH = "en/"


def html_files(output: Path, listings: FolderListings | None = None) -> list[str]:
    """Every .html file below `output`, relative, in the order of sorted Path objects (by path
    parts); the live preview writes the sitemap after every save and passes the folder
    listings it keeps between saves (plugins.files)."""
    return files_below(output, (".html",), listings)


def page_paths(output: Path, listings: FolderListings | None = None) -> list[str]:
    """The pages' URL paths relative to the site: '' (home), 'kommunen/x/', 'en/termine/'."""
    paths = []
    for relative in html_files(output, listings):
        if relative in EXCLUDED or relative.startswith(EXCLUDED_FOLDERS):
            continue
        if relative == "index.html":
            relative = ""
        elif relative.endswith("/index.html"):
            relative = relative[: -len("index.html")]
        paths.append(relative)
    return paths


def page_urls(output: Path, site_url: str) -> list[str]:
    return [f"{site_url}/{path}" for path in page_paths(output)]


def language_pairs(paths: list[str]) -> dict[str, tuple[str, str]]:
    """path -> (German path, English path) for every page whose counterpart was written too."""
    present = set(paths)
    pairs = {}
    for path in paths:
        if not path.startswith(ENGLISH) and ENGLISH + path in present:
            pairs[path] = pairs[ENGLISH + path] = (path, ENGLISH + path)
    return pairs


def url_entry(site_url: str, path: str, pair: tuple[str, str] | None) -> str:
    loc = f"  <url><loc>{escape(f'{site_url}/{path}')}</loc>"
    if pair is None:
        return loc + "</url>"
    german, english = (f"{site_url}/{p}" for p in pair)
    links = "".join(f'<xhtml:link rel="alternate" hreflang="{lang}" href={quoteattr(url)}/>'
                    for lang, url in (("de", german), ("en", english), ("x-default", german)))
    return f"{loc}{links}</url>"


def sitemap_xml(paths: list[str], site_url: str) -> str:
    return _sitemap_text(tuple(paths), site_url)


@lru_cache(maxsize=1)  # the preview writes it after every save, mostly for the same pages
def _sitemap_text(paths: tuple[str, ...], site_url: str) -> str:
    pairs = language_pairs(paths)
    entries = "\n".join(url_entry(site_url, path, pairs.get(path)) for path in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
            f"{entries}\n</urlset>\n")


def robots_txt(site_url: str) -> str:
    return f"User-agent: *\nAllow: /\nDisallow: /pagefind/\n\nSitemap: {site_url}/sitemap.xml\n"


def write_sitemap(pelican) -> None:
    if output_kept():
        return
    output = Path(pelican.output_path)
    # Sitemaps need absolute URLs; in development SITEURL is empty, so use the preview server.
    site_url = (pelican.settings.get("SITEURL") or "http://localhost:8000").rstrip("/")
    paths = page_paths(output, pelican.settings.get("FOLDER_LISTINGS"))  # set by the live preview
    (output / "sitemap.xml").write_text(sitemap_xml(paths, site_url), encoding="utf-8")
    (output / "robots.txt").write_text(robots_txt(site_url), encoding="utf-8")


def register() -> None:
    signals.finalized.connect(write_sitemap)
