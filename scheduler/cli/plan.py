"""Plan-stage commands: plan, coverage, and the plan operations (pin, hold, skip, swap, replan, caption)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.cli.common import add_dry_run, dry, editor, out, print_lines, sessions
from scheduler.curate.workflow import CurationError
from scheduler.exitcodes import EXIT_OK
from scheduler.plan import coverage, editor_choices, operations
from scheduler.plan.enqueue import PlanningConfig, coverage_features, plan_and_enqueue, site_features, slot_from_text


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
    now = datetime.now(timezone.utc)
    today = date.today()
    # only what is veröffentlicht (plugins/region/figures.py): a wall file dated later is planned
    rows = coverage.coverage_rows(registry, [(ags, at) for ags, at in features if at <= now], today)
    out.print(coverage.render_table(rows, limit=args.limit or None))  # its caption is the summary
    if args.html:
        path = Path(args.html)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(coverage.render_html(rows, today), encoding="utf-8")
        out.print(f"written: {path}", markup=False)
    return EXIT_OK


def _slot(text: str):
    try:
        return slot_from_text(text)
    except ValueError:
        raise CurationError(f"slot {text!r}: expected e.g. '2026-11-25 18:00' (Berlin time)") from None


def planner(settings) -> operations.Planner:
    """The same planner the review board's plan view uses."""
    return operations.Planner(load_registry(), PlanningConfig.from_env(settings.media_dir),
                              datetime.now(timezone.utc))


def cmd_choice(args, settings) -> int:
    """pin / hold / skip (and --remove): the plan operations the board's plan view calls too."""
    with sessions(settings)() as session:
        slot = _slot(args.slot) if getattr(args, "slot", None) else None
        post = getattr(args, "post", None)
        who, why, plan = editor(args, settings), args.reason or "", planner(settings)
        if args.remove:
            message = operations.remove(session, plan, args.kind, who, slot=slot, post_ref=post)
        elif args.kind == "pin":
            message = operations.pin(session, plan, post, slot, who, why)
        elif args.kind == "hold":
            message = operations.hold(session, plan, post, who, why)
        else:
            message = operations.skip(session, plan, slot, who, why)
        out.print(message, markup=False)
        for choice in editor_choices.all_choices(session):
            slot_text = f"{choice.slot_utc:%Y-%m-%d %H:%M} UTC" if choice.slot_utc else ""
            out.print(f"  {choice.kind:<5} {slot_text:<20} {choice.post_uid or ''} "
                      f"({choice.editor}: {choice.reason})", markup=False)
    return EXIT_OK


def cmd_swap(args, settings) -> int:
    with sessions(settings)() as session:
        out.print(operations.move(session, planner(settings), _slot(args.source), _slot(args.target),
                                  editor(args, settings)), markup=False)
    return EXIT_OK


def cmd_replan(args, settings) -> int:
    with sessions(settings)() as session:
        out.print(operations.replan_from(session, planner(settings), _slot(args.start), editor(args, settings)),
                  markup=False)
    return EXIT_OK


def cmd_caption(args, settings) -> int:
    with sessions(settings)() as session:
        post = operations.post_by_ref(session, args.post)
        out.print(operations.edit_caption(session, post.id, args.text, editor(args, settings)), markup=False)
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
    swap = sub.add_parser("swap", help="move a slot's post to another slot (a planned post there goes back)")
    swap.add_argument("source", help="'2026-11-25 18:00' (Berlin time)")
    swap.add_argument("target", help="'2026-11-27 18:00' (Berlin time)")
    replan = sub.add_parser("replan", help="from this slot on, drop pins and skips and plan again")
    replan.add_argument("start", help="'2026-11-25 18:00' (Berlin time)")
    caption = sub.add_parser("caption", help="set the caption's free text of a post (kept in the audit trail)")
    caption.add_argument("post", help="post id (from `list`) or uid")
    caption.add_argument("text")
    for command, func in ((swap, cmd_swap), (replan, cmd_replan), (caption, cmd_caption)):
        command.add_argument("--editor")
        command.set_defaults(func=func)
