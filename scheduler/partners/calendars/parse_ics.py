"""iCalendar (RFC 5545) → UpstreamEvents, with the icalendar package.

Refused as a whole (CalendarRejected): text that is not UTF-8, more than 10,000 events, an
event without DTSTART, a recurrence that never ends, a file icalendar cannot read.
Modified instances (RECURRENCE-ID) and cancelled events are left out: the draft keeps the rule.
"""

from __future__ import annotations

import re
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


def parse_ics(data: bytes) -> list[UpstreamEvent]:
    text = decode(data)
    if len(VEVENT.findall(data)) > MAX_EVENTS:  # counted before icalendar builds any object
        raise CalendarRejected("too_many")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise CalendarRejected("broken", str(exc)[:120]) from None
    events: list[UpstreamEvent] = []
    for number, component in enumerate(calendar.walk("VEVENT"), start=1):
        uid = _text(component, "UID")
        label = uid or _text(component, "SUMMARY") or f"Termin {number}"
        if component.get("DTSTART") is None:
            raise CalendarRejected("no_start", label[:80])
        rrule = _rrule(component, label)
        if component.get("RECURRENCE-ID") is not None or _text(component, "STATUS").upper() == "CANCELLED":
            continue
        try:
            start = component.decoded("DTSTART")
            end = _end(component, start)
        except (ValueError, TypeError) as exc:
            raise CalendarRejected("broken", f"{label[:60]}: {exc}"[:120]) from None
        if not isinstance(start, date):  # icalendar keeps an unreadable value as vBroken text
            raise CalendarRejected("broken", f"{label[:60]}: DTSTART {str(start)[:30]!r}")
        if end is not None and not isinstance(end, date):
            end = None
        events.append(UpstreamEvent(
            uid=uid, title=_text(component, "SUMMARY"), start=start, end=end,
            location=_text(component, "LOCATION"), description=_text(component, "DESCRIPTION"),
            rrule=rrule, categories=_categories(component), url=_text(component, "URL")))
    return events
