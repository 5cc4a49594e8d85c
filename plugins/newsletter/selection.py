"""What goes into the monthly newsletter: the one selection used by the site and the mail.

The site plugin (plugins/newsletter/generator.py) feeds Pelican's content into
`select_issue` and writes the web version plus `issue.json`; the mail builder
(scheduler/newsletter) reads that file back with `issue_from_dict`. So both show exactly
the same items, and the rules below exist once.

Items hold plain strings only (URLs relative to the site, dates as ISO text), which makes
the JSON round trip trivial and keeps this module free of Pelican.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Iterable

from plugins.navigation.dates import BERLIN, german_month
from plugins.region.figures import Figures, figures
from plugins.region.registry import load_registry

MAX_FEATURES = 8  # with portraits and events this keeps the mail far below Gmail's 102 kB clip
MAX_PORTRAITS = 3
MAX_EVENTS = 8


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """"2026-12" -> Month(2026, 12); ValueError for anything else."""
        year, sep, month = str(text).strip().partition("-")
        if not (sep and year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
            raise ValueError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-12")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, moment: datetime | date) -> "Month":
        local = to_berlin(moment)
        return cls(local.year, local.month)

    @property
    def slug(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return german_month(self.year, self.month)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self) -> datetime:
        """Midnight of the first day, Stuttgart time: months are the region's calendar months."""
        return datetime.combine(date(self.year, self.month, 1), time(), BERLIN)


def to_berlin(moment: datetime | date) -> datetime:
    """Any moment as Europe/Berlin time; naive values and dates are already local."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.replace(tzinfo=BERLIN) if moment.tzinfo is None else moment.astimezone(BERLIN)


@lru_cache(maxsize=65536)
def parse_when(text: str) -> datetime:
    """Memoised: every issue month tests every item's date (30 months x 5,000 items per build)."""
    return to_berlin(datetime.fromisoformat(text))


@lru_cache(maxsize=4096)
def month_bounds(month: Month) -> tuple[datetime, datetime]:
    return month.start(), month.next().start()


def in_month(when: str, month: Month) -> bool:
    first, after = month_bounds(month)
    return first <= parse_when(when) < after


# --- items (all text; URLs relative to the site root, without a leading "/") ------------

@dataclass(frozen=True)
class Image:
    src: str  # below content/, e.g. images/community/x.jpg (the web version makes a <picture> of it)
    path: str  # a JPEG derivative on the site, e.g. images/community/x-<hash>-1200.jpg (for the mail)
    alt: str


@dataclass(frozen=True)
class Feature:
    """A community photo featured in the month."""

    id: str
    title: str
    url: str
    image: Image
    municipality: str
    municipality_url: str
    credit: str  # "@handle" or the author's name: always shown
    when: str  # ISO instant of the feature
    date_label: str


@dataclass(frozen=True)
class Portrait:
    title: str
    url: str
    firstname: str
    quote: str
    municipality: str
    municipality_url: str
    image: Image
    when: str
    date_label: str


@dataclass(frozen=True)
class EventItem:
    title: str
    url: str
    when: str  # ISO start (a date for all-day events)
    date_label: str
    location: str
    municipality: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class CampaignCall:
    """An open call for photos (content/kampagnen/, optional)."""

    title: str
    url: str
    summary: str
    opens: str  # ISO date or instant
    closes: str
    closes_label: str


@dataclass(frozen=True)
class Issue:
    month: str  # "2026-12"
    label: str  # "Dezember 2026"
    features: tuple[Feature, ...] = ()
    portraits: tuple[Portrait, ...] = ()
    events: tuple[EventItem, ...] = ()
    events_label: str = ""  # "Januar 2027": the month the events are in
    campaign: CampaignCall | None = None
    more_features: int = 0  # features of the month beyond MAX_FEATURES (linked, not shown)
    extra: dict[str, Any] = field(default_factory=dict)
    featured_municipalities: int = 0  # „vorgestellt“ in the month (plugins/region/figures.py)
    municipalities: int = 0  # of how many (179)

    @property
    def url(self) -> str:
        return issue_url(self.month)

    @property
    def subject(self) -> str:
        if self.features:
            return f"So ist S im {self.label}: {len(self.features)} Fotos und die Termine für {self.events_label}"
        return f"So ist S im {self.label}: Menschen und Termine für {self.events_label}"

    @property
    def coverage_sentence(self) -> str:
        """„Im November 2026 wurden 9 von 179 Kommunen vorgestellt.“ — the site's definition."""
        if not self.municipalities:
            return ""
        one = self.featured_municipalities == 1
        return (f"Im {self.label} {'wurde' if one else 'wurden'} {self.featured_municipalities} von "
                f"{self.municipalities} Kommunen bei So ist S vorgestellt.")

    @property
    def is_empty(self) -> bool:
        return not (self.features or self.portraits)


def issue_url(month_slug: str) -> str:
    return f"newsletter/{month_slug}/"


ARCHIVE_URL = "newsletter/"


# --- the rules -----------------------------------------------------------------------------

