"""iCalendar (RFC 5545/7986) output with the icalendar library; no ICS text is written by hand.

One VEVENT per event file (a recurring event is one VEVENT with RRULE/EXDATE), times as
DTSTART;TZID=Europe/Berlin with a generated VTIMEZONE, all-day events as DATE values with
an exclusive DTEND, cancelled events kept with STATUS:CANCELLED so subscribers see them go.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from icalendar import Calendar, vDuration, vRecur
from icalendar import Event as VEvent

from plugins import parallel

from .model import Event, sort_key
from .vtimezone import build_vtimezone

ZONE = "Europe/Berlin"

PRODID = "-//Wirtschaftsförderung Region Stuttgart//So ist S Termine//DE"
REFRESH = timedelta(hours=12)


def absolute_url(siteurl: str, path: str) -> str | None:
    """URL properties must be absolute URIs; in development (no SITEURL) leave them out."""
    return f"{siteurl.rstrip('/')}/{path}" if siteurl.startswith(("http://", "https://")) else None


def webcal_url(siteurl: str, path: str) -> str | None:
    """webcal:// subscribe link, only when the site knows its public address."""
    url = absolute_url(siteurl, path)
    return "webcal://" + url.split("://", 1)[1] if url else None


def _description(event: Event, siteurl: str) -> str:
    parts = [event.summary] if event.summary else []
    parts.append(f"Veranstalter: {event.organizer}")
    if event.registration:
        parts.append(f"Anmeldung: {event.registration}")
    page = absolute_url(siteurl, event.url)
    if page:
        parts.append(f"Details: {page}")
    return "\n\n".join(parts)


class FoldedVEvent:
    """A built VEVENT as the lines a calendar file holds (folded, CRLF-joined), which is all a
    calendar needs of a component that sits in several calendars. icalendar's objects for one
    event take about 9 KB; these lines under 1 KB, and every later calendar reuses them."""

    __slots__ = ("lines",)

    def __init__(self, lines: bytes) -> None:
        self.lines = lines

    @classmethod
    def of(cls, component: VEvent) -> FoldedVEvent:
        return cls(fold(component))


def to_vevent(event: Event, now: datetime, siteurl: str = "") -> VEvent:
    vevent = VEvent()
    vevent.add("uid", event.uid)
    # Without METHOD, DTSTAMP is when the information was last revised (RFC 5545 3.8.7.2): the
    # file's `modified`, else its last change; never the build time (reproducible output).
    vevent.add("dtstamp", (event.modified or event.changed or now).astimezone(timezone.utc))
    vevent.add("dtstart", event.start)
    # All-day: DTEND is the day after the last day (exclusive), as RFC 5545 requires.
    vevent.add("dtend", event.end + timedelta(days=1) if event.all_day else event.end)
    vevent.add("summary", event.title)
    vevent.add("description", _description(event, siteurl))
    vevent.add("location", f"{event.location}, {event.address}")
    vevent.add("categories", [event.category.label])
    vevent.add("status", event.ics_status)
    vevent.add("sequence", event.sequence)
    if event.modified:
        vevent.add("last-modified", event.modified)
    url = absolute_url(siteurl, event.url)
    if url:
        vevent.add("url", url)
    if event.rrule:
        vevent.add("rrule", vRecur.from_ical(event.rrule))
        if event.excluded:
            vevent.add("exdate", list(event.excluded))
    return vevent


def _exact(value: object) -> object:
    """A date or time as it is serialised: equal instants in other zones are other lines."""
    if isinstance(value, datetime):
        return value.isoformat(), str(value.tzinfo)
    return value.isoformat() if isinstance(value, date) else value


def vevent_inputs(event: Event, now: datetime, siteurl: str) -> tuple:
    """Everything to_vevent reads from an event: the same inputs give the same component."""
    stamp = event.modified or event.changed or now
    return (event.uid, _exact(stamp), _exact(event.start), _exact(event.end), event.all_day, event.title,
            _description(event, siteurl), f"{event.location}, {event.address}", event.category.label,
            event.ics_status, event.sequence, _exact(event.modified), event.url, event.rrule,
            tuple(map(_exact, event.excluded or ())))


