"""The unattended runner: APScheduler 3 jobs on a persistent SQLAlchemy job store.

Jobs (stable ids, all with coalesce, one instance, misfire grace, replace_existing):

  soists.collect   every SOISTS_COLLECT_MINUTES (180); skipped when no instaloader session is set
  soists.plan      daily at SOISTS_PLAN_AT (05:30 Berlin): plan and queue the next slots
  soists.publish   every SOISTS_PUBLISH_MINUTES (5): publisher.publish_due(now); slot times
                   come from the queue. When something was published the site is rebuilt.
  soists.deploy    daily at SOISTS_DEPLOY_AT (04:30): build and deploy the site
                   (SOISTS_DEPLOY_COMMAND, default `invoke publish`)
  soists.expire    daily at SOISTS_EXPIRE_AT (03:15): unanswered rights requests expire

Job functions are module-level and take only the database URL: the SQLAlchemy job store
pickles a reference ("scheduler.jobs:publish_job") and the arguments, never objects.
Everything else is read from the environment when the job runs.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, timezone
from functools import partial
from typing import Callable, Mapping

from sqlalchemy import func, select

from scheduler.config import Settings, load_settings
from scheduler.publisher import BERLIN, PROJECT_ROOT

log = logging.getLogger(__name__)

JOB_IDS = ("soists.collect", "soists.plan", "soists.publish", "soists.deploy", "soists.expire")
JOBS_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class RunnerConfig:
    db_url: str
    collect_minutes: int = 180
    publish_minutes: int = 5
    plan_at: time = time(5, 30)
    deploy_at: time = time(4, 30)
    expire_at: time = time(3, 15)
    misfire_grace_s: int = 15 * 60

    @classmethod
    def from_env(cls, db_url: str, env: Mapping[str, str] | None = None) -> "RunnerConfig":
        env = os.environ if env is None else env
        clock = lambda name, default: time.fromisoformat(env.get(name, default))  # noqa: E731
        return cls(db_url=db_url,
                   collect_minutes=int(env.get("SOISTS_COLLECT_MINUTES", 180)),
                   publish_minutes=int(env.get("SOISTS_PUBLISH_MINUTES", 5)),
                   plan_at=clock("SOISTS_PLAN_AT", "05:30"), deploy_at=clock("SOISTS_DEPLOY_AT", "04:30"),
                   expire_at=clock("SOISTS_EXPIRE_AT", "03:15"),
                   misfire_grace_s=int(env.get("SOISTS_MISFIRE_GRACE_SECONDS", 15 * 60)))


# --- shared helpers ----------------------------------------------------------------------

def job_settings(db_url: str) -> Settings:
    return replace(load_settings(), db_url=db_url)


def sessions_for(db_url: str, migrate_first: bool = True):
    from scheduler.db import make_engine, migrate, session_factory

    if migrate_first:
        migrate(db_url)
    return session_factory(make_engine(db_url))


def run_deploy_command(command: str) -> None:
    """Build and deploy the site with a shell-free command line (default `invoke publish`)."""
    argv = shlex.split(command)
    if argv and argv[0] == "invoke" and not shutil_which("invoke"):
        argv[0] = str(PROJECT_ROOT / ".venv" / "bin" / "invoke")
    subprocess.run(argv, cwd=PROJECT_ROOT, check=True)


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def deploy_from_env() -> Callable[[], None]:
    return partial(run_deploy_command, os.environ.get("SOISTS_DEPLOY_COMMAND", "invoke publish"))


def collect_configured(settings: Settings) -> bool:
    return bool(settings.instagram_user)


# --- the jobs (module level, plain arguments) -----------------------------------------------

def collect_job(db_url: str) -> int:
    """Collect new posts; returns the CLI exit code (0 also when skipped)."""
    from scheduler import cli

    settings = job_settings(db_url)
    if not collect_configured(settings):
        log.info("collect skipped: no instaloader session configured (SOISTS_IG_USER)")
        return 0
    return cli.main(["collect"], settings)


def plan_job(db_url: str, now: datetime | None = None) -> list[str]:
    """Plan the upcoming slots and queue the near ones; returns the queued keys."""
    from plugins.region.registry import load_registry
    from scheduler.planning import PlanningConfig, plan_and_enqueue

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
    from scheduler.planning import PlanningConfig
    from scheduler.publisher import Publisher, due_features, publish_due

    now = now or datetime.now(timezone.utc)
    deploy = deploy or deploy_from_env()
    with sessions_for(db_url)() as session:
        if not due_features(session, now):
            return {}
        if publisher is None:
            publisher = Publisher.from_env(content_dir=PlanningConfig.from_env().content_dir, deploy=deploy)
        result = publish_due(session, now, publisher)
    if any(status == "done" for status in result.values()):
        deploy_job(db_url, deploy)  # the overview pages' figures changed
    return result


def deploy_job(db_url: str, deploy: Callable[[], None] | None = None) -> None:
    (deploy or deploy_from_env())()


def expire_job(db_url: str) -> int:
    from scheduler import curation

    settings = job_settings(db_url)
    with sessions_for(db_url).begin() as session:
        return len(curation.expire_overdue(session, settings.rights_expiry_days))


# --- the scheduler ---------------------------------------------------------------------------

def job_specs(config: RunnerConfig) -> list[dict]:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    daily = lambda at: CronTrigger(hour=at.hour, minute=at.minute, timezone=BERLIN)  # noqa: E731
    args = [config.db_url]
    return [
        dict(id="soists.collect", func="scheduler.jobs:collect_job", name="collect",
             trigger=IntervalTrigger(minutes=config.collect_minutes, timezone=BERLIN), args=args),
        dict(id="soists.plan", func="scheduler.jobs:plan_job", name="plan", trigger=daily(config.plan_at), args=args),
        dict(id="soists.publish", func="scheduler.jobs:publish_job", name="publish",
             trigger=IntervalTrigger(minutes=config.publish_minutes, timezone=BERLIN), args=args),
        dict(id="soists.deploy", func="scheduler.jobs:deploy_job", name="build-and-deploy",
             trigger=daily(config.deploy_at), args=args),
        dict(id="soists.expire", func="scheduler.jobs:expire_job", name="expire rights",
             trigger=daily(config.expire_at), args=args),
    ]


def register_jobs(scheduler, config: RunnerConfig) -> None:
    for spec in job_specs(config):
        scheduler.add_job(**spec, coalesce=True, max_instances=1, misfire_grace_time=config.misfire_grace_s,
                          replace_existing=True, jobstore="default")


def make_scheduler(config: RunnerConfig, scheduler_class=None):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler_class = scheduler_class or BlockingScheduler
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(url=config.db_url, tablename=JOBS_TABLE)},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": config.misfire_grace_s},
        timezone=BERLIN)


def run_forever(config: RunnerConfig, announce: Callable[[str], None] = print) -> int:
    """Block until SIGTERM/SIGINT; then finish the running jobs and exit 0."""
    from scheduler.db import migrate

    migrate(config.db_url)
    scheduler = make_scheduler(config)
    register_jobs(scheduler, config)

    from apscheduler.events import EVENT_SCHEDULER_STARTED

    stop_requested: list[str] = []

    def stop(signum, _frame):
        stop_requested.append(signal.Signals(signum).name)
        if scheduler.running:  # else: the started listener below stops it at once
            announce(f"{stop_requested[-1]} received: finishing running jobs, then stopping")
            scheduler.shutdown(wait=True)

    def started(_event):
        announce(f"scheduler running with {len(JOB_IDS)} jobs (job store: {JOBS_TABLE}); SIGTERM stops it")
        if stop_requested:  # the signal came while starting up
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    scheduler.start()
    announce("scheduler stopped")
    return 0


# --- once / dry run / status ----------------------------------------------------------------

@dataclass
class OnceReport:
    lines: list[str] = field(default_factory=list)
    exit_code: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)


ONCE_ORDER = ("expire", "collect", "plan", "publish")


def run_once(db_url: str, now: datetime | None = None, *, publisher=None,
             deploy: Callable[[], None] | None = None, only: tuple[str, ...] = ONCE_ORDER) -> OnceReport:
    """The jobs once, in a sensible order (for cron or a systemd timer); `only` picks some."""
    from scheduler.graph_api import GraphError

    now = now or datetime.now(timezone.utc)
    report = OnceReport()
    if "expire" in only:
        report.add(f"expire: {expire_job(db_url)} rights request(s) expired")
    if "collect" in only:
        code = collect_job(db_url)
        report.add("collect: " + ("skipped (no instaloader session configured)"
                                  if not collect_configured(job_settings(db_url)) else f"exit {code}"))
        report.exit_code = report.exit_code or code
    if "plan" in only:
        keys = plan_job(db_url, now)
        report.add(f"plan: {len(keys)} feature(s) queued" + (f" ({', '.join(keys)})" if keys else ""))
    if "publish" in only:
        try:
            result = publish_job(db_url, now, publisher, deploy)
        except GraphError as error:  # e.g. missing credentials while something is due
            report.add(f"publish: {error}")
            report.exit_code = report.exit_code or 1
            return report
        report.add("publish: " + (", ".join(f"{k} → {s}" for k, s in result.items()) or "nothing due"))
        if any(status in ("needs_editor", "failed") for status in result.values()):
            report.exit_code = report.exit_code or 1
    if "deploy" in only:
        deploy_job(db_url, deploy)
        report.add("deploy: done")
    return report


def _tables_ready(db_url: str) -> bool:
    from sqlalchemy import inspect

    from scheduler.db import make_engine

    engine = make_engine(db_url)
    try:
        return inspect(engine).has_table("feature_publications") and inspect(engine).has_table("editor_choices")
    finally:
        engine.dispose()


def dry_run(db_url: str, now: datetime | None = None) -> list[str]:
    """What `once` would do, reading only (no migration, no API call, no file written)."""
    from plugins.region.registry import load_registry
    from scheduler.curation import S
    from scheduler.models import Consent, Post
    from scheduler.planning import PlanningConfig, build_plan
    from scheduler.publisher import due_features

    now = now or datetime.now(timezone.utc)
    settings = job_settings(db_url)
    if not _tables_ready(db_url):
        return ["database not migrated yet: run `python -m scheduler migrate` first (nothing else to show)"]
    lines = []
    lines.append("collect: " + (f"would collect #{settings.hashtag} and @{settings.account} (budget "
                                f"{settings.budget})" if collect_configured(settings)
                                else "skipped (no instaloader session configured)"))
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


def next_runs(db_url: str) -> list[tuple[str, datetime | None]]:
    """(job id, next run) from the job store table, read without starting a scheduler."""
    from sqlalchemy import inspect, text

    from scheduler.db import make_engine

    engine = make_engine(db_url)
    try:
        if not inspect(engine).has_table(JOBS_TABLE):
            return []
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE} ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(job_id, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None) for job_id, ts in rows]


def quota_left(env: Mapping[str, str] | None = None) -> str:
    from scheduler.graph_api import GraphClient, GraphConfig, GraphError

    try:
        config = GraphConfig.from_env(env)
    except GraphError:
        return "unknown (no credentials)"
    try:
        quota = GraphClient(config, max_attempts=1).publishing_quota()
    except GraphError as error:
        return f"unknown ({type(error).__name__}: {error})"
    except Exception as error:  # a network problem must not break the status command
        return f"unknown ({type(error).__name__})"
    return f"{quota.left} of {quota.total} posts per {quota.duration_s // 3600} h"
