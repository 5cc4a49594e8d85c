"""When a stored mention is tried again, and when we stop: the retry policy of webhook_payloads.

Found on the first real day: a Graph API outage (368 temporarily blocked) or a rate limit (code
4) counted as failed attempts, every notification retried every pending row at once, and after
five the mention was marked processed and never looked at again — lost.

Now:
- A **transient** error (RetryLater and its subclasses — rate limits, 368, 5xx, is_transient —
  and network errors, OSError) never counts toward giving up. It puts the whole queue in
  backoff: every pending row waits until `now + delay`, delay = BASE·2^(n-1) capped at CAP for
  the n-th transient failure in a row, or longer when Meta says how long
  (`retry_after`, seconds, from `estimated_time_to_regain_access`). While the backoff lasts no
  row is due, so new notifications are stored but call nothing; the batch that met the error
  stops there. The first success ends the outage (n back to 0).
- A **permanent** error (any other GraphError, bad data) counts: the row is tried again after
  PERMANENT_DELAY·attempts, and after MAX_ATTEMPTS it is **given up** (status `gave_up`), a
  named outcome that raises the alert `mention_gave_up` and shows in `status`.
- A row still pending after STALE_HOURS raises `mention_stale` (it keeps being retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.alerts.problem import WARNING, Problem, german_datetime
from scheduler.publish.graph_errors import RetryLater
from scheduler.store.official import WebhookPayload

MAX_ATTEMPTS = 5  # permanent failures before a mention is given up
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(minutes=30)
SERVER_WAIT_CAP = timedelta(hours=6)  # a longer server-given wait is believed only this far
PERMANENT_DELAY = timedelta(minutes=10)
STALE_HOURS = 48
ALERT_DAYS = 7  # a give-up is reported for this long
PENDING, DONE, GAVE_UP = "pending", "done", "gave_up"


def is_transient(error: BaseException) -> bool:
    """RetryLater (rate limit, 368, 5xx, is_transient, lost answers) and network errors."""
    return isinstance(error, (RetryLater, OSError))


def backoff_delay(level: int, retry_after: float | None = None) -> timedelta:
    """The wait after the level-th transient failure in a row; a server-given wait wins when longer."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(level - 1, 0))
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), SERVER_WAIT_CAP))
    return delay


def pending(session: Session):
    return select(WebhookPayload).where(WebhookPayload.status == PENDING)


def backoff_until(session: Session) -> datetime | None:
    """The end of the current outage backoff (None when the queue is not in backoff). record_transient
    moved every pending row to at least that moment, so it is the earliest of the rows it touched; a
    row waiting longer after a permanent error does not extend it."""
    return session.scalar(select(func.min(WebhookPayload.next_attempt_at)).where(
        WebhookPayload.status == PENDING, WebhookPayload.retries > 0))


def due_rows(session: Session, now: datetime) -> list[WebhookPayload]:
    """Pending rows whose time has come — none while the queue is in backoff."""
    gate = backoff_until(session)
    if gate is not None and gate > now:
        return []
    return list(session.scalars(pending(session).where(
        (WebhookPayload.next_attempt_at.is_(None)) | (WebhookPayload.next_attempt_at <= now))
        .order_by(WebhookPayload.id)))


def next_due(session: Session) -> datetime | None:
    """When the earliest pending row is due (a row never tried: when it arrived), not before the end of
    a backoff; None when nothing waits. The worker sleeps until then."""
    waiting = [session.scalar(select(func.min(WebhookPayload.next_attempt_at)).where(WebhookPayload.status == PENDING)),
               session.scalar(select(func.min(WebhookPayload.received_at)).where(
                   WebhookPayload.status == PENDING, WebhookPayload.next_attempt_at.is_(None)))]
    waiting = [at for at in waiting if at is not None]
    if not waiting:
        return None
    gate = backoff_until(session)
    return max(min(waiting), gate) if gate is not None else min(waiting)


def record_success(session: Session, row: WebhookPayload, outcome: str, now: datetime) -> None:
    row.status, row.outcome, row.processed_at, row.next_attempt_at = DONE, outcome, now, None
    for other in session.scalars(pending(session).where(WebhookPayload.retries > 0)):
        other.retries = 0  # the outage is over; a new one starts at BASE again
    row.retries = 0


