"""The scheduled import (`soists.calendars`) and the command's shared setup."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from scheduler.config import PROJECT_ROOT

from .gitdrafts import DraftBackend, DraftRepo
from .gitlab_api import CmsAccessError
from .run import PROBLEM_KIND, Importer, ImportReport

log = logging.getLogger(__name__)
ACCESS_KIND = "calendar_cms_access"  # the import cannot write to the web editor's GitLab


def draft_repo(env=None) -> DraftBackend:
    """Where the web editor keeps drafts. SOISTS_CMS_BACKEND=gitlab (production): merge requests
    on the GitLab of plugins/cms (SOISTS_CMS_GIT_URL, SOISTS_CMS_REPO, SOISTS_CMS_BRANCH; token
    slot `gitlab` in the secrets file). Otherwise (default `git`, decap-server's local mode): the
    Git repository SOISTS_CMS_REPO_DIR (default the project), default branch SOISTS_CMS_BRANCH."""
    env = os.environ if env is None else env
    if (env.get("SOISTS_CMS_BACKEND") or "git").strip().lower() == "gitlab":
        from .gitlabdrafts import gitlab_drafts

        return gitlab_drafts()
    return DraftRepo(Path(env.get("SOISTS_CMS_REPO_DIR") or PROJECT_ROOT), env.get("SOISTS_CMS_BRANCH") or "main")


def access_problem(error: CmsAccessError):
    from scheduler.alerts.problem import CRITICAL, Problem

    token = ("Im GitLab-Projekt des Web-Editors unter Einstellungen → Zugriffstokens einen Projekt-Zugriffstoken "
             "anlegen (Rolle „Developer“, Bereich „api“) und in der Secrets-Datei als tokens.gitlab eintragen; "
             "Anleitung: docs/EDITORS-CMS.md, Abschnitt „Imported events on GitLab“.")
    why, action = {
        "missing": ("In der Secrets-Datei ist kein GitLab-Zugriffstoken (tokens.gitlab) eingetragen", token),
        "invalid": ("GitLab hat den Zugriffstoken abgelehnt: er ist falsch, widerrufen oder abgelaufen",
                    token),
        "forbidden": ("Der GitLab-Zugriffstoken darf im Projekt nichts anlegen (Bereich „api“ oder Rolle fehlt)",
                      token),
        "project": ("Das GitLab-Projekt des Web-Editors (SOISTS_CMS_REPO) oder sein Zweig ist mit dem "
                    "Zugriffstoken nicht zu finden", "SOISTS_CMS_REPO und SOISTS_CMS_BRANCH in "
                    "/etc/soists/soists.env prüfen und ob der Token zu diesem Projekt gehört."),
        "settings": ("Die Adresse des GitLab-Servers (SOISTS_CMS_GIT_URL, SOISTS_CMS_REPO) ist noch nicht "
                     "eingetragen", "Die Werte in /etc/soists/soists.env eintragen, wie sie auch der Build nutzt."),
    }.get(error.reason, ("GitLab ist nicht erreichbar", token))
    return Problem(ACCESS_KIND, "gitlab", CRITICAL,
                   f"{why}. Der Kalenderimport hat deshalb keine Termin-Vorschläge angelegt.", action)


def import_calendars(session, *, repo: DraftBackend | None = None, contacts=None, now: datetime | None = None,
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
    except CmsAccessError as error:  # nothing written; its own alert (not a second „Job fehlgeschlagen“)
        log.error("calendars: %s", error)
        report_problems(db_url, [access_problem(error)], checked={ACCESS_KIND}, now=now)
        return [f"stopped: {error}"]
    finally:
        engine.dispose()
    for line in report.lines():
        log.info("calendars: %s", line)
    if has_tables(db_url, "alert_log"):
        report_problems(db_url, report.problems(), checked={PROBLEM_KIND, ACCESS_KIND}, now=now)
    return report.lines()
