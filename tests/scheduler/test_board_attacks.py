"""Issue 15 part 6: the review board attacked the way a tester on this machine did it.

Framing from another port, racing editors, and hostile raw requests — each against the
board served on 127.0.0.1 (real sockets, real threads, real Chromium).
"""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from scheduler.collect.ingest import Collector
from scheduler.curate.review.server import serve_in_thread
from scheduler.store.models import AuditEvent, Post
from tests.scheduler.test_scheduler_store import collected

SECURITY = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def start_board(sessions, settings, registry, **options):
    server = serve_in_thread(sessions, settings, registry, editor="eva", **{"auth": "none", **options})
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def board(sessions, settings, registry):
    collector = Collector(sessions, settings, registry)
    for i in (1, 2):
        collector.store(collected(i, caption=f"Altstadt #esslingen {i}"))
    server, url = start_board(sessions, settings, registry, timeout=1.5)
    yield url
    server.shutdown()
    server.server_close()


class Browser:
    """One editor's browser: its own cookie jar, CSRF token and the page it last loaded."""

    def __init__(self, board: str):
        self.board = board
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.page = ""

    def load(self, path: str = "/") -> str:
        self.page = self.opener.open(self.board + path).read().decode()
        return self.page

    def form(self, post_id: int) -> dict[str, str]:
        """The hidden fields of a card's decision form, as rendered."""
        card = self.page.split(f'id="post-{post_id}"', 1)[1].split("</article>", 1)[0]
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', card.split('class="decide"')[1]
                               .split("</form>")[0]))

    def act(self, post_id: int, fields: dict[str, str]) -> str:
        """Post the action; returns the flash message of the page the redirect leads to."""
        data = urllib.parse.urlencode(fields).encode()
        page = self.opener.open(f"{self.board}/posts/{post_id}", data=data).read().decode()
        found = re.search(r'<div class="flash flash-(\w+)"[^>]*>\s*<p>([^<]*)</p>', page)
        return f"{found.group(1)}: {found.group(2)}" if found else ""


def raw(board: str, request: bytes, timeout: float = 8.0) -> tuple[float, bytes]:
    """Send bytes as they are; return (seconds until the answer, the whole answer)."""
    port = int(board.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return time.monotonic() - started, b"".join(chunks)


def head_and_body(answer: bytes) -> tuple[int, dict[str, str], str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return int(lines[0].split()[1]), headers, body.decode("utf-8", "replace")


# -- headers and framing -----------------------------------------------------------------------

def test_every_response_carries_the_security_headers(board):
    browser = Browser(board)
    browser.load()
    for path, method in (("/", "GET"), ("/static/board.js", "GET"), ("/gibt-es-nicht", "GET"),
                         ("/posts/1", "GET"), ("/posts/1", "POST")):
        request = urllib.request.Request(board + path, method=method, data=b"" if method == "POST" else None)
        try:
            response = browser.opener.open(request)
        except urllib.error.HTTPError as error:
            response = error
        headers = {k.lower(): v for k, v in response.headers.items()}
        for name, value in SECURITY.items():
            assert headers[name] == value, (path, name)
        csp = headers["content-security-policy"]
        for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "script-src 'self'"):
            assert directive in csp, (path, csp)
        assert "unsafe-inline" not in csp
    assert "<script>" not in browser.page and "<style>" not in browser.page and " style=" not in browser.page
    assert '<script src="/static/board.js" defer></script>' in browser.page


@pytest.mark.browser
def test_a_page_on_another_port_cannot_frame_the_board(board, chromium_browser, sessions, tmp_path):
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "index.html").write_text(
        f'<!doctype html><title>Gewinnspiel</title><iframe id="victim" src="{board}/" width="800" height="600">'
        f"</iframe><p>Klick hier!</p>", encoding="utf-8")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(attacker), **k)  # noqa: E731
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    page = chromium_browser.new_page()
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/index.html")
        page.wait_for_timeout(1500)
        frame = next(f for f in page.frames if f != page.main_frame)
        # Chromium replaces a refused frame by its error page: the board never rendered inside
        assert not frame.url.startswith(board), frame.url
        assert frame.locator("article[data-id]").count() == 0
        assert any("frame-ancestors" in text or "X-Frame-Options" in text or "refused" in text.lower()
                   for text in blocked), blocked
        with sessions() as session:
            assert session.get(Post, 1).state == "collected"
        # the board itself still works when opened directly
        page.goto(board + "/")
        assert page.locator("article[data-id]").count() == 2
    finally:
        page.close()
        evil.shutdown()
        evil.server_close()


