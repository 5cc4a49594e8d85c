"""„Vorschläge aus den Kommunen“ on the board (issue 31): every role that may view sees the calendars
(a refused one with its reason) and the suggestions with municipality, title, date, source, the
upstream diff and links; without sign-in nothing. In Chromium at 390 and 1280 px: German,
axe-clean, no sideways scrolling; screenshots /tmp/board-partners-*.png."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.server import serve_in_thread
from scheduler.partners.calendars.diff import text_hash, upstream_diff
from scheduler.partners.calendars.state import ACCEPTED, DRAFT, EDITED, CalendarImport, CalendarSource
from tests.scheduler.board_client import PASSWORD, Client, sign_in_page

PEOPLE = {"lea": "lesen", "rolf": "redaktion", "walter": "verwaltung"}
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=timezone.utc)
BEFORE = ("title: Ausbildungsmesse\nuid: kommune-1@so-ist-s.de\nstart: 2027-01-15 09:00\nend: 2027-01-15 16:00\n"
          "category: messe\nmunicipality: backnang\n\n")
LIGHTS = ("title: Lichterfest\nuid: kommune-2@so-ist-s.de\nstart: 2026-12-12 18:00\nend: 2026-12-12 22:00\n"
          "category: netzwerk\nmunicipality: backnang\n\n")


def seed(sessions) -> None:
    after = BEFORE.replace("end: 2027-01-15 16:00", "end: 2027-01-15 17:00")
    with sessions.begin() as session:
        for name, role in PEOPLE.items():
            editors.add_account(session, name, PASSWORD, role)
        session.add_all([
            CalendarSource(ags="08119008", url="https://www.backnang.example/veranstaltungen.ics", checked_utc=NOW,
                           ok=True, reason_code="", reason_de="", events_seen=14,
                           skipped_de="„Stadtführung“: keine Postanschrift (Straße, PLZ Ort) im Ort „Marktplatz“"),
            CalendarSource(ags="08119067", url="https://www.schorndorf.example/termine.xml", checked_utc=NOW, ok=False,
                           reason_code="xml_entities", events_seen=0, skipped_de="",
                           reason_de="XML mit DOCTYPE oder Entitäten abgelehnt (Schutz vor Entity-Bomben)")])
        rows = [("Ausbildungsmesse <b>2027</b>", "2027-01-15 09:00", EDITED, upstream_diff(BEFORE, after), False),
                ("Lichterfest", "2026-12-12 19:00", DRAFT, upstream_diff(LIGHTS, LIGHTS.replace("18:00", "19:00")), True),
                ("Weihnachtskonzert der Stadtkapelle", "2026-12-20", ACCEPTED, "", False)]
        for number, (title, start, state, diff, applied) in enumerate(rows, start=1):
            session.add(CalendarImport(
                key=f"k{number:015d}", ags="08119008", source_ags="08119008",
                source_url="https://www.backnang.example/veranstaltungen.ics",
                event_url=f"https://www.backnang.example/termine/{number}", upstream_uid=f"{number}@backnang.example",
                identity=f"{number:064d}", slug=f"{start[:10]}-termin-{number}", path=f"content/events/t{number}.md",
                title=title, start_text=start, how_found="Anschrift", upstream_text=after, written_hash=text_hash(after),
                state=state, diff=diff, diff_applied=applied, imported_utc=NOW - timedelta(days=1),
                changed_utc=NOW if diff else None, accepted_utc=NOW if state == ACCEPTED else None))


@pytest.fixture
def app(sessions, settings, registry, monkeypatch):
    monkeypatch.setenv("SOISTS_SITE_URL", "https://www.so-ist-s.example")
    seed(sessions)
    return ReviewApp(sessions, settings, registry)


def signed_in(app, name: str) -> Client:
    browser = Client(app)
    assert browser.sign_in(name, PASSWORD).status == 303
    return browser


def test_without_sign_in_nothing(app):
    answer = Client(app).get("/kommunen/termine")
    assert answer.status == 303 and answer.header("Location") == "/login"
    assert Client(app).post("/kommunen/termine", {}, csrf=False).status == 405


@pytest.mark.parametrize("name", PEOPLE)
def test_every_role_sees_the_suggestions(app, name):
    page = signed_in(app, name).get("/kommunen/termine")
    assert page.status == 200
    text = page.text
    assert "Vorschläge aus den Kommunen" in text and "Backnang (Rems-Murr-Kreis)" in text
    assert "Ausbildungsmesse &lt;b&gt;2027&lt;/b&gt;" in text  # calendar text is escaped
    assert "Fr., 15. Januar 2027, 09:00" in text
    assert "Grund:</strong> XML mit DOCTYPE oder Entitäten abgelehnt" in text
    assert '<span class="diff-del">-end: 2027-01-15 16:00</span>' in text
    assert '<span class="diff-add">+end: 2027-01-15 17:00</span>' in text
    assert "nicht überschrieben, weil die Redaktion ihn bearbeitet hat" in text
    assert "der unbearbeitete Entwurf wurde angepasst" in text
    assert 'href="https://www.so-ist-s.example/admin/#/collections/termine/entries/2027-01-15-termin-1"' in text
    assert "Weihnachtskonzert" not in text  # published: only under „alle“
    everything = signed_in(app, name).get("/kommunen/termine?alle=1").text
    assert "Weihnachtskonzert" in everything and 'href="https://www.so-ist-s.example/termine/2026-12-20-termin-3/"' in everything
    assert "So., 20. Dezember 2026 (ganztägig)" in everything


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_partner_page_in_chromium(sessions, settings, registry, chromium_browser, width, monkeypatch):
    from tests.scheduler.test_scheduler_review_german import VISIBLE_TEXT, english_words
    from tests.site.a11y import axe_context, run_axe

    monkeypatch.setenv("SOISTS_SITE_URL", "https://www.so-ist-s.example")
    seed(sessions)
    server = serve_in_thread(sessions, settings, registry)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    context = axe_context(chromium_browser, width)
    page = context.new_page()
    try:
        sign_in_page(page, base, "lea")
        page.goto(base + "/kommunen/termine")
        assert page.evaluate("document.documentElement.lang") == "de"
        page.screenshot(path=f"/tmp/board-partners-{width}.png", full_page=True)
        assert run_axe(page) == []
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert english_words(page.evaluate(VISIBLE_TEXT)) == []
        assert page.locator("li.suggestion").count() == 2 and page.locator("li.source.refused").count() == 1
    finally:
        context.close()
        server.shutdown()
        server.server_close()
