"""Recurring events: RRULE validation/normalisation and expansion into occurrences.

Expansion uses dateutil's rrule on Europe/Berlin wall-clock times, as RFC 5545 does for a
DTSTART with TZID: a monthly 18:00 event stays at 18:00 across the DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from dateutil.rrule import rrulestr

from . import german
from .model import BERLIN, Event, Moment, resolve_local, sort_key
from .rrule import RecurrenceError, normalise_rrule  # noqa: F401 - re-exported

MAX_OCCURRENCES = 400  # a typo like FREQ=DAILY;COUNT=99999 must not produce 99999 pages


@dataclass(eq=False)
class Occurrence:
    """One date of an event (the only one for a non-recurring event)."""

    event: Event
    start: Moment
    end: Moment
    is_upcoming: bool = False

    # The same attribute names as Event, so lists and partials accept either.
    @property
    def title(self) -> str:
        return self.event.title

    @property
    def anchor(self) -> str:
        """The id of this date in the event page's list of upcoming dates ("termin-2026-12-03")."""
        return f"termin-{day_of(self.start).isoformat()}"

    @property
    def url(self) -> str:
        # An upcoming date of a series links to its own line on the event page: a list of the
        # series' dates is then not one link target repeated for every date.
        if self.event.rrule and self.is_upcoming:
            return f"{self.event.url}#{self.anchor}"
        return self.event.url

    @property
    def municipalities(self) -> list:
        return self.event.municipalities

    @property
    def status(self) -> str:
        return self.event.status

    @property
    def all_day(self) -> bool:
        return self.event.all_day

    @property
    def sort_key(self) -> datetime:
        return sort_key(self.start)

    @property
    def date_label(self) -> str:
        return german.span_label(self.start, self.end)

    @property
    def day_label(self) -> str:
        return german.day_label(self.start)

    @property
    def iso_start(self) -> str:
        return german.iso(self.start)

    @property
    def month(self) -> tuple[int, int]:
        return (self.start.year, self.start.month)


def _starts(event: Event) -> list[Moment]:
    if not event.rrule:
        return [event.start]
    if event.all_day:
        dtstart = datetime.combine(event.start, time(0, 0))
        return [d.date() for d in rrulestr(event.rrule, dtstart=dtstart).xafter(dtstart, MAX_OCCURRENCES, inc=True)]
    rule = rrulestr(event.rrule, dtstart=event.start)
    # dateutil keeps the wall-clock time; re-resolve each to a real instant (see resolve_local).
    return [resolve_local(d.replace(tzinfo=None)) for d in rule.xafter(event.start, MAX_OCCURRENCES, inc=True)]


def _matches(exdate: Moment, start: Moment) -> bool:
    if isinstance(exdate, datetime):
        return isinstance(start, datetime) and exdate == start
    local_day = start.astimezone(BERLIN).date() if isinstance(start, datetime) else start
    return exdate == local_day


def _is_upcoming(end: Moment, now: datetime) -> bool:
    if isinstance(end, datetime):
        return end >= now
    return end >= now.astimezone(BERLIN).date()


def expand(event: Event, now: datetime) -> tuple[list[Occurrence], list[Moment], list[Moment]]:
    """Return (occurrences, excluded starts, exdates that match no occurrence)."""
    occurrences: list[Occurrence] = []
    excluded: list[Moment] = []
    used: set[int] = set()
    for start in _starts(event):
        hits = [i for i, exdate in enumerate(event.exdates) if _matches(exdate, start)]
        if hits:
            used.update(hits)
            excluded.append(start)
            continue
        if event.all_day:
            end = start + (event.end - event.start)
        else:
            end = (start.astimezone(timezone.utc) + event.duration).astimezone(BERLIN)
        occurrences.append(Occurrence(event, start, end, _is_upcoming(end, now)))
    unmatched = [exdate for i, exdate in enumerate(event.exdates) if i not in used]
    return occurrences, excluded, unmatched


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from first to last inclusive, so prev/next never skip a month."""
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def day_of(moment: Moment) -> date:
    return moment.astimezone(BERLIN).date() if isinstance(moment, datetime) else moment


__all__ = ["Occurrence", "RecurrenceError", "expand", "months_between", "normalise_rrule", "day_of"]
