"""Screenshots of built pages at phone and desktop width (used by `invoke screenshots`)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _QuietHandler

WIDTHS = {"phone": 390, "desktop": 1280}


def take_screenshots(site: Path, pages: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    written = []
    try:
        with sync_playwright() as playwright:
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
    finally:
        server.shutdown()
    return written
