"""The newsletter's subscribers in the store (table newsletter_subscribers, migration 0013), the
export of their consent records, and the sign-up's rate limits.

A row is a consent record: address, when the confirmation mail was asked for, when the link was
opened, which consent sentence the person saw. Unconfirmed rows are deleted once their link has
expired; unsubscribing deletes the row.
"""

from __future__ import annotations

import csv
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from plugins.newsletter.consent import CONSENT_TEXTS
from scheduler.store.models import NewsletterSubscriber

from .tokens import CONFIRM_VALID

# A second sign-up for the same address within this time sends no second mail.
RESEND_AFTER = timedelta(minutes=15)
EXPORT_COLUMNS = ("email", "requested_utc", "confirmed_utc", "consent_version", "consent_text")


def purge_unconfirmed(session: Session, now: datetime) -> int:
    """Delete sign-ups whose confirmation link has expired."""
    result = session.execute(delete(NewsletterSubscriber).where(
        NewsletterSubscriber.confirmed_utc.is_(None), NewsletterSubscriber.requested_utc < now - CONFIRM_VALID))
    return result.rowcount or 0


def request_signup(session: Session, address: str, version: str, now: datetime) -> bool:
    """Record a sign-up; True when a confirmation mail is to be sent now. No mail for a confirmed
    subscriber or for a request made less than RESEND_AFTER ago (the caller answers the same)."""
    address = address.lower()
    purge_unconfirmed(session, now)
    row = session.scalar(select(NewsletterSubscriber).where(NewsletterSubscriber.email == address))
    if row is None:
        session.add(NewsletterSubscriber(email=address, requested_utc=now, consent_version=version))
        return True
    if row.confirmed_utc is not None or now - row.requested_utc < RESEND_AFTER:
        return False
    row.requested_utc, row.consent_version = now, version
    return True


def confirm(session: Session, address: str, now: datetime) -> bool:
    """Mark the sign-up as confirmed (again: no change); False when there is none (expired, withdrawn)."""
    purge_unconfirmed(session, now)
    row = session.scalar(select(NewsletterSubscriber).where(NewsletterSubscriber.email == address.lower()))
    if row is None:
        return False
    if row.confirmed_utc is None:
        row.confirmed_utc = now
    return True


def withdraw(session: Session, address: str) -> bool:
    """Unsubscribe: the row goes (and with it the address). False when there was none."""
    result = session.execute(delete(NewsletterSubscriber).where(NewsletterSubscriber.email == address.lower()))
    return bool(result.rowcount)


def forget_unconfirmed(session: Session, address: str) -> None:
    """The confirmation mail could not be sent: drop the request so that the person can try again."""
    session.execute(delete(NewsletterSubscriber).where(NewsletterSubscriber.email == address.lower(),
                                                       NewsletterSubscriber.confirmed_utc.is_(None)))


def confirmed_subscribers(sessions: sessionmaker[Session]) -> list[NewsletterSubscriber]:
    with sessions() as session:
        rows = list(session.scalars(select(NewsletterSubscriber).where(NewsletterSubscriber.confirmed_utc.is_not(None))
                                    .order_by(NewsletterSubscriber.confirmed_utc, NewsletterSubscriber.id)))
        session.expunge_all()
    return rows


def export_subscribers(sessions: sessionmaker[Session], path: Path) -> int:
    """The confirmed subscribers with their consent record, as CSV for the newsletter service."""
    rows = confirmed_subscribers(sessions)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # addresses: for the owner only
    os.chmod(path, 0o600)  # also when the file was there before
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([row.email, row.requested_utc.isoformat(), row.confirmed_utc.isoformat(),
                             row.consent_version, CONSENT_TEXTS.get(row.consent_version, "")])
    return len(rows)


@dataclass
class ClientLimiter:
    """At most `limit` sign-ups per key (a client's address; "*" for all together) in `window`
    seconds. In memory only, and an entry is forgotten once its window has passed."""

    limit: int
    window: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def forget_old(self) -> None:
        """Drop every key whose last sign-up is older than the window (also called by a timer:
        without new requests, nothing would be forgotten)."""
        now = self.clock()
        with self._lock:
            for other in [k for k, times in self._seen.items() if times[-1] <= now - self.window]:
                del self._seen[other]

    def allow(self, key: str) -> bool:
        self.forget_old()
        now = self.clock()
        with self._lock:
            times = [t for t in self._seen.get(key, []) if t > now - self.window]
            if len(times) >= self.limit:
                self._seen[key] = times
                return False
            self._seen[key] = [*times, now]
            return True

    def __len__(self) -> int:
        return len(self._seen)
