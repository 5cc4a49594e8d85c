"""The confirmation mail of the double opt-in (German, text + HTML) and the outbox that sends it
through the alerts' SMTP server (scheduler/alerts/mail.py) in a thread of its own.

The sign-up page answers before the mail is handed over: the answer is the same, and takes as
long, whether a mail goes out or not (no guessing who is subscribed), and a slow SMTP server
never holds a web request. A mail that cannot be sent is logged and its request forgotten, so
the person can simply try again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from scheduler.alerts.mail import SmtpConfig, send

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
SUBJECT = "Bitte bestätige deine Anmeldung zum So-ist-S-Newsletter"


def confirmation_text(link: str, siteurl: str) -> str:
    return (
        "Hallo!\n\n"
        "Jemand – hoffentlich du – möchte den Newsletter von So ist S an diese Adresse bekommen: "
        "einmal im Monat die schönsten Fotos aus der Region Stuttgart, Menschen und Termine.\n\n"
        "Öffne diesen Link und bestätige dort mit einem Klick, dann bist du angemeldet (er gilt 48 Stunden):\n\n"
        f"{link}\n\n"
        "Das warst nicht du? Dann musst du nichts tun: Ohne Bestätigung bekommst du keine weitere Mail, "
        "und wir löschen die Adresse nach 48 Stunden.\n\n"
        "-- \nSo ist S – eine Kampagne der Wirtschaftsförderung Region Stuttgart\n"
        f"Datenschutz: {siteurl}/datenschutz/\n"
    )


def confirmation_html(link: str, siteurl: str) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    return environment.get_template("confirm.html").render(link=link, siteurl=siteurl)


def confirmation_message(address: str, link: str, sender: str, siteurl: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = sender
    message["To"] = address
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(confirmation_text(link, siteurl), charset="utf-8", cte="quoted-printable")
    message.add_alternative(confirmation_html(link, siteurl), subtype="html", charset="utf-8", cte="quoted-printable")
    return message


class Outbox:
    """A queue of confirmation mails and one thread that sends them, one after another."""

    def __init__(self, smtp: SmtpConfig, sender: str, siteurl: str, link_for: Callable[[str], str],
                 on_failure: Callable[[str], None], deliver: Callable[[SmtpConfig, EmailMessage], None] = send):
        self.smtp, self.sender, self.siteurl = smtp, sender, siteurl
        self.link_for, self.on_failure, self.deliver = link_for, on_failure, deliver
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._run, name="newsletter-outbox", daemon=True)
        self._thread.start()

    def __call__(self, address: str) -> None:
        try:
            self._queue.put_nowait(address)
        except queue.Full:
            log.error("newsletter outbox full: a confirmation mail was dropped")
            self.on_failure(address)

    def _run(self) -> None:
        while (address := self._queue.get()) is not None:
            try:
                message = confirmation_message(address, self.link_for(address), self.sender, self.siteurl,
                                               datetime.now(timezone.utc))
                self.deliver(replace(self.smtp, sender=parseaddr(self.sender)[1], recipients=(address,)), message)
                log.info("newsletter: confirmation mail sent")  # never the address: the journal is no list
            except Exception as exc:  # noqa: BLE001 - the thread must go on; the person can try again
                # the type only: smtplib's messages name the address, and the journal is no list of addresses
                log.error("newsletter: confirmation mail not sent: %s", type(exc).__name__)
                self.on_failure(address)
            finally:
                self._queue.task_done()

    def join(self) -> None:
        """Wait until every queued mail was handed over (tests)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
