"""Sending an issue directly by SMTP: rate-limited, resumable, through the alerts' mailer.

The SMTP connection, TLS rules and credentials are those of scheduler/alerts/mail.py (one
client for the project). What this module adds is list mail:

- one multipart/alternative message per recipient (text + HTML), RFC 2047 subject;
- List-Unsubscribe with a mailto: and an https: address and List-Unsubscribe-Post
  (RFC 8058 one-click), which large mailbox providers require for bulk senders;
- at most N messages a minute (the relay's limit, or to stay off spam lists);
- a sent-log (JSON lines, fsync'd per line): "attempt" before handing a message to the
  server, "sent" after it was accepted, "failed" when it was refused. A rerun skips every
  address with "sent" and — because its outcome is unknown — every "attempt" without an
  answer (a crash right after the server accepted the message): nobody gets it twice.
  `retry_uncertain=True` resends those after a check.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from scheduler.alerts.mail import SmtpConfig, send

from .compose import Newsletter, personalise


@dataclass(frozen=True)
class ListSettings:
    sender: str  # From:, e.g. "So ist S <newsletter@so-ist-s.de>"
    unsubscribe_mailto: str  # an address that unsubscribes whoever writes to it
    unsubscribe_url: str  # https endpoint accepting POST (RFC 8058); "{email}" is replaced
    list_id: str = "So ist S Newsletter <newsletter.so-ist-s.de>"
    # "{token}" in unsubscribe_url: the sign-up endpoint's signed link (signup.py, tokens.py)
    token_for: Callable[[str], str] | None = None

    def unsubscribe_for(self, address: str) -> str:
        url = self.unsubscribe_url.replace("{email}", quote(address, safe=""))
        if "{token}" in url and self.token_for is not None:
            url = url.replace("{token}", quote(self.token_for(address), safe="."))
        return url


def read_recipients(path: Path) -> list[str]:
    """Addresses from a CSV file: the column "email" (or the first column), duplicates dropped."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("email") if "email" in header else 0
    body = rows[1:] if "email" in header or "@" not in rows[0][0] else rows
    seen: dict[str, str] = {}
    for row in body:
        address = parseaddr(row[column].strip())[1] if len(row) > column else ""
        if "@" in address:
            seen.setdefault(address.lower(), address)
    return list(seen.values())


class SentLog:
    """Append-only JSON lines; the last line per address tells its state."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def states(self) -> dict[str, str]:
        states: dict[str, str] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    states[entry["email"].lower()] = entry["state"]
        return states

    def record(self, address: str, state: str, **details: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"email": address, "state": state, "at": datetime.now(timezone.utc).isoformat(), **details}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # the line must be on disk before the next step


@dataclass
class RateLimiter:
    """At most `per_minute` starts a minute: evenly spaced, no bursts."""

    per_minute: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = None

    def wait(self) -> None:
        interval = 60.0 / self.per_minute
        if self._last is not None:
            remaining = self._last + interval - self.clock()
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()


def message_id(month: str, address: str, domain: str) -> str:
    """Stable per issue and recipient: a resend is recognisable as the same message."""
    digest = hashlib.sha256(f"{month}:{address.lower()}".encode()).hexdigest()[:20]
    return f"<newsletter-{month}-{digest}@{domain}>"


def list_message(subject: str, sender: str, address: str, now: datetime, message_id: str, list_id: str,
                 unsubscribe_mailto: str, unsubscribe_url: str, text: str, html: str) -> EmailMessage:
    """One list mail: text + HTML alternative, the list and one-click unsubscribe headers.
    Shared with the monthly mail to the municipalities (scheduler/partners/send.py)."""
    message = EmailMessage()  # policy.default: non-ASCII headers are RFC 2047-encoded when sent
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = address
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["List-Id"] = list_id
    message["List-Unsubscribe"] = f"<mailto:{unsubscribe_mailto}?subject=Abmelden>, <{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "bulk"
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def build_message(newsletter: Newsletter, address: str, settings: ListSettings, now: datetime) -> EmailMessage:
    unsubscribe = settings.unsubscribe_for(address)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    return list_message(newsletter.subject, settings.sender, address, now,
                        message_id(newsletter.issue.month, address, domain), settings.list_id,
                        settings.unsubscribe_mailto, unsubscribe,
                        personalise(newsletter.text, unsubscribe, html=False),
                        personalise(newsletter.html, unsubscribe, html=True))


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sent in an earlier run
    uncertain: list[str] = field(default_factory=list)  # an earlier run crashed while sending these
    failed: list[tuple[str, str]] = field(default_factory=list)


Deliver = Callable[[SmtpConfig, EmailMessage], None]


def send_newsletter(newsletter: Newsletter, recipients: list[str], smtp: SmtpConfig, settings: ListSettings,
                    log: SentLog, limiter: RateLimiter, retry_uncertain: bool = False, deliver: Deliver = send,
                    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> SendReport:
    """Send to every recipient not yet in the log. A refused address is logged and skipped; any
    other error stops the run (the rest is sent by the next run)."""
    return send_each(recipients, lambda address, at: (address, build_message(newsletter, address, settings, at)),
                     smtp, parseaddr(settings.sender)[1], log, limiter, retry_uncertain, deliver, now)


class Log(Protocol):
    """A sent-log: SentLog (a file) or any store with the same two methods."""

    def states(self) -> dict[str, str]: ...

    def record(self, key: str, state: str, **details: str) -> None: ...


def send_each(keys: Iterable[str], build: Callable[[str, datetime], tuple[str, EmailMessage]], smtp: SmtpConfig,
              envelope_from: str, log: Log, limiter: RateLimiter, retry_uncertain: bool = False,
              deliver: Deliver = send, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> SendReport:
    """The sending loop of every list mail: `build(key, now)` gives (address, message) of one
    recipient, identified in the log by `key`. "attempt" is logged before the hand-over and
    "sent" after it; a rerun skips "sent" and (unless retry_uncertain) "attempt"."""
    report, states = SendReport(), log.states()
    for key in keys:
        state = states.get(key.lower())
        if state == "sent":
            report.skipped.append(key)
            continue
        if state == "attempt" and not retry_uncertain:
            report.uncertain.append(key)
            continue
        limiter.wait()
        address, message = build(key, now())
        log.record(key, "attempt", message_id=message["Message-ID"])
        try:
            deliver(replace(smtp, sender=envelope_from, recipients=(address,)), message)
        except smtplib.SMTPRecipientsRefused as exc:
            log.record(key, "failed", error=str(exc))
            report.failed.append((key, str(exc)))
            continue
        except (smtplib.SMTPException, OSError) as exc:
            log.record(key, "failed", error=str(exc))
            report.failed.append((key, str(exc)))
            raise
        log.record(key, "sent", message_id=message["Message-ID"])
        report.sent.append(key)
    return report
