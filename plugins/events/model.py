"""Events as read from content/events/*.md: the Event dataclass and its metadata parsing.

Parsing is pure: every problem goes to the `report(path, field, expected)` callable (the
site's `validation.report` in a build), and a file with problems yields no Event, so one
build run lists every bad field of every file at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from icalendar import vDuration

from plugins.validation import EMPTY_TITLE

from . import german
from .categories import CATEGORIES, STATUSES, EventCategory
from .english import english_fields
from .moments import BERLIN, Moment, resolve_local, sort_key  # noqa: F401 - re-exported
from .rrule import RecurrenceError, normalise_rrule

URL_ROOT = "termine"
DEFAULT_ORGANIZER = "Wirtschaftsförderung Region Stuttgart GmbH"

Report = Callable[[str, str, str], None]

DATE_FORMAT = "YYYY-MM-DD (all-day) or YYYY-MM-DD HH:MM (Europe/Berlin)"
UID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{7,254}$")
ADDRESS_PATTERN = re.compile(r"^(?P<street>[^,]+),\s*(?P<postal_code>\d{4,5})\s+(?P<locality>[^,]+?)\s*$")
FRIENDLY_DURATION = re.compile(r"^\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*min)?\s*$")
TRUE_WORDS = {"ja", "yes", "true", "1", "ganztägig"}
FALSE_WORDS = {"nein", "no", "false", "0"}


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postal_code: str
    locality: str
    country: str = "DE"

    def __str__(self) -> str:
        return f"{self.street}, {self.postal_code} {self.locality}"


@dataclass(eq=False)
class Event:
    """One event file. `start`/`end` are aware datetimes (Europe/Berlin) or, for all-day
    events, dates with `end` the last day *inclusive* (the ICS writer adds the exclusive day)."""

    slug: str
    source_path: str
    title: str
    uid: str
    start: Moment
    end: Moment
    all_day: bool
    location: str
    address: PostalAddress
    category: EventCategory
    municipalities: list = field(default_factory=list)  # list[Municipality]
    organizer: str = DEFAULT_ORGANIZER
    registration: str | None = None
    status: str = "geplant"
    rrule: str | None = None  # normalised RFC 5545 RRULE value (UNTIL in UTC for timed events)
    exdates: list[Moment] = field(default_factory=list)  # as written; matched to occurrences
    sequence: int = 0
    modified: datetime | None = None  # UTC
    # When the event's file last changed (plugins/source_dates): DTSTAMP without `modified`
    changed: datetime | None = None  # UTC
    summary: str = ""  # plain text teaser
    title_en: str = ""  # optional English texts for the /en/ pages (english.py)
    summary_en: str = ""
    content: str = ""  # HTML body
    # The body as written, {filename} links unresolved: the preview (plugins/preview) sees
    # from it that the page shows other files' URLs and must follow their changes.
    source_body: str = ""
    # Filled in by the generator once "now" and the occurrences are known:
    occurrences: list = field(default_factory=list)  # list[Occurrence], exceptions removed
    excluded: list[Moment] = field(default_factory=list)  # exact starts removed by exdate
    is_upcoming: bool = False

    @property
    def url(self) -> str:
        return f"{URL_ROOT}/{self.slug}/"

    @property
    def save_as(self) -> str:
        return f"{self.url}index.html"

    @property
    def ics_name(self) -> str:
        return f"{self.slug}.ics"

    @property
    def ics_url(self) -> str:
        return f"{URL_ROOT}/ics/{self.ics_name}"

    @property
    def event(self) -> "Event":
        """Lets templates treat an Event and an Occurrence (which has .event) alike."""
        return self

    @property
    def is_cancelled(self) -> bool:
        return self.status == "abgesagt"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status][0]

    @property
    def ics_status(self) -> str:
        return STATUSES[self.status][1]

    @property
    def schema_status(self) -> str:
        return STATUSES[self.status][2]

    @property
    def duration(self) -> timedelta:
        """Exact length: real elapsed time for timed events, whole days for all-day ones."""
        if self.all_day:
            return (self.end - self.start) + timedelta(days=1)
        return self.end.astimezone(timezone.utc) - self.start.astimezone(timezone.utc)

    @property
    def sort_key(self) -> datetime:
        return sort_key(self.start)

    @property
    def districts(self) -> list[tuple[str, str]]:
        """(slug, name) of the districts of the event's municipalities, in order, once each."""
        seen: dict[str, str] = {}
        for municipality in self.municipalities:
            seen.setdefault(municipality.district_slug, municipality.district)
        return list(seen.items())

    @property
    def date_label(self) -> str:
        """German date and time of the next (or, once over, the last) date."""
        shown = self.next_occurrence
        return german.span_label(shown.start, shown.end) if shown else german.span_label(self.start, self.end)

    @property
    def iso_start(self) -> str:
        shown = self.next_occurrence
        return german.iso(shown.start if shown else self.start)

    @property
    def next_occurrence(self):
        upcoming = [o for o in self.occurrences if o.is_upcoming]
        return upcoming[0] if upcoming else (self.occurrences[-1] if self.occurrences else None)


