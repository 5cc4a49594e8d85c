"""Issue 15 part 6, "who did it": every board action is recorded under the person's name.

Accounts (argon2 hashes, `editors add/list/remove`, a German login page, a rotated HttpOnly
SameSite=Strict cookie, logout, rate limiting) and the reverse proxy's header.
"""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select

from scheduler.cli import main as cli
from scheduler.collect.ingest import Collector
from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.curate.review.server import serve_in_thread
from scheduler.curate.review.throttle import PER_ACCOUNT as MAX_FAILURES_PER_NAME
from scheduler.store.models import EditorAccount, Post
from tests.scheduler.board_client import PASSWORD
from tests.scheduler.test_scheduler_store import collected

SECRET = "nginx-und-board-teilen-dieses-geheimnis-2026"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, board: str):
        self.board, self.jar = board, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, path: str, headers: dict | None = None):
        try:
            return self.opener.open(urllib.request.Request(self.board + path, headers=headers or {}))
        except urllib.error.HTTPError as answer:
            return answer

    def post(self, path: str, fields: dict, headers: dict | None = None):
        request = urllib.request.Request(self.board + path, data=urllib.parse.urlencode(fields).encode(),
                                         headers=headers or {})
        try:
            return self.opener.open(request)
        except urllib.error.HTTPError as answer:
            return answer

    def token(self, page: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def sign_in(self, name: str, password: str):
        page = self.get("/login").read().decode()
        return self.post("/login", {"csrf": self.token(page), "name": name, "password": password})

    def cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == "soists_review")


@pytest.fixture
def accounts_board(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    with sessions.begin() as session:
        editors.add_account(session, "eva", PASSWORD)
        editors.add_account(session, "ben", PASSWORD + "!")
    server = serve_in_thread(sessions, settings, registry)  # the default mode: accounts
    server.get_app().throttle.backoff_base = 0.0  # the limit, not the growing wait (test_board_throttle.py)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_accounts_login_records_the_person_and_logout_ends_the_session(accounts_board, sessions):
    browser = Browser(accounts_board)
    first = browser.get("/")
    assert first.status == 303 and first.headers["Location"] == "/login"
    login = browser.get("/login")
    page = login.read().decode()
    assert "<h1>Anmelden</h1>" in page and 'autocomplete="current-password"' in page and '<html lang="de">' in page
    assert browser.post("/posts/1", {"action": "approve"}).status == 401  # no action without a person
    assert not [c for c in browser.jar if c.name == "soists_review"]  # no session before sign-in (issue 27)
    wrong = browser.sign_in("eva", "falsch-falsch-falsch")
    assert wrong.status == 200 and "Name, Passwort oder Code ist falsch." in wrong.read().decode()
    signed_in = browser.sign_in("eva", PASSWORD)
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert browser.cookie()  # made at sign-in, never before (no fixation)
    board = browser.get("/").read().decode()
    assert 'Verwaltung: <strong class="user">eva</strong>' in board and "Abmelden" in board  # the first account
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', board.split('class="decide"')[1]
                             .split("</form>")[0]))
    assert browser.post("/posts/1", {**fields, "action": "approve"}).status == 303
    with sessions() as session:
        assert session.get(Post, 1).events[-1].actor == "eva"
        assert session.scalar(select(EditorAccount.last_login_utc).where(EditorAccount.name == "eva")) is not None
    stolen = browser.cookie()
    out = browser.post("/logout", {"csrf": browser.token(board)})
    assert out.status == 303 and out.headers["Location"] == "/login" and "Max-Age=0" in out.headers["Set-Cookie"]
    replay = Browser(accounts_board)  # the old cookie is worth nothing after logout
    assert replay.get("/", {"Cookie": f"soists_review={stolen}"}).status == 303


def test_login_is_rate_limited_per_name(accounts_board):
    browser = Browser(accounts_board)
    for _ in range(MAX_FAILURES_PER_NAME):
        assert browser.sign_in("eva", "geraten-geraten").status == 200
    blocked = browser.sign_in("eva", PASSWORD)  # even the right password, while locked
    assert blocked.status == 429 and "Zu viele Anmeldeversuche" in blocked.read().decode()
    assert browser.sign_in("ben", PASSWORD + "!").status == 303  # another person is not locked out


def test_login_needs_the_csrf_token(accounts_board):
    browser = Browser(accounts_board)
    browser.get("/login")
    assert browser.post("/login", {"name": "eva", "password": PASSWORD}).status == 403


def test_proxy_header_names_the_person(sessions, with_settings, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    server = serve_in_thread(sessions, with_settings(board_proxy_secret=SECRET), registry, auth="proxy")
    board = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        browser = Browser(board)
        assert browser.get("/").status == 401  # no header: nobody
        assert browser.get("/", {"X-Remote-User": "ben"}).status == 401  # no secret: nobody (issue 27)
        page = browser.get("/", {"X-Remote-User": "ben", "X-Board-Proxy-Secret": SECRET}).read().decode()
        assert 'Redaktion: <strong class="user">ben</strong>' in page and "Abmelden" not in page
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                                 page.split('class="decide"')[1].split("</form>")[0]))
        assert browser.post("/posts/1", {**fields, "action": "approve"},
                            {"X-Remote-User": "ben", "X-Board-Proxy-Secret": SECRET}).status == 303
        with sessions() as session:
            assert session.get(Post, 1).events[-1].actor == "ben"
        assert browser.get("/login").status == 404
    finally:
        server.shutdown()
        server.server_close()


def test_proxy_header_is_believed_only_from_loopback(sessions, settings, registry):
    app = ReviewApp(sessions, settings, registry, auth=AuthConfig("proxy", "X-Forwarded-User", proxy_secret=SECRET))
    seen = {}

    def call(remote: str, user: str) -> str:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "127.0.0.1:1", "REMOTE_ADDR": remote,
                   "HTTP_X_FORWARDED_USER": user, "HTTP_X_BOARD_PROXY_SECRET": SECRET, "wsgi.input": io.BytesIO(b"")}
        app(environ, lambda status, headers: seen.update(status=status))
        return seen["status"]

    assert call("127.0.0.1", "eva").startswith("200")
    assert call("10.0.0.7", "eva").startswith("401")
    assert call("127.0.0.1", "eva,mallory").startswith("401")  # two headers joined: trust neither


def test_none_mode_only_when_asked_for(settings):
    assert settings.board_auth == "accounts"
    with pytest.raises(ValueError):
        AuthConfig("offen")


def test_editors_cli_add_list_remove(sessions, settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["editors", "add", "eva"], settings) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
    assert cli.main(["editors", "add", "ben"], settings) == 2  # too short
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["editors", "add", "eva"], settings) == 2  # exists
    assert cli.main(["editors", "list"], settings) == 0
    listed = capsys.readouterr().out
    assert "eva" in listed and "ben" not in listed and PASSWORD not in listed
    with sessions() as session:
        stored = session.scalar(select(EditorAccount.password_hash))
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert editors.verify_login(session, "eva", PASSWORD) == "eva"
        assert editors.verify_login(session, "eva", PASSWORD + "x") is None
        assert editors.verify_login(session, "niemand", PASSWORD) is None
    assert cli.main(["editors", "remove", "eva"], settings) == 0
    assert cli.main(["editors", "remove", "eva"], settings) == 2
    with sessions() as session:
        assert not editors.has_accounts(session)


def test_review_command_refuses_accounts_mode_without_accounts(settings, capsys):
    assert cli.main(["review", "--no-browser"], settings) == 2
    assert "editors add" in capsys.readouterr().err
