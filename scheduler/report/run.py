"""One report from a database: read, compute, write (the CLI and the benchmark call this)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from plugins.region.registry import load_registry
from scheduler.config import BERLIN
from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.report.build import Report, build_report, scope_for
from scheduler.report.data import load
from scheduler.report.figures import Period
from scheduler.report.render import Written, write

SITE_URL = "https://www.so-ist-s.de"


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date
    out: Path
    municipality: str = ""
    district: str = ""
    pdf: bool = True


def compute(db_url: str, request: ReportRequest, now: datetime | None = None,
            content_dir: Path | None = None) -> Report:
    """`content_dir`: also count the features on that site's wall (content/community) that this
    store did not publish — as the site, the plan and the newsletter do."""
    from scheduler.plan.enqueue import site_features
    from scheduler.store.db import make_engine, session_factory

    now = now or datetime.now(timezone.utc)
    registry = load_registry()
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            site = [(s.key, s.ags, s.at) for s in site_features(content_dir, registry)] if content_dir else ()
            data = load(session, now, REACH, INTERACTIONS, site)
            events = calendar_events(session, request.start, request.end)
    finally:
        engine.dispose()
    scope = scope_for(registry, request.municipality, request.district)
    return build_report(data, registry, Period(request.start, request.end), scope, now.date(),
                        os.environ.get("SOISTS_SITE_URL", SITE_URL), events)


def calendar_events(session, start: date, end: date) -> dict[str, tuple[int, int]]:
    """AGS → (events imported, accepted) from the calendar import over the report's Berlin days."""
    from scheduler.partners.calendar_figures import import_figures

    first = datetime.combine(start, time(), BERLIN)
    after = datetime.combine(end + timedelta(days=1), time(), BERLIN)
    return {ags: (f.imported, f.accepted) for ags, f in import_figures(session, first, after).items()}


def make_report(db_url: str, request: ReportRequest, content_dir: Path, now: datetime | None = None) -> Written:
    return write(compute(db_url, request, now), request.out, content_dir, pdf=request.pdf)
