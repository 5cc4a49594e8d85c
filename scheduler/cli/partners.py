"""The monthly mail to the municipalities (scheduler/partners): `partner-mail`."""

from __future__ import annotations

from pathlib import Path

from scheduler.cli.common import add_dry_run, dry, print_lines, sessions
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE


def cmd_partner_mail(args, settings) -> int:
    from plugins.newsletter.selection import Month
    from scheduler.partners.run import PartnerMailError, run, summary

    try:
        month = Month.parse(args.month) if args.month else None
    except ValueError as exc:
        print_lines([str(exc)])
        return EXIT_USAGE
    try:
        prepared, report = run(sessions(settings), month, dry_run=dry(args), out=Path(args.out) if args.out else None,
                               rate=args.rate, retry_uncertain=args.retry_uncertain)
    except PartnerMailError as exc:
        print_lines([str(exc)])
        return EXIT_FAILURE
    print_lines(summary(prepared, report))
    if report is None:
        print_lines([f"dry run: nothing sent; the mails are in {args.out or 'var/partner-mail/' + prepared.month.slug}"])
    return EXIT_FAILURE if report is not None and report.failed else EXIT_OK


def add_commands(sub) -> None:
    p = add_dry_run(sub.add_parser(
        "partner-mail", help="send „So ist S in Ihrer Kommune“ to the municipalities' contacts (one mail each, "
                             "never twice; opted-out contacts get none)"))
    p.add_argument("--month", help="YYYY-MM the mail reports on (default: the last finished month)")
    p.add_argument("--out", help="--dry-run: the folder for the .html and .txt files")
    p.add_argument("--rate", type=float, help="messages a minute (default SOISTS_PARTNER_MAIL_RATE or 30)")
    p.add_argument("--retry-uncertain", action="store_true",
                   help="resend to contacts whose earlier send was interrupted (check the server's log first)")
    p.set_defaults(func=cmd_partner_mail)
