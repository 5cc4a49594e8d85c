"""axe-core in Chromium over every page type of the built site (helpers for the tests and
for a quick look by hand: `python -m tests.site.a11y <built site>`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDTHS = (390, 1280)

# One representative URL per page type of the demo site.
PAGE_TYPES = {
    "home": "/",
    "home page 2": "/seite/2/",
    "municipality": "/kommunen/esslingen-am-neckar/",
    "district": "/landkreise/esslingen/",
    "districts": "/landkreise/",
    "overview map": "/kommunen/",
    "termine": "/termine/",
    "termine month": "/termine/2026/11/",
    "termine event": "/termine/expo-real-2026/",
    "termine filter": "/termine/kategorie/instawalk/",
    "termine archive": "/termine/archiv/",
    "wall list": "/wall/",
    "wall post": "/wall/2026-06-05-aidlingen/",
    "article": "/artikel/green-tech-region/",
    "portrait": "/artikel/karl-suessen/",
    "category": "/rubrik/menschen-in-der-region/",
    "topic": "/thema/green-tech/",
    "archive": "/archiv/",
    "mitmachen": "/mitmachen/",
    "ueber": "/ueber/",
    "barrierefreiheit": "/barrierefreiheit/",
    "leichte sprache": "/leichte-sprache/",
    "gebaerdensprache": "/gebaerdensprache/",
    "campaigns": "/kampagnen/",
    "campaign results": "/kampagnen/fotowettbewerb-herbst-im-remstal/",
    "campaign tour": "/kampagnen/influencertour-fils-und-neckar/",
    "campaign leinwand": "/kampagnen/fotowettbewerb-herbst-im-remstal/leinwand/",
    "newsletter archive": "/newsletter/",
    "search": "/suche/?q=esslingen",
    "404": "/404.html",
    # The English pages (plugins/i18n): one per English template use.
    "en home": "/en/",
    "en municipality": "/en/kommunen/esslingen-am-neckar/",
    "en termine": "/en/termine/",
    "en termine event": "/en/termine/talente-forum-2027/",
    "en wall list": "/en/wall/",
    "en mitmachen": "/en/mitmachen/",
}

# axe runs on one page per template (the suite's time budget); reflow checks every entry above.
AXE_SKIP = {"home page 2", "districts", "termine archive", "archive", "category"}
AXE_PAGE_TYPES = {name: path for name, path in PAGE_TYPES.items() if name not in AXE_SKIP}


def prepare(page, url: str) -> None:
    """Open url and wait until what a visitor would see is there (search results, too)."""
    page.goto(url, wait_until="load")
    if "/suche/" in url:
        page.wait_for_selector(".pagefind-ui__result", timeout=10_000)


def axe_context(browser, width: int, height: int = 900):
    """A browser context of that width with axe-core loaded into every page it opens."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(path=str(AXE_JS))
    return context


def run_axe(page) -> list[dict]:
    """axe-core's violations on the open page: [{id, impact, help, nodes: [target, …]}]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]][:5], "count": len(v["nodes"])}
            for v in result["violations"]]


def main(site: str) -> None:
    from playwright.sync_api import sync_playwright

    from demo.localsite import CHROMIUM, CHROMIUM_ARGS, serving

    with serving(Path(site)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for width in WIDTHS:
            context = axe_context(browser, width)
            page = context.new_page()
            for name, path in AXE_PAGE_TYPES.items():
                started = time.monotonic()
                prepare(page, base + path)
                violations = run_axe(page)
                print(f"{width} {name}: {len(violations)} ({time.monotonic() - started:.1f} s)")
                for v in violations:
                    print("   ", json.dumps(v, ensure_ascii=False))
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
