"""Plan-stage commands: plan, coverage, and the editor's pin / hold / skip."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.cli.common import add_dry_run, dry, editor, out, print_lines, sessions
from scheduler.curate.workflow import CurationError
from scheduler.exitcodes import EXIT_OK
from scheduler.plan import coverage, editor_choices
from scheduler.plan.enqueue import PlanningConfig, coverage_features, plan_and_enqueue, site_features, slot_from_text
from scheduler.store.models import Post


def cmd_plan(args, settings) -> int:
    if dry(args):
        if not jobs.tables_ready(settings.db_url):
            print_lines(jobs.dry_run(settings.db_url))
            return EXIT_OK
        store = jobs.sessions_for(settings.db_url, migrate_first=False)
    else:
        store = sessions(settings)
    with store() as session:
        result, keys = plan_and_enqueue(session, load_registry(), PlanningConfig.from_env(settings.media_dir),
                                        datetime.now(timezone.utc), dry_run=dry(args))
        print_lines(jobs.plan_lines(result))
        out.print(f"queued now: {', '.join(keys) if keys else 'nothing'}" + (" (dry run)" if dry(args) else ""),
                  markup=False)
    return EXIT_OK


def cmd_coverage(args, settings) -> int:
    registry = load_registry()
    content_dir = PlanningConfig.from_env().content_dir
    if jobs.tables_ready(settings.db_url):
        with jobs.sessions_for(settings.db_url, migrate_first=False)() as session:
            features = coverage_features(session, content_dir, registry)
    else:
        features = [(s.ags, s.at) for s in site_features(content_dir, registry)]
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
        raise CurationError(f"no post {ref!r} (give the id from `list` or the uid)")
    return post.uid


def _slot(text: str):
    try:
        return slot_from_text(text)
    except ValueError:
        raise CurationError(f"slot {text!r}: expected e.g. '2026-11-25 18:00' (Berlin time)") from None


def cmd_choice(args, settings) -> int:
    with sessions(settings)() as session:
        slot = _slot(args.slot) if getattr(args, "slot", None) else None
        uid = _post_uid(session, args.post) if getattr(args, "post", None) else None
        if args.remove:
            done = editor_choices.remove_choice(session, args.kind, slot=slot, post_uid=uid)
            out.print(f"{args.kind} removed" if done else f"no such {args.kind}")
        else:
            editor_choices.set_choice(session, args.kind, slot=slot, post_uid=uid,
                                      editor=editor(args, settings), reason=args.reason or "")
            out.print(f"{args.kind} stored: " + " ".join(x for x in (uid, slot and f"{slot:%Y-%m-%d %H:%M} UTC") if x),
                      markup=False)
        for choice in editor_choices.all_choices(session):
            slot_text = f"{choice.slot_utc:%Y-%m-%d %H:%M} UTC" if choice.slot_utc else ""
            out.print(f"  {choice.kind:<5} {slot_text:<20} {choice.post_uid or ''} "
                      f"({choice.editor}: {choice.reason})", markup=False)
    return EXIT_OK


CHOICES = (("pin", True, True, "pin a post to a slot"),
           ("hold", True, False, "never plan a post (until --remove)"),
           ("skip", False, True, "leave a slot empty"))


def add_commands(sub) -> None:
    add_dry_run(sub.add_parser("plan", help="plan the upcoming slots now, queue the near ones, print the reasons")
                ).set_defaults(func=cmd_plan)
    cov = sub.add_parser("coverage", help="coverage per municipality (terminal table, --html PATH for the page)")
    cov.add_argument("--html", help="also write the HTML page with the SVG map here")
    cov.add_argument("--limit", type=int, default=0, help="rows in the terminal table (default all)")
    cov.set_defaults(func=cmd_coverage)
    for kind, needs_post, needs_slot, text in CHOICES:
        c = sub.add_parser(kind, help=text)
        if needs_post:
            c.add_argument("post", help="post id (from `list`) or uid")
        if needs_slot:
            c.add_argument("slot", help="'2026-11-25 18:00' (Berlin time) or an ISO instant with offset")
        c.add_argument("--remove", action="store_true", help=f"undo the {kind}")
        c.add_argument("--reason")
        c.add_argument("--editor")
        c.set_defaults(func=cmd_choice, kind=kind)
