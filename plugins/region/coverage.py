"""How often and how recently each municipality was featured.

A pure function of the registry and the list of features, so the site's overview and
the scheduler's coverage report show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from .registry import Municipality, Registry


@dataclass(frozen=True)
class Coverage:
    municipality: Municipality
    featured_count: int
    last_featured: date | None

    def days_waiting(self, today: date) -> int | None:
        return None if self.last_featured is None else (today - self.last_featured).days


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def coverage(registry: Registry, features: Iterable[tuple[str, date | datetime]]) -> dict[str, Coverage]:
    """Per AGS: number of features and the date of the last one (features: (ags, when))."""
    counts: dict[str, int] = {}
    last: dict[str, date] = {}
    for ags, when in features:
        day = _as_date(when)
        counts[ags] = counts.get(ags, 0) + 1
        if ags not in last or day > last[ags]:
            last[ags] = day
    return {m.ags: Coverage(m, counts.get(m.ags, 0), last.get(m.ags)) for m in registry}
