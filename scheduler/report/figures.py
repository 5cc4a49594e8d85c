"""The report's figures: pure functions of the store's rows, a period and a scope.

Reach and interactions of a feature are its latest readings (Instagram reach + Facebook unique
views; Instagram total_interactions + Facebook reactions, comments and shares), counted in the
period in which the feature was posted. Followers are account totals (never per person).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from plugins.region.figures import figures as coverage_figures
from plugins.region.registry import Municipality
from scheduler.report.data import Feature, Referrer, Snapshot, StoreData

YOUNG = ("18-24", "25-34")  # the committee's target group 18–34, in Meta's age buckets


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> "Period":
        """The same dates a year before (29 February becomes the 28th)."""
        def back(d: date) -> date:
            return d.replace(year=d.year - 1, day=min(d.day, 28)) if (d.month, d.day) == (2, 29) \
                else d.replace(year=d.year - 1)
        return Period(back(self.start), back(self.end))


@dataclass(frozen=True)
class Headline:
    features: int
    featured: int  # distinct municipalities featured
    municipalities: int  # in scope (179 for the region)
    reach: int
    interactions: int
    followers: int | None  # Instagram + Facebook at the end of the period
    growth: int | None  # change over the period
    young_share: float | None  # share of Instagram followers aged 18–34

    @property
    def engagement(self) -> float | None:
        return self.interactions / self.reach if self.reach else None


@dataclass(frozen=True)
class MunicipalityRow:
    m: Municipality
    features: int
    dates: tuple[date, ...]
    reach: int
    interactions: int
    collected: int  # #SoistS posts collected in the period
    linking: tuple[tuple[str, int], ...]  # (host, requests) of sites linking to it, most first

    @property
    def engagement(self) -> float | None:
        return self.interactions / self.reach if self.reach else None


@dataclass(frozen=True)
class DistrictRow:
    slug: str
    name: str
    municipalities: int
    featured: int
    features: int
    reach: int
    interactions: int
    collected: int
    linking_sites: int

    @property
    def engagement(self) -> float | None:
        return self.interactions / self.reach if self.reach else None


@dataclass(frozen=True)
class MastodonRow:
    """One municipality's photos on Mastodon and what people did with them there."""
    m: Municipality | None  # None: the total
    features: int = 0
    favourites: int = 0
    reblogs: int = 0
    replies: int = 0


def mastodon_rows(features: list[Feature], municipalities: list[Municipality]) -> list[MastodonRow]:
    """Per municipality in scope (every one, for the CSV), from the features posted on Mastodon."""
    sums: dict[str, Counter] = defaultdict(Counter)
    for f in features:
        if f.mastodon is not None:
            sums[f.ags].update({"features": 1, **f.mastodon})
    return [MastodonRow(m, **{k: sums[m.ags][k] for k in ("features", "favourites", "reblogs", "replies")})
            for m in municipalities]


def mastodon_total(rows: list[MastodonRow]) -> MastodonRow:
    return MastodonRow(None, *(sum(getattr(r, k) for r in rows) for k in ("features", "favourites", "reblogs", "replies")))


def in_scope(features: list[Feature], period: Period, scope: set[str]) -> list[Feature]:
    return [f for f in features if f.day in period and f.ags in scope]


def followers_on(snapshots: list[Snapshot], period: Period) -> list[tuple[date, int]]:
    """Instagram + Facebook followers per day in the period (days where both channels answered)."""
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    for s in snapshots:
        if s.day in period and s.followers is not None:
            per_day[s.day][s.channel] = s.followers
    return [(d, sum(v.values())) for d, v in sorted(per_day.items()) if len(v) == 2]


def young_share(snapshots: list[Snapshot], period: Period) -> float | None:
    ages = age_buckets(snapshots, period)
    total = sum(n for _, n in ages)
    return sum(n for bucket, n in ages if bucket in YOUNG) / total if total else None


