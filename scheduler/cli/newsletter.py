"""The newsletter's sign-up endpoint and the export of its subscribers (scheduler/newsletter)."""

from __future__ import annotations

from pathlib import Path

from scheduler.cli.common import out, sessions
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK


def cmd_signup(args, settings) -> int:
    import logging
    import os

    from scheduler.newsletter.signup import serve
    from scheduler.newsletter.tokens import SecretMissing

    if not os.environ.get("SOISTS_LOG_LEVEL"):  # one line per mail belongs in the journal
        logging.getLogger().setLevel(logging.INFO)
    try:
        serve(sessions(settings), port=args.port)
    except SecretMissing as exc:
        out.print(str(exc), markup=False, highlight=False)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_export(args, settings) -> int:
    from scheduler.newsletter.subscribers import export_subscribers

    count = export_subscribers(sessions(settings), Path(args.csv))
    out.print(f"{count} confirmed subscriber(s) with their consent record → {args.csv}", markup=False,
              highlight=False)
    return EXIT_OK


def add_commands(sub) -> None:
    s = sub.add_parser("newsletter-signup", help="serve the newsletter sign-up (double opt-in) on 127.0.0.1, "
                                                 "behind nginx")
    s.add_argument("--port", type=int, default=8767)
    s.set_defaults(func=cmd_signup)
    e = sub.add_parser("newsletter-export", help="write the confirmed subscribers and their consent record "
                                                 "(CSV) for the newsletter service")
    e.add_argument("csv", help="the file to write (it holds e-mail addresses: keep it private)")
    e.set_defaults(func=cmd_export)
