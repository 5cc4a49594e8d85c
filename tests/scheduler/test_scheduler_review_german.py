"""The review board speaks German: every view, message and error page, with the shortcuts working."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest

from scheduler.curate.labels import STATE_LABELS, default_reason, state_label, state_list
from scheduler.curate.review import present
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.curate.review.server import serve_in_thread
from scheduler.store.models import State
from tests.scheduler.board_seed import REVIEW_REASON, seed_every_state

# English UI words that must not be left on the board (whole words, any case).
ENGLISH = ("approve", "approved", "reject", "rejected", "rights", "request", "requested", "granted", "declined",
           "expired", "pending", "all", "reason", "evidence", "municipality", "submit", "save", "next", "previous",
           "state", "no posts", "post", "posts", "error", "forbidden", "not found", "needs review", "review",
           "collected", "shortlisted", "reopen", "consent", "caption", "author", "unknown", "view", "views",
           "keyboard", "shortcuts", "editor", "board", "close", "back", "home", "method", "not allowed",
           "bad request", "misdirected", "candidates", "suggestion", "image", "too small", "blocked", "keyword",
           "duplicate", "blocklist", "location", "taken", "credit", "requested by", "answered", "no answer",
           "the", "and", "from", "with", "of", "is", "by", "to", "on", "yes", "none")
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)

# Visible text minus what people wrote (captions, handles, places, evidence), plus what tools read aloud.
VISIBLE_TEXT = """() => {
  document.querySelectorAll("[data-user-content]").forEach(e => e.remove());
  const names = ["alt", "title", "aria-label", "placeholder"];
  const attrs = [...document.querySelectorAll(names.map(n => `[${n}]`).join(","))]
    .flatMap(e => names.map(n => e.getAttribute(n) || ""));
  return [document.title, document.body.innerText, ...attrs].join("\\n");
}"""


def english_words(text: str) -> list[str]:
    return sorted({m.group(0) for m in ENGLISH_RE.finditer(text)})


def test_the_english_check_finds_english():
    assert english_words("Rights granted · No posts in this view. Kommune: Allmersbach, Status") == [
        "No posts", "Rights", "granted", "view"]


@pytest.fixture
def empty_board(sessions, settings, registry):
    server = serve_in_thread(sessions, settings, registry, editor="eva", auth="none")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_label_per_state_and_german_defaults():
    assert set(STATE_LABELS) == {s.value for s in State}
    assert state_label("shortlisted") == "vorgemerkt" and state_label("rights_requested") == "Rechte angefragt"
    assert state_list({"rejected", "collected"}) == "gesammelt, abgelehnt"
    assert default_reason("shortlisted") == "freigegeben" and default_reason("rejected") == ""
    assert {a.key for a in present.ACTIONS} == {"a", "r", "q", "g", "d", "o"}


def test_german_dates_in_berlin_time():
    """docs/STYLEGUIDE.md: a time always with „Uhr“, a no-break space before it."""
    assert present.german_datetime(datetime(2026, 11, 23, 17, tzinfo=timezone.utc)) == "Mo., 23. November 2026, 18:00\u00a0Uhr"
    assert present.german_datetime(datetime(2026, 7, 5, 16, 30, tzinfo=timezone.utc)) == "So., 5. Juli 2026, 18:30\u00a0Uhr"


def _call(app: ReviewApp, method: str, path: str, body: bytes = b"", **environ) -> tuple[str, dict, str]:
    seen = {}
    chunks = app({"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "127.0.0.1:1", "wsgi.input": io.BytesIO(body),
                  "CONTENT_LENGTH": str(len(body)), **environ},
                 lambda status, headers: seen.update(status=status, headers=dict(headers)))
    return seen["status"], seen["headers"], b"".join(chunks).decode()


@pytest.mark.parametrize("method, path, environ, code, title", [
    ("GET", "/gibt-es-nicht", {}, 404, "Seite nicht gefunden"),
    ("GET", "/posts/1", {}, 405, "Methode nicht erlaubt"),
    ("POST", "/", {}, 405, "Methode nicht erlaubt"),
    ("POST", "/posts/1", {}, 403, "Zugriff verweigert"),
    ("POST", "/posts/1", {"CONTENT_LENGTH": "viel"}, 400, "Ungültige Anfrage"),
    ("POST", "/posts/abc", {}, 404, "Seite nicht gefunden"),
    ("GET", "/thumbs/99.jpg", {}, 404, "Seite nicht gefunden"),
    ("GET", "/", {"HTTP_HOST": "evil.example"}, 421, "Unbekannte Adresse"),
])
def test_error_pages_are_german_html(sessions, settings, registry, method, path, environ, code, title):
    app = ReviewApp(sessions, settings, registry, auth=AuthConfig("none"))
    app.allowed_hosts = {"127.0.0.1:1"}
    status, headers, body = _call(app, method, path, **environ)
    assert status.startswith(str(code)) and headers["Content-Type"].startswith("text/html")
    assert '<html lang="de">' in body and f"<title>Fehler {code}: {title}" in body and "Zur Übersicht" in body
    if code == 405:
        assert headers["Allow"] in ("GET", "POST")


def _visible(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


@pytest.mark.browser
def test_every_view_and_message_is_german(empty_board, chromium_browser, sessions, settings, registry):
    board = empty_board
    page = chromium_browser.new_page()
    try:
        page.goto(board + "/?view=granted")
        assert "Keine Beiträge in dieser Ansicht." in _visible(page)
        assert english_words(_visible(page)) == []

        ids = seed_every_state(sessions, settings, registry)
        texts = {}
        for view in ("pending", "granted", "rejected", "all"):
            page.goto(f"{board}/?view={view}")
            assert page.evaluate("document.documentElement.lang") == "de"
            texts[view] = _visible(page)
            assert english_words(texts[view]) == [], view
        page.goto(board + "/?view=all")
        for state, label in STATE_LABELS.items():
            states = page.locator(f'article[data-state="{state}"] .state')
            assert states.count() >= 1 and states.first.inner_text() == label
        # detection's short note, shown as a whole sentence (present.review_sentences)
        assert REVIEW_REASON.startswith("mehrdeutig: ")
        assert REVIEW_REASON.removeprefix("mehrdeutig: ") + "." in page.locator(f"#post-{ids['collected/review']}").inner_text()
        assert "gesperrtes Stichwort „werbung“" in page.locator(f"#post-{ids['rejected/rules']}").inner_text()
        assert "keine Antwort innerhalb von 14 Tagen" in page.locator(f"#post-{ids['expired']}").inner_text()
        assert "Mo., 2. November 2026, 02:00" in page.locator("#post-1").inner_text()
        assert page.title().startswith("Alle (9)")

        # messages: a state change the workflow refuses (CurationError), a rejection without reason
        page.goto(board + "/?view=granted")
        granted = page.locator(f"#post-{ids['granted']}")
        granted.locator('button[data-action="reject"]').evaluate("b => b.value = 'approve'")
        with page.expect_navigation():
            granted.locator('button[data-action="reject"]').click()
        assert "hat den Status „Rechte erteilt“" in page.locator("#flash").inner_text()
        assert english_words(_visible(page)) == []
        page.goto(board + "/")
        with page.expect_navigation():
            page.locator('#post-1 button[data-action="reject"]').click()
        assert page.locator("#flash").inner_text().startswith("Eine Ablehnung braucht einen Grund.")
        page.locator("#post-1 input[name=municipality]").fill("Altdorf")
        with page.expect_navigation():
            page.locator("#post-1 .municipality-form button").click()
        assert "„Altdorf“ ist mehrdeutig" in page.locator("#flash").inner_text()
        assert english_words(_visible(page)) == []

        # error pages: a POST with a wrong CSRF token, an unknown path
        page.goto(board + "/")
        page.locator("#post-1 input[name=csrf]").first.evaluate("i => i.value = 'falsch'")
        with page.expect_navigation():
            page.locator('#post-1 button[data-action="approve"]').click()
        assert "Zugriff verweigert" in _visible(page)
        assert english_words(_visible(page)) == []
        response = page.goto(board + "/gibt-es-nicht")
        assert response.status == 404 and "Seite nicht gefunden" in _visible(page)
        assert page.title() == "Fehler 404: Seite nicht gefunden – So ist S Prüfung"
        assert english_words(_visible(page)) == []
    finally:
        page.close()


@pytest.mark.browser
def test_keyboard_shortcuts_are_labelled_and_work(empty_board, chromium_browser, sessions, settings, registry):
    seed_every_state(sessions, settings, registry)
    page = chromium_browser.new_page()
    try:
        page.goto(empty_board + "/")
        legend = page.locator("#shortcuts").inner_text()
        assert "Tastenkürzel:" in legend and "j/k nächster/vorheriger Beitrag" in legend and "a freigeben" in legend
        assert page.locator('#post-1 button[data-action="approve"]').get_attribute("aria-keyshortcuts") == "a"
        order = page.locator("article[data-id]").evaluate_all("cards => cards.map(c => c.dataset.id)")
        assert order[0] == "2"  # the card that needs a municipality check comes first
        for _ in range(order.index("1")):
            page.keyboard.press("j")
        assert "current" in page.locator("#post-1").get_attribute("class")
        with page.expect_navigation():
            page.keyboard.press("a")
        card = page.locator("#post-1")
        assert card.get_attribute("data-state") == "shortlisted" and card.locator(".state").inner_text() == "vorgemerkt"
        assert page.locator("#flash").inner_text().startswith("Beitrag #1 ist jetzt „vorgemerkt“.")
        assert "current" in card.get_attribute("class")  # the board comes back to the same card
        page.keyboard.press("Escape")
        assert page.locator("#flash").count() == 0
        page.keyboard.press("m")
        assert page.evaluate("document.activeElement.name") == "municipality"
    finally:
        page.close()
