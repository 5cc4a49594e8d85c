"""`python -m scheduler …`: one parser assembled from the commands of each stage.

Exit codes (for cron): 0 ok, 1 failure, 2 usage, 3 needs login or checkpoint,
4 rate-limited — try later (scheduler/exitcodes.py)."""

from __future__ import annotations

import argparse

from rich.markup import escape

from plugins.region.registry import UnknownMunicipality
from scheduler.cli import (aliases, campaigns, collect, connect, credentials, curate, editors, plan, report, runner,
                           store, takedown)
from scheduler.cli import calendars, newsletter, partners
from scheduler.cli.common import console, redact_consoles
from scheduler.config import Settings, load_settings
from scheduler.curate.workflow import CurationError
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from scheduler.jobs.logs import configure_logging

STAGES = (runner, collect, curate, editors, plan, aliases, store, credentials, connect, takedown, report, campaigns,
          newsletter, calendars, partners)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dry-run", action="store_true",
                   help="run/once/plan: show what would happen; write nothing, call no API")
    sub = p.add_subparsers(dest="command", required=True)
    for stage in STAGES:
        stage.add_commands(sub)
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    settings = settings or load_settings()
    redactor = configure_logging()
    redact_consoles(redactor.scrub)
    try:
        return args.func(args, settings)
    except (CurationError, UnknownMunicipality) as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; everything stored so far is kept")
        return EXIT_FAILURE
    except Exception as exc:  # a cron job needs an exit code, the operator a message
        console.print(f"[red]failed: {type(exc).__name__}: {escape(redactor.scrub(str(exc)))}", highlight=False)
        return EXIT_FAILURE
