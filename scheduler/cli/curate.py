"""Curate-stage commands: list, show, approve, reject, rights, municipality, expire, review."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import select

from plugins.region.registry import load_registry
from scheduler.cli.common import console, editor, get_post, out, sessions
from scheduler.curate import workflow
from scheduler.exitcodes import EXIT_OK, EXIT_USAGE
from scheduler.store.models import Post, State

SHOWN_FIELDS = ("id", "uid", "source", "state", "author", "permalink", "taken_at", "location_name",
                "municipality_ags", "suggested_ags", "detection_confidence", "detection_reason",
                "needs_review", "duplicate_of_id")


def cmd_list(args, settings) -> int:
    registry = load_registry()
    with sessions(settings)() as session:
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
    with sessions(settings)() as session:
        post = get_post(session, args.id)
        for name in SHOWN_FIELDS:
            out.print(f"{name:>21}: {getattr(post, name)}")
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
    with sessions(settings).begin() as session:
        post = get_post(session, post_id)
        change(session, post)
        state = post.state
    out.print(f"post {post_id}: {state}")
    return EXIT_OK


def cmd_approve(args, settings) -> int:
    return _change(settings, args.id, lambda s, p: workflow.transition(
        s, p, State.SHORTLISTED.value, editor(args, settings), args.reason or ""))


def cmd_reject(args, settings) -> int:
    return _change(settings, args.id, lambda s, p: workflow.transition(
        s, p, State.REJECTED.value, editor(args, settings), args.reason))


def cmd_rights(args, settings) -> int:
    if args.public:
        return cmd_rights_public(args, settings)
    target = {"requested": State.RIGHTS_REQUESTED.value, "request": State.RIGHTS_REQUESTED.value}.get(
        args.status, args.status)
    return _change(settings, args.id, lambda s, p: workflow.transition(
        s, p, target, editor(args, settings), args.reason or "", args.evidence or "",
        credit=args.credit))


def cmd_rights_public(args, settings) -> int:
    """Ask in public on Instagram (POST /{ig-user-id}/mentions; only for posts that mention us) or, for a
    Fediverse post, with a reply from our Mastodon account."""
    from scheduler.collect.graph_ugc import UgcApi
    from scheduler.collect.official import graph_client
    from scheduler.curate import rights_public

    if args.status not in ("request", "requested"):
        raise workflow.CurationError("--public gilt nur für „request“: die Antwort kommt über Instagram bzw. Mastodon.")
    with sessions(settings).begin() as session:
        post = get_post(session, args.id)
        if post.source == "fediverse":  # a public reply from our Mastodon account (collect/fediverse_consent.py)
            from scheduler.collect.fediverse_consent import ask_in_public

            kind, message = ask_in_public(session, post, editor(args, settings), settings.consent_hashtag)
            if kind != "ok":
                raise workflow.CurationError(message)
            out.print(message)
            return EXIT_OK
        reason = rights_public.unavailable_reason(post, rights_public.ref_of(session, post))
        if reason:  # before any API call or token
            raise rights_public.PublicRequestUnavailable(reason)
        text = rights_public.message_for(post, settings.consent_hashtag)
        comment_id = rights_public.request_public(session, post, UgcApi(graph_client()), editor(args, settings), text)
    out.print(f"post {args.id}: rights_requested (öffentlicher Kommentar {comment_id})")
    return EXIT_OK


def cmd_municipality(args, settings) -> int:
    registry = load_registry()
    return _change(settings, args.id, lambda s, p: workflow.set_municipality(
        s, p, args.municipality, registry, editor(args, settings), args.reason or workflow.EDITOR_DECISION))


def cmd_expire(args, settings) -> int:
    with sessions(settings).begin() as session:
        expired = workflow.expire_overdue(session, settings.rights_expiry_days)
        out.print(f"{len(expired)} rights request(s) expired")
    return EXIT_OK


def cmd_review(args, settings) -> int:
    from scheduler.curate.editors import has_accounts
    from scheduler.curate.review.server import serve

    if args.demo:
        from scheduler.jobs.review_demo import EDITOR, demo_settings, prepare

        settings = demo_settings(settings, prepare(fresh=not args.keep))
        args.auth, args.editor = "none", EDITOR
        console.print("Prüfung (demo): http://127.0.0.1:%d/ — Redaktionsplan: /plan, a feature's page: "
                      "„Rückblick“ on /plan → its date" % args.port, markup=False)
    store = sessions(settings)
    auth = args.auth or settings.board_auth
    if auth == "accounts":
        with store() as session:
            if not has_accounts(session):
                console.print("[red]no review board accounts yet: python -m scheduler editors add NAME "
                              "(or SOISTS_BOARD_AUTH=proxy behind a signing-in proxy, or none for one local user)")
                return EXIT_USAGE
    if auth == "proxy" and len(settings.board_proxy_secret) < 32:
        console.print("[red]SOISTS_BOARD_AUTH=proxy needs SOISTS_BOARD_PROXY_SECRET (at least 32 characters, "
                      "e.g. openssl rand -hex 32), the same value nginx sends in X-Board-Proxy-Secret")
        return EXIT_USAGE
    serve(store, settings, load_registry(), port=args.port, editor=editor(args, settings),
          open_browser=not args.no_browser, auth=auth)
    return EXIT_OK


def _with_editor(parser, reason_required: bool = False):
    parser.add_argument("--reason", required=reason_required)
    parser.add_argument("--editor")
    return parser


def add_commands(sub) -> None:
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
        _with_editor(a, reason_required).set_defaults(func=command)
    r = sub.add_parser("rights", help="record a rights request or the author's answer")
    r.add_argument("id", type=int)
    r.add_argument("status", choices=["request", "requested", "granted", "declined", "expired"])
    r.add_argument("--public", action="store_true",
                   help="with request: ask in public on Instagram (post must @mention the account) or Mastodon")
    r.add_argument("--evidence", help="required for granted: where and how the author said yes")
    r.add_argument("--credit", help="how the author wants to be credited")
    _with_editor(r).set_defaults(func=cmd_rights)
    m = sub.add_parser("municipality", help="set a post's municipality (slug, AGS or unambiguous name)")
    m.add_argument("id", type=int)
    m.add_argument("municipality")
    _with_editor(m).set_defaults(func=cmd_municipality)
    sub.add_parser("expire", help="expire rights requests older than 14 days").set_defaults(func=cmd_expire)
    v = sub.add_parser("review", help="serve the review board on 127.0.0.1")
    v.add_argument("--port", type=int, default=8765)
    v.add_argument("--editor", help="the one user's name with --auth none")
    v.add_argument("--auth", choices=("accounts", "proxy", "none"),
                   help="how editors sign in (default: SOISTS_BOARD_AUTH, else accounts)")
    v.add_argument("--no-browser", action="store_true")
    v.add_argument("--demo", action="store_true",
                   help="fill var/review-demo/ with demo posts and a published feature (Graph API fake), serve it")
    v.add_argument("--keep", action="store_true", help="with --demo: reuse var/review-demo/ if it exists")
    v.set_defaults(func=cmd_review)
