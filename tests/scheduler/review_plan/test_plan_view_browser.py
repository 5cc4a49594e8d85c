"""The Redaktionsplan in headless Chromium: move by drag and drop and by keyboard, skip a slot,
edit a caption, retry a failed step against the Graph API fake — after each action the store and
`python -m scheduler plan` say what the board shows. German, axe-clean, usable at 390 and 1280 px;
screenshots go to /tmp/plan-*.png."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from scheduler.curate.review.server import serve_in_thread
from scheduler.plan.plan_state import CaptionOverride
from scheduler.publish.state import STEPS, FeaturePublication
from scheduler.store.models import AuditEvent, Post
from tests.scheduler.review_plan.plan_checks import cli_label, cli_plan, store_plan
from tests.scheduler.review_plan.plan_seed import seed_plan_world
from tests.scheduler.test_scheduler_review_german import VISIBLE_TEXT, english_words
from tests.site.a11y import axe_context, run_axe

pytestmark = pytest.mark.browser


@pytest.fixture
def board(monkeypatch, tmp_path, sessions, settings, registry):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    server = serve_in_thread(sessions, settings, registry, editor="eva", auth="none")
    server.get_app().plan.publisher_factory = lambda: world.publisher
    yield f"http://127.0.0.1:{server.server_address[1]}", world
    server.shutdown()
    server.server_close()
    world.fake.stop()


def shown_plan(page) -> dict[str, str]:
    """What the board shows: Berlin label (CLI format) → post uid or "—", for every upcoming slot."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('li.slot[data-target]')].map(li => {
        const t = new Date(li.dataset.slot);
        const parts = new Intl.DateTimeFormat('en-GB', {timeZone: 'Europe/Berlin', weekday: 'short', year: 'numeric',
          month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false}).formatToParts(t);
        const p = Object.fromEntries(parts.map(x => [x.type, x.value]));
        return [`${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`, li.dataset.expected || '—'];
    }))""")


def agree(page, sessions, registry, settings, capsys) -> dict[str, str]:
    """Board, store and CLI name the same post for every slot the board shows as changeable."""
    board = shown_plan(page)
    with sessions() as session:
        store = store_plan(session, registry, settings, datetime.now(timezone.utc))
        cli = cli_plan(settings, capsys, session)
    for label, uid in board.items():
        if label in store:
            assert store[label] == uid, label
        if label in cli:
            assert cli[label] == uid, label
    return board


def slot_ids(page) -> list[str]:
    return page.locator("li.slot[data-movable]").evaluate_all("items => items.map(li => li.id)")


def test_move_by_drag_and_by_keyboard_and_skip(board, chromium_browser, sessions, registry, settings, capsys):
    base, _ = board
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + "/plan")
        a, b, c, d, e = slot_ids(page)[:5]
        uid = {i: page.locator(f"#{i}").get_attribute("data-expected") for i in (a, b, c, d, e)}
        agree(page, sessions, registry, settings, capsys)

        with page.expect_navigation():  # drag and drop: a onto b swaps them
            page.drag_and_drop(f"#{a} .slot-head", f"#{b} .slot-head")
        assert "getauscht" in page.locator("#flash").inner_text()
        assert page.locator(f"#{b}").get_attribute("data-expected") == uid[a]
        assert page.locator(f"#{a}").get_attribute("data-expected") == uid[b]
        agree(page, sessions, registry, settings, capsys)

        page.locator(f"#{c} button.pick").focus()  # keyboard: "Verschieben" on c, "Hierher" on d
        page.keyboard.press("Enter")
        expect(page.locator("#plan-live")).to_contain_text("ausgewählt")  # polls without eval (the board's CSP)
        assert page.locator(f"#{c} button.pick").get_attribute("aria-pressed") == "true"
        page.keyboard.press("Escape")
        assert page.locator(f"#{d} button.drop").is_hidden()
        page.locator(f"#{c} button.pick").focus()
        page.keyboard.press("Enter")
        page.locator(f"#{d} button.drop").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator(f"#{d}").get_attribute("data-expected") == uid[c]
        agree(page, sessions, registry, settings, capsys)

        with page.expect_navigation():  # skip a slot
            page.locator(f"#{e} button.skip").click()
        assert "kind-skipped" in page.locator(f"#{e}").get_attribute("class")
        assert page.locator(f"#{e}").get_attribute("data-expected") == ""
        board_now = agree(page, sessions, registry, settings, capsys)
        assert uid[e] not in [board_now[k] for k in board_now if k < min(board_now)] and "—" in board_now.values()
        with sessions() as session:  # who moved what is in the audit trail
            moves = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_move")).all()
            assert {m.actor for m in moves} == {"eva"} and len(moves) == 4
        assert english_words(page.evaluate(VISIBLE_TEXT)) == []
    finally:
        page.close()


def test_hold_and_plan_again(board, chromium_browser, sessions, registry, settings, capsys):
    base, _ = board
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + "/plan")
        stale = chromium_browser.new_page(viewport={"width": 1280, "height": 900})  # a second tab, opened now
        stale.goto(base + "/plan")
        first, second = slot_ids(page)[:2]
        uid = page.locator(f"#{first}").get_attribute("data-expected")
        with page.expect_navigation():
            page.locator(f"#{first} button.hold").click()
        with stale.expect_navigation():  # its page shows the plan before the hold: refused, nothing changes
            stale.locator(f"#{second} button.skip").click()
        assert stale.locator("#flash p").inner_text().startswith("Der Plan wurde inzwischen geändert")
        assert "kind-skipped" not in stale.locator(f"#{second}").get_attribute("class")
        stale.close()
        assert uid not in agree(page, sessions, registry, settings, capsys).values()
        with sessions() as session:
            post_id = session.scalar(select(Post.id).where(Post.uid == uid))
        assert "zurückgehalten von eva" in page.locator(f"#held-{post_id}").inner_text()
        with page.expect_navigation():
            page.locator(f"#held-{post_id} button").click()
        assert page.locator("#flash p").inner_text() == "Zurückhalten aufgehoben."
        assert uid in agree(page, sessions, registry, settings, capsys).values()
        assert english_words(page.evaluate(VISIBLE_TEXT)) == []
    finally:
        page.close()


def test_move_by_keyboard_in_the_month_view(board, chromium_browser, sessions, registry, settings, capsys):
    base, _ = board
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + "/plan?view=month")
        if len(slot_ids(page)) < 2:  # late in the month: the next month has the slots
            page.goto(base + page.locator(".steps a").last.get_attribute("href"))
        a, b = slot_ids(page)[:2]
        for i in (a, b):  # each entry sits in the cell of its Berlin day
            assert page.locator(f"#{i}").evaluate("""li => li.closest('td').dataset.day === new Intl.DateTimeFormat(
                'en-CA', {timeZone: 'Europe/Berlin'}).format(new Date(li.dataset.slot))""")
        uid = {i: page.locator(f"#{i}").get_attribute("data-expected") for i in (a, b)}
        agree(page, sessions, registry, settings, capsys)
        page.locator(f"#{a} button.pick").focus()  # "Verschieben" on a, Esc, again, "Hierher" on b
        page.keyboard.press("Enter")
        expect(page.locator("#plan-live")).to_contain_text("ausgewählt")  # (no wait_for_function: the CSP)
        assert page.locator(f"#{a} button.pick").get_attribute("aria-pressed") == "true"
        assert page.locator(f"#{b} button.drop").is_visible()
        page.keyboard.press("Escape")
        assert page.locator(f"#{b} button.drop").is_hidden()
        page.locator(f"#{a} button.pick").focus()
        page.keyboard.press("Enter")
        page.locator(f"#{b} button.drop").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "view=month" in page.url and "getauscht" in page.locator("#flash").inner_text()
        assert page.locator(f"#{b}").get_attribute("data-expected") == uid[a]
        assert page.locator(f"#{a}").get_attribute("data-expected") == uid[b]
        agree(page, sessions, registry, settings, capsys)
        with sessions() as session:  # the store has the swap
            store = store_plan(session, registry, settings, datetime.now(timezone.utc))
        label = {i: cli_label(datetime.fromisoformat(page.locator(f"#{i}").get_attribute("data-slot"))) for i in (a, b)}
        assert store[label[b]] == uid[a] and store[label[a]] == uid[b]
        with sessions() as session:
            moves = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_move")).all()
            assert [m.actor for m in moves] == ["eva", "eva"]
    finally:
        page.close()


def test_pin_a_post_to_a_slot(board, chromium_browser, sessions, registry, settings, capsys):
    base, _ = board
    page = chromium_browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(base + "/plan")
        last = slot_ids(page)[-1]
        late = page.locator(f"#{last}").get_attribute("data-expected")
        with sessions() as session:
            post_id = session.scalar(select(Post.id).where(Post.uid == late))
        page.goto(f"{base}/plan/posts/{post_id}")
        target = page.locator("#pin-slot option").first.get_attribute("value")
        assert target == page.evaluate("v => v", page.locator("#pin-slot").input_value())
        with page.expect_navigation():
            page.locator(".pin-form button").click()
        assert page.locator("#flash p").inner_text().startswith(f"Beitrag #{post_id} ist fest")
        slot = page.locator(f'li.slot[data-slot="{target}"]')
        assert slot.get_attribute("data-expected") == late
        # pinned — or already queued, when the slot is within the next 48 hours (the plan job's rule)
        assert {"kind-pinned", "kind-queued"} & set(slot.get_attribute("class").split())
        assert list(agree(page, sessions, registry, settings, capsys).values()).count(late) == 1
        with sessions() as session:
            assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "plan_pin")) == "eva"
    finally:
        page.close()


def test_caption_edit_and_retry_of_a_failed_step(board, chromium_browser, sessions):
    base, world = board
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        with sessions() as session:
            post = session.scalar(select(Post).where(Post.uid == world.uids[0]))
        page.goto(f"{base}/plan/posts/{post.id}")
        page.locator("#caption-text").fill("Frühnebel über den Weinbergen, @wirzeigenS")
        with page.expect_navigation():
            page.locator(".caption-form button").click()
        assert "gespeichert" in page.locator("#flash").inner_text()
        caption = page.locator("pre.caption-text").inner_text()
        assert caption.startswith("Frühnebel über den Weinbergen, @wirzeigenS\n\n📍 Kirchberg an der Murr")
        assert "Erwähnungen 2/20" in page.locator(".figures").inner_text()
        with sessions() as session:
            assert session.scalar(select(CaptionOverride.text)) == "Frühnebel über den Weinbergen, @wirzeigenS"
            assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "caption_edit")) == "eva"

        page.goto(f"{base}/plan/features/{world.failed_key}")
        assert page.locator('[data-step="instagram"] .step-state').inner_text() == "fehlgeschlagen"
        assert "Fehlercode 190" in page.locator('[data-step="instagram"] .step-error').inner_text()
        page.screenshot(path="/tmp/plan-failed-step-1280.png", full_page=True)
        assert english_words(page.evaluate(VISIBLE_TEXT)) == []  # (removes people's words from the page)
        before = len(world.fake.published()["instagram"])
        with page.expect_navigation():
            page.locator(".retry-button").click()
        assert page.locator("#flash p").inner_text().endswith("ist veröffentlicht.")
        states = page.locator(".pipeline .step-state").all_inner_texts()
        assert states == ["erledigt"] * len(STEPS)  # the Mastodon step too: done at once when not configured
        assert page.locator(".links a").all_inner_texts() == ["Website", "Instagram", "Facebook"]
        assert page.locator(".links a", has_text="Instagram").get_attribute("href").startswith("https://www.instagram.com/p/")
        assert len(world.fake.published()["instagram"]) == before + 1  # one post, not two
        with sessions() as session:
            feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == world.failed_key))
            assert feature.status == "done"
        page.screenshot(path="/tmp/plan-feature-steps-1280.png", full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_german_axe_clean_and_fits_the_screen(board, chromium_browser, sessions, width):
    base, world = board
    context = axe_context(chromium_browser, width)
    page = context.new_page()
    try:
        with sessions() as session:
            planned_id = session.scalar(select(Post.id).where(Post.uid == world.uids[-1]))
        pages = {"week": "/plan", "month": "/plan?view=month", "feature": f"/plan/features/{world.failed_key}",
                 "post": f"/plan/posts/{planned_id}"}
        for name, path in pages.items():
            page.goto(base + path)
            assert page.evaluate("document.documentElement.lang") == "de"
            assert english_words(page.evaluate(VISIBLE_TEXT)) == [], name
            page.goto(base + path)  # VISIBLE_TEXT removed the people's words; axe checks the whole page
            assert run_axe(page) == [], name
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width, name
            if name in ("week", "month"):
                page.screenshot(path=f"/tmp/plan-{'monthgrid' if name == 'month' else name}-{width}.png",
                                full_page=True)
            if name == "month":  # a calendar: 7 weekday columns on a wide screen, a list of days on a phone
                assert page.locator(".calendar thead th.weekday").count() == 7
                shown = page.locator(".calendar thead").is_visible()
                assert shown == (width == 1280)
        page.goto(base + "/plan")
        link = page.locator(".cov-waiting summary")
        link.click()
        with page.expect_navigation():  # one click filters the incoming posts to a municipality
            page.locator(".cov-waiting .names a", has_text="Kirchberg an der Murr").click()
        assert "Nur Beiträge aus Kirchberg an der Murr" in page.locator(".filter").inner_text()
        assert page.locator("article[data-id]").count() == 1
    finally:
        context.close()
