"""Issue 27: sessions, account removal, the proxy's secret and https cookies — reproduced before the fix:

- 10,050 requests without a cookie in 8 s evicted every signed-in session (Sessions._drop_oldest);
- a removed account kept working until the board restarted;
- proxy mode believed X-Remote-User from any local client;
- the session cookie never had Secure or the __Host- prefix.
"""

from __future__ import annotations

import pytest

from scheduler.collect.ingest import Collector
from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from tests.scheduler.board_client import PASSWORD, Client
from tests.scheduler.test_scheduler_store import collected

SECRET = "nginx-und-board-teilen-dieses-geheimnis-2026"


@pytest.fixture
def app(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    with sessions.begin() as session:
        editors.add_account(session, "eva", PASSWORD, "verwaltung")
        editors.add_account(session, "ben", PASSWORD + "!", "redaktion")
    return ReviewApp(sessions, settings, registry)


def signed_in(app, name: str, password: str) -> Client:
    browser = Client(app)
    assert browser.sign_in(name, password).status == 303
    assert browser.get("/").status == 200
    return browser


def test_ten_thousand_anonymous_requests_leave_signed_in_sessions_intact(app):
    eva = signed_in(app, "eva", PASSWORD)
    for i in range(10_050):
        Client(app).get("/login" if i % 10 == 0 else "/")
    assert eva.get("/").status == 200  # still signed in
    assert app.browsers.count() == 1  # anonymous requests made no server session at all


def test_sessions_are_bounded_per_person_and_time_out(app):
    now = [0.0]
    app.browsers.clock = lambda: now[0]
    browsers = [signed_in(app, "ben", PASSWORD + "!") for _ in range(7)]
    assert app.browsers.count("ben") == 5
    assert browsers[0].get("/").status == 303 and browsers[-1].get("/").status == 200
    now[0] += 2 * 3600 + 1  # idle for two hours
    assert browsers[-1].get("/").status == 303
    late = signed_in(app, "ben", PASSWORD + "!")
    for _ in range(12):  # active all day: the absolute limit still ends it
        now[0] += 3600
        late.get("/")
    assert late.get("/").status == 303


@pytest.mark.parametrize("change", ["remove", "disable", "role", "password"])
def test_a_changed_account_is_refused_on_its_next_request(app, sessions, change):
    ben = signed_in(app, "ben", PASSWORD + "!")
    with sessions.begin() as session:  # the CLI in another process: only the store knows
        if change == "remove":
            editors.remove_account(session, "ben")
        elif change == "disable":
            editors.set_disabled(session, "ben", True)
        elif change == "role":
            editors.set_role(session, "ben", "lesen")
        else:
            editors.reset_password(session, "ben", "Neues-Passwort-Stuttgart-7")
    assert ben.get("/").status == 303  # to the sign-in page
    assert ben.post("/posts/1", {"action": "approve", "expected_state": "collected", "version": "0"}).status == 401
    if change == "disable":
        assert Client(app).sign_in("ben", PASSWORD + "!").status == 200  # the form again: no sign-in


def test_the_admin_page_ends_the_sessions_at_once(app):
    ben, eva = signed_in(app, "ben", PASSWORD + "!"), signed_in(app, "eva", PASSWORD)
    eva.get("/admin")
    assert eva.post("/admin/accounts", {"action": "remove", "name": "ben"}).status == 303
    assert app.browsers.count("ben") == 0 and ben.get("/").status == 303


def proxy_app(sessions, settings, registry, secret: str = SECRET):
    return ReviewApp(sessions, settings, registry, auth=AuthConfig("proxy", proxy_secret=secret))


def test_the_proxy_header_without_the_secret_is_refused(sessions, settings, registry):
    app = proxy_app(sessions, settings, registry)
    direct = Client(app)  # a local process or a client that reaches the board port directly
    assert direct.get("/", {"X-Remote-User": "eva"}).status == 401
    assert direct.get("/", {"X-Remote-User": "eva", "X-Board-Proxy-Secret": SECRET[:-1]}).status == 401
    assert direct.get("/", {"X-Remote-User": "eva", "X-Board-Proxy-Secret": "ä" + SECRET}).status == 401
    assert Client(app, remote="10.0.0.5").get("/", {"X-Remote-User": "eva", "X-Board-Proxy-Secret": SECRET}).status == 401
    nginx = Client(app, headers={"X-Remote-User": "eva", "X-Board-Proxy-Secret": SECRET})
    page = nginx.get("/")
    assert page.status == 200 and '<strong class="user">eva</strong>' in page.text


def test_proxy_mode_needs_a_secret_to_start(sessions, settings, registry):
    with pytest.raises(ValueError, match="SOISTS_BOARD_PROXY_SECRET"):
        proxy_app(sessions, settings, registry, secret="")
    with pytest.raises(ValueError):
        proxy_app(sessions, settings, registry, secret="kurz")


def test_a_disabled_account_is_refused_through_the_proxy_too(app, sessions, settings, registry):
    proxied = proxy_app(sessions, settings, registry)
    nginx = Client(proxied, headers={"X-Remote-User": "ben", "X-Board-Proxy-Secret": SECRET})
    assert nginx.get("/").status == 200
    with sessions.begin() as session:
        editors.set_disabled(session, "ben", True)
    assert nginx.get("/").status == 401


def test_cookies_are_secure_with_the_host_prefix_over_https(sessions, with_settings, registry, app):
    https = ReviewApp(sessions, with_settings(board_https=True), registry)
    browser = Client(https)
    login = browser.get("/login")
    assert login.cookies()[0].startswith("__Host-soists_form=") and "; Secure" in login.cookies()[0]
    answer = browser.post("/login", {"name": "eva", "password": PASSWORD})
    session_cookie = answer.cookies()[0]
    assert session_cookie.startswith("__Host-soists_review=")
    assert all(part in session_cookie for part in ("; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"))
    assert "Domain" not in session_cookie and browser.get("/").status == 200
    plain = Client(app).sign_in("eva", PASSWORD).cookies()[0]  # over http: no Secure (the browser would drop it)
    assert plain.startswith("soists_review=") and "Secure" not in plain


def test_x_forwarded_proto_counts_only_from_the_trusted_proxy(sessions, with_settings, registry, app):
    behind = ReviewApp(sessions, with_settings(board_proxy_secret=SECRET), registry)  # accounts behind nginx
    trusted = Client(behind, headers={"X-Forwarded-Proto": "https", "X-Board-Proxy-Secret": SECRET})
    assert trusted.get("/login").cookies()[0].startswith("__Host-soists_form=")
    spoofed = Client(behind, headers={"X-Forwarded-Proto": "https"})
    assert spoofed.get("/login").cookies()[0].startswith("soists_form=")


def test_the_login_form_token_is_bound_to_its_cookie(app):
    mallory, eva = Client(app), Client(app)
    mallory.get("/login")
    eva.get("/login")
    eva.token = mallory.token  # a token from another browser is worth nothing
    assert eva.post("/login", {"name": "eva", "password": PASSWORD}).status == 403
    assert Client(app).post("/login", {"name": "eva", "password": PASSWORD}, csrf=False).status == 403


def test_review_command_refuses_proxy_mode_without_a_secret(settings, capsys):
    from scheduler.cli import main as cli

    assert cli.main(["review", "--no-browser", "--auth", "proxy"], settings) == 2
    assert "SOISTS_BOARD_PROXY_SECRET" in capsys.readouterr().err
