"""One event as a municipality's calendar says it, before it becomes a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class UpstreamEvent:
    uid: str  # the calendar's own id (ICS UID, feed guid/id/link), or made from title and start
    title: str
    start: date | datetime  # aware datetime (any zone) or a date for all-day events
    end: date | datetime | None  # ICS semantics: for dates the day after the last day
    location: str = ""
    description: str = ""
    rrule: str | None = None  # RFC 5545 value, checked to end (COUNT or UNTIL)
    categories: tuple[str, ...] = ()
    url: str = ""  # the event's page at the municipality, if the calendar names one
    # A series' dates that are not held as the rule says: EXDATE, and the RECURRENCE-ID of each
    # cancelled, moved or changed instance (any zone, or dates; matched to the draft's dates)
    exdates: tuple[date | datetime, ...] = ()
    recurrence_id: date | datetime | None = None  # set on a moved or changed instance of a series
