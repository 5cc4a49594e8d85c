"""The sign-up's parts without a browser: signed links, rate limits, the consent record in the store,
and the endpoint's answers (called as a WSGI app)."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from plugins.newsletter.consent import CONSENT_TEXTS, CURRENT_VERSION
from scheduler.newsletter import subscribers as store
from scheduler.newsletter.signup import SignupApp, unsubscribe_url
from scheduler.newsletter.subscribers import ClientLimiter, export_subscribers
from scheduler.newsletter.tokens import (
    CONFIRM,
    UNSUBSCRIBE,
    SecretMissing,
    TokenError,
    load_secret,
    make_token,
    read_token,
)
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import NewsletterSubscriber

SECRET = b"s" * 40
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


# --- tokens ------------------------------------------------------------------------------------

def test_a_token_names_its_address_and_purpose_and_expires():
    token = make_token(SECRET, CONFIRM, "Anna@Example.org", T0)
    assert read_token(SECRET, token, CONFIRM, T0 + timedelta(hours=47), timedelta(hours=48))[0] == "anna@example.org"
    with pytest.raises(TokenError, match="expired"):
        read_token(SECRET, token, CONFIRM, T0 + timedelta(hours=48, seconds=1), timedelta(hours=48))
    with pytest.raises(TokenError, match="purpose"):  # a confirmation link does not unsubscribe
        read_token(SECRET, token, UNSUBSCRIBE, T0)
    with pytest.raises(TokenError, match="forged"):
        read_token(b"x" * 40, token, CONFIRM, T0)


@pytest.mark.parametrize("bad", ["", ".", "abc", "abc.def", "%%%.***", "YQ.YQ"])
def test_damaged_or_forged_tokens_are_refused(bad):
    with pytest.raises(TokenError):
        read_token(SECRET, bad, CONFIRM, T0)


def test_a_changed_address_breaks_the_signature():
    encoded, _, signature = make_token(SECRET, CONFIRM, "anna@example.org", T0).partition(".")
    other = make_token(SECRET, CONFIRM, "bob@example.org", T0).partition(".")[0]
    with pytest.raises(TokenError, match="forged"):
        read_token(SECRET, f"{other}.{signature}", CONFIRM, T0)


def test_the_secret_comes_from_the_environment_or_the_secrets_file(tmp_path):
    with pytest.raises(SecretMissing):
        load_secret({"SOISTS_SECRETS_FILE": str(tmp_path / "none.json")})
    with pytest.raises(SecretMissing):  # too short to be a secret
        load_secret({"SOISTS_NEWSLETTER_SECRET": "kurz", "SOISTS_SECRETS_FILE": str(tmp_path / "none.json")})
    secrets = tmp_path / "secrets.json"
    secrets.write_text('{"newsletter": {"secret": "%s"}}' % ("g" * 32), encoding="utf-8")
    secrets.chmod(0o600)
    assert load_secret({"SOISTS_SECRETS_FILE": str(secrets)}) == b"g" * 32


# --- rate limit --------------------------------------------------------------------------------

def test_the_client_limit_counts_per_key_and_forgets_after_its_window():
    now = [0.0]
    limiter = ClientLimiter(limit=2, window=3600, clock=lambda: now[0])
    assert limiter.allow("192.0.2.1") and limiter.allow("192.0.2.1") and not limiter.allow("192.0.2.1")
    assert limiter.allow("192.0.2.2")  # another client is not affected
    now[0] = 3601
    assert limiter.allow("192.0.2.1")
    now[0] = 7300
    limiter.allow("198.51.100.7")
    assert len(limiter) == 1  # the older addresses are gone from memory
    now[0] = 11_000
    limiter.forget_old()  # the server's timer: also without a new request
    assert len(limiter) == 0


def test_the_server_forgets_clients_and_expired_sign_ups_by_itself_and_stops_without_its_settings(tmp_path,
                                                                                                  sessions):
    from scheduler.newsletter.signup import housekeeping, serve

    now = [0.0]
    app = SignupApp(sessions, lambda: SECRET, "https://so-ist-s.de", lambda a: None,
                    clients=ClientLimiter(limit=5, window=10, clock=lambda: now[0]),
                    now=lambda: T0 + timedelta(hours=49))
    app.clients.allow("192.0.2.1")
    with sessions.begin() as session:
        store.request_signup(session, "nie@example.org", CURRENT_VERSION, T0)
    now[0] = 11
    stop = threading.Event()
    thread = threading.Thread(target=housekeeping, args=(app, stop, 0.01))
    thread.start()

    def left() -> int:
        with sessions() as session:
            return len(session.scalars(select(NewsletterSubscriber)).all())
    try:
        deadline = time.monotonic() + 5
        while (len(app.clients) or left()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(app.clients) == 0 and left() == 0  # without a single request
    finally:
        stop.set()
        thread.join()
    none = str(tmp_path / "none.json")
    with pytest.raises(SecretMissing):
        serve(sessions, port=0, env={"SOISTS_SECRETS_FILE": none})
    with pytest.raises(SystemExit, match="SOISTS_SITEURL"):
        serve(sessions, port=0, env={"SOISTS_SECRETS_FILE": none, "SOISTS_NEWSLETTER_SECRET": "k" * 32,
                                     "SOISTS_SITEURL": "http://so-ist-s.de"})


# --- store -------------------------------------------------------------------------------------

@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def test_the_consent_record_double_opt_in_and_withdrawal(sessions, tmp_path):
    with sessions.begin() as session:
        assert store.request_signup(session, "Anna@Example.org", CURRENT_VERSION, T0)
    with sessions.begin() as session:  # again, shortly after: no second mail
        assert not store.request_signup(session, "anna@example.org", CURRENT_VERSION, T0 + timedelta(minutes=5))
    assert store.confirmed_subscribers(sessions) == []  # not before the link was opened
    with sessions.begin() as session:
        assert store.confirm(session, "anna@example.org", T0 + timedelta(hours=1))
    with sessions.begin() as session:  # a confirmed subscriber gets no new confirmation mail
        assert not store.request_signup(session, "anna@example.org", CURRENT_VERSION, T0 + timedelta(days=3))
    [row] = store.confirmed_subscribers(sessions)
    assert (row.email, row.requested_utc, row.confirmed_utc, row.consent_version) == (
        "anna@example.org", T0, T0 + timedelta(hours=1), CURRENT_VERSION)
    assert export_subscribers(sessions, tmp_path / "export.csv") == 1
    assert (tmp_path / "export.csv").stat().st_mode & 0o077 == 0  # addresses: the owner's only
    [exported] = list(csv.DictReader(io.StringIO((tmp_path / "export.csv").read_text(encoding="utf-8"))))
    assert exported == {"email": "anna@example.org", "requested_utc": "2026-12-07T10:00:00+00:00",
                        "confirmed_utc": "2026-12-07T11:00:00+00:00", "consent_version": CURRENT_VERSION,
                        "consent_text": CONSENT_TEXTS[CURRENT_VERSION]}
    with sessions.begin() as session:
        assert store.withdraw(session, "ANNA@example.org")
    with sessions() as session:
        assert session.scalars(select(NewsletterSubscriber)).all() == []  # nothing kept


def test_unconfirmed_sign_ups_expire_and_may_ask_again_later(sessions):
    with sessions.begin() as session:
        store.request_signup(session, "bob@example.org", CURRENT_VERSION, T0)
    with sessions.begin() as session:  # after the quarter of an hour: a new mail
        assert store.request_signup(session, "bob@example.org", CURRENT_VERSION, T0 + timedelta(minutes=16))
    with sessions.begin() as session:  # the link has expired, the row is gone
        assert not store.confirm(session, "bob@example.org", T0 + timedelta(hours=49))
    with sessions() as session:
        assert session.scalars(select(NewsletterSubscriber)).all() == []


# --- the endpoint as a WSGI app -----------------------------------------------------------------

class Client:
    def __init__(self, app):
        self.app = app

    def __call__(self, method: str, url: str, form: dict | None = None, ip: str = "192.0.2.10"):
        parts = urlsplit(url)
        body = urlencode(form or {}).encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "HTTP_X_REAL_IP": ip,
                   "CONTENT_TYPE": "application/x-www-form-urlencoded"}
        answer = {}
        body = b"".join(self.app(environ, lambda status, headers: answer.update(status=status,
                                                                                 headers=dict(headers))))
        return int(answer["status"][:3]), answer["headers"], body.decode()


@pytest.fixture
def endpoint(sessions):
    sent, clock = [], [T0]
    app = SignupApp(sessions, lambda: SECRET, "https://so-ist-s.de", sent.append, now=lambda: clock[0])
    return Client(app), app, sent, clock


def form(email="anna@example.org", **extra):
    return {"email": email, "zustimmung": "ja", "fassung": CURRENT_VERSION, "website": "", **extra}


def test_the_same_answer_whether_known_or_not_and_one_mail(endpoint):
    client, app, sent, clock = endpoint
    first = client("POST", "/newsletter/anmelden", form())
    second = client("POST", "/newsletter/anmelden", form("ANNA@example.org"))
    assert first[0] == second[0] == 200 and first[2] == second[2] and "Schau in dein Postfach" in first[2]
    assert sent == ["anna@example.org"]
    assert first[1]["Cache-Control"] == "no-store" and first[1]["Content-Type"] == "text/html; charset=utf-8"
    status, _, page = client("GET", app.confirm_link("anna@example.org"))
    assert status == 200 and "Anmeldung bestätigen" in page and 'lang="de"' in page and "/theme/css/site.css" in page


def confirm(client, link: str):
    """What the person does: open the mail's link, then press the page's button."""
    status, _, page = client("GET", link)
    assert status == 200 and 'method="post" action="/newsletter/bestaetigen"' in page, page
    return client("POST", "/newsletter/bestaetigen", {"t": urlsplit(link).query.removeprefix("t=")})


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed(endpoint, sessions):
    """A mail scanner or a link preview opens every link in a mail: a GET never confirms."""
    client, app, _, _ = endpoint
    client("POST", "/newsletter/anmelden", form())
    link = app.confirm_link("anna@example.org")
    for _ in range(3):
        assert client("GET", link)[0] == 200
        assert client("HEAD", link)[0] == 200
    assert store.confirmed_subscribers(sessions) == []
    status, _, page = confirm(client, link)
    assert status == 200 and "Du bist angemeldet" in page
    assert [row.email for row in store.confirmed_subscribers(sessions)] == ["anna@example.org"]
    assert client("POST", "/newsletter/bestaetigen", {"t": "erfunden.xyz"})[0] == 400


def test_honeypot_missing_consent_bad_address_and_a_busy_client(endpoint):
    client, _, sent, _ = endpoint
    trap = client("POST", "/newsletter/anmelden", form(website="https://spam.example"))
    assert trap[0] == 200 and "Schau in dein Postfach" in trap[2] and sent == []
    assert client("POST", "/newsletter/anmelden", form(zustimmung=""))[0] == 400
    assert client("POST", "/newsletter/anmelden", form(fassung="erfunden"))[0] == 400
    for bad in ("anna", "anna@", "a b@example.org", "anna@example.org\r\nBcc: x@y.z", "x" * 250 + "@ex.org"):
        status, _, page = client("POST", "/newsletter/anmelden", form(bad))
        assert status == 400 and "Bitte prüf deine E-Mail-Adresse" in page
    assert sent == []
    answers = [client("POST", "/newsletter/anmelden", form(f"p{i}@example.org"), ip="203.0.113.5")[0]
               for i in range(6)]
    assert answers == [200] * 5 + [429] and len(sent) == 5


def test_expired_forged_and_foreign_links_get_a_german_refusal(endpoint):
    client, app, _, clock = endpoint
    client("POST", "/newsletter/anmelden", form())
    link = app.confirm_link("anna@example.org")
    clock[0] = T0 + timedelta(hours=49)
    status, _, page = client("GET", link)
    assert status == 400 and "Dieser Link gilt nicht (mehr)" in page
    assert client("GET", "/newsletter/bestaetigen?t=" + make_token(b"f" * 40, CONFIRM, "anna@example.org", T0))[0] == 400
    assert client("GET", "/newsletter/bestaetigen")[0] == 400
    status, _, page = client("GET", "/gibt-es-nicht")
    assert status == 404 and "Seite nicht gefunden" in page


def test_unsubscribe_asks_on_get_and_deletes_on_post_also_one_click(endpoint, sessions):
    client, app, _, clock = endpoint
    for address in ("anna@example.org", "bob@example.org"):
        client("POST", "/newsletter/anmelden", form(address))
        confirm(client, app.confirm_link(address))
    anna = unsubscribe_url("https://so-ist-s.de", SECRET, "anna@example.org")
    status, _, page = client("GET", anna)
    assert status == 200 and "Ja, abmelden" in page and len(store.confirmed_subscribers(sessions)) == 2
    token = urlsplit(anna).query.removeprefix("t=")
    status, _, page = client("POST", "/newsletter/abmelden", {"t": token})  # the page's button
    assert status == 200 and "Du bist abgemeldet" in page
    bob = unsubscribe_url("https://so-ist-s.de", SECRET, "bob@example.org")
    assert client("POST", bob, {"List-Unsubscribe": "One-Click"})[0] == 200  # RFC 8058, from the mail program
    assert store.confirmed_subscribers(sessions) == []
    assert client("POST", "/newsletter/abmelden", {"t": "erfunden.xyz"})[0] == 400


def test_an_internal_error_is_a_german_page_not_a_5xx(endpoint):
    client, app, _, _ = endpoint
    app.secret = lambda: 1 / 0
    status, _, page = client("GET", "/newsletter/bestaetigen?t=x.y")
    assert status == 200 and "Das hat gerade nicht geklappt" in page
