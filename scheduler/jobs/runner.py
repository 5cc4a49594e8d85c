"""The unattended runner: APScheduler 3 jobs on a persistent SQLAlchemy job store.

Jobs (stable ids, all with coalesce, one instance, misfire grace, replace_existing):

  soists.collect   every SOISTS_COLLECT_MINUTES (180); skipped when no instaloader session is set
  soists.plan      daily at SOISTS_PLAN_AT (05:30 Berlin): plan and queue the next slots
  soists.publish   every SOISTS_PUBLISH_MINUTES (5): publish the due features; slot times
                   come from the queue. When something was published the site is rebuilt.
  soists.deploy    daily at SOISTS_DEPLOY_AT (04:30): build and deploy the site
                   (SOISTS_DEPLOY_COMMAND, default `invoke publish`)
  soists.expire    daily at SOISTS_EXPIRE_AT (03:15): unanswered rights requests expire
  soists.campaigns daily at SOISTS_CAMPAIGNS_AT (03:30): Gewinnspiel winners' answers read, overdue
                   winners replaced by the next reserve (draw advance)
  soists.tokens    daily at SOISTS_TOKENS_AT (02:45): refresh tokens when due, record their
                   expiry, report problems (scheduler/credentials/refresh.py)
  soists.alerts    daily at SOISTS_ALERTS_AT (07:00): the full problem check (empty slots, disk)
  soists.insights  daily at SOISTS_INSIGHTS_AT (06:15): figures of the published features and the
                   accounts from Meta, referrers from the access logs (scheduler/insights/)
  soists.partnermail monthly on day SOISTS_PARTNER_MAIL_DAY (2) at SOISTS_PARTNER_MAIL_AT (09:00):
                   „So ist S in Ihrer Kommune“ for the last month (scheduler/partners/)
  soists.calendars daily at SOISTS_CALENDARS_AT (05:00): the municipalities' calendars → drafts in
                   the web editor's workflow; a refused calendar is an alert (scheduler/partners/calendars)

After every job a listener records the run and reports problems (scheduler/alerts/hooks.py).

The job functions live in scheduler/jobs/tasks.py and are referenced as "scheduler.jobs:<name>"
(the package re-exports them), so a job store written by an older layout keeps working.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from datetime import time
from typing import Callable, Mapping

from scheduler.config import BERLIN

JOB_IDS = ("soists.collect", "soists.plan", "soists.publish", "soists.deploy", "soists.expire", "soists.tokens",
           "soists.alerts", "soists.insights", "soists.campaigns", "soists.calendars", "soists.partnermail")
JOBS_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class RunnerConfig:
    db_url: str
    collect_minutes: int = 180
    publish_minutes: int = 5
    plan_at: time = time(5, 30)
    deploy_at: time = time(4, 30)
    expire_at: time = time(3, 15)
    tokens_at: time = time(2, 45)
    alerts_at: time = time(7, 0)
    insights_at: time = time(6, 15)
    campaigns_at: time = time(3, 30)
    partner_mail_day: int = 2
    partner_mail_at: time = time(9, 0)
    calendars_at: time = time(5, 0)
    misfire_grace_s: int = 15 * 60

    @classmethod
    def from_env(cls, db_url: str, env: Mapping[str, str] | None = None) -> "RunnerConfig":
        env = os.environ if env is None else env
        clock = lambda name, default: time.fromisoformat(env.get(name, default))  # noqa: E731
        return cls(db_url=db_url,
                   collect_minutes=int(env.get("SOISTS_COLLECT_MINUTES", 180)),
                   publish_minutes=int(env.get("SOISTS_PUBLISH_MINUTES", 5)),
                   plan_at=clock("SOISTS_PLAN_AT", "05:30"), deploy_at=clock("SOISTS_DEPLOY_AT", "04:30"),
                   expire_at=clock("SOISTS_EXPIRE_AT", "03:15"), tokens_at=clock("SOISTS_TOKENS_AT", "02:45"),
                   alerts_at=clock("SOISTS_ALERTS_AT", "07:00"),
                   insights_at=clock("SOISTS_INSIGHTS_AT", "06:15"),
                   campaigns_at=clock("SOISTS_CAMPAIGNS_AT", "03:30"),
                   partner_mail_day=int(env.get("SOISTS_PARTNER_MAIL_DAY", 2)),
                   partner_mail_at=clock("SOISTS_PARTNER_MAIL_AT", "09:00"),
                   calendars_at=clock("SOISTS_CALENDARS_AT", "05:00"),
                   misfire_grace_s=int(env.get("SOISTS_MISFIRE_GRACE_SECONDS", 15 * 60)))


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
        dict(id="soists.tokens", func="scheduler.jobs:tokens_job", name="refresh tokens",
             trigger=daily(config.tokens_at), args=args),
        dict(id="soists.alerts", func="scheduler.jobs:alerts_job", name="alerts",
             trigger=daily(config.alerts_at), args=args),
        dict(id="soists.insights", func="scheduler.jobs:insights_job", name="insights",
             trigger=daily(config.insights_at), args=args),
        dict(id="soists.campaigns", func="scheduler.jobs:campaigns_job", name="campaign draws",
             trigger=daily(config.campaigns_at), args=args),
        dict(id="soists.partnermail", func="scheduler.jobs:partner_mail_job", name="partner mail",
             trigger=CronTrigger(day=config.partner_mail_day, hour=config.partner_mail_at.hour,
                                 minute=config.partner_mail_at.minute, timezone=BERLIN), args=args),
        dict(id="soists.calendars", func="scheduler.jobs:calendars_job", name="calendar import",
             trigger=daily(config.calendars_at), args=args),
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
    from scheduler.jobs.logs import configure_logging
    from scheduler.store.db import migrate
    from scheduler.store.private import restrict_umask

    restrict_umask()  # the runner may be started without the CLI (python -c, a service wrapper)
    configure_logging("INFO")  # job logs without tokens, also when a job fails mid-request
    migrate(config.db_url)
    scheduler = make_scheduler(config)
    register_jobs(scheduler, config)

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED

    from scheduler.alerts.hooks import job_listener

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
    scheduler.add_listener(job_listener(config.db_url), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    announce("scheduler stopped")
    return 0
