"""Report commands: `report` (the impact report for a period) and its offline demo."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from scheduler.cli.common import out, sessions
from scheduler.config import PROJECT_ROOT
from scheduler.exitcodes import EXIT_OK
from scheduler.plan.enqueue import PlanningConfig

DEMO_DIR = PROJECT_ROOT / "var" / "report-demo"


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date like 2026-01-01") from None


def cmd_report(args, settings) -> int:
    from scheduler.report.run import ReportRequest, compute
    from scheduler.report.render import write

    today = date.today()
    year = None
    if args.demo:
        from demo.insights_year import DemoYear

        year = DemoYear()  # the last finished year: no demo date after today
    start = args.start or (year.start if year else date(today.year, 1, 1))
    end = args.end or (year.last_day if year else today)
    target = Path(args.out) if args.out else (DEMO_DIR if args.demo else PROJECT_ROOT / "var" / "reports")
    request = ReportRequest(start, end, target, args.municipality or "", args.district or "", not args.no_pdf)
    if args.demo:
        from demo.insights_year import build, is_current

        db_url = f"sqlite:///{DEMO_DIR / 'soists.db'}"
        if args.rebuild or not is_current(DEMO_DIR, year):
            out.print(f"building a year of demo data through the Graph API fake into {DEMO_DIR} …", markup=False)
            db_url = build(DEMO_DIR, year)
        report = compute(db_url, request, now=year.end)
    else:
        sessions(settings)  # a migrated store, also when nothing was measured yet
        report = compute(settings.db_url, request, content_dir=PlanningConfig.from_env().content_dir)
    written = write(report, target, PlanningConfig.from_env().content_dir, pdf=request.pdf)
    for path in (written.html, written.pdf, written.csv, written.json):
        if path is not None:
            out.print(f"written: {path}", markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    p = sub.add_parser("report", help="the impact report (German): HTML, PDF, CSV and JSON into a folder")
    p.add_argument("--from", dest="start", type=iso_day, help="first day (default: 1 January of this year)")
    p.add_argument("--to", dest="end", type=iso_day, help="last day (default: today)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--municipality", help="one municipality: slug, AGS or unambiguous name")
    scope.add_argument("--district", help="one district by slug, e.g. esslingen")
    p.add_argument("--out", help="folder (default var/reports/, with --demo var/report-demo/)")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF (HTML, CSV and JSON only)")
    p.add_argument("--demo", action="store_true",
                   help="report over a year of demo data made through the Graph API fake (built once)")
    p.add_argument("--rebuild", action="store_true", help="with --demo: make the demo data again")
    p.set_defaults(func=cmd_report)