def record_transient(session: Session, row: WebhookPayload, error: BaseException, now: datetime) -> datetime:
    """Back the whole queue off; returns until when."""
    level = (session.scalar(select(func.max(WebhookPayload.retries)).where(WebhookPayload.status == PENDING))
             or 0) + 1
    until = now + backoff_delay(level, getattr(error, "retry_after", None))
    for other in session.scalars(pending(session)):
        other.retries = level
        if other.next_attempt_at is None or other.next_attempt_at < until:
            other.next_attempt_at = until
    row.outcome = f"später erneut (ab {german_datetime(until)}, Störung Nr. {level}): {error}"[:2000]
    return until


def record_permanent(session: Session, row: WebhookPayload, error: BaseException, now: datetime) -> bool:
    """Count the failure; True when the row is given up now."""
    row.attempts += 1
    text = f"{type(error).__name__}: {error}"[:1800]
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.processed_at, row.next_attempt_at = GAVE_UP, now, None
        row.outcome = f"aufgegeben nach {row.attempts} Fehlversuchen: {text}"
        return True
    row.next_attempt_at = now + PERMANENT_DELAY * row.attempts
    row.outcome = f"fehlgeschlagen ({row.attempts}/{MAX_ATTEMPTS}): {text}"
    return False


@dataclass(frozen=True)
class MentionStatus:
    pending: int
    due: int
    backoff_until: datetime | None
    gave_up: int
    stale: int

    def to_json(self) -> dict:
        return {"pending": self.pending, "due": self.due, "gave_up": self.gave_up, "stale": self.stale,
                "backoff_until": self.backoff_until.isoformat() if self.backoff_until else None}

    def line_de(self) -> str:
        parts = [f"{self.pending} offen"]
        if self.backoff_until is not None:
            parts.append(f"Meta-Störung, nächster Versuch {german_datetime(self.backoff_until)}")
        if self.stale:
            parts.append(f"{self.stale} älter als {STALE_HOURS} Stunden")
        parts.append(f"{self.gave_up} aufgegeben")
        return "Erwähnungen: " + ", ".join(parts)


def mention_status(session: Session, now: datetime) -> MentionStatus:
    count = lambda query: session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    gate = backoff_until(session)
    return MentionStatus(
        pending=count(pending(session)), due=len(due_rows(session, now)),
        backoff_until=gate if gate is not None and gate > now else None,
        gave_up=count(select(WebhookPayload).where(WebhookPayload.status == GAVE_UP)),
        stale=count(pending(session).where(WebhookPayload.received_at < now - timedelta(hours=STALE_HOURS))))


def mention_problems(session: Session, now: datetime) -> list[Problem]:
    """The alerts: mentions given up in the last ALERT_DAYS, and mentions pending for over STALE_HOURS."""
    found = []
    gave_up = list(session.scalars(select(WebhookPayload).where(
        WebhookPayload.status == GAVE_UP, WebhookPayload.processed_at >= now - timedelta(days=ALERT_DAYS))
        .order_by(WebhookPayload.id)))
    if gave_up:
        examples = "; ".join(f"{row.key}: {row.outcome[:160]}" for row in gave_up[:3])
        found.append(Problem("mention_gave_up", "Instagram-Erwähnungen", WARNING,
                             f"{len(gave_up)} Erwähnung(en) von @wirzeigenS wurden nach {MAX_ATTEMPTS} "
                             f"Fehlversuchen aufgegeben ({examples}).",
                             "Fehler ansehen (`python -m scheduler status`); ist die Ursache behoben (z. B. "
                             "Berechtigung), den Beitrag auf Instagram suchen und von Hand übernehmen."))
    stale = list(session.scalars(pending(session).where(
        WebhookPayload.received_at < now - timedelta(hours=STALE_HOURS)).order_by(WebhookPayload.id)))
    if stale:
        found.append(Problem("mention_stale", "Instagram-Erwähnungen", WARNING,
                             f"{len(stale)} Erwähnung(en) warten seit über {STALE_HOURS} Stunden auf die "
                             f"Verarbeitung (die älteste seit {german_datetime(stale[0].received_at)}); "
                             f"zuletzt: {stale[0].outcome[:200] or 'noch kein Versuch'}.",
                             "Meist eine lange Störung oder ein Limit bei Meta: abwarten, sie werden weiter "
                             "versucht. Hält es an, Zugang prüfen (`python -m scheduler check-credentials`)."))
    return found
