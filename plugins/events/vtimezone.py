"""A VTIMEZONE for Europe/Berlin, built with icalendar's components from zoneinfo data.

icalendar's own generator (Calendar.add_missing_timezones, 7.3) writes the DAYLIGHT onset
as 03:00, the wall clock *after* the change. RFC 5545 3.6.5 wants the onset in the local
time before it (TZOFFSETFROM): 02:00. A client that trusts the embedded VTIMEZONE would
otherwise switch to summer time an hour late. So the transitions are taken from zoneinfo
and each onset is written in its TZOFFSETFROM time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard


@dataclass(frozen=True)
class Transition:
    onset_local: datetime  # naive wall clock in the offset before the change (TZOFFSETFROM)
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def _offset(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, str, bool]:
    local = instant.astimezone(zone)
    return local.utcoffset(), local.tzname(), bool(local.dst())


@lru_cache(maxsize=16)
def transitions(zone_name: str, first: date, last: date) -> tuple[Transition, ...]:
    """Every offset change between first and last (hourly scan; zones change on the hour or half hour)."""
    zone = ZoneInfo(zone_name)
    instant = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    end = datetime(last.year, last.month, last.day, tzinfo=timezone.utc)
    step = timedelta(minutes=30)
    previous, _, _ = _offset(zone, instant)
    found = []
    while instant < end:
        instant += step
        offset, name, daylight = _offset(zone, instant)
        if offset != previous:
            onset = (instant + previous).replace(tzinfo=None)
            found.append(Transition(onset, previous, offset, name, daylight))
            previous = offset
    return tuple(found)


def build_vtimezone(zone_name: str, first: date, last: date) -> Timezone:
    """VTIMEZONE valid from `first` to `last`: an initial observance, then one component per kind of change."""
    zone = ZoneInfo(zone_name)
    vtimezone = Timezone()
    vtimezone.add("tzid", zone_name)
    start = datetime(first.year, first.month, first.day)
    offset, name, daylight = _offset(zone, start.replace(tzinfo=timezone.utc))
    initial = TimezoneDaylight() if daylight else TimezoneStandard()
    for key, value in (("dtstart", start), ("tzoffsetfrom", offset), ("tzoffsetto", offset), ("tzname", name)):
        initial.add(key, value)
    vtimezone.add_component(initial)
    groups: dict[tuple, list[Transition]] = {}
    for change in transitions(zone_name, first, last):
        groups.setdefault((change.offset_from, change.offset_to, change.name, change.daylight), []).append(change)
    for (offset_from, offset_to, name, daylight), changes in groups.items():
        component = TimezoneDaylight() if daylight else TimezoneStandard()
        component.add("dtstart", changes[0].onset_local)
        if len(changes) > 1:
            component.add("rdate", [change.onset_local for change in changes[1:]])
        component.add("tzoffsetfrom", offset_from)
        component.add("tzoffsetto", offset_to)
        component.add("tzname", name)
        vtimezone.add_component(component)
    return vtimezone
