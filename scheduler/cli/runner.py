"""Process commands: migrate, run, once, status (--json), retry, demo."""

from __future__ import annotations

import json

from scheduler import jobs
from scheduler.cli.common import add_dry_run, console, dry, out, print_lines
from scheduler.config import BERLIN
from scheduler.exitcodes import EXIT_OK, EXIT_USAGE
from scheduler.store.db import migrate


def cmd_migrate(args, settings) -> int:
    settings.ensure_dirs()
    migrate(settings.db_url)
    out.print(f"database up to date: {settings.db_url}")
    return EXIT_OK


def cmd_run(args, settings) -> int:
    config = jobs.RunnerConfig.from_env(settings.db_url)
    if dry(args):
        for spec in jobs.job_specs(config):
            out.print(f"{spec['id']:<16} {spec['name']:<18} {spec['trigger']}", markup=False)
        print_lines(jobs.dry_run(settings.db_url))
        return EXIT_OK
    return jobs.run_forever(config, announce=lambda text: console.print(text, markup=False))


def cmd_once(args, settings) -> int:
    if dry(args):
        print_lines(jobs.dry_run(settings.db_url))
        return EXIT_OK
    only = tuple(part.strip() for part in (args.only or ",".join(jobs.ONCE_ORDER)).split(",") if part.strip())
    unknown = sorted(set(only) - set(jobs.ONCE_ORDER) - {"deploy", "insights"})
    if unknown:
        console.print(f"[red]unknown job(s) {', '.join(unknown)}: use tokens, expire, collect, plan, publish, alerts, deploy")
        return EXIT_USAGE
    settings.ensure_dirs()
    report = jobs.run_once(settings.db_url, only=only)
    print_lines(report.lines)
    return report.exit_code


def status_json(settings) -> dict:
    """Everything `status` shows, for monitoring: the alerts snapshot plus next runs and quota."""
    from scheduler.alerts.monitor import snapshot
    from scheduler.store.db import has_tables

    data = {"next_runs": {job_id: at.isoformat() if at else None for job_id, at in jobs.next_runs(settings.db_url)}}
    if jobs.tables_ready(settings.db_url) and has_tables(settings.db_url, "alert_log", "job_runs"):
        with jobs.sessions_for(settings.db_url, migrate_first=False)() as session:
            data.update(snapshot(session))
        data["migrated"] = True
    else:
        data["migrated"] = False
    data["instagram_quota_left"] = jobs.quota_left()
    data["takedowns_open"] = takedowns_open(settings.db_url)
    mentions = mentions_status(settings.db_url)
    if mentions is not None:  # from migration 0011 on
        data["mentions"] = mentions.to_json()
    return data


def mentions_status(db_url: str):
    """The webhook mentions queue (pending, backoff, given up, stale); None before migration 0011."""
    from datetime import datetime, timezone

    from sqlalchemy.exc import SQLAlchemyError

    from scheduler.collect.mention_retry import mention_status
    from scheduler.store.db import has_tables

    if not has_tables(db_url, "webhook_payloads"):
        return None
    try:
        with jobs.sessions_for(db_url, migrate_first=False)() as session:
            return mention_status(session, datetime.now(timezone.utc))
    except SQLAlchemyError:  # an older schema: `migrate` first
        return None


def takedowns_open(db_url: str) -> list[dict]:
    """Unfinished takedown steps (manual ones wait for `takedown-confirm`); [] before migration 0008."""
    from scheduler.publish.takedown import open_takedowns
    from scheduler.store.db import has_tables

    if not has_tables(db_url, "takedowns", "takedown_steps"):
        return []
    with jobs.sessions_for(db_url, migrate_first=False)() as session:
        return open_takedowns(session)


def cmd_status(args, settings) -> int:
    if args.json:
        print(json.dumps(status_json(settings), ensure_ascii=False, indent=2))
        return EXIT_OK
    runs = jobs.next_runs(settings.db_url)
    out.print("next runs:")
    if not runs:
        out.print("  no job store yet: start `python -m scheduler run` once")
    for job_id, at in runs:
        out.print(f"  {job_id:<16} {at.astimezone(BERLIN):%a %Y-%m-%d %H:%M %Z}" if at else
                  f"  {job_id:<16} paused", markup=False)
    out.print("last failures:")
    if jobs.tables_ready(settings.db_url):
        with jobs.sessions_for(settings.db_url, migrate_first=False)() as session:
            failures, steps, pending = jobs.recent_failures(session)
            for f in failures:
                out.print(f"  {f.key}: {f.status}, {f.last_error} (next try {f.next_attempt_utc or '—'})",
                          markup=False)
            for step in steps:
                out.print(f"  step {step.feature.key}/{step.step}: {step.error}", markup=False)
            if not failures and not steps:
                out.print("  none")
            out.print(f"queued features waiting: {pending}")
    else:
        out.print("  none (database not migrated yet)")
    out.print(f"Instagram quota left: {jobs.quota_left()}", markup=False)
    mentions = mentions_status(settings.db_url)
    if mentions is not None:
        out.print(mentions.line_de(), markup=False)
    open_steps = takedowns_open(settings.db_url)
    out.print("Takedowns offen:" if open_steps else "Takedowns offen: keine")
    for item in open_steps:
        out.print(f"  {item['post_id']}/{item['step']}: {item['state']} – {item['todo_de']}", markup=False)
    return EXIT_OK


def cmd_retry(args, settings) -> int:
    from scheduler.publish.queue import retry_feature

    with jobs.sessions_for(settings.db_url)() as session:
        try:
            retry_feature(session, args.key)
        except KeyError:
            console.print(f"[red]no queued feature {args.key}")
            return EXIT_USAGE
    out.print(f"{args.key}: pending again; the next publish run tries it", markup=False)
    return EXIT_OK


def cmd_demo(args, settings) -> int:
    from scheduler.jobs.demo import run_demo

    return run_demo(dry_run=dry(args), keep=args.keep)


def add_commands(sub) -> None:
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=cmd_migrate)
    add_dry_run(sub.add_parser("run", help="run the scheduler until SIGTERM (APScheduler, persistent job store)")
                ).set_defaults(func=cmd_run)
    o = add_dry_run(sub.add_parser("once", help="run every job once and exit (cron / systemd timer)"))
    o.add_argument("--only", help="comma-separated subset: tokens,expire,collect,plan,publish,alerts,deploy,insights")
    o.set_defaults(func=cmd_once)
    st = sub.add_parser("status", help="next job runs, last failures, Instagram quota left")
    st.add_argument("--json", action="store_true", help="one JSON object for monitoring (also last runs, alerts)")
    st.set_defaults(func=cmd_status)
    r = sub.add_parser("retry", help="put a failed or needs-editor feature back in the queue")
    r.add_argument("key", help="feature key, e.g. 2026-11-23-plochingen")
    r.set_defaults(func=cmd_retry)
    d = add_dry_run(sub.add_parser("demo", help="seed demo posts, run `once` against the local fake Graph API"))
    d.add_argument("--keep", action="store_true", help="keep var/scheduler-demo/ from the last demo run")
    d.set_defaults(func=cmd_demo)
