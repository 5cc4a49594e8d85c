"""Figures for the impact report: events imported from each municipality's calendar in a
period, and how many of them an editor took over (published the draft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.partners.calendars.state import CalendarImport


@dataclass(frozen=True)
class ImportFigures:
    imported: int  # „Termine importiert“: drafts made in the period
    accepted: int  # „übernommen“: drafts an editor published in the period


def import_figures(session: Session, start: datetime, end: datetime) -> dict[str, ImportFigures]:
    """AGS → figures for [start, end) (aware datetimes), counted by the municipality the event
    is filed under; municipalities with neither figure are left out."""
    imported = dict(session.execute(
        select(CalendarImport.ags, func.count(CalendarImport.id))
        .where(CalendarImport.imported_utc >= start, CalendarImport.imported_utc < end)
        .group_by(CalendarImport.ags)).all())
    accepted = dict(session.execute(
        select(CalendarImport.ags, func.count(CalendarImport.id))
        .where(CalendarImport.accepted_utc >= start, CalendarImport.accepted_utc < end)
        .group_by(CalendarImport.ags)).all())
    return {ags: ImportFigures(imported.get(ags, 0), accepted.get(ags, 0))
            for ags in sorted(set(imported) | set(accepted))}
