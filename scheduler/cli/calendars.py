"""`import-calendars`: the municipalities' own calendars → drafts in the web editor's workflow
(scheduler/partners/calendars)."""

from __future__ import annotations

from scheduler.cli.common import out, sessions
from scheduler.exitcodes import EXIT_LOGIN, EXIT_OK


def cmd_import(args, settings) -> int:
    from scheduler.partners.calendars.gitlab_api import CmsAccessError
    from scheduler.partners.calendars.job import import_calendars

    dry_run = bool(getattr(args, "dry_run", False) or getattr(args, "calendar_dry_run", False))
    factory = sessions(settings)
    try:
        with (factory() if dry_run else factory.begin()) as session:
            report = import_calendars(session, dry_run=dry_run)
            if dry_run:
                session.rollback()
    except CmsAccessError as error:  # nothing written
        out.print(f"import-calendars: no access to the web editor's GitLab: {error}", markup=False, highlight=False)
        return EXIT_LOGIN
    for line in report.lines():
        out.print(line, markup=False, highlight=False)
    return EXIT_OK  # a refused calendar is named above and alerted by the job; the command did its work


def add_commands(sub) -> None:
    c = sub.add_parser("import-calendars", help="import the future events of the municipalities' calendars "
                                                "(content/data/kommunen-kontakte.csv) as drafts for the editors")
    c.add_argument("--dry-run", dest="calendar_dry_run", action="store_true",
                   help="fetch and check the calendars, show what would be drafted; write nothing")
    c.set_defaults(func=cmd_import)
