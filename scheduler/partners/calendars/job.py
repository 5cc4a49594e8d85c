"""The scheduled import (`soists.calendars`) and the command's shared setup."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from scheduler.config import PROJECT_ROOT

from .gitdrafts import DraftRepo
from .run import PROBLEM_KIND, Importer, ImportReport

log = logging.getLogger(__name__)


def draft_repo(env=None) -> DraftRepo:
    """The Git repository the web editor works on: SOISTS_CMS_REPO_DIR (default the project),
    its default branch SOISTS_CMS_BRANCH (default main) — the same as the CMS backend's."""
    env = os.environ if env is None else env
    return DraftRepo(Path(env.get("SOISTS_CMS_REPO_DIR") or PROJECT_ROOT), env.get("SOISTS_CMS_BRANCH") or "main")


def import_calendars(session, *, repo: DraftRepo | None = None, contacts=None, now: datetime | None = None,
                     dry_run: bool = False, fetcher=None) -> ImportReport:
    from plugins.region.places import load_places
    from plugins.region.registry import load_registry
    from scheduler.curate.aliases import load_learned
    from scheduler.curate.detection import Detector
    from scheduler.partners.contacts import DEFAULT_PATH, load_contacts

    registry = load_registry()
    places = load_places()
    if contacts is None:  # SOISTS_CONTACTS_FILE: another copy of the file (tests, a staging server)
        contacts = load_contacts(os.environ.get("SOISTS_CONTACTS_FILE") or DEFAULT_PATH, registry=registry)
    extra = {"fetcher": fetcher} if fetcher is not None else {}
    importer = Importer(session, repo or draft_repo(), registry, now or datetime.now(timezone.utc),
                        gazetteer=places, detector=Detector(registry, places, load_learned(session)),
                        dry_run=dry_run, **extra)
    return importer.run(contacts)


def calendars_job(db_url: str, now: datetime | None = None) -> list[str]:
    """Daily: import the calendars; a refused calendar is an alert (mailed once a day, „behoben“ after)."""
    from scheduler.alerts.report import report_problems
    from scheduler.store.db import has_tables, make_engine, migrate, session_factory

    migrate(db_url)
    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            report = import_calendars(session, now=now)
    finally:
        engine.dispose()
    for line in report.lines():
        log.info("calendars: %s", line)
    if has_tables(db_url, "alert_log"):
        report_problems(db_url, report.problems(), checked={PROBLEM_KIND}, now=now)
    return report.lines()