def age_buckets(snapshots: list[Snapshot], period: Period) -> list[tuple[str, int]]:
    """Instagram follower ages from the period's last snapshot that has them."""
    for s in sorted(snapshots, key=lambda s: s.day, reverse=True):
        if s.day in period and s.channel == "instagram" and s.demographics.get("age"):
            return sorted(((k, int(v)) for k, v in s.demographics["age"].items()), key=lambda kv: kv[0])
    return []


def headline(data: StoreData, period: Period, scope: set[str], today: date | None = None) -> Headline:
    """`featured` is „vorgestellt“ as plugins/region/figures.py defines it (the site's, the plan's
    and the newsletter's count), over the period up to `today`."""
    features = in_scope(data.features, period, scope)
    series = followers_on(data.snapshots, period)
    counted = coverage_figures(scope, [(f.ags, f.day) for f in features], today or period.end,
                               period.start, period.end)
    return Headline(
        features=counted.published, featured=counted.count, municipalities=len(scope),
        reach=sum(f.total_reach for f in features), interactions=sum(f.total_interactions for f in features),
        followers=series[-1][1] if series else None,
        growth=series[-1][1] - series[0][1] if len(series) > 1 else None,
        young_share=young_share(data.snapshots, period))


def linking_hosts(referrers: list[Referrer], period: Period) -> dict[str, Counter]:
    by_slug: dict[str, Counter] = defaultdict(Counter)
    for r in referrers:
        if r.day in period:
            by_slug[r.slug][r.host] += r.hits
    return by_slug


def municipality_rows(data: StoreData, period: Period, municipalities: list[Municipality]) -> list[MunicipalityRow]:
    features: dict[str, list[Feature]] = defaultdict(list)
    for f in in_scope(data.features, period, {m.ags for m in municipalities}):
        features[f.ags].append(f)
    collected = Counter(ags for ags, day in data.collected if day in period)
    hosts = linking_hosts(data.referrers, period)
    return [MunicipalityRow(m, len(features[m.ags]), tuple(f.day for f in features[m.ags]),
                            sum(f.total_reach for f in features[m.ags]),
                            sum(f.total_interactions for f in features[m.ags]),
                            collected[m.ags], tuple(hosts[m.slug].most_common()))
            for m in municipalities]


def district_rows(rows: list[MunicipalityRow]) -> list[DistrictRow]:
    grouped: dict[str, list[MunicipalityRow]] = defaultdict(list)
    for row in rows:
        grouped[row.m.district_slug].append(row)
    return [DistrictRow(slug, group[0].m.district, len(group), sum(1 for r in group if r.features),
                        sum(r.features for r in group), sum(r.reach for r in group),
                        sum(r.interactions for r in group), sum(r.collected for r in group),
                        len({host for r in group for host, _ in r.linking}))
            for slug, group in grouped.items()]


def monthly_reach(features: list[Feature], period: Period) -> list[tuple[int, int, int]]:
    """(year, month, reach of the features posted that month) for every month of the period."""
    sums: Counter = Counter()
    for f in features:
        sums[(f.day.year, f.day.month)] += f.total_reach
    months, cursor = [], period.start.replace(day=1)
    while cursor <= period.end:
        months.append((cursor.year, cursor.month, sums[(cursor.year, cursor.month)]))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def weekly_collected(data: StoreData, period: Period, scope: set[str]) -> list[tuple[date, int]]:
    """#SoistS posts collected per week (Monday) in scope."""
    weeks: Counter = Counter(day - timedelta(days=day.weekday()) for ags, day in data.collected
                             if day in period and ags in scope)
    return sorted(weeks.items())


def top_features(features: list[Feature], n: int = 10) -> list[Feature]:
    return sorted(features, key=lambda f: (-f.total_reach, f.day))[:n]


def gap_counts(features: list[Feature]) -> dict[str, int]:
    """How many features lack figures, by reason (the report says so instead of counting zero)."""
    return dict(Counter(gap for f in features for gap in set(f.gaps)))


def sample(series: list[tuple[date, int]], every: int = 7) -> list[tuple[date, int]]:
    """Every `every`-th point and the last one: a year of days drawn as weeks."""
    if len(series) <= 60:
        return series
    picked = series[::every]
    return picked if picked[-1] == series[-1] else [*picked, series[-1]]
