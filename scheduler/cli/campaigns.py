"""Campaign commands: `draw open|freeze|run|contact|answer|replace|advance|verify CAMPAIGN` and `campaigns`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.request import urlopen

from plugins.campaigns.model import draw_file, load_campaigns
from plugins.region.registry import load_registry
from scheduler.campaigns import draw, entries, ledger, notify
from scheduler.cli.common import editor, out, print_lines, sessions
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE


def _content(args, settings) -> Path:
    return Path(args.content) if getattr(args, "content", None) else settings.root / "content"


def _campaign(args, settings):
    found = {c.slug: c for c in load_campaigns(_content(args, settings), load_registry())}
    if args.campaign not in found:
        raise draw.DrawError(f"keine gültige Kampagne {args.campaign!r} in content/kampagnen/ "
                             f"(bekannt: {', '.join(found) or 'keine'})")
    return found[args.campaign]


def mentions_api():
    """The Graph API for prize notices, or None (not configured): then every notice goes by DM."""
    api, why_not = notify.configured_mentions_api()
    if api is None:
        out.print(f"[yellow]Instagram-API nicht eingerichtet ({why_not}); Benachrichtigung per Direktnachricht.",
                  highlight=False)
    return api


def show_notices(notices: list[notify.Notice]) -> None:
    for notice in notices:
        if notice.channel == "instagram":
            out.print(f"Beitrag {notice.post_id}: öffentlich benachrichtigt (Kommentar {notice.comment_id})")
        elif notice.channel == "failed":
            out.print(f"[red]Beitrag {notice.post_id}: {notice.text}; `draw advance` versucht es erneut",
                      highlight=False)
        else:
            out.print(f"Beitrag {notice.post_id}: bitte per Direktnachricht senden und die Antwort mit "
                      f"`draw answer --post {notice.post_id}` festhalten:\n{notice.text}", highlight=False,
                      soft_wrap=True, markup=False)  # copied into a DM as it is: no line breaks added


def cmd_draw(args, settings) -> int:
    if args.step == "verify":
        return cmd_verify(args, settings)
    try:
        campaign = _campaign(args, settings)
        actor = editor(args, settings)
        with sessions(settings).begin() as session:
            if args.step == "open":
                ledger.open_draw(session, campaign, actor)
            elif args.step == "freeze":
                region = frozenset(m.ags for m in load_registry())
                ledger.freeze(session, campaign, entries.candidates(session, campaign), region, actor)
            elif args.step == "run":
                ledger.run(session, campaign, actor)
            elif args.step == "contact":
                show_notices(notify.contact(session, campaign, actor, mentions_api(), settings.consent_hashtag))
            elif args.step == "answer":
                ledger.answer(session, campaign.slug, args.post, args.accepted, args.show_handle, actor)
            elif args.step == "replace":
                print_lines(ledger.replace_overdue(session, campaign, actor))
            elif args.step == "advance":  # daily: answers, deadline, next reserve
                report, notices = notify.advance(session, campaign, actor, mentions_api(), settings.consent_hashtag)
                print_lines(report)
                show_notices(notices)
            data = ledger.published(ledger.get_draw(session, campaign.slug), campaign)
            target = ledger.write_published(_content(args, settings), data)
    except draw.DrawError as exc:
        out.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    out.print(f"{args.campaign}: {args.step} done; published {target}", highlight=False)
    return EXIT_OK


def cmd_verify(args, settings) -> int:
    """Recompute from the published data only (a URL or the file in content/), as anyone could."""
    source = args.source or str(draw_file(_content(args, settings), args.campaign))
    if source.startswith(("http://", "https://")):
        with urlopen(source, timeout=30) as response:
            data = json.load(response)
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    if "seed" not in data:
        out.print("noch nicht gezogen: nur seed_sha256 ist veröffentlicht")
        return EXIT_FAILURE
    problems = draw.verify(data)
    print_lines(problems or [f"ok: {len(data['entries'])} Teilnahmen, Gewinn {data['winners']}"])
    if args.handle:  # a participant looks for their own (pseudonymised) line
        print_lines(draw.own_lines(data, args.handle) or [f"keine Teilnahme von @{draw.handle_key(args.handle)}"])
    return EXIT_FAILURE if problems else EXIT_OK


def cmd_campaigns(args, settings) -> int:
    for campaign in load_campaigns(_content(args, settings), load_registry(), lambda *p: print_lines([": ".join(p)])):
        out.print(f"{campaign.slug}: {campaign.kind}, {campaign.start:%Y-%m-%d} – {campaign.end:%Y-%m-%d}, "
                  f"#{' #'.join(campaign.hashtags)}", highlight=False)
    return EXIT_OK


def add_commands(sub) -> None:
    d = sub.add_parser("draw", help="a Gewinnspiel's draw: open, freeze, run, contact, answer, replace, advance "
                       "(daily: read answers, replace who missed the deadline, tell the next reserve), verify")
    d.add_argument("step", choices=["open", "freeze", "run", "contact", "answer", "replace", "advance", "verify"])
    d.add_argument("campaign", help="the campaign's slug (content/kampagnen/<slug>.md)")
    d.add_argument("--post", type=int, help="answer: the winning post's id")
    d.add_argument("--accepted", action="store_true", help="answer: the winner accepted the prize")
    d.add_argument("--show-handle", action="store_true", help="answer: the winner agreed to be named")
    d.add_argument("--source", help="verify: URL or file of the published draw data")
    d.add_argument("--handle", help="verify: also show this account's own entry line(s)")
    d.add_argument("--content", help="the content folder (default: content/ of the project)")
    d.add_argument("--editor")
    d.set_defaults(func=cmd_draw)
    c = sub.add_parser("campaigns", help="list the valid campaigns in content/kampagnen/")
    c.add_argument("--content")
    c.set_defaults(func=cmd_campaigns)
