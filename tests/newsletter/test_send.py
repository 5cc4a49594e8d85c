"""Sending by SMTP to a real local server (aiosmtpd, STARTTLS + login): the received mails
parse, carry both parts and the list headers, honour the rate, and a rerun after a crash
sends to nobody twice."""

from __future__ import annotations

import re
from email.header import decode_header

import pytest

from scheduler.alerts.mail import SmtpConfig, send
from scheduler.newsletter.compose import compose
from scheduler.newsletter.send import ListSettings, RateLimiter, SentLog, read_recipients, send_newsletter
from tests.alerts.smtp_helpers import PASSWORD, USER, SmtpServer
from tests.newsletter.samples import SITEURL, sample_issue

SETTINGS = ListSettings(sender="So ist S <newsletter@so-ist-s.example>", unsubscribe_mailto="abmelden@so-ist-s.example",
                        unsubscribe_url="https://so-ist-s.example/abmelden?e={email}")
ADDRESSES = ["anna@example.org", "bernd@example.org", "cem@example.org", "dora@example.org", "emil@example.org"]


class FakeClock:
    """Time that passes only when the limiter sleeps (or a send takes a step)."""

    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def newsletter():
    return compose(sample_issue(), SITEURL)


def smtp(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, security="starttls", sender="ignored@example.org",
                      recipients=(), user=USER, password=PASSWORD, cafile=str(server.cert))


def recipients_csv(tmp_path, addresses):
    path = tmp_path / "empfaenger.csv"
    path.write_text("name,email\n" + "".join(f"X,{a}\n" for a in addresses) + "Y,ANNA@example.org\n",
                    encoding="utf-8")
    return path


def test_recipients_csv(tmp_path):
    assert read_recipients(recipients_csv(tmp_path, ADDRESSES)) == ADDRESSES  # duplicate dropped


def test_mails_arrive_complete_and_rate_limited(tmp_path, newsletter):
    clock = FakeClock()
    with SmtpServer("starttls", tmp_path) as server:
        report = send_newsletter(newsletter, read_recipients(recipients_csv(tmp_path, ADDRESSES)), smtp(server),
                                 SETTINGS, SentLog(tmp_path / "log.jsonl"), RateLimiter(12, clock, clock.sleep))
        received = server.inbox.received
    assert report.sent == ADDRESSES and [r.rcpt_tos for r in received] == [[a] for a in ADDRESSES]
    assert all(r.tls and r.authenticated for r in received)
    # 12 a minute = one every 5 s: four waits of 5 s between five mails, none before the first
    assert clock.sleeps == [5.0] * 4
    for address, item in zip(ADDRESSES, received):
        message = item.message
        raw_subject = re.search(rb"^Subject: (.+?)\r?\n(?! )", item.raw, re.M | re.S).group(1)
        assert b"=?utf-8?" in raw_subject.lower()  # RFC 2047 on the wire
        assert "".join(part.decode(enc or "ascii") if isinstance(part, bytes) else part
                       for part, enc in decode_header(raw_subject.decode())).startswith("So ist S im Dezember 2026")
        assert message["Subject"] == newsletter.subject
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Fotos des Monats" in html and "FOTOS DES MONATS" in text and "Di., 12. Januar 2027" in text
        unsubscribe = f"https://so-ist-s.example/abmelden?e={address.replace('@', '%40')}"
        assert message["List-Unsubscribe"] == f"<mailto:abmelden@so-ist-s.example?subject=Abmelden>, <{unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe in text and unsubscribe.replace("&", "&amp;") in html
        links = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert links and all(link.startswith(SITEURL + "/") or link == unsubscribe for link in links)
        assert all(link.startswith("https://") for link in re.findall(r"https?://\S+", text))
        assert item.mail_from == "newsletter@so-ist-s.example"


class Crash(BaseException):
    """A kill between the server accepting a message and the log noting it."""


def test_a_rerun_after_a_crash_sends_to_nobody_twice(tmp_path, newsletter):
    log = SentLog(tmp_path / "log.jsonl")
    delivered = []

    def crash_after_third(config, message):
        send(config, message)
        delivered.append(config.recipients[0])
        if len(delivered) == 3:
            raise Crash()

    with SmtpServer("starttls", tmp_path) as server:
        clock = FakeClock()
        with pytest.raises(Crash):
            send_newsletter(newsletter, ADDRESSES, smtp(server), SETTINGS, log, RateLimiter(600, clock, clock.sleep),
                            deliver=crash_after_third)
        again = send_newsletter(newsletter, ADDRESSES, smtp(server), SETTINGS, log,
                                RateLimiter(600, clock, clock.sleep))
        third = send_newsletter(newsletter, ADDRESSES, smtp(server), SETTINGS, log,
                                RateLimiter(600, clock, clock.sleep))
        got = [r.rcpt_tos[0] for r in server.inbox.received]
    assert sorted(got) == sorted(ADDRESSES) and len(got) == len(set(got))  # everyone exactly once
    assert again.skipped == ADDRESSES[:2] and again.uncertain == [ADDRESSES[2]] and again.sent == ADDRESSES[3:]
    assert third.sent == [] and len(third.skipped) == 4


def test_a_refused_address_is_logged_and_retried_later(tmp_path, newsletter):
    log = SentLog(tmp_path / "log.jsonl")
    import smtplib

    def refuse_cem(config, message):
        if config.recipients[0].startswith("cem"):
            raise smtplib.SMTPRecipientsRefused({config.recipients[0]: (550, b"no such user")})
        send(config, message)

    with SmtpServer("starttls", tmp_path) as server:
        clock = FakeClock()
        first = send_newsletter(newsletter, ADDRESSES, smtp(server), SETTINGS, log,
                                RateLimiter(600, clock, clock.sleep), deliver=refuse_cem)
        second = send_newsletter(newsletter, ADDRESSES, smtp(server), SETTINGS, log,
                                 RateLimiter(600, clock, clock.sleep))
    assert [a for a, _ in first.failed] == ["cem@example.org"] and second.sent == ["cem@example.org"]
