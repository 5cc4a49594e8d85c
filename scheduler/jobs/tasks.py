"""The scheduled jobs: module-level functions that take only the database URL.

The SQLAlchemy job store pickles a reference ("scheduler.jobs:publish_job") and the
arguments, never objects; everything else is read from the environment when a job runs.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import smtplib
import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from typing import Callable

from scheduler.config import PROJECT_ROOT, Settings, load_settings
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, STOP_EXIT
from scheduler.store.private import public_umask

log = logging.getLogger(__name__)


def job_settings(db_url: str) -> Settings:
    return replace(load_settings(), db_url=db_url)


def sessions_for(db_url: str, migrate_first: bool = True):
    from scheduler.store.db import make_engine, migrate, session_factory

    if migrate_first:
        migrate(db_url)
    return session_factory(make_engine(db_url))


def run_deploy_command(command: str) -> None:
    """Build and deploy the site with a shell-free command line (default `invoke publish`)."""
    argv = shlex.split(command)
    if argv and argv[0] == "invoke" and not shutil.which("invoke"):
        argv[0] = str(PROJECT_ROOT / ".venv" / "bin" / "invoke")
    # the build writes the public site: the operator's umask, not the scheduler's private one
    subprocess.run(argv, cwd=PROJECT_ROOT, check=True, umask=public_umask())


def deploy_from_env() -> Callable[[], None]:
    return partial(run_deploy_command, os.environ.get("SOISTS_DEPLOY_COMMAND", "invoke publish"))


def collect_configured(settings: Settings) -> bool:
    if settings.collect_source == "instaloader":
        return bool(settings.instagram_user)
    from scheduler.collect.official import official_configured

    return official_configured()


def collect_job(db_url: str) -> int:
    """Collect new posts; returns the exit code of `collect` (0 also when skipped)."""
    from plugins.region.registry import load_registry
    from scheduler.collect.ingest import Collector, DbCursorStore
    from scheduler.collect.run import collect
    from scheduler.collect.sources.base import SourceStopped

    settings = job_settings(db_url)
    if not collect_configured(settings):
        log.info("collect skipped: %s", "no instaloader session configured (SOISTS_IG_USER)"
                 if settings.collect_source == "instaloader" else
                 "Graph API not configured (SOISTS_IG_USER_ID and the Instagram token)")
        return EXIT_OK
    settings.ensure_dirs()
    sessions = sessions_for(db_url)
    try:
        for name, report in collect(Collector(sessions, settings, load_registry()),
                                    DbCursorStore(sessions), settings):
            log.info("collect %s: %s", name, report.summary())
    except SourceStopped as stop:
        log.warning("collect stopped: %s", stop.message)
        return STOP_EXIT[stop.kind]
    except Exception:  # a job reports, the runner keeps running
        log.exception("collect failed")
        return EXIT_FAILURE
    return EXIT_OK


def plan_job(db_url: str, now: datetime | None = None) -> list[str]:
    """Plan the upcoming slots and queue the near ones; returns the queued keys."""
    from plugins.region.registry import load_registry
    from scheduler.plan.enqueue import PlanningConfig, plan_and_enqueue

    settings = job_settings(db_url)
    with sessions_for(db_url)() as session:
        _, keys = plan_and_enqueue(session, load_registry(), PlanningConfig.from_env(settings.media_dir),
                                   now or datetime.now(timezone.utc))
    if keys:
        log.info("queued: %s", ", ".join(keys))
    return keys


def publish_job(db_url: str, now: datetime | None = None, publisher=None,
                deploy: Callable[[], None] | None = None) -> dict[str, str]:
    """Publish every due feature; rebuild the site afterwards when something was published."""
    from scheduler.plan.enqueue import PlanningConfig
    from scheduler.publish.publisher import Publisher, publish_due
    from scheduler.publish.queue import due_features
    from scheduler.publish.side_channels import due_side_steps

    now = now or datetime.now(timezone.utc)
    deploy = deploy or deploy_from_env()
    with sessions_for(db_url)() as session:
        if not due_features(session, now) and not due_side_steps(session, now):  # Mastodon retries count too
            return {}
        if publisher is None:
            publisher = Publisher.from_env(content_dir=PlanningConfig.from_env().content_dir, deploy=deploy)
        result = publish_due(session, now, publisher)
        # "<key>/mastodon": a side channel's retry alone; the site and the Instagram links did not change
        features = [key for key, status in result.items() if status == "done" and "/" not in key]
        remember_permalinks(session, features, publisher)
    if features:
        deploy_job(db_url, deploy)  # the overview pages' figures changed
    return result


def remember_permalinks(session, keys: list[str], publisher) -> None:
    """The Instagram links of what was just published, for the board's plan view."""
    from sqlalchemy import select

    from scheduler.plan import operations_publish
    from scheduler.publish.state import FeaturePublication

    if keys:
        features = session.scalars(select(FeaturePublication).where(FeaturePublication.key.in_(keys))).all()
        operations_publish.remember_permalinks(session, list(features), publisher.client)


