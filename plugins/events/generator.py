"""The Pelican generator: reads content/events/*.md, expands dates, writes pages and ICS files."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pelican.contents import Page
from pelican.generators import Generator

from plugins import parallel, source_dates, validation
from plugins.incremental import clock
from plugins.region.places import load_places
from plugins.region.registry import load_registry, normalise

from . import german, ics, jsonld
from .addresses import address_mismatch
from .categories import CATEGORIES, EventCategory
from .fragments import RenderedOnce
from .model import BERLIN, URL_ROOT, Event, parse_event, parse_moment, sort_key
from .recurrence import Occurrence, expand, months_between

ICS_DIR = f"{URL_ROOT}/ics"
SITE_NAME = "So ist S"
NEXT_EVENTS = 3  # the next dates on the home page


@dataclass
class EventList:
    """A filtered list page (category, municipality or district) with its own calendar."""

    kind: str  # "kategorie", "kommune", "landkreis"
    slug: str
    name: str
    events: list[Event] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{URL_ROOT}/{self.kind}/{self.slug}/"

    @property
    def ics_url(self) -> str:
        return f"{ICS_DIR}/{self.kind}-{self.slug}.ics"

    @property
    def upcoming(self) -> list[Occurrence]:
        return sorted((o for e in self.events for o in e.occurrences if o.is_upcoming), key=_order)

    @property
    def past(self) -> list[Occurrence]:
        return sorted((o for e in self.events for o in e.occurrences if not o.is_upcoming), key=_order,
                      reverse=True)


@dataclass(frozen=True)
class ListLink:
    """What the calendar navigation on every event page shows of a list page: its name and
    address. Not the list itself, so no page's navigation depends on every event (the
    preview, plugins/preview, then re-renders one event page per edit, not all of them)."""

    name: str
    url: str


@dataclass
class MonthPage:
    year: int
    month: int
    occurrences: list[Occurrence]

    @property
    def url(self) -> str:
        return f"{URL_ROOT}/{self.year:04d}/{self.month:02d}/"

    @property
    def label(self) -> str:
        return german.month_label(self.year, self.month)


def _order(occurrence: Occurrence) -> tuple:
    return (occurrence.sort_key, occurrence.title, occurrence.event.uid)


def build_now(settings: dict) -> datetime:
    """The build's "now": EVENTS_NOW (ISO text, for reproducible builds) or the clock."""
    configured = settings.get("EVENTS_NOW")
    if configured:
        moment = parse_moment(configured)
        if isinstance(moment, datetime):
            return moment
    return datetime.now(timezone.utc).astimezone(BERLIN)


