"""Gaps a person must close: a permission that has been missing on several readings in a row.

Returns plain facts; the alerts stage turns them into German problems (the insights stage
does not import alerts, alerts imports this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.insights.state import AccountSnapshot, Measurement

PERSISTENT_READINGS = 3  # one missing permission can be a hiccup; three readings in a row are not


@dataclass(frozen=True)
class PermissionGap:
    channel: str
    since: datetime
    readings: int
    detail: str


def persistent(rows: list[tuple[datetime, str | None, str | None]], readings: int = PERSISTENT_READINGS
               ) -> tuple[datetime, str] | None:
    """rows: (when, gap, detail), newest first → (since, detail) when the newest `readings` all lack permission."""
    latest = rows[:readings]
    if len(latest) < readings or any(gap != "permission" for _, gap, _ in latest):
        return None
    return latest[-1][0], latest[0][2] or ""


def permission_gaps(session: Session) -> list[PermissionGap]:
    found = []
    for channel in ("instagram", "facebook"):
        rows = [(r.measured_utc, r.gap, r.gap_detail) for r in session.scalars(
            select(AccountSnapshot).where(AccountSnapshot.channel == channel)
            .order_by(AccountSnapshot.day.desc()).limit(PERSISTENT_READINGS))]
        rows += [(r.measured_utc, r.gap, r.gap_detail) for r in session.scalars(
            select(Measurement).where(Measurement.channel == channel)
            .order_by(Measurement.measured_utc.desc(), Measurement.id.desc()).limit(PERSISTENT_READINGS))]
        rows.sort(key=lambda r: r[0], reverse=True)
        hit = persistent(rows)
        if hit:
            found.append(PermissionGap(channel, hit[0], PERSISTENT_READINGS, hit[1]))
    return found
