"""iCalendar (RFC 5545) → UpstreamEvents, with the icalendar package.

Refused as a whole (CalendarRejected): text that is not UTF-8, more than 10,000 events, an
event without DTSTART, a recurrence that never ends, a file icalendar cannot read.
A series keeps its exceptions: its EXDATEs, and each instance the calendar overrides (a VEVENT with
the series' UID and a RECURRENCE-ID), become exdates of the series; an override that is not
cancelled is also an event of its own (with the series' place and text where it names none).
Cancelled events (STATUS:CANCELLED) are left out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from icalendar import Calendar

from .reasons import MAX_EVENTS, CalendarRejected
from .upstream import UpstreamEvent

FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
VEVENT = re.compile(rb"^BEGIN:VEVENT\s*$", re.MULTILINE | re.IGNORECASE)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or refused; a calendar in another encoding would garble names."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalendarRejected("encoding", f"Byte {exc.start}") from None


def looks_like_ics(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR"


def _text(component, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    return " ".join(str(value).split()) if name != "DESCRIPTION" else str(value).strip()


def _categories(component) -> tuple[str, ...]:
    values = component.get("CATEGORIES")
    if values is None:
        return ()
    found: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        found.extend(str(c) for c in getattr(value, "cats", [value]))
    return tuple(c.strip() for c in found if str(c).strip())


def _end(component, start: date | datetime) -> date | datetime | None:
    if component.get("DTEND") is not None:
        return component.decoded("DTEND")
    if component.get("DURATION") is not None:
        length = component.decoded("DURATION")
        if isinstance(length, timedelta):
            return start + length
    return None


def _rrule(component, uid: str) -> str | None:
    rule = component.get("RRULE")
    if rule is None:
        return None
    if isinstance(rule, list):  # several RRULEs: RFC 5545 discourages it; the first is kept
        rule = rule[0]
    if "COUNT" not in rule and "UNTIL" not in rule:
        raise CalendarRejected("endless", uid[:80])
    if str((rule.get("FREQ") or [""])[0]).upper() not in FREQUENCIES:  # no event repeats hourly; expansion would
        raise CalendarRejected("frequency", uid[:80])                   # cost the job its time
    return rule.to_ical().decode()


def _exdates(component, label: str) -> tuple[date | datetime, ...]:
    values = component.get("EXDATE")
    found: list[date | datetime] = []
    for value in values if isinstance(values, list) else ([values] if values is not None else []):
        for moment in getattr(value, "dts", ()):
            if not isinstance(moment.dt, date):  # a period or unreadable value: the dates would be wrong
                raise CalendarRejected("broken", f"{label[:60]}: EXDATE {str(moment.dt)[:30]!r}")
            found.append(moment.dt)
    if values is not None and not found:
        raise CalendarRejected("broken", f"{label[:60]}: EXDATE")
    return tuple(found)


def _event(component, label: str, rrule: str | None) -> UpstreamEvent:
    try:
        start = component.decoded("DTSTART")
        end = _end(component, start)
    except (ValueError, TypeError) as exc:
        raise CalendarRejected("broken", f"{label[:60]}: {exc}"[:120]) from None
    if not isinstance(start, date):  # icalendar keeps an unreadable value as vBroken text
        raise CalendarRejected("broken", f"{label[:60]}: DTSTART {str(start)[:30]!r}")
    if end is not None and not isinstance(end, date):
        end = None
    return UpstreamEvent(
        uid=_text(component, "UID"), title=_text(component, "SUMMARY"), start=start, end=end,
        location=_text(component, "LOCATION"), description=_text(component, "DESCRIPTION"),
        rrule=rrule, categories=_categories(component), url=_text(component, "URL"),
        exdates=_exdates(component, label) if rrule else ())


def _recurrence_id(component, label: str) -> date | datetime:
    try:
        moment = component.decoded("RECURRENCE-ID")
    except (ValueError, TypeError):
        moment = None
    if not isinstance(moment, date):
        raise CalendarRejected("broken", f"{label[:60]}: RECURRENCE-ID")
    return moment


def _cancelled(component) -> bool:
    return _text(component, "STATUS").upper() == "CANCELLED"


def _sequence(component) -> int:
    try:
        return int(str(component.get("SEQUENCE") or 0))
    except ValueError:
        return 0


def parse_ics(data: bytes) -> list[UpstreamEvent]:
    text = decode(data)
    if len(VEVENT.findall(data)) > MAX_EVENTS:  # counted before icalendar builds any object
        raise CalendarRejected("too_many")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise CalendarRejected("broken", str(exc)[:120]) from None
    events: list[UpstreamEvent | None] = []
    series: dict[str, int] = {}  # UID → index in events of the series (or single event) it names
    cancelled: set[str] = set()  # UIDs of whole series cancelled
    overrides: dict[tuple[str, str], tuple[int, object, date | datetime, str]] = {}
    for number, component in enumerate(calendar.walk("VEVENT"), start=1):
        uid = _text(component, "UID")
        label = uid or _text(component, "SUMMARY") or f"Termin {number}"
        if component.get("DTSTART") is None:
            raise CalendarRejected("no_start", label[:80])
        if component.get("RECURRENCE-ID") is not None:  # one instance of a series, as changed upstream
            moment = _recurrence_id(component, label)
            known = overrides.get((uid, moment.isoformat()))
            if known is None or _sequence(component) >= known[0]:  # the newest version of that instance
                overrides[(uid, moment.isoformat())] = (_sequence(component), component, moment, label)
            continue
        rrule = _rrule(component, label)
        if _cancelled(component):
            cancelled.add(uid)
            continue
        if uid:
            series[uid] = len(events)
        events.append(_event(component, label, rrule))
    for (uid, _key), (_sequence_number, component, moment, label) in overrides.items():
        if uid in cancelled:
            continue
        index = series.get(uid) if uid else None
        master = events[index] if index is not None else None
        if master is not None and master.rrule:  # the series skips that date …
            events[index] = replace(master, exdates=master.exdates + (moment,))
        elif master is not None:  # an override of a single event replaces it
            events[index] = None
        if _cancelled(component):
            continue
        own = _event(component, label, None)  # … and the instance is an event of its own
        if master is not None:  # RFC 5545 lets an override name only what changed
            own = replace(own, title=own.title or master.title, location=own.location or master.location,
                          description=own.description or master.description,
                          categories=own.categories or master.categories, url=own.url or master.url)
        events.append(replace(own, recurrence_id=moment))
    return [event for event in events if event is not None]
