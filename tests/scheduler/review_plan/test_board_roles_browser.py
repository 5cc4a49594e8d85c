"""Issue 27 in headless Chromium: each role signs in on the sign-in page and finds exactly the buttons
it may use (board, Redaktionsplan, a failed feature, the admin link); posting a forbidden action
directly with the page's own token is refused with the German 403 page. Screenshots of the sign-in
page, the admin page and the audit view at 390 and 1280 px go to /tmp/board-*.png."""

from __future__ import annotations

import re

import pytest

from scheduler.collect.ingest import Collector
from scheduler.curate import editors
from scheduler.curate.review import roles
from scheduler.curate.review.server import serve_in_thread
from tests.scheduler.board_client import PASSWORD, sign_in_page
from tests.scheduler.review_plan.plan_seed import seed_plan_world
from tests.scheduler.test_scheduler_review_german import VISIBLE_TEXT, english_words
from tests.scheduler.test_scheduler_store import collected
from tests.site.a11y import axe_context, run_axe

pytestmark = pytest.mark.browser
PEOPLE = {"lea": "lesen", "rolf": "redaktion", "vera": "veroeffentlichen", "walter": "verwaltung"}
BUTTONS = {  # what a person sees → the permission it needs (roles.py)
    ("/", "form.decide button[name=action]"): "decide",
    ("/", "form.municipality-form button"): "decide",
    ("/", "nav a[href='/admin']"): "accounts",
    ("/plan", "button.skip"): "plan",
    ("/plan", "button.pick"): "plan",
    ("/plan", "button.replan"): "plan",
    ("/plan", "button.publish"): "publish",
    ("feature", ".retry-button"): "publish",
}


@pytest.fixture
def board(monkeypatch, tmp_path, sessions, settings, registry):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    Collector(sessions, settings, registry).store(collected(90, caption="Marktplatz #esslingen"))
    with sessions.begin() as session:
        for name, role in PEOPLE.items():
            editors.add_account(session, name, PASSWORD, role)
    server = serve_in_thread(sessions, settings, registry)  # accounts
    server.get_app().plan.publisher_factory = lambda: world.publisher
    yield f"http://127.0.0.1:{server.server_address[1]}", world
    server.shutdown()
    server.server_close()
    world.fake.stop()


def test_each_role_finds_exactly_its_buttons_and_is_refused_the_rest(board, chromium_browser):
    base, world = board
    for name, role in PEOPLE.items():
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            sign_in_page(page, base, name)
            assert page.locator(".editor").inner_text().startswith(f"{roles.LABELS[role]}: {name}")
            seen = {}
            for (where, selector), permission in BUTTONS.items():
                page.goto(base + (f"/plan/features/{world.failed_key}" if where == "feature" else where))
                seen[(where, selector)] = page.locator(selector).count()
                assert (seen[(where, selector)] > 0) == roles.allowed(role, permission), (name, where, selector, seen)
            page.goto(base + "/plan")
            token = page.locator("input[name=csrf]").first.get_attribute("value")
            forbidden = [action for action, permission in (("skip", "plan"), ("publish", "publish"))
                         if not roles.allowed(role, permission)]
            for action in forbidden:  # the page's own token, a well-formed action: the role decides
                answer = page.request.post(base + "/plan/actions", form={
                    "csrf": token, "action": action, "revision": "0", "slot": "2026-12-08T17:00:00+00:00"},
                    max_redirects=0)
                assert answer.status == 403 and "Nicht erlaubt" in answer.text(), (name, action)
            if not roles.allowed(role, "decide"):
                answer = page.request.post(base + "/posts/1", form={"csrf": token, "action": "reopen",
                                                                    "expected_state": "granted", "version": "0"},
                                           max_redirects=0)
                assert answer.status == 403
            admin = page.goto(base + "/admin")
            assert admin.status == (200 if role == "verwaltung" else 403)
            if admin.status == 403:
                assert page.locator("h1").inner_text() == "Nicht erlaubt"
        finally:
            context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_sign_in_admin_and_audit_pages_are_german_axe_clean_and_fit(board, chromium_browser, width):
    base, _ = board
    context = axe_context(chromium_browser, width)
    page = context.new_page()
    try:
        page.goto(base + "/login")
        page.screenshot(path=f"/tmp/board-login-{width}.png", full_page=True)
        assert run_axe(page) == [] and english_words(page.evaluate(VISIBLE_TEXT)) == []
        sign_in_page(page, base, "walter")
        page.goto(base + "/")
        card = page.locator("article[data-state=collected]").first
        with page.expect_navigation():  # one decision, so the audit view has walter in it
            card.locator("button[data-action=approve]").click()
        for path, shot in (("/admin", "admin"), ("/audit", "audit"), ("/account/totp", "totp")):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.lang") == "de"
            page.screenshot(path=f"/tmp/board-{shot}-{width}.png", full_page=True)
            assert run_axe(page) == [], path
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path
            assert english_words(page.evaluate(VISIBLE_TEXT)) == [], path
        page.goto(base + "/audit")
        assert re.search(r"walter\s+Statuswechsel", page.locator("table.audit").inner_text())
    finally:
        context.close()
