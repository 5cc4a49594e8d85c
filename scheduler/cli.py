"""`python -m scheduler …`: collect, import, list, show, approve, reject, rights, municipality,
expire, migrate, review. Exit codes (for cron): 0 ok, 1 failure, 2 usage, 3 needs login or
checkpoint, 4 rate-limited — try later."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

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
    for name, func, reason_required in (("approve", cmd_approve, False), ("reject", cmd_reject, True)):
        a = sub.add_parser(name, help=f"{name} a post")
        a.add_argument("id", type=int)
        a.add_argument("--reason", required=reason_required)
        a.add_argument("--editor")
        a.set_defaults(func=func)
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
