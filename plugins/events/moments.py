"""Event moments: an aware Berlin datetime for timed events, a date for all-day ones."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from .german import BERLIN

Moment = datetime | date


def sort_key(moment: Moment) -> datetime:
    """Make dates and datetimes comparable: an all-day date sorts at local midnight."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0, 0), BERLIN)


def resolve_local(naive: datetime) -> datetime:
    """Attach Europe/Berlin the way RFC 5545 reads a TZID time: an ambiguous time (the
    October hour that happens twice) is its first occurrence, a non-existent time (the
    skipped March hour) uses the offset before the gap, i.e. 02:30 becomes 03:30 CEST.
    The result is normalised so every consumer sees the same real instant."""
    aware = naive.replace(tzinfo=BERLIN, fold=0)
    return aware.astimezone(timezone.utc).astimezone(BERLIN)
