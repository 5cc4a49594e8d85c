"""German date labels without a locale dependency ("Mo., 23. November 2026")."""

from __future__ import annotations

from datetime import date, datetime

# One list of German month and weekday names for the whole site.
from ..navigation.dates import MONTHS, german_month as month_label  # noqa: F401
from ..navigation.dates import BERLIN  # noqa: F401 - re-exported for the events modules
from ..navigation.dates import WEEKDAYS_SHORT as WEEKDAYS
Moment = datetime | date
# "18:00 Uhr" never breaks across lines: a no-break space before "Uhr", a word joiner after
# the dash of a range ("18:00–20:00 Uhr" stays on one line).
NBSP = "\u00a0"
DASH = "\u2013\u2060"
UHR = f"{NBSP}Uhr"


def _local(moment: Moment) -> Moment:
    return moment.astimezone(BERLIN) if isinstance(moment, datetime) else moment


def day_label(moment: Moment) -> str:
    day = _local(moment)
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"


def time_label(moment: datetime) -> str:
    return f"{_local(moment):%H:%M}"


def span_label(start: Moment, end: Moment) -> str:
    """'Mo., 23. November 2026, 18:00–20:00 Uhr', 'ganztägig', or a range across days."""
    if not isinstance(start, datetime):
        if end == start:
            return f"{day_label(start)}, ganztägig"
        return f"{day_label(start)} bis {day_label(end)}"
    start, end = _local(start), _local(end)
    if start.date() == end.date():
        return f"{day_label(start)}, {time_label(start)}{DASH}{time_label(end)}{UHR}"
    return f"{day_label(start)}, {time_label(start)}{UHR} bis {day_label(end)}, {time_label(end)}{UHR}"


def iso(moment: Moment) -> str:
    """ISO 8601 with offset for timed events (as <time datetime> and JSON-LD want)."""
    return _local(moment).isoformat() if isinstance(moment, datetime) else moment.isoformat()


def local_date(moment: Moment) -> date:
    return _local(moment).date() if isinstance(moment, datetime) else moment