def parse_moment(value: Any) -> Moment:
    """'2026-12-03' -> date; '2026-12-03 18:00' -> aware datetime in Europe/Berlin."""
    if isinstance(value, datetime):
        return resolve_local(value.replace(tzinfo=None)) if value.tzinfo is None else value.astimezone(BERLIN)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?", text):
        raise ValueError(text)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return resolve_local(parsed)
    return parsed.astimezone(BERLIN)


def parse_duration(value: str) -> timedelta:
    """'90min', '2h', '1h 30min', '2d' or ISO 8601 'PT1H30M' / 'P2D'."""
    text = str(value).strip()
    if text.upper().startswith("P"):
        parsed = vDuration.from_ical(text.upper())
    else:
        match = FRIENDLY_DURATION.match(text)
        if not match or not any(match.groupdict().values()):
            raise ValueError(text)
        parsed = timedelta(days=int(match["d"] or 0), hours=int(match["h"] or 0), minutes=int(match["m"] or 0))
    if parsed <= timedelta(0):
        raise ValueError(text)
    return parsed


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(text)


def _text(metadata: Mapping[str, Any], name: str) -> str:
    value = metadata.get(name)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # a field written twice
        value = ", ".join(str(v) for v in value)
    return str(value).strip()


def plain_text(html: str) -> str:
    """Pelican renders `summary` as HTML; ICS and JSON-LD want plain text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&amp;", "&").strip()


def parse_event(
    source_path: str,
    slug: str,
    metadata: Mapping[str, Any],
    content: str,
    registry,
    report: Report,
) -> Event | None:
    """Build an Event from Pelican-read metadata; report every problem, return None if any."""
    problems: list[tuple[str, str]] = []

    def problem(name: str, expected: str) -> None:
        problems.append((name, expected))
        report(source_path, name, expected)

    title = _text(metadata, "title")
    if not title:
        problem("title", EMPTY_TITLE)

    uid = _text(metadata, "uid")
    if not uid:
        problem("uid", "a stable unique id, written once and never changed, e.g. "
                       "'2026-netzwerk-esslingen@so-ist-s.de' (8-255 letters, digits, . _ @ + -)")
    elif not UID_PATTERN.match(uid):
        problem("uid", f"{uid!r} is not a valid uid: 8-255 characters of letters, digits, . _ @ + -")

    start = end = None
    start_text = _text(metadata, "start")
    if not start_text:
        problem("start", f"a start date: {DATE_FORMAT}")
    else:
        try:
            start = parse_moment(start_text)
        except ValueError:
            problem("start", f"{start_text!r} is not a date; expected {DATE_FORMAT}")

    all_day = isinstance(start, date) and not isinstance(start, datetime)
    if "allday" in metadata:
        try:
            wanted = parse_bool(_text(metadata, "allday"))
        except ValueError:
            problem("allday", f"{_text(metadata, 'allday')!r}: expected ja or nein")
        else:
            if start is not None and wanted != all_day:
                problem("allday", "allday: ja needs a start without a time (YYYY-MM-DD); "
                                  "allday: nein needs a start with a time (YYYY-MM-DD HH:MM)")

    end_text, duration_text = _text(metadata, "end"), _text(metadata, "duration")
    if end_text and duration_text:
        problem("duration", "either end or duration, not both")
    elif start is not None and end_text:
        try:
            end = parse_moment(end_text)
        except ValueError:
            problem("end", f"{end_text!r} is not a date; expected {DATE_FORMAT}")
        else:
            if isinstance(end, datetime) != isinstance(start, datetime):
                problem("end", "end must have a time exactly when start has one")
                end = None
            elif sort_key(end) < sort_key(start) or (not all_day and end == start):
                problem("end", f"end {end_text} is before the start {start_text}; expected a later end")
                end = None
    elif start is not None and duration_text:
        try:
            length = parse_duration(duration_text)
        except ValueError:
            problem("duration", f"{duration_text!r}: expected e.g. 90min, 2h, 1h 30min, 2d or PT2H")
        else:
            if all_day:
                if length % timedelta(days=1):
                    problem("duration", "an all-day event lasts whole days, e.g. 1d or P2D")
                else:
                    end = start + length - timedelta(days=1)
            else:
                end = (start.astimezone(timezone.utc) + length).astimezone(BERLIN)
    elif start is not None:
        end = start if all_day else None
        if not all_day:
            problem("end", "an end (YYYY-MM-DD HH:MM) or a duration (e.g. 2h) for an event with a start time")

    location = _text(metadata, "location")
    if not location:
        problem("location", "the venue's name, e.g. 'Haus der Wirtschaft'")
    address = None
    address_text = _text(metadata, "address")
    match = ADDRESS_PATTERN.match(address_text)
    if not match:
        problem("address", f"{address_text!r}: expected a postal address 'Street 1, 70173 Stuttgart'")
    else:
        country = _text(metadata, "country").upper() or "DE"
        address = PostalAddress(match["street"].strip(), match["postal_code"], match["locality"], country)

    category = None
    category_text = str(metadata.get("category") or "").strip().lower()
    if category_text not in CATEGORIES:
        problem("category", f"{category_text!r} is not a category; expected one of {', '.join(CATEGORIES)}")
    else:
        category = CATEGORIES[category_text]

    municipalities: list = []
    municipality_text = _text(metadata, "municipality")
    if municipality_text:
        for part in municipality_text.split(","):
            if not part.strip():
                continue
            try:
                found = registry.get(part)
            except Exception as exc:  # UnknownMunicipality, its text carries suggestions
                problem("municipality", f"{exc}; expected municipality slugs or AGS of the Region Stuttgart")
            else:
                if found not in municipalities:
                    municipalities.append(found)

    status = _text(metadata, "status").lower() or "geplant"
    if status not in STATUSES:
        problem("status", f"{status!r}; expected one of {', '.join(STATUSES)}")

    registration = _text(metadata, "registration") or None
    if registration and not re.match(r"^https://\S+$", registration):
        problem("registration", f"{registration!r}: expected an https:// link")

    sequence = 0
    if _text(metadata, "sequence"):
        try:
            sequence = int(_text(metadata, "sequence"))
            if sequence < 0:
                raise ValueError
        except ValueError:
            problem("sequence", f"{_text(metadata, 'sequence')!r}: expected a whole number >= 0")

    modified = None
    if metadata.get("modified"):
        try:
            moment = parse_moment(metadata["modified"])
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, time(0, 0), BERLIN)
            modified = moment.astimezone(timezone.utc)
        except ValueError:
            problem("modified", f"{metadata['modified']!r} is not a date; expected YYYY-MM-DD HH:MM")

    rrule_text = _text(metadata, "rrule") or None
    exdates: list[Moment] = []
    for part in filter(None, (p.strip() for p in _text(metadata, "exdate").split(","))):
        try:
            exdates.append(parse_moment(part))
        except ValueError:
            problem("exdate", f"{part!r} is not a date; expected dates YYYY-MM-DD separated by commas")
    if exdates and not rrule_text:
        problem("exdate", "exceptions need a recurrence rule (rrule)")

    if problems:
        return None

    event = Event(
        slug=slug, source_path=source_path, title=title, uid=uid, start=start, end=end,
        all_day=all_day, location=location, address=address, category=category,
        municipalities=municipalities, organizer=_text(metadata, "organizer") or DEFAULT_ORGANIZER,
        registration=registration, status=status, exdates=exdates, sequence=sequence,
        modified=modified, summary=plain_text(_text(metadata, "summary")), content=content or "",
        **english_fields(metadata),
    )
    if rrule_text:
        try:
            event.rrule = normalise_rrule(rrule_text, event.all_day)
        except RecurrenceError as exc:
            report(source_path, "rrule", str(exc))
            return None
    return event
