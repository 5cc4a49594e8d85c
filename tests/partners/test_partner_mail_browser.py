"""Two of the month's mails in headless Chromium at 600 and 390 px: every request goes to the
site, every image loads, nothing scrolls sideways; screenshots to $SOISTS_PARTNER_SCREENSHOTS."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image as PILImage

from scheduler.partners.run import prepare
from tests.partners.partner_seed import NOVEMBER, SENT_ON, seed

ROOT = Path(__file__).resolve().parents[2]


def site_folder(folder: Path) -> Path:
    """The files the mails show: the two Stuttgart photos and the badge preview."""
    for n, key in enumerate(("2026-11-09-stuttgart", "2026-11-20-stuttgart", "2026-11-25-plochingen")):
        path = folder / "images" / "community" / f"{key}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        PILImage.new("RGB", (1200, 900), (40 + 60 * n, 90, 140)).save(path)
    (folder / "theme" / "img").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "theme" / "static" / "img" / "badge.png", folder / "theme" / "img" / "badge.png")
    return folder


@pytest.mark.browser
@pytest.mark.parametrize("width", [600, 390])
def test_two_mails_render_in_chromium(tmp_path, serve_dir, chromium_browser, width):
    folder = site_folder(tmp_path / "site")
    base = serve_dir(folder)
    engine, sessions = seed(f"sqlite:///{tmp_path / 'store.db'}")
    prepared = prepare(sessions, NOVEMBER, SENT_ON, base)
    engine.dispose()
    shots = Path(os.environ.get("SOISTS_PARTNER_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    for ags, kind, name in (("08111000", "monthly", "stuttgart"), ("08115001", "quiet", "aidlingen")):
        mail = prepared.mails[(ags, kind)]
        (folder / f"{name}.html").write_text(mail.personal(f"{base}/kommunen-post/abmelden?t=x")[1], encoding="utf-8")
        context = chromium_browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{base}/{name}.html", wait_until="networkidle")
        assert requests and all(url.startswith(base) for url in requests), "only the site's own URLs"
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        assert page.title() == mail.subject
        if kind == "monthly":
            widths = page.evaluate("[...document.images].map(i => i.getBoundingClientRect().width)")
            assert (max(widths) > 300) if width == 390 else (250 <= widths[0] <= 300)  # stacked on a phone
        page.screenshot(path=str(shots / f"kommune-{name}-{width}.png"), full_page=True)
        context.close()
