"""Assemble everything one report shows from the store's rows: pure, no files, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from plugins.region.coverage import coverage_rows
from plugins.region.registry import Municipality, Registry
from scheduler.report import figures as F
from scheduler.report.charts import Box, bar_chart, hbar_chart, line_chart, reach_map
from scheduler.report.data import Feature, StoreData
from scheduler.report.german import month_label, number, short_day
from scheduler.report.partner_mail import PartnerMailRow, partner_mail_rows


@dataclass(frozen=True)
class Scope:
    kind: str  # region | district | municipality
    label: str  # "Region Stuttgart", "Landkreis Esslingen", "Plochingen"
    municipalities: tuple[Municipality, ...]
    slug: str = "region-stuttgart"  # for file names

    @property
    def ags(self) -> set[str]:
        return {m.ags for m in self.municipalities}


def scope_for(registry: Registry, municipality: str = "", district: str = "") -> Scope:
    if municipality:
        m = registry.get(municipality)
        return Scope("municipality", m.name, (m,), m.slug)
    if district:
        d = registry.district(district)
        return Scope("district", d.name, tuple(d.municipalities), d.slug)
    return Scope("region", "Region Stuttgart", tuple(registry))


@dataclass
class Report:
    period: F.Period
    scope: Scope
    today: date
    current: F.Headline
    previous: F.Headline
    districts: list[F.DistrictRow]
    municipalities: list[F.MunicipalityRow]
    todo: list[F.MunicipalityRow]
    top: list[Feature]
    months: list[tuple[int, int, int]]
    followers: list[tuple[date, int]]
    ages: list[tuple[str, int, float]]
    weekly: list[tuple[date, int]]
    gaps: dict[str, int]
    map_bounds: list[int]
    mastodon: list[F.MastodonRow] = field(default_factory=list)  # every municipality in scope
    partner_mail: list[PartnerMailRow] = field(default_factory=list)  # „So ist S in Ihrer Kommune“
    charts: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # AGS → name

    @property
    def on_mastodon(self) -> list[F.MastodonRow]:
        return [row for row in self.mastodon if row.features]

    @property
    def mastodon_total(self) -> F.MastodonRow:
        return F.mastodon_total(self.mastodon)

    @property
    def linking(self) -> list[tuple[str, str, int]]:
        """(host, municipality, requests) of every site linking to a municipality, most first."""
        rows = [(host, row.m.name, hits) for row in self.municipalities for host, hits in row.linking]
        return sorted(rows, key=lambda r: (-r[2], r[0]))


def build_report(data: StoreData, registry: Registry, period: F.Period, scope: Scope, today: date,
                 site_url: str, partner_events: dict[str, tuple[int, int]] | None = None) -> Report:
    """`partner_events`: AGS → (events imported, accepted) from the calendar import, when it exists."""
    members = list(scope.municipalities)
    rows = F.municipality_rows(data, period, members)
    features = F.in_scope(data.features, period, scope.ags)
    followers = F.followers_on(data.snapshots, period)
    ages = F.age_buckets(data.snapshots, period)
    total_age = sum(n for _, n in ages) or 1
    report = Report(
        period=period, scope=scope, today=today,
        current=F.headline(data, period, scope.ags, today), previous=F.headline(data, period.previous(), scope.ags, today),
        districts=sorted(F.district_rows(rows), key=lambda d: (d.slug != "stuttgart", d.name)),
        municipalities=rows, todo=[r for r in rows if not r.features], top=F.top_features(features),
        months=F.monthly_reach(features, period), followers=followers,
        ages=[(bucket, n, n / total_age) for bucket, n in ages], weekly=F.weekly_collected(data, period, scope.ags),
        gaps=F.gap_counts(features), map_bounds=[], names={m.ags: m.name for m in registry},
        mastodon=F.mastodon_rows(features, members),
        partner_mail=partner_mail_rows(data.partner_mail, period.start, period.end, members, partner_events))
    report.charts = charts(report, registry, site_url, [(f.ags, f.day) for f in features])
    return report


def charts(report: Report, registry: Registry, site_url: str, featured: list[tuple[str, date]]) -> dict[str, str]:
    drawn = {}
    weekly = F.sample(report.followers)
    if weekly:
        first_of_month = {i for i, (d, _) in enumerate(weekly)
                          if i == 0 or d.month != weekly[i - 1][0].month}
        every = max(1, len(first_of_month) // 6)  # at most about six labels
        shown = set(sorted(first_of_month)[::every])
        drawn["followers"] = line_chart(
            [(month_label(d.year, d.month, short=True) if i in shown else short_day(d), n) for i, (d, n) in enumerate(weekly)],
            f"Abonnements auf Instagram und Facebook von {number(weekly[0][1])} auf {number(weekly[-1][1])}",
            lambda i: i in shown)
    if report.months:
        drawn["reach"] = bar_chart([(month_label(y, m, short=True).split(" ")[0], v) for y, m, v in report.months],
                                   "Reichweite der vorgestellten Fotos je Monat", Box(height=240))
    if report.ages:
        drawn["ages"] = hbar_chart([(bucket.replace("-", "–"), share) for bucket, _, share in report.ages],
                                   "Instagram-Abonnements nach Altersgruppe; 18–34 hervorgehoben",
                                   lambda bucket: bucket.replace("–", "-") in F.YOUNG)
    reach = {r.m.ags: r.reach for r in report.municipalities}
    # A single municipality is drawn in its region (the others white), a district or the region alone.
    members = report.scope.municipalities if report.scope.kind != "municipality" else tuple(registry)
    rows = coverage_rows(members, featured, report.period.end)
    drawn["map"], report.map_bounds = reach_map(rows, reach, site_url.rstrip("/"),
                                                "Karte der Kommunen, eingefärbt nach Reichweite der vorgestellten Fotos")
    return drawn