class EventsGenerator(Generator):
    """Events are their own content type: Pelican's readers parse the Markdown, this class
    turns metadata into Events and writes the calendar pages and subscriptions."""

    # source path -> (the Page read, the registry, its Event) of the last pass. The live preview
    # makes a generator per save and hands it the same Page for an unchanged file: parsing
    # 1,500 events' dates again was a tenth of each pass. Only events without problems are
    # kept, so a broken file is reported on every pass.
    parsed: dict[str, tuple[Page, object, Event]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, readers_cache_name="EventsGenerator-Readers", **kwargs)
        self.events: list[Event] = []
        self.event_sources: dict[str, Page] = {}
        self.now = build_now(self.settings)
        self.valid_until = None

    def _registry(self):
        local = Path(self.path) / "data" / "municipalities.csv"
        return load_registry(local) if local.exists() else load_registry()

    def _gazetteer(self):
        try:
            return load_places()
        except Exception:  # no gazetteer: municipality names alone
            return None

    def _read(self, path: str) -> Page | None:
        try:
            return self.readers.read_file(base_path=self.path, path=path, content_class=Page,
                                          context=self.context)
        except Exception as exc:  # e.g. Pelican's own date parsing of `modified`
            field_name = "modified" if "date" in str(exc).lower() else "file"
            validation.report(os.path.join(self.path, path), field_name,
                              f"{exc}; expected a readable Markdown event file (see plugins/events/README.md)")
            return None

    def generate_context(self) -> None:
        source_dates.forget()  # a preview renders again after saves: ask Git afresh
        registry = self._registry()
        paths = self.settings.get("EVENTS_PATHS", ["events"])
        seen_uids: dict[str, str] = {}
        seen_slugs: dict[str, str] = {}
        before, EventsGenerator.parsed = EventsGenerator.parsed, {}
        for path in sorted(self.get_files(paths)):
            page = self._read(path)
            if page is None:
                continue
            source = os.path.join(self.path, path)
            slug = str(page.metadata.get("slug") or Path(path).stem)
            kept = before.get(source)
            if kept is not None and kept[0] is page and kept[1] is registry:
                event = kept[2]
            else:
                event = parse_event(source, slug, page.metadata, "", registry, validation.report)
            if event is None:
                continue
            EventsGenerator.parsed[source] = (page, registry, event)
            mismatch = address_mismatch(str(page.metadata.get("address") or ""), event.municipalities, registry,
                                        self._gazetteer())
            if mismatch:  # a warning: `invoke preview` goes on, strict `invoke publish` stops
                validation.warn(source, "municipality", mismatch)
            if event.uid in seen_uids:
                validation.report(source, "uid", f"{event.uid!r} is also the uid of {seen_uids[event.uid]}; "
                                                 "expected a uid used by no other event")
                continue
            if slug in seen_slugs:
                validation.report(source, "slug", f"{slug!r} is also the slug of {seen_slugs[slug]}; "
                                                  "expected a unique file name or slug")
                continue
            occurrences, excluded, unmatched = expand(event, self.now)
            for exdate in unmatched:
                validation.report(source, "exdate", f"{exdate} is not a date of the rule {event.rrule}; "
                                                    "expected dates the rule produces")
            if not occurrences:
                validation.report(source, "rrule", "every date is excluded; expected at least one date")
                continue
            event.occurrences, event.excluded = occurrences, excluded
            event.source_body = page._content or ""  # a fingerprint input only (Event.source_body)
            event.changed = source_dates.last_changed(source, self.path)
            event.is_upcoming = any(o.is_upcoming for o in occurrences)
            seen_uids[event.uid], seen_slugs[slug] = path, path
            self.event_sources[event.uid] = page
            self.events.append(event)

        self.readers.save_cache()
        self.events.sort(key=lambda e: (e.sort_key, e.uid))
        if not self.settings.get("EVENTS_NOW"):  # upcoming turns past, excluded dates drop off
            self.valid_until = clock.first_after(
                [o.end for e in self.events for o in e.occurrences] + [x for e in self.events for x in e.excluded],
                self.now)
        occurrences = sorted((o for e in self.events for o in e.occurrences), key=_order)
        self.upcoming = [o for o in occurrences if o.is_upcoming]
        self.past = [o for o in reversed(occurrences) if not o.is_upcoming]
        self.months = self._months(occurrences)
        self.lists = self._lists()
        self.context["events"] = self.events
        self.context["upcoming_events"] = self.upcoming
        self.context["next_events"] = self.upcoming[:NEXT_EVENTS]  # the home page's teaser (see community)
        self.context["events_calendar"] = {
            "all_ics": f"{ICS_DIR}/alle.ics",
            "webcal": ics.webcal_url(self.settings.get("SITEURL", ""), f"{ICS_DIR}/alle.ics"),
            "current_month": self._current_month_url(),
            "lists": {kind: [ListLink(l.name, l.url) for l in lists] for kind, lists in self.lists.items()},
            "list_urls": {kind: frozenset(l.url for l in lists) for kind, lists in self.lists.items()},
            "rendered_once": RenderedOnce(),
        }

    def _months(self, occurrences: list[Occurrence]) -> list[MonthPage]:
        today = (self.now.year, self.now.month)
        by_month: dict[tuple[int, int], list[Occurrence]] = defaultdict(list)
        for occurrence in occurrences:
            by_month[occurrence.month].append(occurrence)
        first = min([today, *by_month])
        last = max([today, *by_month])
        return [MonthPage(y, m, by_month.get((y, m), [])) for y, m in months_between(first, last)]

    def _current_month_url(self) -> str:
        return f"{URL_ROOT}/{self.now.year:04d}/{self.now.month:02d}/"

    def _lists(self) -> dict[str, list[EventList]]:
        categories: dict[str, EventList] = {}
        municipalities: dict[str, EventList] = {}
        districts: dict[str, EventList] = {}
        for event in self.events:
            category: EventCategory = event.category
            categories.setdefault(category.slug, EventList("kategorie", category.slug, category.plural)).events.append(event)
            for municipality in event.municipalities:
                municipalities.setdefault(municipality.slug, EventList("kommune", municipality.slug,
                                                                       municipality.name)).events.append(event)
            for slug, name in event.districts:
                districts.setdefault(slug, EventList("landkreis", slug, name)).events.append(event)
        order = list(CATEGORIES)
        return {
            "kategorie": sorted(categories.values(), key=lambda l: order.index(l.slug)),
            "kommune": sorted(municipalities.values(), key=lambda l: normalise(l.name)),
            "landkreis": sorted(districts.values(), key=lambda l: normalise(l.name)),
        }

    # -- output -------------------------------------------------------------------------

    def generate_output(self, writer) -> None:
        for event in self.events:  # now every content object is known, so links resolve
            event.content = self.event_sources[event.uid].content or ""
        # Every page and calendar is its own file: spread them over the cores in one fork.
        jobs = self._page_jobs(writer) + self._calendar_jobs(writer)
        parallel.each(self.settings, len(jobs), lambda index: jobs[index](), writer)

    def _write(self, writer, template: str, url: str, **variables) -> None:
        writer.write_file(f"{url}index.html", self.get_template(template), self.context,
                          relative_urls=self.settings.get("RELATIVE_URLS", False), url=url,
                          events_calendar=self.context["events_calendar"], **variables)

    def _page_jobs(self, writer) -> list:
        siteurl = self.settings.get("SITEURL", "")
        jobs = [
            lambda: self._write(writer, "events/upcoming", f"{URL_ROOT}/", occurrences=self.upcoming,
                                page_url=f"{URL_ROOT}/"),
            lambda: self._write(writer, "events/archive", f"{URL_ROOT}/archiv/", occurrences=self.past,
                                page_url=f"{URL_ROOT}/archiv/"),
        ]
        for index, month in enumerate(self.months):
            jobs.append(lambda index=index, month=month: self._write(
                writer, "events/month", month.url, month=month,
                previous_month=self.months[index - 1] if index else None,
                next_month=self.months[index + 1] if index + 1 < len(self.months) else None,
                page_url=month.url))
        for event in self.events:
            jobs.append(lambda event=event: self._write(
                writer, "events/event", event.url, event=event,
                event_jsonld=jsonld.LazyEventJsonLd(event, siteurl),
                upcoming_dates=[o for o in event.occurrences if o.is_upcoming],
                past_dates=[o for o in event.occurrences if not o.is_upcoming],
                excluded_labels=[german.day_label(x) for x in event.excluded if _after(x, self.now)],
                ics_webcal=ics.webcal_url(siteurl, event.ics_url), page_url=event.url))
        for kind, lists in self.lists.items():
            for event_list in lists:
                jobs.append(lambda kind=kind, event_list=event_list: self._write(
                    writer, "events/list", event_list.url, event_list=event_list, kind=kind,
                    ics_webcal=ics.webcal_url(siteurl, event_list.ics_url), page_url=event_list.url))
        return jobs

    def _calendar_jobs(self, writer=None) -> list:
        siteurl = self.settings.get("SITEURL", "")
        calendars: dict[str, tuple[str, list[Event]]] = {
            f"{ICS_DIR}/alle.ics": (f"{SITE_NAME} – alle Termine", self.events),
        }
        for event_list in (l for lists in self.lists.values() for l in lists):
            calendars[event_list.ics_url] = (f"{SITE_NAME} – Termine: {event_list.name}", event_list.events)
        for event in self.events:
            calendars[event.ics_url] = (f"{SITE_NAME} – {event.title}", [event])
        vevents = ics.VEventCache(self.now, siteurl, self.events)

        def prepare(paths: list[str], settings: dict) -> None:
            if any(path.endswith(".ics") for path in paths):
                vevents.build_all(settings)
                ics.prepare_timezones(events for _name, events in calendars.values())

        before_rendering = getattr(writer, "before_rendering", None)  # the production build's writer
        if before_rendering is not None:
            before_rendering(prepare)

        def write(path: str, name: str, events: list[Event]) -> None:
            target = Path(self.output_path) / path

            def make() -> None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(ics.build_calendar(events, name, self.now, siteurl, vevents))

            # the preview (plugins/preview) skips calendars whose events did not change, by
            # the day: an event turning past changes its stamp (is_upcoming) and so its calendars
            parallel.write_generated(writer, str(target), (name, events, self.now.date(), siteurl), make)

        return [lambda p=path, n=name, e=events: write(p, n, e) for path, (name, events) in calendars.items()]


def _after(moment, now: datetime) -> bool:
    return sort_key(moment) >= now
