"""From problems to mails: remember every problem in `alert_log`, mail a problem at most once
a day per (kind, subject), mail "behoben" when an announced problem clears, or — with
SOISTS_ALERT_DIGEST=1 — one daily overview instead.

`report_problems(db_url, problems, checked=…)`: `checked` are the kinds the caller looked at;
an open problem of such a kind that is no longer reported has cleared. A kind nobody checked
stays open (a publish run says nothing about the disk).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from email.message import EmailMessage
from typing import Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.alerts.mail import MailText, SmtpConfig, alert_text, build_message, digest_text, recovery_text, send
from scheduler.alerts.problem import BERLIN, Problem
from scheduler.alerts.state import AlertLog

log = logging.getLogger(__name__)
DIGEST_KIND, DIGEST_SUBJECT = "digest", "daily"
Sender = Callable[[EmailMessage], None]


@dataclass(frozen=True)
class AlertSettings:
    board_url: str = "http://127.0.0.1:8765/"
    digest: bool = False
    digest_at: time = time(7, 0)  # Berlin: the digest goes out with the first report after this

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "AlertSettings":
        env = os.environ if env is None else env
        return cls(board_url=env.get("SOISTS_BOARD_URL", cls.board_url),
                   digest=env.get("SOISTS_ALERT_DIGEST", "") in ("1", "true", "yes"),
                   digest_at=time.fromisoformat(env.get("SOISTS_ALERT_DIGEST_AT", "07:00")))


@dataclass
class Outcome:
    opened: list[Problem] = field(default_factory=list)  # new since the last report
    resolved: list[Problem] = field(default_factory=list)  # cleared now
    sent: list[EmailMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # mails that could not be sent


def as_problem(row: AlertLog) -> Problem:
    return Problem(row.kind, row.subject, row.severity, row.text_de, row.action_de)


def berlin_day(instant: datetime | None):
    return instant.astimezone(BERLIN).date() if instant else None


def update_log(session: Session, problems: Iterable[Problem], checked: set[str], now: datetime) -> Outcome:
    """Open, refresh and resolve rows; returns what opened and what cleared (writes, no commit)."""
    outcome = Outcome()
    open_rows = {(r.kind, r.subject): r for r in session.scalars(
        select(AlertLog).where(AlertLog.resolved_utc.is_(None), AlertLog.kind != DIGEST_KIND))}
    current: dict[tuple[str, str], Problem] = {p.key: p for p in problems}
    for key, problem in current.items():
        row = open_rows.get(key)
        if row is None:
            row = AlertLog(kind=problem.kind, subject=problem.subject[:200], first_seen_utc=now)
            session.add(row)
            outcome.opened.append(problem)
        row.severity, row.text_de, row.action_de, row.last_seen_utc = (
            problem.severity, problem.text_de, problem.action_de, now)
    for key, row in open_rows.items():
        if key not in current and row.kind in checked:
            row.resolved_utc = now
            outcome.resolved.append(as_problem(row))
    session.flush()
    return outcome


def mailed_today(session: Session, kind: str, subject: str, now: datetime) -> bool:
    """Any mail about (kind, subject) today (Berlin), also from an earlier occurrence that cleared."""
    return any(berlin_day(at) == berlin_day(now) for at in session.scalars(
        select(AlertLog.last_mailed_utc).where(AlertLog.kind == kind, AlertLog.subject == subject,
                                               AlertLog.last_mailed_utc.is_not(None))))


def immediate_mails(session: Session, settings: AlertSettings, now: datetime) -> list[tuple[MailText, Callable]]:
    """(mail, mark-as-sent) pairs: open problems not mailed today, announced problems that cleared."""
    mails = []
    for row in session.scalars(select(AlertLog).where(AlertLog.resolved_utc.is_(None),
                                                      AlertLog.kind != DIGEST_KIND).order_by(AlertLog.id)):
        if not mailed_today(session, row.kind, row.subject, now):
            mails.append((alert_text(as_problem(row), row.first_seen_utc, settings.board_url),
                          lambda row=row: setattr(row, "last_mailed_utc", now)))
    for row in session.scalars(select(AlertLog).where(
            AlertLog.resolved_utc.is_not(None), AlertLog.last_mailed_utc.is_not(None),
            AlertLog.recovery_mailed_utc.is_(None)).order_by(AlertLog.id)):
        mails.append((recovery_text(as_problem(row), row.first_seen_utc, row.resolved_utc, settings.board_url),
                      lambda row=row: setattr(row, "recovery_mailed_utc", now)))
    return mails


def digest_due(session: Session, settings: AlertSettings, now: datetime) -> AlertLog | None:
    """The digest's bookkeeping row when today's digest is due, else None."""
    if now.astimezone(BERLIN).time() < settings.digest_at:
        return None
    row = session.scalar(select(AlertLog).where(AlertLog.kind == DIGEST_KIND, AlertLog.subject == DIGEST_SUBJECT))
    if row is None:
        row = AlertLog(kind=DIGEST_KIND, subject=DIGEST_SUBJECT, severity="info", first_seen_utc=now,
                       last_seen_utc=now, text_de="", action_de="")
        session.add(row)
    return None if berlin_day(row.last_mailed_utc) == berlin_day(now) else row


def digest_mails(session: Session, settings: AlertSettings, now: datetime) -> list[tuple[MailText, Callable]]:
    marker = digest_due(session, settings, now)
    if marker is None:
        return []
    open_rows = list(session.scalars(select(AlertLog).where(
        AlertLog.resolved_utc.is_(None), AlertLog.kind != DIGEST_KIND).order_by(AlertLog.id)))
    cleared = list(session.scalars(select(AlertLog).where(
        AlertLog.resolved_utc.is_not(None), AlertLog.recovery_mailed_utc.is_(None),
        AlertLog.kind != DIGEST_KIND).order_by(AlertLog.id)))
    if not open_rows and not cleared:
        return []  # nothing to say: no mail, and a problem later today still gets today's digest

    def mark() -> None:
        marker.last_mailed_utc = marker.last_seen_utc = now
        for row in open_rows:
            row.last_mailed_utc = now
        for row in cleared:
            row.recovery_mailed_utc = now

    text = digest_text(now, [(as_problem(r), r.first_seen_utc) for r in open_rows],
                       [as_problem(r) for r in cleared], settings.board_url)
    return [(text, mark)]


def default_sender(env: Mapping[str, str] | None = None) -> tuple[Sender | None, SmtpConfig | None]:
    config = SmtpConfig.load(env)
    return (None, None) if config is None else ((lambda message: send(config, message)), config)


def report_problems(db_url: str, problems: Iterable[Problem], *, checked: Iterable[str] | None = None,
                    now: datetime | None = None, settings: AlertSettings | None = None,
                    smtp: SmtpConfig | None = None, sender: Sender | None = None) -> Outcome:
    """Record the problems, mail what is due; a mail that fails is logged and tried next time."""
    from scheduler.store.db import has_tables, make_engine, migrate, session_factory

    problems = list(problems)
    now = now or datetime.now(timezone.utc)
    settings = settings or AlertSettings.from_env()
    checked_kinds = set(checked) if checked is not None else {p.kind for p in problems}
    if smtp is not None and sender is None:
        sender = lambda message: send(smtp, message)  # noqa: E731
    elif sender is None:
        sender, smtp = default_sender()
    if not has_tables(db_url, "alert_log"):
        migrate(db_url)
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            outcome = update_log(session, problems, checked_kinds, now)
            session.commit()
            mails = (digest_mails if settings.digest else immediate_mails)(session, settings, now)
            if mails and sender is None:
                log.warning("%d alert mail(s) not sent: no SMTP configured (SOISTS_SMTP_HOST, SOISTS_ALERT_TO)",
                            len(mails))
                return outcome
            for text, mark in mails:
                message = build_message(text, smtp.sender if smtp else "soists@localhost",
                                        smtp.recipients if smtp else ("root@localhost",), now)
                try:
                    sender(message)
                except Exception as error:  # one bad mail must not stop the job or the other mails
                    log.error("alert mail %r not sent: %s: %s", text.subject, type(error).__name__, error)
                    outcome.errors.append(f"{text.subject}: {type(error).__name__}: {error}")
                    continue
                mark()
                session.commit()
                outcome.sent.append(message)
    finally:
        engine.dispose()
    return outcome
