"""„Kommunen-Rundmail“ on the board: every role from Lesen up reads the month's mails, each rendered in
a sandboxed frame with its own narrow CSP; nothing can be sent from the board. Screenshots of the
page at 390 and 1280 px go to $SOISTS_PARTNER_SCREENSHOTS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugins.region.registry import load_registry
from scheduler.config import Settings
from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.server import serve_in_thread
from tests.partners.partner_seed import SITEURL, seed
from tests.scheduler.board_client import PASSWORD, Client, sign_in_page


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("SOISTS_SITEURL", SITEURL)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine, sessions = seed(url)
    with sessions.begin() as session:
        editors.add_account(session, "lea", PASSWORD, "lesen")
    settings = Settings(root=tmp_path, db_url=url, media_dir=tmp_path / "media")
    yield sessions, settings
    engine.dispose()


def test_a_reader_sees_every_mail_and_cannot_send(world):
    sessions, settings = world
    app = ReviewApp(sessions, settings, load_registry())
    assert Client(app).get("/kommunen-post?monat=2026-11").status == 303  # signed out: to the sign-in page
    browser = Client(app)
    assert browser.sign_in("lea", PASSWORD).status == 303
    page = browser.get("/kommunen-post?monat=2026-11")
    assert page.status == 200 and "<h1>Kommunen-Rundmail: November 2026</h1>" in page.text
    assert 'aria-current="page">Kommunen-Rundmail</a>' in page.text
    for ags in ("08111000", "08115001", "08116011", "08119079"):
        assert f'src="/kommunen-post/{ags}.html?monat=2026-11"' in page.text
    assert "info@beuren.example</span>: keine Mail: abgemeldet (Kontaktliste)" in page.text
    assert "presse@stuttgart.example</span>: geplant" in page.text
    assert "Betreff: „So ist S in Ihrer Kommune: Stuttgart im November 2026“" in page.text
    assert "<form method=\"post\" action=\"/kommunen-post" not in page.text  # no send button
    frame = browser.get("/kommunen-post/08111000.html?monat=2026-11")
    assert frame.status == 200 and "Zusammen erreichten sie 1.500 Konten" in frame.text
    csp = frame.header("Content-Security-Policy")
    assert "sandbox" in csp and "img-src https://www.so-ist-s.example;" in csp and "script" not in csp
    assert frame.header("X-Frame-Options") == "SAMEORIGIN"
    assert browser.post("/kommunen-post", {}).status == 405  # nothing to post to
    assert browser.get("/kommunen-post/08999999.html?monat=2026-11").status == 404
    assert browser.get("/kommunen-post?monat=2026-13").status == 404


@pytest.mark.browser
def test_the_page_in_chromium(world, chromium_browser, tmp_path):
    sessions, settings = world
    server = serve_in_thread(sessions, settings, load_registry())
    base = f"http://127.0.0.1:{server.server_address[1]}"
    shots = Path(os.environ.get("SOISTS_PARTNER_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        for width in (1280, 390):
            context = chromium_browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            bad: list[str] = []
            page.on("response", lambda r: r.status >= 400 and bad.append(r.url))
            page.on("requestfailed", lambda r: bad.append(r.url))
            sign_in_page(page, base, "lea")
            page.goto(base + "/kommunen-post?monat=2026-11", wait_until="networkidle")
            page.screenshot(path=str(shots / f"board-kommunen-post-{width}-top.png"))
            page.locator("#k-08111000 ~ iframe").scroll_into_view_if_needed()  # the frames load lazily
            frame = page.frame_locator("#k-08111000 ~ iframe")
            assert "Stuttgart im November 2026" in frame.locator("h1").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # only the demo site's images are missing (its host does not exist) and the browser's favicon
            assert [u for u in bad if not u.startswith(SITEURL) and not u.endswith("/favicon.ico")] == []
            page.locator("#k-08111000").scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / f"board-kommunen-post-{width}.png"))
            context.close()
    finally:
        server.shutdown()
        server.server_close()
