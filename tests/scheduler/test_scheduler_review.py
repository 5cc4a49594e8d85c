"""The review board: loopback only, CSRF on every POST, escaped captions, actions saved at once."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select

from scheduler.collect.ingest import Collector
from scheduler.curate.review.server import make_board_server, serve_in_thread
from scheduler.store.models import AuditEvent, Post
from tests.scheduler.test_scheduler_store import collected


@pytest.fixture
def board(sessions, settings, registry):
    collector = Collector(sessions, settings, registry)
    collector.store(collected(1, caption='<script>alert("x")</script> Sonnenuntergang #esslingen'))
    collector.store(collected(2, author="ben", caption="Am Marktplatz in Altdorf"))
    server = serve_in_thread(sessions, settings, registry, editor="eva", auth="none")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                       urllib.request.HTTPRedirectHandler())


def test_only_loopback(sessions, settings, registry):
    with pytest.raises(ValueError):
        make_board_server(sessions, settings, registry, host="0.0.0.0")


def test_post_without_or_with_wrong_csrf_is_refused(board, sessions):
    opener = _opener()
    page = opener.open(board + "/").read().decode()
    assert "&lt;script&gt;alert" in page and '<script>alert("x")' not in page  # autoescaped caption
    for token in ("", "wrong"):
        data = urllib.parse.urlencode({"action": "approve", "csrf": token}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(board + "/posts/1", data=data)
        assert refused.value.code == 403
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    # every action states the post's state and version it was decided on (hidden fields)
    seen = {"expected_state": "collected", "version": "0"}
    assert '<input type="hidden" name="expected_state" value="collected">' in page
    with pytest.raises(urllib.error.HTTPError):  # a valid token from another browser session is refused too
        _opener().open(board + "/posts/1", data=urllib.parse.urlencode(
            {"action": "approve", "csrf": token, **seen}).encode())
    with sessions() as session:
        assert session.get(Post, 1).state == "collected"
    opener.open(board + "/posts/1", data=urllib.parse.urlencode({"action": "approve", "csrf": token, **seen}).encode())
    with sessions() as session:
        assert session.get(Post, 1).state == "shortlisted"


def test_foreign_host_header_is_refused(board):
    request = urllib.request.Request(board + "/", headers={"Host": "evil.example:80"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 421


@pytest.mark.browser
def test_approve_in_the_browser_survives_reload(board, chromium_browser, sessions, settings, registry):
    page = chromium_browser.new_page()
    try:
        page.goto(board + "/")
        card = page.locator("#post-1")
        assert card.get_attribute("data-state") == "collected"
        assert "Esslingen am Neckar" in card.inner_text()
        with page.expect_navigation():
            card.locator('button[data-action="approve"]').click()
        page.reload()
        assert page.locator("#post-1").get_attribute("data-state") == "shortlisted"

        # keyboard: cards needing review come first; k moves up to the Altdorf card, r rejects it
        page.keyboard.press("k")
        assert "current" in page.locator("#post-2").get_attribute("class")
        page.locator("#post-2 input[name=note]").fill("unscharf")
        page.locator("#post-2").focus()
        with page.expect_navigation():
            page.keyboard.press("r")
        page.reload()
        assert page.locator("#post-2").count() == 0  # rejected posts leave the pending view
        page.goto(board + "/?view=rejected")
        assert page.locator("#post-2").get_attribute("data-state") == "rejected"

        # municipality override on the board, then the board restarts: all still there
        page.goto(board + "/")
        page.locator("#post-1 input[name=municipality]").fill("plochingen")
        with page.expect_navigation():
            page.locator("#post-1 .municipality-form button").click()
    finally:
        page.close()
    restarted = serve_in_thread(sessions, settings, registry, auth="none")
    try:
        html = urllib.request.urlopen(f"http://127.0.0.1:{restarted.server_address[1]}/").read().decode()
        assert "Plochingen" in html
    finally:
        restarted.shutdown()
        restarted.server_close()
    with sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "eva")).all()
        assert actions == ["transition", "transition", "set_municipality"]