# -- racing editors ---------------------------------------------------------------------------------

def test_a_stale_page_cannot_overwrite_a_newer_decision(board, sessions, registry):
    anna, ben = Browser(board), Browser(board)
    anna.load(), ben.load()
    seen_by_ben = ben.form(1)
    assert seen_by_ben["expected_state"] == "collected" and seen_by_ben["version"] == "0"
    assert anna.act(1, {**anna.form(1), "action": "approve"}).startswith("ok: Beitrag #1 ist jetzt „vorgemerkt“")
    answer = ben.act(1, {**seen_by_ben, "action": "reject", "note": "unscharf"})
    assert answer.startswith("error: Beitrag #1 wurde inzwischen geändert (jetzt „vorgemerkt“)"), answer
    # the same for a change that keeps the state (municipality), and for forms without the fields
    ben.load()
    fields = ben.form(1)
    assert anna.act(1, {**anna.form(1), "action": "municipality", "municipality": "esslingen-am-neckar"}
                    ).startswith("error")  # anna's page is stale too now
    anna.load()
    assert anna.act(1, {**anna.form(1), "action": "municipality", "municipality": "plochingen"}).startswith("ok")
    assert ben.act(1, {**fields, "action": "reject", "note": "doch nicht"}).startswith("error: Beitrag #1 wurde")
    assert ben.act(1, {"csrf": fields["csrf"], "action": "reject", "note": "x"}).startswith("error: Die Seite ist veraltet")
    with sessions() as session:
        post = session.get(Post, 1)
        assert post.state == "shortlisted" and post.municipality_ags == registry.get("plochingen").ags
        assert [e.to_state for e in post.events if e.action == "transition"] == ["shortlisted"]


@pytest.mark.both_databases
def test_eight_parallel_approves_one_succeeds(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    server, board = start_board(sessions, settings, registry)
    try:
        browsers = [Browser(board) for _ in range(8)]
        for browser in browsers:
            browser.load()
        start = threading.Barrier(len(browsers))
        answers: list[str] = []

        def approve(browser: Browser) -> None:
            fields = {**browser.form(1), "action": "approve"}
            start.wait()
            answers.append(browser.act(1, fields))

        threads = [threading.Thread(target=approve, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(answers) == 8, answers
        assert sum(a.startswith("ok:") for a in answers) == 1, answers
        assert sum("wurde inzwischen geändert" in a for a in answers) == 7, answers
        with sessions() as session:
            rows = session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.post_id == 1, AuditEvent.action == "transition", AuditEvent.to_state == "shortlisted"))
            assert rows == 1
            assert session.get(Post, 1).state == "shortlisted"
    finally:
        server.shutdown()
        server.server_close()


# -- hostile raw requests -------------------------------------------------------------------------

def _csrf_cookie(board: str) -> tuple[str, str, dict[str, str]]:
    """A browser session (cookie) with its CSRF token and post 1's hidden fields, via raw HTTP."""
    _, answer = raw(board, b"GET / HTTP/1.0\r\nHost: " + board.removeprefix("http://").encode() + b"\r\n\r\n")
    _, headers, body = head_and_body(answer)
    cookie = headers["set-cookie"].split(";")[0]
    browser = Browser(board)
    browser.page = body
    fields = browser.form(1)
    return cookie, fields["csrf"], fields


def post_raw(board: str, path: str, body: bytes, extra: bytes = b"", length: bytes | None = None,
             timeout: float = 8.0) -> tuple[float, int, dict[str, str], str]:
    host = board.removeprefix("http://").encode()
    length = str(len(body)).encode() if length is None else length
    request = (b"POST " + path.encode("latin-1") + b" HTTP/1.0\r\nHost: " + host +
               b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + length + b"\r\n" +
               extra + b"\r\n" + body)
    seconds, answer = raw(board, request, timeout)
    return (seconds, *head_and_body(answer))


def assert_german_4xx(status: int, headers: dict[str, str], body: str, code: int | None = None) -> None:
    assert 400 <= status < 500 and (code is None or status == code), status
    assert '<html lang="de">' in body and "Fehler" in body, body[:300]
    assert "Traceback" not in body and "File \"" not in body
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]


