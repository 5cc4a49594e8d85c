"""Where the jobs meet the alerts: record each job run, then report problems and write metrics.

  job_run(db_url, "collect")   context manager around one job in `once` (records ok / exit code)
  after_jobs(db_url, scope)     checks → report_problems → metrics file; never raises
  job_listener(db_url)          APScheduler listener: records every scheduled run, then after_jobs
  daily_check(db_url)           the `soists.alerts` job: the full check (empty slots, disk)
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from scheduler.alerts.report import Outcome, report_problems
from scheduler.alerts.state import JobRun

log = logging.getLogger(__name__)
KEEP_RUNS = timedelta(days=30)


def _sessions(db_url: str):
    from scheduler.store.db import make_engine, session_factory

    engine = make_engine(db_url)
    return engine, session_factory(engine)


def record_run(db_url: str, job: str, started: datetime, ok: bool, exit_code: int | None, detail: str = "",
               finished: datetime | None = None) -> None:
    """One job_runs row; runs older than 30 days go, except each job's last successful run."""
    from sqlalchemy import delete, func, select

    finished = finished or datetime.now(timezone.utc)
    engine, sessions = _sessions(db_url)
    try:
        with sessions.begin() as session:
            session.add(JobRun(job=job, started_utc=started, finished_utc=finished, ok=ok, exit_code=exit_code,
                               detail=detail[:2000]))
            keep = select(func.max(JobRun.id)).where(JobRun.ok.is_(True)).group_by(JobRun.job)
            session.execute(delete(JobRun).where(JobRun.finished_utc < finished - KEEP_RUNS, JobRun.id.not_in(keep)))
    finally:
        engine.dispose()


@dataclass
class RunRecord:
    exit_code: int | None = 0
    detail: str = ""


@contextlib.contextmanager
def job_run(db_url: str, job: str) -> Iterator[RunRecord]:
    """Record the job in the block: ok when it neither raised nor set a non-zero exit_code."""
    record, started = RunRecord(), datetime.now(timezone.utc)
    try:
        yield record
    except Exception as error:
        _safe(record_run, db_url, job, started, False, 1, f"{type(error).__name__}: {error}")
        raise
    _safe(record_run, db_url, job, started, not record.exit_code, record.exit_code, record.detail)


def _safe(function: Callable, *args, **kwargs):
    """Alerting is a side line: its own failure is logged, never passed on to the job."""
    try:
        return function(*args, **kwargs)
    except Exception:
        log.exception("alerts: %s failed", getattr(function, "__name__", function))
        return None


def write_metrics(db_url: str, now: datetime | None = None) -> Path | None:
    from scheduler.alerts.monitor import metrics_text, snapshot, write_atomically

    target = os.environ.get("SOISTS_METRICS_FILE")
    if not target:
        return None
    engine, sessions = _sessions(db_url)
    try:
        with sessions() as session:
            text = metrics_text(snapshot(session, now))
    finally:
        engine.dispose()
    write_atomically(Path(target), text)
    return Path(target)


def check_and_report(db_url: str, scope: str = "jobs", now: datetime | None = None) -> Outcome:
    from scheduler.alerts.checks import daily_checks, job_checks
    from scheduler.store.db import has_tables

    now = now or datetime.now(timezone.utc)
    if not has_tables(db_url, "alert_log", "feature_publications"):
        return Outcome()
    engine, sessions = _sessions(db_url)
    try:
        with sessions() as session:
            result = daily_checks(session, now) if scope == "all" else job_checks(session, now)
    finally:
        engine.dispose()
    return report_problems(db_url, result.problems, checked=result.checked, now=now)


def after_jobs(db_url: str, scope: str = "jobs", now: datetime | None = None) -> Outcome | None:
    outcome = _safe(check_and_report, db_url, scope, now)
    _safe(write_metrics, db_url)  # stamped with the real time of writing
    return outcome


def daily_check(db_url: str) -> int:
    outcome = after_jobs(db_url, "all")
    return 0 if outcome is not None and not outcome.errors else 1


def job_listener(db_url: str) -> Callable:
    """For scheduler.add_listener(…, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)."""

    def listener(event) -> None:
        job = event.job_id.removeprefix("soists.")
        retval = getattr(event, "retval", None)
        exit_code = 1 if event.exception is not None else (retval if isinstance(retval, int) else 0)
        detail = f"{type(event.exception).__name__}: {event.exception}" if event.exception is not None else ""
        _safe(record_run, db_url, job, event.scheduled_run_time, exit_code == 0, exit_code, detail)
        if job != "alerts":  # the alerts job has just done the full check itself
            after_jobs(db_url)

    return listener
