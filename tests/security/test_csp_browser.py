"""The Content-Security-Policy holds on every page type, in Chromium, with nothing violated.

The demo build is served twice: with the policy and its companions as real response headers
(read from the build's own `_headers` file, as Netlify/Cloudflare Pages would send them) and
with the <meta http-equiv> element alone. A `securitypolicyviolation` listener installed
before any page script runs collects every violation; console errors are collected too.
Search must still find something (Pagefind's WebAssembly needs 'wasm-unsafe-eval').
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from demo.localsite import serving
from plugins.headers.policy import header_policy, meta_policy, parse_headers_file

# One page of each type (first match of the glob under the build).
PAGE_TYPES = {
    "home": "index.html",
    "municipality": "kommunen/esslingen-am-neckar/index.html",
    "district": "landkreise/*/index.html",
    "overview map": "kommunen/index.html",
    "Termine list": "termine/index.html",
    "Termine month": "termine/[0-9][0-9][0-9][0-9]/[0-9][0-9]/index.html",
    "event": "termine/expo-real-*/index.html",
    "wall list": "wall/index.html",
    "wall post": "wall/*/index.html",
    "portrait": "artikel/karl-suessen/index.html",
    "article": "artikel/green-tech-region/index.html",
    "page": "mitmachen/index.html",
    "category": "rubrik/wirtschaft/index.html",
    "404": "404.html",
    "English home": "en/index.html",
    "English event": "en/termine/expo-real-*/index.html",
    "English municipality": "en/kommunen/esslingen-am-neckar/index.html",
}
LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
"""


def page_paths(site: Path) -> dict[str, str]:
    paths = {}
    for kind, pattern in PAGE_TYPES.items():
        found = sorted(site.glob(pattern))
        assert found, f"no {kind} page ({pattern}) in the demo build"
        paths[kind] = "/" + str(found[0].relative_to(site)).removesuffix("index.html")
    return paths


def violations_on(browser, base_url: str, paths: dict[str, str], search: bool = True) -> dict[str, list[str]]:
    """kind → violations and console errors while loading that page (and, on /suche/, searching)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(LISTENER)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console.append(msg.text))
    page.on("pageerror", lambda exc: console.append(str(exc)))
    found: dict[str, list[str]] = {}
    try:
        for kind, path in {**paths, **({"search": "/suche/?q=Esslingen"} if search else {})}.items():
            console.clear()
            page.goto(base_url + path, wait_until="load")
            if kind == "search":
                page.wait_for_selector(".pagefind-ui__result", timeout=15000)
                found["search results"] = [str(page.locator(".pagefind-ui__result").count())]
            page.wait_for_timeout(100)  # violation events are dispatched asynchronously
            found[kind] = page.evaluate("window.__csp") + console
    finally:
        context.close()
    return found


@pytest.mark.parametrize("delivery", ["header", "meta"])
def test_no_csp_violation_on_any_page_type(demo_site, chromium_browser, delivery):
    headers = parse_headers_file((demo_site / "_headers").read_text(encoding="utf-8"))
    assert dict(headers)["Content-Security-Policy"] == header_policy()
    head = BeautifulSoup((demo_site / "index.html").read_text(encoding="utf-8"), "lxml").head
    first = head.find("meta", attrs={"http-equiv": True})
    assert first["http-equiv"] == "Content-Security-Policy" and first["content"] == meta_policy()
    assert not first.find_all_previous(["script", "link", "style"])  # the policy covers everything after it
    with serving(demo_site, headers if delivery == "header" else None) as base_url:
        found = violations_on(chromium_browser, base_url, page_paths(demo_site))
    results = int(found.pop("search results")[0])
    print(f"\nCSP ({delivery}): " + ", ".join(f"{kind} {len(v)}" for kind, v in found.items())
          + f"; search results: {results}")
    assert {kind: v for kind, v in found.items() if v} == {}
    assert results > 0


def test_the_listener_does_catch_a_violation(demo_site, chromium_browser, tmp_path):
    """The check can fail: an inline script on a copy of the home page is reported."""
    html = (demo_site / "index.html").read_text(encoding="utf-8")
    (tmp_path / "index.html").write_text(html.replace("</main>", "<script>document.title='x'</script></main>"),
                                         encoding="utf-8")
    with serving(tmp_path) as base_url:
        found = violations_on(chromium_browser, base_url, {"home": "/"}, search=False)
    assert any("script-src" in v for v in found["home"]), found
