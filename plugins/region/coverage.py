"""How often and how recently each municipality was featured.

One pure function for the site's overview map and the scheduler's coverage report, so
both always show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from .figures import Figures
from .registry import Municipality, normalise


@dataclass(frozen=True)
class CoverageRow:
    ags: str
    name: str
    slug: str
    district: str
    district_slug: str
    lat: float
    lon: float
    featured_count: int
    last_featured: datetime | None
    days_waiting: int | None  # days since the last feature; None when never featured

    @property
    def never_featured(self) -> bool:
        return self.featured_count == 0

    @property
    def url(self) -> str:
        return f"kommunen/{self.slug}/"


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def coverage_rows(registry: Iterable[Municipality], features: Iterable[tuple[str, datetime]],
                  today: date | datetime) -> list[CoverageRow]:
    """One row per municipality: never-featured first, then longest waiting, then by name.

    `features` are (AGS, instant) pairs of every feature so far; features of unknown AGS
    are ignored (a municipality merged away must not break the report).
    """
    day = as_date(today)
    counts: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for ags, when in features:
        counts[ags] = counts.get(ags, 0) + 1
        if ags not in last or when > last[ags]:
            last[ags] = when
    rows = [
        CoverageRow(m.ags, m.name, m.slug, m.district, m.district_slug, m.lat, m.lon,
                    counts.get(m.ags, 0), last.get(m.ags),
                    (day - as_date(last[m.ags])).days if m.ags in last else None)
        for m in registry
    ]
    rows.sort(key=lambda r: (r.days_waiting is not None, -(r.days_waiting or 0), normalise(r.name)))
    return rows


def never_featured(rows: Iterable[CoverageRow]) -> list[CoverageRow]:
    return [row for row in rows if row.never_featured]


@dataclass(frozen=True)
class CoverageSummary:
    """What the site may claim about its coverage, from the same rows as the map."""

    total: int
    featured: int

    @property
    def never(self) -> int:
        return self.total - self.featured

    @property
    def sentence(self) -> str:
        """A German sentence stating the figures („bisher vorgestellt“, see figures.py); never
    claims more than the data shows."""
        if self.total and self.never == 0:
            return f"Alle {self.total} Kommunen der Region wurden bei So ist S schon vorgestellt."
        if self.featured == 0:
            return f"Noch wurde keine der {self.total} Kommunen bei So ist S vorgestellt."
        waiting = "wartet" if self.never == 1 else "warten"
        return (f"Bisher wurden {self.featured} von {self.total} Kommunen bei So ist S vorgestellt. "
                f"{self.never} {waiting} noch auf das erste Foto.")


def summarise(rows: Iterable[CoverageRow]) -> CoverageSummary:
    rows = list(rows)
    return CoverageSummary(total=len(rows), featured=sum(1 for row in rows if not row.never_featured))


def from_figures(counted: Figures) -> CoverageSummary:
    """The sentence's figures from `figures.figures` (the one definition of „vorgestellt“)."""
    return CoverageSummary(total=counted.total, featured=counted.count)
