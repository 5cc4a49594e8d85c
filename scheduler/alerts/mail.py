"""German alert mails (EmailMessage: RFC 2047 subject, UTF-8 text + HTML) and sending them.

Transport security is explicit: "starttls" (default, port 587) refuses a server that does not
offer STARTTLS instead of falling back to plain text; "ssl" is SMTPS (port 465); "none" is
for a relay on this machine only, and never with a password.
"""

from __future__ import annotations

import html
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Mapping

from scheduler.alerts.problem import SEVERITY_DE, Problem, german_datetime
from scheduler.credentials.vault import Vault

SECURITIES = ("starttls", "ssl", "none")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class MailError(Exception):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None  # a private CA (tests, an internal relay); default: the system's
    timeout: float = 30.0

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, require_recipients: bool = True) -> "SmtpConfig | None":
        """Secrets file key "smtp", overridden by SOISTS_SMTP_* / SOISTS_ALERT_TO; None when unset.

        The newsletter (scheduler/newsletter) shares the server but brings its own recipients:
        it passes require_recipients=False."""
        env = os.environ if env is None else env
        values = {k: v for k, v in Vault.from_env(env).section("smtp").items() if v not in (None, "")}
        for key, name in (("host", "SOISTS_SMTP_HOST"), ("port", "SOISTS_SMTP_PORT"),
                          ("security", "SOISTS_SMTP_SECURITY"), ("user", "SOISTS_SMTP_USER"),
                          ("password", "SOISTS_SMTP_PASSWORD"), ("from", "SOISTS_SMTP_FROM"),
                          ("to", "SOISTS_ALERT_TO"), ("cafile", "SOISTS_SMTP_CAFILE")):
            if env.get(name):
                values[key] = env[name]
        recipients = values.get("to", ())
        if isinstance(recipients, str):
            recipients = [part.strip() for part in recipients.split(",")]
        recipients = tuple(r for r in recipients if r)
        if not values.get("host") or (require_recipients and not recipients):
            return None
        security = str(values.get("security", "starttls")).lower()
        if security not in SECURITIES:
            raise MailError(f"SMTP security {security!r}: use one of {', '.join(SECURITIES)}")
        return cls(host=values["host"], sender=values.get("from") or f"soists@{socket.getfqdn()}",
                   recipients=recipients, port=int(values.get("port", DEFAULT_PORTS[security])),
                   security=security, user=values.get("user"), password=values.get("password"),
                   cafile=values.get("cafile"))


# --- building ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailText:
    subject: str
    paragraphs: list[tuple[str, str]]  # (heading, text); heading "" = plain paragraph
    link: str = ""


def alert_text(problem: Problem, first_seen: datetime, board_url: str) -> MailText:
    return MailText(f"[So ist S] {problem.title_de}: {problem.subject}", [
        ("Was ist passiert?", problem.text_de),
        ("Was ist zu tun?", problem.action_de),
        ("", f"{SEVERITY_DE.get(problem.severity, problem.severity)} · zuerst bemerkt am "
             f"{german_datetime(first_seen)} · Art: {problem.kind}"),
        ("", "Diese Meldung kommt höchstens einmal am Tag; ist das Problem behoben, folgt eine "
             "Mail „behoben“."),
    ], board_url)


def recovery_text(problem: Problem, first_seen: datetime, resolved: datetime, board_url: str) -> MailText:
    return MailText(f"[So ist S] Behoben: {problem.title_de}: {problem.subject}", [
        ("Was ist passiert?", f"Das Problem ist behoben (bemerkt am {german_datetime(first_seen)}, "
                              f"behoben am {german_datetime(resolved)}): {problem.text_de}"),
        ("Was ist zu tun?", "Nichts mehr. Diese Mail schließt die frühere Meldung ab."),
    ], board_url)


def digest_text(day: datetime, open_items: list[tuple[Problem, datetime]], resolved: list[Problem],
                board_url: str) -> MailText:
    paragraphs = [("", f"Stand {german_datetime(day)}: {len(open_items)} offene(s) Problem(e), "
                       f"{len(resolved)} behoben seit der letzten Übersicht.")]
    for problem, first_seen in open_items:
        paragraphs.append((f"{problem.title_de}: {problem.subject}",
                           f"{problem.text_de}\nZu tun: {problem.action_de}\n"
                           f"(seit {german_datetime(first_seen)}, {SEVERITY_DE.get(problem.severity, '')})"))
    for problem in resolved:
        paragraphs.append((f"Behoben: {problem.title_de}: {problem.subject}", problem.text_de))
    subject = (f"[So ist S] Tagesübersicht {german_datetime(day).rsplit(', ', 1)[0]}: "
               f"{len(open_items)} offen, {len(resolved)} behoben")
    return MailText(subject, paragraphs, board_url)


def plain_body(text: MailText) -> str:
    parts = [f"{heading}\n{body}" if heading else body for heading, body in text.paragraphs]
    if text.link:
        parts.append(f"Prüfung: {text.link}")
    parts.append(f"-- \nSo ist S – Scheduler auf {socket.gethostname()}")
    return "\n\n".join(parts) + "\n"


def html_body(text: MailText) -> str:
    rows = []
    for heading, body in text.paragraphs:
        if heading:
            rows.append(f"<h2 style=\"font-size:1.05em;margin:1.2em 0 .3em\">{html.escape(heading)}</h2>")
        rows.append(f"<p style=\"margin:0 0 .6em\">{html.escape(body).replace(chr(10), '<br>')}</p>")
    if text.link:
        link = html.escape(text.link, quote=True)
        rows.append(f"<p><a href=\"{link}\">Zur Prüfung</a> ({link})</p>")
    return ("<!doctype html><html lang=\"de\"><meta charset=\"utf-8\"><body style=\"font-family:system-ui,"
            f"sans-serif;line-height:1.45;max-width:40em\"><h1 style=\"font-size:1.2em\">"
            f"{html.escape(text.subject)}</h1>{''.join(rows)}</body></html>")


def build_message(text: MailText, sender: str, recipients: tuple[str, ...], now: datetime) -> EmailMessage:
    message = EmailMessage()  # policy.default: the subject is RFC 2047-encoded when sent
    message["Subject"] = text.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to alerts
    message.set_content(plain_body(text), charset="utf-8", cte="quoted-printable")
    message.add_alternative(html_body(text), subtype="html", charset="utf-8", cte="quoted-printable")
    return message


# --- sending -------------------------------------------------------------------------------

def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver one message; raises MailError (or smtplib/OSError errors) when it cannot."""
    if config.security == "none":
        if config.host not in LOCAL_HOSTS:
            raise MailError(f"SMTP security 'none' is only allowed for a relay on this machine, not {config.host}")
        if config.user:
            raise MailError("refusing to send an SMTP password without TLS; use starttls or ssl")
    context = ssl.create_default_context(cafile=config.cafile)
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        client.ehlo()
        if config.security == "starttls":
            if not client.has_extn("starttls"):
                raise MailError(f"{config.host}:{config.port} does not offer STARTTLS; the alert was not sent "
                                "(never in plain text). Use security 'ssl' for SMTPS on port 465.")
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password or "")
        client.send_message(message, from_addr=config.sender, to_addrs=list(config.recipients))
