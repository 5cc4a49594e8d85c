"""The coverage figures, defined once: what „veröffentlicht“ and „vorgestellt“ mean, for which period.

The site (municipality pages, /kommunen/, the coverage sentence), the board's Redaktionsplan
(coverage strip, Rückblick), the impact report and the newsletter all count through `figures()`,
so the same data gives the same numbers everywhere (tests/site/test_figures_agree.py).

Definitions (also in docs/STYLEGUIDE.md, „Figures: one meaning each“):

- **Feature** (German: *Vorstellung*, on the board „Beitrag“): one #SoistS photo that So ist S
  published — a wall file in `content/community/` with its `Featured:` instant, or a feature the
  publisher finished (`feature_publications.status = done`). One feature has one key; a feature
  that is both is counted once.
- **veröffentlicht**: a feature whose instant is at or before *now*. A wall file dated later is
  *geplant*, not veröffentlicht, and counts nowhere.
- **vorgestellt**: a municipality with at least one veröffentlicht feature in the period.
  Articles, portraits and events that name a municipality do **not** make it vorgestellt (the
  municipality page lists them separately).
- **noch nie vorgestellt**: no veröffentlicht feature at all, since the start.
- **Period**: whole days in Europe/Berlin, first and last day included, never beyond today:
  *bisher* = since the start (the site's pages and sentence); *in diesem Jahr* = 1 January of
  today's Berlin year to today (the Redaktionsplan); a calendar month (the newsletter); the
  report's period.

No other word is used for these figures (not „gezeigt“, „zu sehen“ or „Features“).
Pure functions; no Pelican, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

from plugins.navigation.dates import BERLIN

NOW_SETTINGS = ("SITE_NOW", "NEWSLETTER_NOW", "EVENTS_NOW")


def berlin_day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)).astimezone(BERLIN).date()
    return moment


def as_instant(moment: date | datetime) -> datetime:
    """Dates count from their midnight in Berlin; naive date-times are Berlin time."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)
    return datetime.combine(moment, time(), BERLIN)


def fixed_now(settings: dict | None) -> bool:
    """The build's "now" is set (tests, reproducible builds): its output does not change with the clock."""
    return any((settings or {}).get(key) for key in NOW_SETTINGS)


def site_now(settings: dict | None = None) -> datetime:
    """The build's "now": SITE_NOW (or NEWSLETTER_NOW, EVENTS_NOW; ISO text) for tests and
    reproducible builds, else the clock — in Berlin time."""
    for key in NOW_SETTINGS:
        value = (settings or {}).get(key)
        if value:
            return as_instant(datetime.fromisoformat(str(value))).astimezone(BERLIN)
    return datetime.now(timezone.utc).astimezone(BERLIN)


@dataclass(frozen=True)
class Figures:
    """The coverage figures of one period."""

    total: int  # municipalities counted (179 for the region)
    featured: frozenset[str]  # AGS vorgestellt in the period
    published: int  # features veröffentlicht in the period
    start: date | None  # None: since the start („bisher“)
    end: date  # the last day counted (never after today)

    @property
    def count(self) -> int:
        return len(self.featured)

    @property
    def never(self) -> int:
        return self.total - self.count


def this_year(now: datetime) -> tuple[date, date]:
    """„in diesem Jahr“: 1 January of now's Berlin year to today."""
    today = berlin_day(now)
    return date(today.year, 1, 1), today


def end_of(now: date | datetime) -> datetime:
    """An instant as it is; a day (the report's "as of") up to its last moment in Berlin."""
    if isinstance(now, datetime):
        return as_instant(now)
    return datetime.combine(now + timedelta(days=1), time(), BERLIN) - timedelta(microseconds=1)


def figures(municipalities: Iterable[str], features: Iterable[tuple[str, date | datetime]], now: date | datetime,
            start: date | None = None, end: date | None = None) -> Figures:
    """Count `features` ((AGS, instant or Berlin day) pairs, each feature once) for the
    municipalities given (AGS), over the days start..end in Berlin (start None: since the start;
    end None or later than today: today). Features after `now` and of other municipalities are
    ignored."""
    scope = set(municipalities)
    now = end_of(now)
    last = min(end or berlin_day(now), berlin_day(now))
    featured: set[str] = set()
    published = 0
    for ags, when in features:
        if ags not in scope or as_instant(when) > now:
            continue
        day = berlin_day(when)
        if (start is None or day >= start) and day <= last:
            featured.add(ags)
            published += 1
    return Figures(len(scope), frozenset(featured), published, start, last)
