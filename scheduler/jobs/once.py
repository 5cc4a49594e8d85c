"""`once` (every job one time, for cron or a systemd timer) and its read-only dry run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from scheduler.alerts.hooks import after_jobs, job_run
from scheduler.config import BERLIN
from scheduler.jobs.tasks import (
    collect_configured,
    collect_job,
    deploy_job,
    expire_job,
    insights_job,
    job_settings,
    plan_job,
    publish_job,
    sessions_for,
)
from scheduler.store.db import has_tables


@dataclass
class OnceReport:
    lines: list[str] = field(default_factory=list)
    exit_code: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)


ONCE_ORDER = ("tokens", "expire", "collect", "plan", "publish", "alerts")


def run_once(db_url: str, now: datetime | None = None, *, publisher=None,
             deploy: Callable[[], None] | None = None, only: tuple[str, ...] = ONCE_ORDER) -> OnceReport:
    """The jobs once, in a sensible order (for cron or a systemd timer); `only` picks some.

    Every job run is recorded, and afterwards the problems are reported (mail, metrics file):
    with "alerts" the full check (empty slots, disk), else what the jobs can change."""
    now = now or datetime.now(timezone.utc)
    report = OnceReport()
    try:
        _run_jobs(db_url, now, report, publisher, deploy, only)
    finally:
        outcome = after_jobs(db_url, "all" if "alerts" in only else "jobs", now)
        if "alerts" in only and outcome is not None:
            report.add(f"alerts: {len(outcome.opened)} new, {len(outcome.resolved)} cleared, "
                       f"{len(outcome.sent)} mail(s) sent" + (f", {len(outcome.errors)} not sent"
                                                              if outcome.errors else ""))
    return report


def _run_jobs(db_url: str, now: datetime, report: OnceReport, publisher, deploy, only: tuple[str, ...]) -> None:
    from scheduler.publish.graph_api import GraphError
    from scheduler.publish.locks import LockLost

    if "tokens" in only:  # first: a refreshed token serves the publish run below
        from scheduler.credentials.refresh import tokens_job

        with job_run(db_url, "tokens") as run:
            code = run.exit_code = tokens_job(db_url, now=now)
        report.add("tokens: " + ("ok" if code == 0 else "a person must renew a token (see check-credentials)"))
        report.exit_code = report.exit_code or code
    if "expire" in only:
        with job_run(db_url, "expire"):
            report.add(f"expire: {expire_job(db_url)} rights request(s) expired")
    if "collect" in only:
        with job_run(db_url, "collect") as run:
            code = run.exit_code = collect_job(db_url)
        report.add("collect: " + ("skipped (no instaloader session configured)"
                                  if not collect_configured(job_settings(db_url)) else f"exit {code}"))
        report.exit_code = report.exit_code or code
    if "plan" in only:
        with job_run(db_url, "plan"):
            keys = plan_job(db_url, now)
        report.add(f"plan: {len(keys)} feature(s) queued" + (f" ({', '.join(keys)})" if keys else ""))
    if "publish" in only:
        try:
            with job_run(db_url, "publish"):
                result = publish_job(db_url, now, publisher, deploy)
        except GraphError as error:  # e.g. missing credentials while something is due
            report.add(f"publish: {error}")
            report.exit_code = report.exit_code or 1
            return
        except (DBAPIError, LockLost) as error:  # e.g. the database server restarted during the run
            report.add(f"publish: stopped, the database failed ({database_error(error)}); "
                       "the next run resumes where this one stopped")
            report.exit_code = report.exit_code or 1
            return
        report.add("publish: " + (", ".join(f"{k} → {s}" for k, s in result.items()) or "nothing due"))
        if any(status in ("needs_editor", "failed") for status in result.values()):
            report.exit_code = report.exit_code or 1
    if "insights" in only:
        with job_run(db_url, "insights"):
            report.add(f"insights: {insights_job(db_url, now)}")
    if "deploy" in only:
        with job_run(db_url, "deploy"):
            deploy_job(db_url, deploy)
        report.add("deploy: done")


def database_error(error: Exception) -> str:
    """One line for the operator (the driver's first line, no SQL, no traceback)."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines() or [""]
    return f"{type(original).__name__}: {lines[0]}"


def tables_ready(db_url: str) -> bool:
    """The publishing queue and the editor choices exist (the store was migrated)."""
    return has_tables(db_url, "feature_publications", "editor_choices")


def dry_run(db_url: str, now: datetime | None = None) -> list[str]:
    """What `once` would do, reading only (no migration, no API call, no file written)."""
    from plugins.region.registry import load_registry
    from scheduler.curate.workflow import S
    from scheduler.plan.enqueue import PlanningConfig, build_plan
    from scheduler.publish.queue import due_features
    from scheduler.store.models import Consent, Post

    now = now or datetime.now(timezone.utc)
    settings = job_settings(db_url)
    if not tables_ready(db_url):
        return ["database not migrated yet: run `python -m scheduler migrate` first (nothing else to show)"]
    lines = []
    lines.append("collect: " + (f"would collect #{settings.hashtag} and @{settings.account} (budget "
                                f"{settings.budget})" if collect_configured(settings)
                                else f"skipped ({settings.collect_source}: not configured)"))
    with sessions_for(db_url, migrate_first=False)() as session:
        cutoff = now - timedelta(days=settings.rights_expiry_days)
        overdue = session.scalar(select(func.count()).select_from(Post).join(Consent).where(
            Post.state == S.RIGHTS_REQUESTED.value, Consent.requested_at <= cutoff))
        lines.append(f"expire: would expire {overdue} rights request(s)")
        result = build_plan(session, load_registry(), PlanningConfig.from_env(settings.media_dir), now)
        lines.extend(plan_lines(result))
        due = [f.key for f in due_features(session, now)]
        due += [f"{p.slot_utc:%Y-%m-%d %H:%M} UTC {result.names.get(p.ags, p.ags)} (would be queued first)"
                for p in result.to_enqueue if p.slot_utc <= now]
        lines.append("publish: " + (", ".join(due) if due else "nothing due") + " — would publish to the "
                     "website, Instagram and Facebook, then build and deploy")
        session.rollback()
    return lines


def plan_lines(result) -> list[str]:
    lines = [f"plan: {len(result.slots)} slot(s), {len(result.candidates)} candidate post(s)"]
    for f in result.queued:
        lines.append(f"  {f.slot_utc.astimezone(BERLIN):%a %Y-%m-%d %H:%M}  queued  {f.key} ({f.status})")
    enqueue = {p.slot_utc for p in result.to_enqueue}
    for p in result.planned:
        mark = "queue" if p.slot_utc in enqueue else "plan "
        lines.append(f"  {p.slot_utc.astimezone(BERLIN):%a %Y-%m-%d %H:%M}  {mark}   {p.post_id or '—'}: {p.reason}")
    lines.extend(f"  note: {note}" for note in result.notes)
    return lines