_kept: dict[tuple, FoldedVEvent] = {}  # the current events' components, kept across builds in this process


class VEventCache:
    """One VEVENT component per event, built once and shared by every calendar listing it.

    An event appears in its own calendar, alle.ics and its category, municipality and
    district calendars; the component is the same in each, so it is built only once. A
    process that builds again (the preview, the build service) passes the build's `events`
    and so reuses the component of every event whose inputs are unchanged since an earlier
    build, its folded lines included: a changed event re-serialises one VEVENT, not the
    1,500 of alle.ics. Components of events that are gone are dropped.
    """

    def __init__(self, now: datetime, siteurl: str = "", events: Iterable[Event] = ()) -> None:
        global _kept
        self.now, self.siteurl = now, siteurl
        self._keys: dict[int, tuple[Event, tuple]] = {}
        for event in events:
            self._keys[id(event)] = (event, vevent_inputs(event, now, siteurl))
        self._components = {key: _kept[key] for _event, key in self._keys.values() if key in _kept}
        if self._keys:
            _kept = self._components

    def get(self, event: Event) -> FoldedVEvent:
        hit = self._keys.get(id(event))
        if hit is None or hit[0] is not event:
            hit = (event, vevent_inputs(event, self.now, self.siteurl))
            self._keys[id(event)] = hit
        component = self._components.get(hit[1])
        if component is None:
            component = self._components[hit[1]] = FoldedVEvent.of(to_vevent(event, self.now, self.siteurl))
        return component

    def build_all(self, settings: dict) -> None:
        """Build every event's component not built yet, spread over the cores: forked workers
        send their lines back (plugins.parallel). Called before the calendars render over the
        cores, as each worker would otherwise build nearly all of them itself (alle.ics and the
        category lists hold every event): to_vevent took 1.2 s of the parent's CPU at 3,000
        events before, 0.55 s after (sampled)."""
        missing = [event for event, key in self._keys.values() if key not in self._components]
        built: list[tuple] = []

        def build(index: int) -> None:
            event = missing[index]
            self.get(event)
            built.append(self._keys[id(event)][1])

        def collect() -> bytes:
            return pickle.dumps([(key, self._components[key].lines) for key in built])

        def merge(data: bytes) -> None:
            for key, lines in pickle.loads(data):
                self._components[key] = FoldedVEvent(lines)

        parallel.each(settings, len(missing), build, collect=collect, merge=merge)


def _year_range(events: list[Event]) -> tuple[date, date]:
    """VTIMEZONE covering the events (not 1970-2038): short files, still correct."""
    starts = [sort_key(e.start) for e in events]
    ends = [sort_key(o.end) for e in events for o in e.occurrences] or starts
    return date(min(starts).year - 1, 1, 1), date(max(ends).year + 2, 1, 1)


@lru_cache(maxsize=32)
def _shared_vtimezone(zone: str, first: date, last: date):
    """Most calendars cover the same years: one VTIMEZONE component for all of them
    (read-only), serialised by icalendar once and its lines reused."""
    vtimezone = build_vtimezone(zone, first, last)
    serialise, lines = vtimezone.content_lines, {}

    def content_lines(sorted: bool = True):
        if sorted not in lines:
            lines[sorted] = serialise(sorted=sorted)
        return lines[sorted]

    vtimezone.content_lines = content_lines
    return vtimezone


def prepare_timezones(calendars: Iterable[list[Event]]) -> None:
    """Make (and fold) the VTIMEZONE of every calendar's years before the calendars render over
    the cores, so the forked workers inherit them: one costs 0.1 s, and each worker made all
    it needed itself (an event's own calendar covers its years only)."""
    for events in calendars:
        if events:
            folded(_shared_vtimezone(ZONE, *_year_range(events)))


