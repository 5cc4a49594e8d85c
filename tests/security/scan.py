"""Static checks of generated files: what a successful injection would leave behind."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from plugins.headers.policy import meta_policy

# Elements no editor text may create; the site's own templates use none of them
# (the dot map's <svg>, the badge snippet's <textarea>, the search page's <noscript>, the
# Termine filter groups' <details>, the video page's <video> and the newsletter's sign-up form
# are allowed where they belong).
FORBIDDEN = ("iframe", "object", "embed", "form", "base", "frame", "frameset", "applet", "math", "template",
             "input", "button", "link[rel=import]", "meta[http-equiv]", "style", "video", "audio", "marquee",
             "details", "isindex", "plaintext", "xmp")
URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href",
                  "cite")
_CONTROL = re.compile(r"[\x00-\x20\u00a0\u2028\u2029\u202a-\u202e]+")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def dangerous_url(name: str, value: str) -> bool:
    """javascript:/data:/vbscript: however a browser would still read it (case, spaces, tabs)."""
    candidates = value.split(",") if name == "srcset" else [value]
    return any(_CONTROL.sub("", c).lower().startswith(BAD_SCHEMES) for c in candidates)


def site_policy_meta(tag, strict: bool = True) -> bool:
    """The theme's own CSP <meta> (plugins/headers): in <head>, exactly the site's policy
    (strict=False: any policy there). Any other http-equiv (refresh, a second or weaker
    policy, one in <body>) stays forbidden."""
    return (tag.name == "meta" and tag.parent is not None and tag.parent.name == "head"
            and (tag.get("http-equiv") or "").lower() == "content-security-policy"
            and (not strict or tag.get("content") == meta_policy()))


# The web editor (plugins/cms): a fixed page made of no content, with its three script files
# and its own policy (the site's, amended through plugins.headers.policy); tests/cms drives it.
EDITOR_PAGE = "admin/index.html"
EDITOR_SCRIPTS = ("before-cms.js", "decap-cms.js", "soists-editor.js", "soists-cms.js")
EDITOR_AMENDED = {"script-src", "style-src", "img-src", "connect-src"}


def editor_policy_meta(tag, page: str) -> bool:
    """The editor's CSP <meta>: in <head>, every directive but the amended ones as the site's."""
    if page != EDITOR_PAGE or not site_policy_meta(tag, strict=False):
        return False
    mine = dict(part.strip().split(" ", 1) for part in tag.get("content", "").split(";"))
    site = dict(part.strip().split(" ", 1) for part in meta_policy().split(";"))
    return mine.keys() == site.keys() and all(mine[k] == site[k] for k in site if k not in EDITOR_AMENDED)


def known_script(tag, page: str) -> bool:
    if tag.get("type") == "application/ld+json":
        return True
    if page == EDITOR_PAGE:
        return tag.get("src") in EDITOR_SCRIPTS and not tag.get_text().strip()
    if page.startswith("suche/"):
        # Pagefind's UI, its starter and the accessibility helper: files only (no inline script)
        return (tag.get("src") or "").endswith(("/pagefind/pagefind-ui.js", "/theme/js/search.js",
                                                "/theme/js/search-a11y.js"))
    return False


def theme_element(tag, page: str) -> bool:
    """The few otherwise forbidden elements the theme itself writes, each only in its place."""
    if tag.name == "details":
        return page.startswith("termine/") and "event-nav__group" in (tag.get("class") or []) \
            and tag.find_parent("nav", class_="event-nav") is not None
    if tag.name == "video":
        return page == "gebaerdensprache/index.html" and tag.find_parent("figure", class_="video") is not None
    if tag.name in ("form", "input", "button"):  # the newsletter sign-up (plugins/newsletter), posting to our endpoint
        form = tag if tag.name == "form" else tag.find_parent("form")
        return page == "newsletter/index.html" and form is not None and "signup" in (form.get("class") or []) \
            and (form.get("action") or "").endswith("/newsletter/anmelden")
    return False


def html_findings(html: str, page: str) -> list[str]:
    """Every sign of injected active content in one HTML document (empty: clean)."""
    soup = BeautifulSoup(html, "lxml")
    found: list[str] = []
    shown_as, page = page, page.removeprefix("en/")  # an English twin is allowed what its German page is
    for tag in soup.find_all("script"):
        if not known_script(tag, page):
            found.append(f"{shown_as}: unknown <script> {str(tag)[:80]!r}")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"{shown_as}: {name} on <{tag.name}>")
            if name.lower() in URL_ATTRIBUTES and dangerous_url(name.lower(), text):
                found.append(f"{shown_as}: {name}={text[:60]!r} on <{tag.name}>")
            if name.lower() == "style":
                found.append(f"{shown_as}: style attribute on <{tag.name}>")
    for selector in FORBIDDEN:
        for tag in soup.select(selector):
            if not site_policy_meta(tag) and not editor_policy_meta(tag, page) and not theme_element(tag, page):
                found.append(f"{shown_as}: <{tag.name}> element")
    if soup.find("svg") and page != "kommunen/index.html":
        found.append(f"{shown_as}: <svg> outside the map")
    if soup.find("noscript") and page != "suche/index.html":
        found.append(f"{shown_as}: <noscript> outside the search page")
    if soup.find("textarea") and not page.startswith("kommunen/"):
        found.append(f"{shown_as}: <textarea> outside the badge snippet")
    return found


def jsonld_findings(html: str, page: str) -> tuple[list[str], list]:
    """Each JSON-LD block must parse and contain no raw '<' (so no '</script>' can end it early)."""
    found, data = [], []
    for raw in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        if "<" in raw or "\u2028" in raw:
            found.append(f"{page}: raw '<' or U+2028 in JSON-LD")
        try:
            data.append(json.loads(raw))
        except ValueError as error:
            found.append(f"{page}: JSON-LD does not parse: {error}")
    return found, data