def deploy_job(db_url: str, deploy: Callable[[], None] | None = None) -> None:
    (deploy or deploy_from_env())()


def expire_job(db_url: str) -> int:
    from scheduler.curate.workflow import expire_overdue

    settings = job_settings(db_url)
    with sessions_for(db_url).begin() as session:
        return len(expire_overdue(session, settings.rights_expiry_days))


def alerts_job(db_url: str) -> int:
    """The daily full check: empty slots, disk, features, job runs → mails and metrics."""
    from scheduler.alerts.hooks import daily_check

    return daily_check(db_url)


def insights_job(db_url: str, now: datetime | None = None, api=None) -> str:
    """Daily: Meta's figures for the published features and the accounts, then the access logs."""
    from scheduler.insights.job import run_job

    with sessions_for(db_url)() as session:
        return run_job(session, now, api).summary()


def campaigns_job(db_url: str, now: datetime | None = None) -> list[str]:
    """Daily: winners' answers read, overdue winners replaced by the next reserve (draw advance)."""
    from plugins.campaigns.model import load_campaigns
    from plugins.region.registry import load_registry
    from scheduler.campaigns.notify import advance_all, configured_mentions_api

    from scheduler.plan.enqueue import PlanningConfig

    settings = job_settings(db_url)
    content_dir = PlanningConfig.from_env().content_dir  # SOISTS_CONTENT_DIR, as for publishing
    api, why_not = configured_mentions_api()
    if api is None:
        log.info("prize notices go by direct message: %s", why_not)
    with sessions_for(db_url).begin() as session:
        return advance_all(session, load_campaigns(content_dir, load_registry()), content_dir,
                           "scheduler", api, settings.consent_hashtag, now)


def partner_mail_job(db_url: str, now: datetime | None = None) -> int:
    """Monthly: „So ist S in Ihrer Kommune“ for the last finished month to every contact (partners/).
    Skipped while no SMTP server or sender is set; a refused or failed mail makes the run fail
    (alert `job_failed`), and the next run sends only what is missing."""
    from scheduler.alerts.mail import SmtpConfig
    from scheduler.partners.run import PartnerMailError, run

    if SmtpConfig.load(os.environ, require_recipients=False) is None:
        log.info("partner mail skipped: no SMTP server configured")
        return EXIT_OK
    try:
        prepared, report = run(sessions_for(db_url), now=now)
    except (PartnerMailError, smtplib.SMTPException, OSError) as exc:  # the next run sends what is missing
        log.warning("partner mail stopped: %s", exc)
        return EXIT_FAILURE
    log.info("partner mail %s: sent %d, already sent %d, unknown outcome %d, failed %d", prepared.month.slug,
             len(report.sent), len(report.skipped), len(report.uncertain), len(report.failed))
    return EXIT_FAILURE if report.failed or report.uncertain else EXIT_OK
