"""Meta's hashtag budget: at most 30 unique hashtags per Instagram account within a rolling
7-day window (Hashtag Search guide and IG Hashtag Search reference). A hashtag counts from its
first query for 7 days; querying it again inside the window costs nothing and does not restart
its timer. We track that in `hashtag_queries` and refuse a 31st hashtag ourselves, with a clear
message, instead of learning it from an API error.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.store.official import HashtagQuery

LIMIT = 30
WINDOW = timedelta(days=7)


class HashtagLimitReached(Exception):
    """A new hashtag would be the 31st within 7 days. The message is German (for editors/alerts)."""


def _in_window(row: HashtagQuery, now: datetime) -> bool:
    return row.window_started_at > now - WINDOW


def used(session: Session, now: datetime) -> list[HashtagQuery]:
    """The hashtags that count against the budget right now, oldest first."""
    return list(session.scalars(select(HashtagQuery).where(HashtagQuery.window_started_at > now - WINDOW)
                                .order_by(HashtagQuery.window_started_at)))


def admit(session: Session, hashtag: str, now: datetime) -> HashtagQuery:
    """Record a query of `hashtag`; raises HashtagLimitReached when it would be one too many."""
    hashtag = hashtag.lstrip("#").casefold()
    row = session.scalar(select(HashtagQuery).where(HashtagQuery.hashtag == hashtag))
    if row is not None and _in_window(row, now):
        row.last_queried_at = now  # already paid for within this window
        return row
    counted = session.scalar(select(func.count(HashtagQuery.id))
                             .where(HashtagQuery.window_started_at > now - WINDOW)) or 0
    if counted >= LIMIT:
        oldest = used(session, now)[0]
        free_at = oldest.window_started_at + WINDOW
        raise HashtagLimitReached(
            f"Hashtag-Limit erreicht: Meta erlaubt {LIMIT} verschiedene Hashtags in 7 Tagen; #{hashtag} "
            f"wäre der {counted + 1}. Der nächste Platz wird am {free_at:%d.%m.%Y um %H:%M} UTC frei "
            f"(#{oldest.hashtag}).")
    if row is None:
        row = HashtagQuery(hashtag=hashtag, window_started_at=now, last_queried_at=now)
        session.add(row)
    else:  # its last window ended: it counts again from now
        row.window_started_at, row.last_queried_at = now, now
    return row
