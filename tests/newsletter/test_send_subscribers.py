"""`invoke newsletter --subscribers`: the confirmed subscribers from the store get the issue with
the same sent-log as a CSV list, and each mail's one-click unsubscribe link is signed for its
recipient (SOISTS_NEWSLETTER_UNSUBSCRIBE_URL with {token})."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest

from plugins.newsletter.consent import CURRENT_VERSION
from scheduler.newsletter import subscribers as store
from scheduler.newsletter.compose import compose
from scheduler.newsletter.run import NewsletterError, list_settings, send_to_list, subscriber_addresses
from scheduler.newsletter.tokens import UNSUBSCRIBE, read_token
from scheduler.store.db import make_engine, migrate, session_factory
from tests.alerts.smtp_helpers import SmtpServer
from tests.newsletter.samples import SITEURL, sample_issue

SECRET = "z" * 40
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def env(port: int, secrets_file) -> dict[str, str]:
    return {"SOISTS_SMTP_HOST": "127.0.0.1", "SOISTS_SMTP_PORT": str(port), "SOISTS_SMTP_SECURITY": "none",
            "SOISTS_NEWSLETTER_FROM": "So ist S <newsletter@so-ist-s.example>",
            "SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO": "abmelden@so-ist-s.example",
            "SOISTS_NEWSLETTER_UNSUBSCRIBE_URL": "https://so-ist-s.example/newsletter/abmelden?t={token}",
            "SOISTS_NEWSLETTER_SECRET": SECRET, "SOISTS_SECRETS_FILE": str(secrets_file)}


def test_the_confirmed_subscribers_get_the_issue_once_with_their_own_unsubscribe_link(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        for address in ("anna@example.org", "bernd@example.org", "nie-bestaetigt@example.org"):
            store.request_signup(session, address, CURRENT_VERSION, T0)
        store.confirm(session, "bernd@example.org", T0 + timedelta(minutes=2))
        store.confirm(session, "anna@example.org", T0 + timedelta(minutes=3))
    engine.dispose()
    assert subscriber_addresses(url) == ["bernd@example.org", "anna@example.org"]  # only the confirmed ones
    newsletter = compose(sample_issue(), SITEURL)
    with SmtpServer("plain", tmp_path) as server:
        settings = env(server.port, tmp_path / "none.json")
        report = send_to_list(newsletter, None, tmp_path / "sent-log.jsonl", rate=6000, env=settings,
                              recipients=subscriber_addresses(url))
        again = send_to_list(newsletter, None, tmp_path / "sent-log.jsonl", rate=6000, env=settings,
                             recipients=subscriber_addresses(url))
        received = list(server.inbox.received)
    assert report.sent == ["bernd@example.org", "anna@example.org"] and again.sent == []
    assert again.skipped == report.sent and len(received) == 2  # the sent-log: nobody twice
    for mail in received:
        link = re.search(r"<(https://[^>]+)>", mail.message["List-Unsubscribe"]).group(1)
        token = unquote(link.split("?t=", 1)[1])
        address, _ = read_token(SECRET.encode(), token, UNSUBSCRIBE, datetime.now(timezone.utc))
        assert [address] == mail.rcpt_tos and link in mail.text


def test_a_token_link_needs_the_secret(tmp_path):
    settings = env(25, tmp_path / "none.json")
    del settings["SOISTS_NEWSLETTER_SECRET"]
    with pytest.raises(NewsletterError, match="secret"):
        list_settings(settings)
