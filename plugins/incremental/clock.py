"""When time-dependent output changes even though no file did.

Upcoming events become past ones, scheduled community posts appear, "days waiting" on the
coverage page grows. Generators declare the next such instant as `valid_until`; every
build counts as valid until the next midnight in Europe/Berlin at most, which covers all
day-granular output (German dates, the current month, coverage days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from plugins.navigation.dates import BERLIN


def next_midnight(now: datetime) -> datetime:
    tomorrow = now.astimezone(BERLIN).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=BERLIN)


def as_instant(moment: date | datetime) -> datetime:
    """Dates count from their midnight in Berlin."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)
    return datetime.combine(moment, time(0, 0), tzinfo=BERLIN)


def first_after(moments: Iterable[date | datetime], now: datetime) -> datetime | None:
    """The earliest moment strictly after now, or None."""
    later = [instant for instant in map(as_instant, moments) if instant > now]
    return min(later, default=None)


def valid_until(now: datetime, declared: Iterable[datetime | None]) -> datetime:
    return min([next_midnight(now), *(moment for moment in declared if moment is not None)])
