"""An UpstreamEvent → a draft event file in the events' own format, checked by plugins/events.

The file is the one an editor writes (plugins/events/README.md): lower-case `key: value`
lines, a blank line, the description as the body. It is read back with the format's reader
(plugins/community/postfile.split_header) and validated by `plugins.events.model.parse_event`
— the build's own parser — so a draft that would stop the build is never written.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import nh3

from plugins.community.postfile import split_header
from plugins.events.addresses import address_municipality
from plugins.events.categories import CATEGORIES
from plugins.events.model import BERLIN, Event, parse_event, sort_key
from plugins.events.recurrence import day_of, expand
from plugins.region.registry import Municipality, Registry

from .upstream import UpstreamEvent

RULES_PATH = Path(__file__).with_name("category_rules.csv")
EVENTS_FOLDER = "content/events"
TRAILING_ADDRESS = re.compile(r"(?:^|,\s*)(?P<street>[^,]+?),\s*(?P<code>\d{5})\s+(?P<town>[^,]+?)\s*(?:,\s*(?:Deutschland|Germany))?$")
DEFAULT_HOURS = 2  # a timed event without DTEND/DURATION: the draft says 2h, the editor checks it


class DraftProblem(ValueError):
    """The event cannot become a valid draft (no postal address, …); it is skipped with this reason."""


@dataclass(frozen=True)
class Draft:
    slug: str
    uid: str  # the draft's own uid (stable per calendar and upstream uid)
    path: str  # content/events/<slug>.md, relative to the repository
    text: str
    event: Event  # as plugins/events parsed the text
    municipality: Municipality
    how_found: str  # "Anschrift", "Ortserkennung", "Kontakt"
    instance: str = ""  # a series' date changed in place (same start): its RECURRENCE-ID

    @property
    def identity(self) -> str:
        # A date changed in place keeps title, start and place: the first one would pass for its own series.
        return event_identity(self.event) + (f"|{self.instance}" if self.instance else "")


def event_identity(event: Event) -> str:
    """title + start + place: a second calendar (or an event file the editors wrote) listing the
    same event is the same event."""
    return "|".join((_fold(event.title), event.start.isoformat(), _fold(str(event.address))))


def load_rules(path: Path = RULES_PATH) -> list[tuple[str, str]]:
    """(keyword, category) in order; '*' is the default. Unknown categories raise ValueError."""
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rules = [(r["keyword"].strip().casefold(), r["category"].strip()) for r in csv.DictReader(rows)]
    wrong = [c for _k, c in rules if c not in CATEGORIES]
    if wrong or not rules or rules[-1][0] != "*":
        raise ValueError(f"{path}: categories {wrong} unknown or no default row '*'; expected {', '.join(CATEGORIES)}")
    return rules


def category_for(event: UpstreamEvent, rules: list[tuple[str, str]]) -> str:
    haystack = " ".join((event.title, *event.categories, event.description)).casefold()
    for keyword, category in rules:
        if keyword == "*" or keyword in haystack:
            return category
    return rules[-1][1]


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def ascii_slug(text: str, limit: int = 50) -> str:
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text)).strip("-")[:limit].strip("-") or "termin"


def split_location(text: str) -> tuple[str, str | None]:
    """'Stadthalle, Hermannstraße 25, 73207 Plochingen' → ('Stadthalle', 'Hermannstraße 25, 73207 Plochingen')."""
    match = TRAILING_ADDRESS.search(text or "")
    if not match:
        return (text or "").strip(), None
    address = f"{match['street'].strip()}, {match['code']} {match['town'].strip()}"
    venue = text[:match.start()].strip(" ,") or match["street"].strip()
    return venue, address


def _local(moment: date | datetime) -> date | datetime:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)).astimezone(BERLIN)
    return moment


def when(moment: date | datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if isinstance(moment, datetime) else moment.isoformat()


def times(event: UpstreamEvent) -> dict[str, str]:
    start, end = _local(event.start), _local(event.end) if event.end is not None else None
    if not isinstance(start, datetime):  # all day: the file's end is the last day, inclusive
        last = (end - timedelta(days=1)) if isinstance(end, date) and not isinstance(end, datetime) else None
        return {"start": when(start), **({"end": when(last)} if last and last > start else {})}
    if not isinstance(end, datetime) or end <= start:
        return {"start": when(start), "duration": f"{DEFAULT_HOURS}h"}
    return {"start": when(start), "end": when(end)}


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def plain(text: str) -> str:
    """Upstream text as inert Markdown: no HTML, no links or images made by brackets."""
    cleaned = nh3.clean(text or "", tags=set())  # tags gone, <, > and & as entities
    return re.sub(r"([\[\]\\`*_])", r"\\\1", cleaned).strip()


def render(metadata: dict[str, str], body: str) -> str:
    lines = [f"{key}: {_one_line(value)}" for key, value in metadata.items() if value]
    return "\n".join(lines) + "\n\n" + (body.strip() + "\n" if body.strip() else "")


def detect_municipality(address: str | None, venue: str, title: str, fallback: Municipality, registry: Registry,
                        gazetteer, detector) -> tuple[Municipality, str]:
    """Address first (the events' own check), then the community posts' detection, then the contact."""
    if address:
        found = address_municipality(address, registry, gazetteer)
        if found is not None:
            return found, "Anschrift"
    if detector is not None:
        detection = detector.detect(", ".join(p for p in (venue, address or "") if p), title)
        if detection.certain:
            return registry.get(detection.ags), "Ortserkennung"
    return fallback, "Kontakt"


def identity(contact_ags: str, source_url: str, event: UpstreamEvent) -> str:
    """The upstream identity: the calendar's UID, or title and start when it has none."""
    raw = event.uid or f"{_fold(event.title)}|{when(_local(event.start))}"
    if event.recurrence_id is not None:  # a moved or changed instance: UID + RECURRENCE-ID
        raw += f"|RECURRENCE-ID={when(_local(event.recurrence_id))}"
    return hashlib.sha256(f"{contact_ags}|{source_url}|{raw}".encode()).hexdigest()[:16]


def make_draft(event: UpstreamEvent, key: str, source_name: str, source_url: str, fallback: Municipality,
               registry: Registry, gazetteer, detector, rules, now: datetime) -> Draft | None:
    """The draft for a future event; None for a past one; DraftProblem when it cannot be valid."""
    if not event.title.strip():
        raise DraftProblem("Termin ohne Titel")
    venue, address = split_location(event.location)
    if address is None:
        raise DraftProblem(f"„{event.title[:60]}“: keine Postanschrift (Straße, PLZ Ort) im Ort „{event.location[:60]}“")
    municipality, how = detect_municipality(address, venue, event.title, fallback, registry, gazetteer, detector)
    span = times(event)
    slug = f"{span['start'][:10]}-{ascii_slug(event.title, 40)}-{key[:6]}"
    uid = f"kommune-{key}@so-ist-s.de"
    summary = plain(event.description).split("\n")[0][:240]
    metadata = {"title": event.title.strip(), "uid": uid, **span, "category": category_for(event, rules),
                "municipality": municipality.slug, "location": venue, "address": address,
                "organizer": source_name, "rrule": event.rrule or "", "exdate": "", "summary": summary}
    body = plain(event.description)
    if event.url:
        body += f"\n\nQuelle: <{event.url}>" if event.url.startswith("https://") else ""
    text = render(metadata, body)
    parsed = validate(text, f"{EVENTS_FOLDER}/{slug}.md", slug, registry)
    if isinstance(parsed, str):
        raise DraftProblem(f"„{event.title[:60]}“: {parsed}")
    if parsed.rrule and event.exdates:
        metadata["exdate"] = exception_dates(parsed, event.exdates, now)
        text = render(metadata, body)
        parsed = validate(text, f"{EVENTS_FOLDER}/{slug}.md", slug, registry)
        if isinstance(parsed, str):
            raise DraftProblem(f"„{event.title[:60]}“: {parsed}")
    occurrences, _excluded, unmatched = expand(parsed, now)
    if unmatched:  # the build would stop on it; exception_dates only writes dates of the rule
        raise DraftProblem(f"„{event.title[:60]}“: Ausnahme {when(unmatched[0])} ist kein Termin der Reihe")
    if not any(o.is_upcoming for o in occurrences):
        return None
    instance = ""
    if event.recurrence_id is not None and _local(event.recurrence_id) == _local(event.start):
        instance = when(_local(event.recurrence_id))
    return Draft(slug, uid, f"{EVENTS_FOLDER}/{slug}.md", text, parsed, municipality, how, instance)


def exception_dates(parsed: Event, exdates, now: datetime) -> str:
    """The upstream exceptions as the draft's `exdate` value: each matched to a date of the rule as
    plugins/events expands it (Europe/Berlin) — the same instant, else the occurrence on that day
    in Berlin — and written as that date's start; an exception that is no date of the rule is left out."""
    starts = [o.start for o in expand(parsed, now)[0]]
    chosen: set = set()
    for raw in exdates:
        moment = _local(raw)
        if isinstance(moment, datetime) and moment in starts:
            chosen.add(moment)
            continue
        day = moment.date() if isinstance(moment, datetime) else moment
        same_day = [s for s in starts if day_of(s) == day]
        if isinstance(moment, datetime) and len(same_day) > 1:  # several that day: not the one meant
            continue
        chosen.update(same_day)
    return ", ".join(when(start) for start in sorted(chosen, key=sort_key))


def validate(text: str, path: str, slug: str, registry: Registry) -> Event | str:
    """The Event plugins/events reads from the text, or its problems as one line."""
    metadata, body = split_header(text)
    problems: list[str] = []
    event = parse_event(path, slug, metadata, body, registry,
                        lambda _path, name, expected: problems.append(f"{name}: {expected}"))
    return event if event is not None and not problems else "; ".join(problems)
