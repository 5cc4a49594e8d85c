"""`python -m scheduler …`: collect, import, list, show, approve, reject, rights, municipality,
expire, migrate, review. Exit codes (for cron): 0 ok, 1 failure, 2 usage, 3 needs login or
checkpoint, 4 rate-limited — try later."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from plugins.region.registry import UnknownMunicipality, load_registry

from . import curation
from .config import Settings, load_settings
from .db import make_engine, migrate, session_factory
from .ingest import Collector, DbCursorStore, RunReport
from .models import Post, State
from .sources.base import SourceStopped

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_LOGIN, EXIT_RATE_LIMITED = 0, 1, 2, 3, 4
STOP_EXIT = {SourceStopped.LOGIN: EXIT_LOGIN, SourceStopped.RATE_LIMITED: EXIT_RATE_LIMITED,
             SourceStopped.FAILED: EXIT_FAILURE}
console = Console(stderr=True)
out = Console()


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False, disable=not console.is_terminal)


def _sessions(settings: Settings):
    settings.ensure_dirs()
    migrate(settings.db_url)  # cheap when up to date; a fresh install just works
    return session_factory(make_engine(settings.db_url))


def _run_source(collector: Collector, source, total: int | None, label: str) -> RunReport:
    report = RunReport()
    with _progress() as progress:
        task = progress.add_task(label, total=total)
        collector.run(source.posts(), report, on_post=lambda *_: progress.advance(task))
    report.messages.extend(getattr(source, "skipped", []))
    if getattr(source, "message", ""):
        report.messages.append(source.message)
    return report


def cmd_migrate(args, settings) -> int:
    settings.ensure_dirs()
    migrate(settings.db_url)
    out.print(f"database up to date: {settings.db_url}")
    return EXIT_OK


def cmd_import(args, settings) -> int:
    from .sources.folder_import import FolderSource
    from .sources.manual import ManualSource

    folder = Path(args.path)
    if not folder.exists():
        console.print(f"[red]no such file or folder: {folder}", highlight=False)
        return EXIT_USAGE
    sessions = _sessions(settings)
    collector = Collector(sessions, settings, load_registry())
    source = ManualSource([folder]) if args.manual else FolderSource(folder)
    report = _run_source(collector, source, len(source), f"importing {folder.name}")
    out.print(report.summary())
    for message in report.messages:
        out.print(f"  note: {message}")
    return EXIT_OK


def cmd_collect(args, settings) -> int:
    from .sources.instaloader_hashtag import hashtag_source, logged_in_context, tagged_source

    sessions = _sessions(settings)
    collector = Collector(sessions, settings, load_registry())
    cursors = DbCursorStore(sessions)
    budget = args.budget or settings.budget
    options = {"backoff_seconds": settings.backoff_seconds, "max_backoffs": settings.max_backoffs}
    try:
        context = logged_in_context(settings.instagram_user, settings.session_file)
        makers = {"hashtag": lambda: hashtag_source(context, settings.hashtag, cursors, budget, **options),
                  "tagged": lambda: tagged_source(context, settings.account, cursors, budget, **options)}
        for name in (["hashtag", "tagged"] if args.source == "all" else [args.source]):
            source = makers[name]()
            report = _run_source(collector, source, budget, f"collecting {source.name}")
            out.print(f"{source.name}: {report.summary()}")
            for message in report.messages:
                out.print(f"  note: {message}")
    except SourceStopped as stop:
        console.print(f"[yellow]stopped: {stop.message}")
        return STOP_EXIT[stop.kind]
    return EXIT_OK


def _post(session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise curation.CurationError(f"no post with id {post_id}")
    return post


def cmd_list(args, settings) -> int:
    registry = load_registry()
    sessions = _sessions(settings)
    with sessions() as session:
        query = select(Post).order_by(Post.taken_at.desc()).limit(args.limit)
        if args.state:
            query = query.where(Post.state == args.state)
        if args.needs_review:
            query = query.where(Post.needs_review.is_(True))
        table = Table("id", "state", "author", "taken (UTC)", "municipality", "review", "caption")
        for post in session.scalars(query):
            ags = post.municipality_ags or post.suggested_ags
            name = registry.get(ags).name if ags else "—"
            table.add_row(str(post.id), post.state, "@" + post.author, f"{post.taken_at:%Y-%m-%d %H:%M}",
                          name + ("" if post.municipality_ags else " ?"), "yes" if post.needs_review else "",
                          (post.caption or "")[:50].replace("\n", " "))
        out.print(table)
    return EXIT_OK


def cmd_show(args, settings) -> int:
    sessions = _sessions(settings)
    with sessions() as session:
        post = _post(session, args.id)
        for field in ("id", "uid", "source", "state", "author", "permalink", "taken_at", "location_name",
                      "municipality_ags", "suggested_ags", "detection_confidence", "detection_reason",
                      "needs_review", "duplicate_of_id"):
            out.print(f"{field:>21}: {getattr(post, field)}")
        out.print(f"{'caption':>21}: {post.caption}", markup=False)
        if post.image:
            out.print(f"{'image':>21}: {settings.media_dir / post.image.path} ({post.image.width}×{post.image.height})")
        if post.consent:
            c = post.consent
            out.print(f"{'consent':>21}: {c.status}, requested {c.requested_at} by {c.requested_by}, "
                      f"answered {c.answered_at}, evidence: {c.evidence!r}, credit: {c.credit!r}", markup=False)
        out.print("audit trail:")
        for event in post.events:
            out.print(f"  {event.at:%Y-%m-%d %H:%M:%S}Z {event.actor}: {event.action} "
                      f"{event.from_state or ''}→{event.to_state or ''} {event.reason} {event.evidence}", markup=False)
    return EXIT_OK


def _change(settings, post_id: int, change) -> int:
    sessions = _sessions(settings)
    with sessions.begin() as session:
        post = _post(session, post_id)
        change(session, post)
        state = post.state
    out.print(f"post {post_id}: {state}")
    return EXIT_OK


def cmd_approve(args, settings) -> int:
    return _change(settings, args.id, lambda s, p: curation.transition(
        s, p, State.SHORTLISTED.value, args.editor or settings.editor, args.reason or "approved"))


def cmd_reject(args, settings) -> int:
    return _change(settings, args.id, lambda s, p: curation.transition(
        s, p, State.REJECTED.value, args.editor or settings.editor, args.reason))


def cmd_rights(args, settings) -> int:
    target = {"requested": State.RIGHTS_REQUESTED.value}.get(args.status, args.status)
    return _change(settings, args.id, lambda s, p: curation.transition(
        s, p, target, args.editor or settings.editor, args.reason or f"rights {args.status}", args.evidence or "",
        credit=args.credit))


def cmd_municipality(args, settings) -> int:
    registry = load_registry()
    return _change(settings, args.id, lambda s, p: curation.set_municipality(
        s, p, args.municipality, registry, args.editor or settings.editor, args.reason or "editor decision"))


def cmd_expire(args, settings) -> int:
    sessions = _sessions(settings)
    with sessions.begin() as session:
        expired = curation.expire_overdue(session, settings.rights_expiry_days)
        out.print(f"{len(expired)} rights request(s) expired")
    return EXIT_OK


def cmd_review(args, settings) -> int:
    from .review.server import serve

    sessions = _sessions(settings)
    serve(sessions, settings, load_registry(), port=args.port, editor=args.editor or settings.editor,
          open_browser=not args.no_browser)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=cmd_migrate)
    c = sub.add_parser("collect", help="collect new posts from Instagram (needs a session file)")
    c.add_argument("--source", choices=["hashtag", "tagged", "all"], default="all")
    c.add_argument("--budget", type=int, help="posts per source and run (default SOISTS_BUDGET)")
    c.set_defaults(func=cmd_collect)
    i = sub.add_parser("import", help="import an instaloader folder (or --manual submissions) offline")
    i.add_argument("path")
    i.add_argument("--manual", action="store_true", help="images with .json/.toml sidecars")
    i.set_defaults(func=cmd_import)
    ls = sub.add_parser("list", help="list posts")
    ls.add_argument("--state", choices=[s.value for s in State])
    ls.add_argument("--needs-review", action="store_true")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=cmd_list)
    sh = sub.add_parser("show", help="one post with its consent and audit trail")
    sh.add_argument("id", type=int)
    sh.set_defaults(func=cmd_show)
    for name, command, reason_required in (("approve", cmd_approve, False), ("reject", cmd_reject, True)):
        a = sub.add_parser(name, help=f"{name} a post")
        a.add_argument("id", type=int)
        a.add_argument("--reason", required=reason_required)
        a.add_argument("--editor")
        a.set_defaults(func=command)
    r = sub.add_parser("rights", help="record a rights request or the author's answer")
    r.add_argument("id", type=int)
    r.add_argument("status", choices=["requested", "granted", "declined", "expired"])
    r.add_argument("--evidence", help="required for granted: where and how the author said yes")
    r.add_argument("--credit", help="how the author wants to be credited")
    r.add_argument("--reason")
    r.add_argument("--editor")
    r.set_defaults(func=cmd_rights)
    m = sub.add_parser("municipality", help="set a post's municipality (slug, AGS or unambiguous name)")
    m.add_argument("id", type=int)
    m.add_argument("municipality")
    m.add_argument("--reason")
    m.add_argument("--editor")
    m.set_defaults(func=cmd_municipality)
    sub.add_parser("expire", help="expire rights requests older than 14 days").set_defaults(func=cmd_expire)
    v = sub.add_parser("review", help="serve the review board on 127.0.0.1")
    v.add_argument("--port", type=int, default=8765)
    v.add_argument("--editor")
    v.add_argument("--no-browser", action="store_true")
    v.set_defaults(func=cmd_review)
    p.add_argument("--dry-run", action="store_true",
                   help="run/once/plan: show what would happen; write nothing, call no API")
    add_runner_commands(sub)
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    settings = settings or load_settings()
    try:
        return args.func(args, settings)
    except (curation.CurationError, UnknownMunicipality) as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; everything stored so far is kept")
        return EXIT_FAILURE
    except Exception as exc:  # a cron job needs an exit code, the operator a message
        console.print(f"[red]failed: {type(exc).__name__}: {exc}", highlight=False)
        return EXIT_FAILURE


# == scheduler runner commands (issue 6: jobs, planning, status) ==
def _dry(args) -> bool:
    return bool(getattr(args, "dry_run", False) or getattr(args, "sub_dry_run", False))


def _print_lines(lines) -> None:
    for line in lines:
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def cmd_run(args, settings) -> int:
    from . import jobs

    config = jobs.RunnerConfig.from_env(settings.db_url)
    if _dry(args):
        for spec in jobs.job_specs(config):
            out.print(f"{spec['id']:<16} {spec['name']:<18} {spec['trigger']}", markup=False)
        _print_lines(jobs.dry_run(settings.db_url))
        return EXIT_OK
    return jobs.run_forever(config, announce=lambda text: console.print(text, markup=False))


def cmd_once(args, settings) -> int:
    from . import jobs

    if _dry(args):
        _print_lines(jobs.dry_run(settings.db_url))
        return EXIT_OK
    only = tuple(part.strip() for part in (args.only or ",".join(jobs.ONCE_ORDER)).split(",") if part.strip())
    unknown = sorted(set(only) - set(jobs.ONCE_ORDER) - {"deploy"})
    if unknown:
        console.print(f"[red]unknown job(s) {', '.join(unknown)}: use expire, collect, plan, publish, deploy")
        return EXIT_USAGE
    settings.ensure_dirs()
    report = jobs.run_once(settings.db_url, only=only)
    _print_lines(report.lines)
    return report.exit_code


def cmd_plan(args, settings) -> int:
    from datetime import datetime, timezone

    from . import jobs
    from .planning import PlanningConfig, plan_and_enqueue

    if _dry(args):
        if not jobs._tables_ready(settings.db_url):
            _print_lines(jobs.dry_run(settings.db_url))
            return EXIT_OK
        sessions = jobs.sessions_for(settings.db_url, migrate_first=False)
    else:
        sessions = _sessions(settings)
    with sessions() as session:
        result, keys = plan_and_enqueue(session, load_registry(), PlanningConfig.from_env(settings.media_dir),
                                        datetime.now(timezone.utc), dry_run=_dry(args))
        _print_lines(jobs.plan_lines(result))
        out.print(f"queued now: {', '.join(keys) if keys else 'nothing'}" + (" (dry run)" if _dry(args) else ""),
                  markup=False)
    return EXIT_OK


def cmd_status(args, settings) -> int:
    from sqlalchemy import or_

    from . import jobs
    from .publish_state import FeaturePublication, PublishStep

    runs = jobs.next_runs(settings.db_url)
    out.print("next runs:")
    if not runs:
        out.print("  no job store yet: start `python -m scheduler run` once")
    for job_id, at in runs:
        out.print(f"  {job_id:<16} {at.astimezone(jobs.BERLIN):%a %Y-%m-%d %H:%M %Z}" if at else
                  f"  {job_id:<16} paused", markup=False)
    out.print("last failures:")
    if jobs._tables_ready(settings.db_url):
        with jobs.sessions_for(settings.db_url, migrate_first=False)() as session:
            failures = session.scalars(select(FeaturePublication).where(or_(
                FeaturePublication.status.in_(("needs_editor", "failed")), FeaturePublication.last_error.is_not(None)))
                .order_by(FeaturePublication.updated_utc.desc()).limit(10)).all()
            steps = session.scalars(select(PublishStep).where(PublishStep.state == "failed")
                                    .order_by(PublishStep.id.desc()).limit(10)).all()
            pending = session.scalar(select(func.count()).select_from(FeaturePublication)
                                     .where(FeaturePublication.status == "pending"))
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
    return EXIT_OK


def cmd_coverage(args, settings) -> int:
    from datetime import date

    from . import coverage, jobs
    from .planning import PlanningConfig, coverage_features

    registry = load_registry()
    features = []
    if jobs._tables_ready(settings.db_url):
        with jobs.sessions_for(settings.db_url, migrate_first=False)() as session:
            features = coverage_features(session, PlanningConfig.from_env().content_dir, registry)
    else:
        from .planning import site_features
        features = [(s.ags, s.at) for s in site_features(PlanningConfig.from_env().content_dir, registry)]
    today = date.today()
    rows = coverage.coverage_rows(registry, features, today)
    out.print(coverage.render_table(rows, limit=args.limit or None))  # its caption is the summary
    if args.html:
        path = Path(args.html)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(coverage.render_html(rows, today), encoding="utf-8")
        out.print(f"written: {path}", markup=False)
    return EXIT_OK


def _post_uid(session, ref: str) -> str:
    post = session.get(Post, int(ref)) if ref.isdigit() else session.scalar(select(Post).where(Post.uid == ref))
    if post is None:
        raise curation.CurationError(f"no post {ref!r} (give the id from `list` or the uid)")
    return post.uid


def _slot(text: str):
    from .planning import slot_from_text

    try:
        return slot_from_text(text)
    except ValueError:
        raise curation.CurationError(f"slot {text!r}: expected e.g. '2026-11-25 18:00' (Berlin time)") from None


def cmd_choice(args, settings) -> int:
    from . import editor_choices

    sessions = _sessions(settings)
    with sessions() as session:
        slot = _slot(args.slot) if getattr(args, "slot", None) else None
        uid = _post_uid(session, args.post) if getattr(args, "post", None) else None
        if args.remove:
            done = editor_choices.remove_choice(session, args.kind, slot=slot, post_uid=uid)
            out.print(f"{args.kind} removed" if done else f"no such {args.kind}")
        else:
            editor_choices.set_choice(session, args.kind, slot=slot, post_uid=uid,
                                      editor=args.editor or settings.editor, reason=args.reason or "")
            out.print(f"{args.kind} stored: " + " ".join(x for x in (uid, slot and f"{slot:%Y-%m-%d %H:%M} UTC") if x),
                      markup=False)
        for choice in editor_choices.all_choices(session):
            slot_text = f"{choice.slot_utc:%Y-%m-%d %H:%M} UTC" if choice.slot_utc else ""
            out.print(f"  {choice.kind:<5} {slot_text:<20} {choice.post_uid or ''} "
                      f"({choice.editor}: {choice.reason})", markup=False)
    return EXIT_OK


def cmd_demo(args, settings) -> int:
    from .jobs_demo import run_demo

    return run_demo(dry_run=_dry(args), keep=args.keep)


def add_runner_commands(sub) -> None:
    def dry(parser):
        parser.add_argument("--dry-run", dest="sub_dry_run", action="store_true",
                            help="show what would happen; write nothing, call no API")
        return parser

    dry(sub.add_parser("run", help="run the scheduler until SIGTERM (APScheduler, persistent job store)")
        ).set_defaults(func=cmd_run)
    o = dry(sub.add_parser("once", help="run every job once and exit (cron / systemd timer)"))
    o.add_argument("--only", help="comma-separated subset: expire,collect,plan,publish,deploy")
    o.set_defaults(func=cmd_once)
    dry(sub.add_parser("plan", help="plan the upcoming slots now, queue the near ones, print the reasons")
        ).set_defaults(func=cmd_plan)
    sub.add_parser("status", help="next job runs, last failures, Instagram quota left").set_defaults(func=cmd_status)
    cov = sub.add_parser("coverage", help="coverage per municipality (terminal table, --html PATH for the page)")
    cov.add_argument("--html", help="also write the HTML page with the SVG map here")
    cov.add_argument("--limit", type=int, default=0, help="rows in the terminal table (default all)")
    cov.set_defaults(func=cmd_coverage)
    for kind, needs_post, needs_slot, text in (("pin", True, True, "pin a post to a slot"),
                                              ("hold", True, False, "never plan a post (until --remove)"),
                                              ("skip", False, True, "leave a slot empty")):
        c = sub.add_parser(kind, help=text)
        if needs_post:
            c.add_argument("post", help="post id (from `list`) or uid")
        if needs_slot:
            c.add_argument("slot", help="'2026-11-25 18:00' (Berlin time) or an ISO instant with offset")
        c.add_argument("--remove", action="store_true", help=f"undo the {kind}")
        c.add_argument("--reason")
        c.add_argument("--editor")
        c.set_defaults(func=cmd_choice, kind=kind)
    d = dry(sub.add_parser("demo", help="seed demo posts, run `once` against the local fake Graph API"))
    d.add_argument("--keep", action="store_true", help="keep var/scheduler-demo/ from the last demo run")
    d.set_defaults(func=cmd_demo)
# == end scheduler runner commands ==