def build_calendar(events: Iterable[Event], name: str, now: datetime, siteurl: str = "",
                   vevents: VEventCache | None = None) -> bytes:
    """A subscribable calendar of the given events, ordered by start then UID (stable output)."""
    events = sorted(events, key=lambda e: (e.sort_key, e.uid))
    vevents = vevents or VEventCache(now, siteurl)
    components: list = [vevents.get(event) for event in events]
    if events:
        first, last = _year_range(events)
        components.insert(0, _shared_vtimezone(ZONE, first, last))
    return serialise(calendar_lines(name), components)


NAME_MARK = "SOISTS-CALENDAR-NAME"  # stands for the name in the lines made once (plain text: no escaping, no folding)
NAMED = ("name", "x-wr-calname")  # the name twice: RFC 7986, and for clients that predate it


def _own_lines(calendar: Calendar) -> list[bytes]:
    """A calendar's BEGIN, properties and END lines as icalendar's to_ical() writes them."""
    return [fold_line(calendar.content_line(key, value, sorted=True))
            for key, value in calendar.property_items(recursive=False, sorted=True)]


@lru_cache(maxsize=1)
def _lines_named_mark() -> tuple[bytes, ...]:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for key in NAMED:
        calendar.add(key, NAME_MARK)
    calendar.add("x-wr-timezone", ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return tuple(_own_lines(calendar))


def calendar_lines(name: str) -> list[bytes]:
    """The calendar's own lines (BEGIN, its properties, END) for `name`: every property but the
    name is the same in every calendar, so they are serialised once (icalendar took 0.23 ms per
    calendar for them, 2,600 calendars at 3,000 events) and only the name's lines per calendar."""
    named = Calendar()
    for key in NAMED:
        named.add(key, name)
    by_mark = {f"{key.upper()}:{NAME_MARK}".encode(): line for key, line in zip(sorted(NAMED), _own_lines(named)[1:-1])}
    return [by_mark.get(line, line) for line in _lines_named_mark()]


LINE_OCTETS = 74  # icalendar folds before a character that would make a line 75 octets or more
ESCAPES = ("\\", "^")  # TEXT and RFC 6868 parameter escapes, never split from what they escape


def fold_line(line: str) -> bytes:
    """The bytes icalendar's Contentline.to_ical() gives (RFC 5545 folding at 75 octets), made by
    slicing instead of icalendar's loop over every character: that loop was two thirds of building
    a VEVENT (17 lines each, 2,400 events). Each segment is the longest run of at most 74 octets;
    an escape character ending a segment of more than one character starts the next one instead."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return data
    segments, start, end = [], 0, len(line)
    while start < end:
        stop = min(end, start + LINE_OCTETS)  # a character is at least one octet
        octets = len(line[start:stop].encode("utf-8"))
        while octets > LINE_OCTETS:
            stop -= 1
            octets -= len(line[stop].encode("utf-8"))
        if stop < end and stop - start > 1 and line[stop - 1] in ESCAPES:
            stop -= 1
        segments.append(line[start:stop])
        start = stop
    return "\r\n ".join(segments).encode("utf-8")


def fold(component) -> bytes:
    """A component's lines as a calendar file holds them: folded, CRLF-joined, no empty line."""
    return b"\r\n".join(fold_line(line) for line in component.content_lines(sorted=True) if line)


def folded(component) -> bytes:
    """A component's folded lines, made once per component object: icalendar folds every
    line character by character on every to_ical(). Shared components never change."""
    if isinstance(component, FoldedVEvent):
        return component.lines
    cached = component.__dict__.get("_folded")
    if cached is None:
        cached = component.__dict__["_folded"] = fold(component)
    return cached


def serialise(own: list[bytes], components: list) -> bytes:
    """The bytes icalendar's calendar.to_ical() gives for a calendar whose own lines are `own`
    (calendar_lines) with `components` as its subcomponents: lines joined by CRLF, empty lines
    skipped, a final CRLF; each component's lines folded once (`folded`)."""
    return b"\r\n".join([*own[:-1], *(folded(component) for component in components), own[-1]]) + b"\r\n"
