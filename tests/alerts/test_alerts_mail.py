"""Alert mails through a real SMTP server on 127.0.0.1: headers, German body, dedup per day,
recovery, digest, STARTTLS / SMTPS, and no plain-text fallback."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from scheduler.alerts.problem import CRITICAL, WARNING, Problem
from scheduler.alerts.report import AlertSettings, report_problems
from scheduler.alerts.mail import MailError, SmtpConfig, alert_text, build_message, send
from tests.alerts.smtp_helpers import PASSWORD, USER, SmtpServer
from tests.scheduler_jobs.jobs_helpers import store

NOW = datetime(2026, 12, 1, 20, 5, tzinfo=timezone.utc)  # Di., 1. Dezember 2026, 21:05 in Berlin
BOARD = "http://127.0.0.1:8765/"
SETTINGS = AlertSettings(board_url=BOARD)
SLOT = Problem("empty_slot", "Fr., 4. Dezember 2026, 18:00", WARNING,
               "Für den Sendeplatz Fr., 4. Dezember 2026, 18:00 ist kein freigegebener Beitrag mit Kommune mehr "
               "übrig; der Platz bleibt leer.",
               "In der Prüfung Beiträge freigeben – z. B. aus Weißach oder Böblingen.")
GERMAN_SUBJECT = "[So ist S] Leerer Sendeplatz, kein Beitrag übrig: Fr., 4. Dezember 2026, 18:00"


def config(server: SmtpServer, security: str, **extra) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, security=security, sender="scheduler@so-ist-s.de",
                      recipients=("redaktion@so-ist-s.de", "technik@so-ist-s.de"), cafile=str(server.cert),
                      timeout=10, **extra)


@pytest.fixture
def db(db_url, tmp_path) -> str:
    url, engine, _ = store(db_url)
    engine.dispose()
    return url


@pytest.fixture
def starttls(tmp_path):
    with SmtpServer("starttls", tmp_path) as server:
        yield server


def test_alert_mail_headers_body_and_starttls_login(db, starttls, tmp_path):
    smtp = config(starttls, "starttls", user=USER, password=PASSWORD)
    outcome = report_problems(db, [SLOT], now=NOW, settings=SETTINGS, smtp=smtp)
    assert len(outcome.sent) == 1 and outcome.errors == []
    [got] = starttls.inbox.received
    assert got.tls and got.authenticated
    assert got.mail_from == "scheduler@so-ist-s.de"
    assert got.rcpt_tos == ["redaktion@so-ist-s.de", "technik@so-ist-s.de"]
    raw_subject = next(line for line in got.raw.decode("ascii").splitlines() if line.startswith("Subject:"))
    assert "=?utf-8?" in raw_subject  # RFC 2047 on the wire: the umlaut-free ASCII header …
    message = got.message
    assert message["Subject"] == GERMAN_SUBJECT  # … decodes back to the German subject
    assert message["Date"] == "Tue, 01 Dec 2026 20:05:00 +0000"
    assert message["Message-ID"].endswith("@so-ist-s.de>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8"
    text = got.text
    assert "Was ist passiert?\nFür den Sendeplatz Fr., 4. Dezember 2026, 18:00" in text
    assert "Was ist zu tun?\nIn der Prüfung Beiträge freigeben – z. B. aus Weißach" in text
    assert f"Prüfung: {BOARD}" in text
    assert "zuerst bemerkt am Di., 1. Dezember 2026, 21:05" in text
    assert f'href="{BOARD}"' in message.get_body(("html",)).get_content()
    (tmp_path / "alert.eml").write_bytes(got.raw)  # for a look: `python -m email` / a mail client


def test_the_same_problem_is_mailed_once_a_day_and_again_the_next_day(db, starttls):
    smtp = config(starttls, "starttls")
    for minutes in (0, 10, 600):  # 21:05, 21:15, and 07:05 next morning... only the first today
        report_problems(db, [SLOT], now=NOW + timedelta(minutes=minutes) if minutes < 600 else NOW,
                        settings=SETTINGS, smtp=smtp)
    assert len(starttls.inbox.received) == 1
    report_problems(db, [SLOT], now=NOW + timedelta(hours=1), settings=SETTINGS, smtp=smtp)  # 22:05, same day
    assert len(starttls.inbox.received) == 1
    report_problems(db, [SLOT], now=NOW + timedelta(hours=11), settings=SETTINGS, smtp=smtp)  # Wed 08:05
    assert len(starttls.inbox.received) == 2
    other = Problem("disk_space", "/srv/soists", CRITICAL, "Nur noch 0,5 GB frei.", "Platz schaffen.")
    report_problems(db, [SLOT, other], now=NOW + timedelta(hours=12), settings=SETTINGS, smtp=smtp)
    assert starttls.inbox.subjects[-1] == "[So ist S] Wenig Speicherplatz: /srv/soists"
    assert len(starttls.inbox.received) == 3


def test_a_cleared_problem_gets_a_recovery_mail_only_for_checked_kinds(db, starttls):
    smtp = config(starttls, "starttls")
    disk = Problem("disk_space", "/srv/soists", CRITICAL, "Nur noch 0,5 GB frei.", "Platz schaffen.")
    report_problems(db, [SLOT, disk], now=NOW, settings=SETTINGS, smtp=smtp)
    # a publish run checks nothing about slots or disks: both stay open, no mail
    outcome = report_problems(db, [], checked={"feature_failed"}, now=NOW + timedelta(minutes=5),
                              settings=SETTINGS, smtp=smtp)
    assert outcome.resolved == [] and len(starttls.inbox.received) == 2
    outcome = report_problems(db, [SLOT], checked={"empty_slot", "disk_space"}, now=NOW + timedelta(minutes=10),
                              settings=SETTINGS, smtp=smtp)
    assert [p.kind for p in outcome.resolved] == ["disk_space"]
    recovery = starttls.inbox.received[-1]
    assert recovery.message["Subject"] == "[So ist S] Behoben: Wenig Speicherplatz: /srv/soists"
    assert "Das Problem ist behoben (bemerkt am Di., 1. Dezember 2026, 21:05, behoben am Di., 1. Dezember " \
           "2026, 21:15)" in recovery.text
    # back the same day: already mailed today, so no second alert today
    report_problems(db, [SLOT, disk], now=NOW + timedelta(minutes=20), settings=SETTINGS, smtp=smtp)
    assert len(starttls.inbox.received) == 3


def test_daily_digest_collects_and_sends_once_a_day(db, starttls):
    smtp = config(starttls, "starttls")
    digest = AlertSettings(board_url=BOARD, digest=True)
    morning = datetime(2026, 12, 2, 5, 30, tzinfo=timezone.utc)  # 06:30 Berlin, before 07:00
    disk = Problem("disk_space", "/srv/soists", CRITICAL, "Nur noch 0,5 GB frei.", "Platz schaffen.")
    report_problems(db, [SLOT, disk], now=morning, settings=digest, smtp=smtp)
    assert starttls.inbox.received == []
    report_problems(db, [SLOT], checked={"empty_slot", "disk_space"}, now=morning + timedelta(hours=1),
                    settings=digest, smtp=smtp)  # 07:30: digest with one open, one cleared
    report_problems(db, [SLOT], now=morning + timedelta(hours=3), settings=digest, smtp=smtp)
    [got] = starttls.inbox.received
    assert got.message["Subject"] == "[So ist S] Tagesübersicht Mi., 2. Dezember 2026: 1 offen, 1 behoben"
    assert "Leerer Sendeplatz, kein Beitrag übrig: Fr., 4. Dezember 2026, 18:00" in got.text
    assert "Behoben: Wenig Speicherplatz: /srv/soists" in got.text
    report_problems(db, [SLOT], now=morning + timedelta(days=1, hours=2), settings=digest, smtp=smtp)
    assert len(starttls.inbox.received) == 2
    assert "0 behoben" in starttls.inbox.subjects[-1]


def test_smtps_is_honoured(db, tmp_path):
    with SmtpServer("smtps", tmp_path) as server:
        outcome = report_problems(db, [SLOT], now=NOW, settings=SETTINGS,
                                  smtp=config(server, "ssl", user=USER, password=PASSWORD))
        assert outcome.errors == []
        [got] = server.inbox.received
        assert got.tls and got.authenticated and got.message["Subject"] == GERMAN_SUBJECT


def test_no_plaintext_fallback_when_starttls_is_missing(db, tmp_path):
    with SmtpServer("plain", tmp_path) as server:
        message = build_message(alert_text(SLOT, NOW, BOARD), "a@so-ist-s.de", ("b@so-ist-s.de",), NOW)
        with pytest.raises(MailError, match="does not offer STARTTLS.*never in plain text"):
            send(config(server, "starttls", user=USER, password=PASSWORD), message)
        outcome = report_problems(db, [SLOT], now=NOW, settings=SETTINGS, smtp=config(server, "starttls"))
        assert outcome.sent == [] and "does not offer STARTTLS" in outcome.errors[0]
        assert server.inbox.received == []
        # not marked as mailed: the next report tries again (here with a server that can do it)
    with SmtpServer("starttls", Path(tmp_path / "..").resolve() / tmp_path.name) as good:
        outcome = report_problems(db, [SLOT], now=NOW + timedelta(minutes=5), settings=SETTINGS,
                                  smtp=config(good, "starttls"))
        assert len(good.inbox.received) == 1


def test_a_wrong_certificate_is_refused(db, starttls):
    smtp = SmtpConfig(host="127.0.0.1", port=starttls.port, sender="a@so-ist-s.de", recipients=("b@x.de",),
                      timeout=10)  # the system CAs do not know the test certificate
    message = build_message(alert_text(SLOT, NOW, BOARD), smtp.sender, smtp.recipients, NOW)
    with pytest.raises(smtplib.ssl.SSLError):
        send(smtp, message)
    assert starttls.inbox.received == []


def test_security_none_only_for_a_local_relay_without_password():
    message = build_message(alert_text(SLOT, NOW, BOARD), "a@so-ist-s.de", ("b@so-ist-s.de",), NOW)
    with pytest.raises(MailError, match="only allowed for a relay on this machine"):
        send(SmtpConfig("mail.example.org", "a@so-ist-s.de", ("b@x.de",), port=25, security="none"), message)
    with pytest.raises(MailError, match="without TLS"):
        send(SmtpConfig("127.0.0.1", "a@so-ist-s.de", ("b@x.de",), port=25, security="none", user="u",
                        password="p"), message)


def test_synthetic_token_problems_take_the_generic_path(db, starttls):
    """What the token store will hand over: expiring within 14 and within 3 days, or invalid."""
    smtp = config(starttls, "starttls")
    tokens = {"token_expiring", "token_invalid"}
    problems = [
        Problem("token_expiring", "Instagram-Token", WARNING, "Der Instagram-Token läuft in 12 Tagen ab "
                "(am So., 13. Dezember 2026).", "Token erneuern: siehe docs/OPERATIONS-tokens.md."),
        Problem("token_invalid", "Facebook-Seitentoken", CRITICAL, "Meta lehnt den Seitentoken ab (Fehler 190).",
                "Neuen Seitentoken erzeugen und in die Secrets-Datei eintragen."),
    ]
    report_problems(db, problems, checked=tokens, now=NOW, settings=SETTINGS, smtp=smtp)
    assert starttls.inbox.subjects == ["[So ist S] Zugangstoken läuft bald ab: Instagram-Token",
                                       "[So ist S] Zugangstoken ungültig: Facebook-Seitentoken"]
    three_days = Problem("token_expiring", "Instagram-Token", CRITICAL, "Der Instagram-Token läuft in 3 Tagen ab.",
                         "Heute erneuern.")
    report_problems(db, [three_days], checked=tokens, now=NOW + timedelta(days=9), settings=SETTINGS, smtp=smtp)
    assert starttls.inbox.subjects[2:] == ["[So ist S] Zugangstoken läuft bald ab: Instagram-Token",
                                           "[So ist S] Behoben: Zugangstoken ungültig: Facebook-Seitentoken"]
    assert "Kritisch" in starttls.inbox.received[2].text and "3 Tagen" in starttls.inbox.received[2].text
