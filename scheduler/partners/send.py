"""Sending the month's mails: one per contact, through the newsletter's SMTP path.

newsletter/send.py's `send_each` does the sending (the alerts' SMTP client, rate limit, "attempt"
before and "sent" after each hand-over, a rerun skips both); the sent-log here is the store's
`partner_mail_log` (state.py), so the impact report can count the mails. Who gets what:

- no mail to a contact with `opt_out` in the file or an opt-out in the store (optout.py);
- a municipality with news this month (monthly.MonthFigures.has_news) gets the monthly mail;
- one without gets the short note („quiet“), but at most once a calendar quarter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plugins.newsletter.selection import Month
from scheduler.alerts.mail import SmtpConfig, send
from scheduler.newsletter.send import Deliver, RateLimiter, SendReport, list_message, send_each

from .contacts import Contact
from .mail import MONTHLY, QUIET, PartnerMail
from .optout import opted_out, unsubscribe_url
from .state import PartnerMailLog

LIST_ID = "So ist S in Ihrer Kommune <kommunen.so-ist-s.de>"


@dataclass(frozen=True)
class PartnerSettings:
    sender: str  # From:, e.g. "So ist S <kommunen@so-ist-s.de>"; replies reach the editors
    unsubscribe_mailto: str
    siteurl: str
    secret: bytes  # newsletter/tokens.py's secret


def key_of(contact: Contact) -> str:
    return f"{contact.ags}:{contact.email.lower()}"


class StoreLog:
    """The sent-log of one month in the store (same contract as newsletter.send.SentLog)."""

    def __init__(self, sessions: sessionmaker[Session], month: str, kinds: dict[str, str]):
        self.sessions, self.month, self.kinds = sessions, month, kinds

    def states(self) -> dict[str, str]:
        states: dict[str, str] = {}
        with self.sessions() as session:
            for row in session.scalars(select(PartnerMailLog).where(PartnerMailLog.month == self.month)
                                       .order_by(PartnerMailLog.id)):
                states[f"{row.ags}:{row.email}"] = row.state
        return states

    def record(self, key: str, state: str, **details: str) -> None:
        ags, _, email = key.partition(":")
        with self.sessions.begin() as session:  # committed before the next step
            session.add(PartnerMailLog(month=self.month, ags=ags, email=email, kind=self.kinds.get(key, MONTHLY),
                                       state=state, message_id=details.get("message_id", ""),
                                       detail=details.get("error"), at_utc=datetime.now(timezone.utc)))


def quarter(month: Month) -> tuple[int, int]:
    return month.year, (month.month - 1) // 3


def quiet_sent_this_quarter(session: Session, month: Month) -> set[str]:
    """AGS that got the short note in another month of the same quarter."""
    months = {Month(month.year, q * 3 + i + 1).slug for q in [quarter(month)[1]] for i in range(3)} - {month.slug}
    return set(session.scalars(select(PartnerMailLog.ags).where(
        PartnerMailLog.kind == QUIET, PartnerMailLog.state == "sent", PartnerMailLog.month.in_(months))))


@dataclass
class Plan:
    """Who gets which mail this month, and who gets none and why."""

    send: list[tuple[Contact, str]] = field(default_factory=list)  # (contact, monthly | quiet)
    skipped: list[tuple[Contact, str]] = field(default_factory=list)  # (contact, reason in German)


def plan_month(session: Session, contacts: list[Contact], news: dict[str, bool], month: Month) -> Plan:
    plan, stopped, quiet_done = Plan(), opted_out(session), quiet_sent_this_quarter(session, month)
    for contact in contacts:
        if contact.opt_out:
            plan.skipped.append((contact, "abgemeldet (Kontaktliste)"))
        elif (contact.ags, contact.email.lower()) in stopped:
            plan.skipped.append((contact, "abgemeldet (Link in der Mail)"))
        elif news.get(contact.ags):
            plan.send.append((contact, MONTHLY))
        elif contact.ags in quiet_done:
            plan.skipped.append((contact, "nichts Neues; kurze Nachricht in diesem Quartal schon verschickt"))
        else:
            plan.send.append((contact, QUIET))
    return plan


def message_id(month: str, key: str, domain: str) -> str:
    digest = hashlib.sha256(f"{month}:{key}".encode()).hexdigest()[:20]
    return f"<kommune-{month}-{digest}@{domain}>"


def build(mail: PartnerMail, contact: Contact, settings: PartnerSettings, month: str, now: datetime) -> EmailMessage:
    unsubscribe = unsubscribe_url(settings.siteurl, settings.secret, contact.ags, contact.email, now)
    text, html = mail.personal(unsubscribe)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    return list_message(mail.subject, settings.sender, contact.email, now, message_id(month, key_of(contact), domain),
                        LIST_ID, settings.unsubscribe_mailto, unsubscribe, text, html)


def send_month(sessions: sessionmaker[Session], plan: Plan, mails: dict[tuple[str, str], PartnerMail], month: Month,
               smtp: SmtpConfig, settings: PartnerSettings, limiter: RateLimiter, retry_uncertain: bool = False,
               deliver: Deliver = send) -> SendReport:
    """`mails`: (AGS, kind) → the composed mail. One message per planned contact, none twice."""
    by_key = {key_of(c): (c, kind) for c, kind in plan.send}
    log = StoreLog(sessions, month.slug, {key: kind for key, (_, kind) in by_key.items()})

    def make(key: str, now: datetime) -> tuple[str, EmailMessage]:
        contact, kind = by_key[key]
        return contact.email, build(mails[(contact.ags, kind)], contact, settings, month.slug, now)

    return send_each(list(by_key), make, smtp, parseaddr(settings.sender)[1], log, limiter, retry_uncertain, deliver)
