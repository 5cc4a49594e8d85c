"""What a visitor downloads: HTML+CSS+JS bytes per page and third-party requests.

    .venv/bin/python bench/page_weight.py [--site DIR] [--event SLUG]

Builds the demo site (content/) into a temporary folder, unless --site names a built one,
serves it on 127.0.0.1 only, and measures: the home, a municipality
(/kommunen/plochingen/), an event (/termine/<slug>/: the largest event page unless
--event names one), the wall (/wall/), the campaign overview (/kampagnen/), every campaign
page and every campaign's Leinwand (/kampagnen/<slug>/leinwand/; the leinwand.json its
script loads is data, like images, and not counted).

Weight: the bytes of the HTML plus every same-site stylesheet and script it references
(CSS @import followed), before compression, images and fonts excluded; printed in kB
(1 kB = 1000 bytes, the stricter reading) beside the 60 kB floor.

Third-party requests: each page is loaded in headless Chromium (Debian's, through
Playwright), scrolled to the end so lazy images load, and every request whose host is not
the local server is counted (data:/blob: excluded; such requests are aborted, never sent).
The floor is 0.

Exits non-zero when a floor is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.localsite import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

# Lighthouse starts Chromium itself and needs the headless flag spelled out.
CHROMIUM_FLAGS = ["--headless=new", *CHROMIUM_ARGS]
WEIGHT_FLOOR_KB = 60.0
EVENT_MARKER = re.compile(r'"@type"\s*:\s*"Event"')


# --- the site: build, pick the pages, serve ---------------------------------------------

def build_site(output: Path) -> None:
    """Build the demo site exactly as a developer would, into ``output``."""
    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(output)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )


def pick_event(site: Path, slug: str | None = None) -> str:
    """Path of one event page: ``slug`` if given, else the largest page with Event JSON-LD."""
    if slug:
        if not (site / "termine" / slug / "index.html").is_file():
            raise SystemExit(f"no event page termine/{slug}/index.html in {site}")
        return f"/termine/{slug}/"
    events = [page for page in sorted((site / "termine").glob("*/index.html"))
              if EVENT_MARKER.search(page.read_text(encoding="utf-8"))]
    if not events:
        raise SystemExit(f"no event page under {site}/termine/")
    largest = max(events, key=lambda page: page.stat().st_size)
    return f"/termine/{largest.parent.name}/"


def campaign_pages(site: Path) -> list[str]:
    """The campaign overview, then each campaign's page and its Leinwand."""
    found = ["/kampagnen/"] if (site / "kampagnen" / "index.html").is_file() else []
    for page in sorted((site / "kampagnen").glob("*/index.html")):
        found.append(f"/kampagnen/{page.parent.name}/")
        if (page.parent / "leinwand" / "index.html").is_file():
            found.append(f"/kampagnen/{page.parent.name}/leinwand/")
    return found


def pages(site: Path, event: str | None = None) -> list[str]:
    return ["/", "/kommunen/plochingen/", pick_event(site, event), "/wall/", *campaign_pages(site)]


@contextlib.contextmanager
def site_folder(site: str | None):
    """The built site to measure: ``site`` as given, or a fresh build in a temp folder."""
    if site:
        path = Path(site).resolve()
        if not (path / "index.html").is_file():
            raise SystemExit(f"{path} has no index.html: not a built site")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="soists-site-") as tmp:
        print("building the demo site …", file=sys.stderr, flush=True)
        build_site(Path(tmp))
        yield Path(tmp)


# --- weight -----------------------------------------------------------------------------

class _Assets(HTMLParser):
    """Collects stylesheet and script URLs of an HTML page."""

    def __init__(self):
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").lower().split()
            kind = (attributes.get("as") or "").lower()
            if "stylesheet" in rel or ("preload" in rel and kind == "style"):
                self.css.append(attributes["href"])
            elif "modulepreload" in rel or ("preload" in rel and kind == "script"):
                self.js.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.js.append(attributes["src"])


CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", re.I)


def _fetch(url: str) -> bytes:
    with urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return response.read()


def weigh(base: str, path: str) -> dict:
    """Bytes of the page's HTML, same-site CSS (with @imports) and JS; foreign references."""
    page_url = base + path
    html = _fetch(page_url)
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    host = urlsplit(base).netloc
    seen: set[str] = set()
    result = {"html": len(html), "css": 0, "js": 0, "foreign": []}

    def add(kind: str, reference: str, referrer: str) -> None:
        url = urljoin(referrer, reference).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            return
        if parts.netloc != host:
            result["foreign"].append(url)
            return
        if url in seen:
            return
        seen.add(url)
        body = _fetch(url)
        result[kind] += len(body)
        if kind == "css":
            for imported in CSS_IMPORT.findall(body.decode("utf-8", "replace")):
                add("css", imported, url)

    for reference in parser.css:
        add("css", reference, page_url)
    for reference in parser.js:
        add("js", reference, page_url)
    result["total"] = result["html"] + result["css"] + result["js"]
    return result


# --- third-party requests ---------------------------------------------------------------

def third_party_requests(base: str, paths: list[str]) -> dict[str, list[str]]:
    """Per page, the URLs of every request the browser made to another host."""
    from playwright.sync_api import sync_playwright

    host = urlsplit(base).netloc
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for path in paths:
                context = browser.new_context(viewport={"width": 390, "height": 844},
                                              device_scale_factor=2, is_mobile=True)
                # Count foreign requests, but never let one leave the machine.
                context.route("**/*", lambda route: route.continue_()
                              if urlsplit(route.request.url).netloc in ("", host) else route.abort())
                page = context.new_page()
                requests: list[str] = []
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.goto(base + path, wait_until="networkidle")
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(300)
                found[path] = [url for url in requests
                               if urlsplit(url).scheme not in ("data", "blob")
                               and urlsplit(url).netloc != host]
                context.close()
        finally:
            browser.close()
    return found


# --- report -----------------------------------------------------------------------------

def kb(size: int) -> str:
    return f"{size / 1000:.1f} kB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", help="a built site folder (default: build content/ into a temp folder)")
    parser.add_argument("--event", help="slug of the event page (default: the largest one)")
    args = parser.parse_args(argv)

    failed = False
    with site_folder(args.site) as site, serving(site) as base:
        paths = pages(site, args.event)
        weights = {path: weigh(base, path) for path in paths}
        foreign = third_party_requests(base, paths)

        width = max(len(path) for path in paths)
        print(f"page weight before compression (HTML+CSS+JS, images excluded); floor {WEIGHT_FLOOR_KB:.0f} kB each, "
              "third-party requests: 0 expected")
        print(f"{'page':<{width}}  {'HTML':>9}  {'CSS':>8}  {'JS':>7}  {'total':>9}  {'floor':>6}  "
              f"{'3rd-party':>9}  verdict")
        for path in paths:
            w = weights[path]
            third = sorted(set(foreign[path]) | set(w["foreign"]))
            ok = w["total"] <= WEIGHT_FLOOR_KB * 1000 and not third
            failed |= not ok
            print(f"{path:<{width}}  {kb(w['html']):>9}  {kb(w['css']):>8}  {kb(w['js']):>7}  "
                  f"{kb(w['total']):>9}  {WEIGHT_FLOOR_KB:>3.0f} kB  {len(third):>9}  {'ok' if ok else 'MISSED'}")
            for url in third:
                print(f"    third-party: {url}")
    print("all floors hold" if not failed else "a floor is missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