def select_features(features: Iterable[Feature], month: Month, now: datetime) -> list[Feature]:
    """Photos featured in the month and already public at `now`, in the order they appeared."""
    now = to_berlin(now)
    chosen = [f for f in features if in_month(f.when, month) and parse_when(f.when) <= now]
    return sorted(chosen, key=lambda f: (parse_when(f.when), f.id))


def select_portraits(portraits: Iterable[Portrait], month: Month, now: datetime) -> list[Portrait]:
    now = to_berlin(now)
    chosen = [p for p in portraits if in_month(p.when, month) and parse_when(p.when) <= now]
    return sorted(chosen, key=lambda p: (parse_when(p.when), p.url))[:MAX_PORTRAITS]


def select_events(events: Iterable[EventItem], month: Month) -> list[EventItem]:
    """Next month's dates, cancelled ones left out (the newsletter invites, it does not correct)."""
    following = month.next()
    chosen = [e for e in events if in_month(e.when, following) and not e.cancelled]
    return sorted(chosen, key=lambda e: (parse_when(e.when), e.title))[:MAX_EVENTS]


def not_over(event: EventItem, now: datetime) -> bool:
    """Still ahead or running today: an all-day date (no time) counts until the day is over."""
    now = to_berlin(now)
    if "T" not in event.when:
        return date.fromisoformat(event.when) >= now.date()
    return parse_when(event.when) >= now


def without_past_events(issue: Issue, now: datetime) -> Issue:
    """The issue as a mail made at `now`: dates that are over by then are left out (the web
    archive keeps them, the mail invites)."""
    return replace(issue, events=tuple(e for e in issue.events if not_over(e, now)))


def send_moment(month: Month, now: datetime) -> datetime:
    """When an issue goes out: the first day of the next month, or now if that is still ahead."""
    return min(to_berlin(now), month.next().start())


def select_campaign(calls: Iterable[CampaignCall], month: Month, now: datetime) -> CampaignCall | None:
    """The open call that closes soonest at the moment the issue goes out; None when none is open.
    An archived issue keeps the call that was open when it was sent."""
    moment = send_moment(month, now)
    open_calls = [c for c in calls if parse_when(c.opens) <= moment < parse_when(c.closes)]
    return min(open_calls, key=lambda c: (parse_when(c.closes), c.title), default=None)


def slug_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def month_coverage(features: Iterable[Feature], month: Month, now: datetime) -> Figures:
    """Municipalities vorgestellt in the month up to now: the one count of plugins/region/figures.py
    (the site's, the plan's and the report's), from the features' municipality pages."""
    registry = load_registry()
    pairs = [(registry.by_slug[slug].ags, parse_when(f.when)) for f in features
             if (slug := slug_of(f.municipality_url)) in registry.by_slug]
    first, after = month_bounds(month)
    return figures((m.ags for m in registry), pairs, now, first.date(), (after - timedelta(days=1)).date())


def select_issue(month: Month, now: datetime, features: Iterable[Feature] = (), portraits: Iterable[Portrait] = (),
                 events: Iterable[EventItem] = (), calls: Iterable[CampaignCall] = ()) -> Issue:
    chosen = select_features(features, month, now)
    counted = month_coverage(chosen, month, now)
    return Issue(month=month.slug, label=month.label, features=tuple(chosen[:MAX_FEATURES]),
                 portraits=tuple(select_portraits(portraits, month, now)),
                 events=tuple(select_events(events, month)), events_label=month.next().label,
                 campaign=select_campaign(calls, month, now), more_features=max(0, len(chosen) - MAX_FEATURES),
                 featured_municipalities=counted.count, municipalities=counted.total)


def issue_months(features: Iterable[Feature], portraits: Iterable[Portrait], now: datetime) -> list[Month]:
    """Months that have an issue: one with a feature or portrait, up to the current month; newest first."""
    current = Month.of(now)
    now = to_berlin(now)
    months = {Month.of(parse_when(item.when)) for item in [*features, *portraits] if parse_when(item.when) <= now}
    return sorted((m for m in months if m <= current), reverse=True)


# --- the JSON form (issue.json, written by the site, read by the mail builder) ------------

def issue_to_dict(issue: Issue) -> dict[str, Any]:
    data = asdict(issue)
    data["subject"] = issue.subject  # for people reading the file; ignored when read back
    data["coverage_sentence"] = issue.coverage_sentence  # likewise
    return data


def issue_from_dict(data: dict[str, Any]) -> Issue:
    def image(raw: dict) -> Image:
        return Image(**raw)

    return Issue(
        month=data["month"], label=data["label"],
        features=tuple(Feature(**{**f, "image": image(f["image"])}) for f in data.get("features", ())),
        portraits=tuple(Portrait(**{**p, "image": image(p["image"])}) for p in data.get("portraits", ())),
        events=tuple(EventItem(**e) for e in data.get("events", ())),
        events_label=data.get("events_label", ""),
        campaign=CampaignCall(**data["campaign"]) if data.get("campaign") else None,
        more_features=int(data.get("more_features", 0)),
        extra=dict(data.get("extra", {})),
        featured_municipalities=int(data.get("featured_municipalities", 0)),
        municipalities=int(data.get("municipalities", 0)),
    )