def test_crlf_in_the_post_path_never_reaches_a_header(board):
    cookie, csrf, fields = _csrf_cookie(board)
    body = urllib.parse.urlencode({**fields, "action": "approve"}).encode()
    for path in ("/posts/1%0d%0aSet-Cookie:%20pwned=1", "/posts/1%0aX-Injected:%201", "/thumbs/1%0d%0aX-Injected:1.jpg"):
        _, status, headers, page = post_raw(board, path, body, b"Cookie: " + cookie.encode() + b"\r\n")
        assert "x-injected" not in headers and "pwned" not in headers.get("set-cookie", ""), headers
        assert_german_4xx(status, headers, page)


@pytest.mark.parametrize("length, code", [(b"viel", 400), (b"-1", 400), (b"\xef\xbc\x91\xef\xbc\x92", 400),
                                          (b"99999999999999999999", 413), (b"20000", 413)])
def test_bad_content_length_is_refused_at_once(board, length, code):
    cookie, csrf, fields = _csrf_cookie(board)
    seconds, status, headers, page = post_raw(board, "/posts/1", b"action=approve", b"Cookie: " + cookie.encode()
                                              + b"\r\n", length=length)
    assert_german_4xx(status, headers, page, code)
    assert seconds < 1.0  # no thread waits for a body


def test_a_body_that_never_comes_frees_the_thread_after_the_timeout(board):
    cookie, csrf, _ = _csrf_cookie(board)
    seconds, status, headers, page = post_raw(board, "/posts/1", b"csrf=" + csrf.encode(),
                                              b"Cookie: " + cookie.encode() + b"\r\n", length=b"500")
    assert 1.0 < seconds < 5.0  # the board's socket timeout in this test is 1.5 s
    assert_german_4xx(status, headers, page, 408)


@pytest.mark.parametrize("path", ["/posts/99999999999999999999999", "/posts/١٢", "/posts/0", "/posts/1.5",
                                  "/thumbs/99999999999999999.jpg", "/posts/" + "9" * 5000])
def test_overlong_or_odd_ids_are_404_not_500(board, path):
    cookie, csrf, fields = _csrf_cookie(board)
    body = urllib.parse.urlencode({**fields, "action": "approve"}).encode()
    _, status, headers, page = post_raw(board, urllib.parse.quote(path), body, b"Cookie: " + cookie.encode() + b"\r\n")
    assert_german_4xx(status, headers, page)


def test_non_ascii_form_values(board, sessions):
    cookie, csrf, fields = _csrf_cookie(board)
    extra = b"Cookie: " + cookie.encode() + b"\r\n"
    # a non-ASCII CSRF token once crashed compare_digest (TypeError → 500)
    for token in ("ä" * 10, "\u202e" + csrf[1:]):
        body = urllib.parse.urlencode({**fields, "csrf": token, "action": "approve"}).encode()
        _, status, headers, page = post_raw(board, "/posts/1", body, extra)
        assert_german_4xx(status, headers, page, 403)
    # raw (not percent-encoded) bytes and broken UTF-8 are refused, not decoded with a traceback
    for body in ("note=Grüße&action=approve".encode("latin-1"), b"note=%ff%fe&action=approve&csrf=" + csrf.encode()):
        _, status, headers, page = post_raw(board, "/posts/1", body, extra)
        assert_german_4xx(status, headers, page, 400)
    # proper UTF-8 (German reasons, emoji) works
    body = urllib.parse.urlencode({**fields, "action": "reject", "note": "Gesicht erkennbar – Schlüsselübergabe 📷"})
    _, status, headers, _ = post_raw(board, "/posts/1", body.encode(), extra)
    assert status == 303 and headers["location"].startswith("/?view=pending#post-1")
    with sessions() as session:
        assert session.get(Post, 1).events[-1].reason == "Gesicht erkennbar – Schlüsselübergabe 📷"


@pytest.mark.parametrize("request_line", [b"GET /" + b"a" * 70_000 + b" HTTP/1.0", b"GET / HTTP/9\r\nX: \x00",
                                          b"\x16\x03\x01\x02\x00\x01\x00"])
def test_requests_refused_before_the_app_are_german_with_headers_too(board, request_line):
    _, answer = raw(board, request_line + b"\r\n\r\n")
    status, headers, body = head_and_body(answer)
    assert 400 <= status < 500
    assert '<html lang="de">' in body and "Fehler" in body and "aaaa" not in body
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]
