"""What one municipality's monthly mail says, gathered from the store and the event files.

`gather()` returns a `MonthFigures` per municipality: the features of the month with their reach
(insights/readings.py, the impact report's definition), the photos waiting for a feature (granted,
with this municipality: the planner's input), the visits from the municipality's own website
(insight_referrers: the host of its `website` in the contacts file, else of its contacts' addresses) and other sites linking to it, and its
upcoming events on the site (partners/events.py). Pure data: mail.py writes the words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.newsletter.selection import Month
from plugins.region.registry import Municipality
from scheduler.config import BERLIN
from scheduler.curate import workflow
from scheduler.insights.readings import interactions_of, latest_readings, reach_of
from scheduler.insights.state import ReferrerCount
from scheduler.publish.state import FeaturePublication

from .contacts import Contact, website_host
from .events import EventLine


@dataclass(frozen=True)
class FeatureFigure:
    key: str
    day: date  # Berlin date it was posted
    alt: str
    credit: str
    reach: int | None  # None: no figures yet (or every reading failed), never a made-up zero
    interactions: int | None

    @property
    def url(self) -> str:
        return f"wall/{self.key}/"

    @property
    def image(self) -> str:
        return f"images/community/{self.key}.jpg"


@dataclass(frozen=True)
class MonthFigures:
    municipality: Municipality
    month: Month
    features: tuple[FeatureFigure, ...] = ()
    waiting: int = 0  # granted photos of this municipality not yet featured
    own_visits: int = 0  # requests to its page, badge or feed from its own website
    own_hosts: tuple[str, ...] = ()  # the hosts counted as its own website
    linking: tuple[tuple[str, int], ...] = ()  # other sites linking to it: (host, requests), most first
    events: tuple[EventLine, ...] = ()

    @property
    def reach(self) -> int | None:
        known = [f.reach for f in self.features if f.reach is not None]
        return sum(known) if known else None

    @property
    def interactions(self) -> int | None:
        known = [f.interactions for f in self.features if f.interactions is not None]
        return sum(known) if known else None

    @property
    def has_news(self) -> bool:
        """Something happened for this municipality this month; else it gets the quarterly note."""
        return bool(self.features or self.waiting or self.own_visits)


@dataclass(frozen=True)
class Window:
    """The month's Berlin calendar days as UTC instants, and the instant of reading."""

    month: Month
    now: datetime

    @property
    def start(self) -> datetime:
        return self.month.start()

    @property
    def end(self) -> datetime:
        return self.month.next().start()

    @property
    def days(self) -> tuple[date, date]:
        return self.start.date(), (self.end - timedelta(days=1)).date()


def website_hosts(contacts: list[Contact]) -> tuple[str, ...]:
    """The municipality's own website: the hosts of its contacts' `website` ("https://www.plochingen.de/"
    → "plochingen.de") when the file gives one, else the hosts of their addresses ("presse@plochingen.de"
    → "plochingen.de"); a referrer "plochingen.de" or "rathaus.plochingen.de" counts as its own."""
    sites = {website_host(c.website) for c in contacts if c.website}
    if sites:
        return tuple(sorted(sites - {""}))
    return tuple(sorted({c.email.rpartition("@")[2].lower() for c in contacts if "@" in c.email}))


def is_own(host: str, own: tuple[str, ...]) -> bool:
    return any(host == o or host.endswith("." + o) for o in own)


def month_features(session: Session, window: Window) -> dict[str, list[FeatureFigure]]:
    """AGS → the features posted in the month, with their latest figures until `now`."""
    rows = list(session.scalars(select(FeaturePublication).where(
        FeaturePublication.status == "done", FeaturePublication.slot_utc >= window.start,
        FeaturePublication.slot_utc < window.end, FeaturePublication.slot_utc <= window.now)
        .order_by(FeaturePublication.slot_utc)))
    readings: dict[str, dict] = {}
    for (key, channel), reading in latest_readings(session, window.now, [r.key for r in rows]).items():
        readings.setdefault(key, {})[channel] = reading
    by_ags: dict[str, list[FeatureFigure]] = {}
    for row in rows:
        request, got = row.request or {}, readings.get(row.key, {})
        reach, interactions = reach_of(got), interactions_of(got)
        by_ags.setdefault(row.ags, []).append(FeatureFigure(
            key=row.key, day=row.slot_utc.astimezone(BERLIN).date(), alt=str(request.get("alt") or ""),
            credit=str(request.get("handle") or request.get("author_name") or ""),
            reach=sum(reach.values()) if reach else None,
            interactions=sum(interactions.values()) if interactions else None))
    return by_ags


def waiting_photos(session: Session) -> Counter[str]:
    """AGS → granted photos (the planner's input) not yet queued for a feature."""
    queued = set(session.scalars(select(FeaturePublication.post_uid)))
    return Counter(post.municipality_ags for post in session.scalars(workflow.plannable(session))
                   if post.uid not in queued)


def referrers(session: Session, window: Window) -> dict[str, Counter[str]]:
    """slug → host → requests in the month."""
    first, last = window.days
    by_slug: dict[str, Counter[str]] = {}
    for row in session.scalars(select(ReferrerCount).where(ReferrerCount.day >= first, ReferrerCount.day <= last)):
        by_slug.setdefault(row.slug, Counter())[row.host] += row.hits
    return by_slug


def gather(session: Session, municipalities: dict[str, tuple[Municipality, list[Contact]]], month: Month,
           now: datetime, events: dict[str, list[EventLine]] | None = None) -> dict[str, MonthFigures]:
    """AGS → MonthFigures for every municipality given with its contacts."""
    window = Window(month, now)
    features, waiting, hosts = month_features(session, window), waiting_photos(session), referrers(session, window)
    events = events or {}
    result = {}
    for ags, (m, contacts) in municipalities.items():
        own = website_hosts(contacts)
        seen = hosts.get(m.slug, Counter())
        result[ags] = MonthFigures(
            municipality=m, month=month, features=tuple(features.get(ags, ())), waiting=waiting[ags],
            own_visits=sum(n for host, n in seen.items() if is_own(host, own)), own_hosts=own,
            linking=tuple((h, n) for h, n in seen.most_common() if not is_own(h, own)),
            events=tuple(events.get(m.slug, ())))
    return result
