"""Screenshots of built pages at phone and desktop width (used by `invoke screenshots`)."""

from __future__ import annotations

from pathlib import Path

from demo.localsite import CHROMIUM, CHROMIUM_ARGS, serving

WIDTHS = {"phone": 390, "desktop": 1280}


def take_screenshots(site: Path, pages: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serving(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            for path in pages:
                page.goto(base + path, wait_until="networkidle")
                target = out / f"{name}-{path.strip('/').replace('/', '_') or 'home'}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            page.close()
        browser.close()
    return written
