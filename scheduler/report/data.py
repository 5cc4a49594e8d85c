"""What the report reads from the store, as plain rows (no ORM objects leave this module).

Aggregates only: the rows carry feature keys, municipalities, counts and the credit a feature
was published with — never anything about followers beyond the platforms' totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.config import BERLIN
from scheduler.insights.readings import latest_readings  # the one definition, shared with partners/
from scheduler.insights.state import AccountSnapshot, Measurement, ReferrerCount
from scheduler.publish.state import FeaturePublication
from scheduler.report.partner_mail import PartnerMailData, load_partner_mail
from scheduler.store.models import Post


@dataclass(frozen=True)
class Feature:
    key: str
    ags: str
    day: date  # Berlin date of the slot
    credit: str  # the author's handle as credited on the site
    image: str  # path of the original (the report looks for the site's copy first)
    reach: dict[str, int] = field(default_factory=dict)  # channel → latest reach
    interactions: dict[str, int] = field(default_factory=dict)
    gaps: tuple[str, ...] = ()  # reasons of the latest reading per channel, when it failed
    # On Mastodon: favourites, reblogs, replies of the latest good reading ({} before the first one);
    # None when the feature has no status there (channel off or failed).
    mastodon: dict[str, int] | None = None

    @property
    def total_reach(self) -> int:
        return sum(self.reach.values())

    @property
    def total_interactions(self) -> int:
        return sum(self.interactions.values())


@dataclass(frozen=True)
class Snapshot:
    day: date
    channel: str
    followers: int | None
    demographics: dict


@dataclass(frozen=True)
class Referrer:
    day: date
    slug: str
    kind: str
    host: str
    hits: int


@dataclass
class StoreData:
    features: list[Feature]
    snapshots: list[Snapshot]
    referrers: list[Referrer]
    collected: list[tuple[str, date]]  # (AGS, Berlin date collected) of every #SoistS post
    partner_mail: PartnerMailData = field(default_factory=PartnerMailData)  # the monthly mail's sends and clicks


def by_feature(readings: dict[tuple[str, str], Measurement]) -> dict[str, dict[str, Measurement]]:
    grouped: dict[str, dict[str, Measurement]] = {}
    for (key, channel), row in readings.items():
        grouped.setdefault(key, {})[channel] = row
    return grouped


MASTODON_COUNTS = ("favourites", "reblogs", "replies")  # insights/mastodon_figures.py


def mastodon_counts(feature: FeaturePublication, ok: dict[str, Measurement]) -> dict[str, int] | None:
    """The Mastodon figures of a feature that has a status there (its publish step done with an id)."""
    step = next((s for s in feature.steps if s.step == "mastodon"), None)
    if step is None or step.state != "done" or not (step.data or {}).get("status_id"):
        return None
    reading = ok.get("mastodon")
    return {k: int(reading.values.get(k, 0)) for k in MASTODON_COUNTS} if reading is not None else {}


WEBSITE_ONLY = "website_only"  # a gap reason of the report's own: on the wall, not published through the store


def load(session: Session, as_of: datetime, reach: dict[str, str],
         interactions: dict[str, tuple[str, ...]], site: Iterable[tuple[str, str, datetime]] = ()) -> StoreData:
    """The store's rows; `site` ((key, AGS, instant) of the wall's files) adds the features that are
    veröffentlicht on the website without a publication in this store (plugins/region/figures.py
    counts both), without figures."""
    readings = by_feature(latest_readings(session, as_of))
    features = []
    for f in session.scalars(select(FeaturePublication).where(FeaturePublication.status == "done")
                             .options(selectinload(FeaturePublication.steps)).order_by(FeaturePublication.slot_utc)):
        request, got = f.request or {}, readings.get(f.key, {})
        ok = {ch: m for ch, m in got.items() if m.gap is None}
        features.append(Feature(
            key=f.key, ags=f.ags, day=f.slot_utc.astimezone(BERLIN).date(),
            credit=str(request.get("handle") or request.get("author_name") or ""),
            image=str(request.get("source_image") or ""),
            reach={ch: int(m.values.get(reach[ch], 0)) for ch, m in ok.items()},
            interactions={ch: sum(int(m.values.get(k, 0)) for k in interactions[ch]) for ch, m in ok.items()},
            gaps=tuple(sorted(m.gap for m in got.values() if m.gap)), mastodon=mastodon_counts(f, ok)))
    known = {f.key for f in features}
    features += [Feature(key=key, ags=ags, day=at.astimezone(BERLIN).date(), credit="", image="", gaps=(WEBSITE_ONLY,))
                 for key, ags, at in site if key not in known and at <= as_of]
    features.sort(key=lambda f: f.day)
    snapshots = [Snapshot(s.day, s.channel, s.followers, s.demographics or {})
                 for s in session.scalars(select(AccountSnapshot).where(AccountSnapshot.gap.is_(None))
                                          .order_by(AccountSnapshot.day))]
    referrers = [Referrer(r.day, r.slug, r.kind, r.host, r.hits) for r in session.scalars(select(ReferrerCount))]
    collected = [(ags, when.astimezone(BERLIN).date()) for ags, when in session.execute(
        select(Post.municipality_ags, Post.collected_at).where(Post.municipality_ags.is_not(None)))]
    return StoreData(features, snapshots, referrers, collected, load_partner_mail(session))
