"""The impact report's section on the monthly mail: mails sent per municipality and the clicks on
their links, counted from the access logs by the mail's campaign parameter (no IP stored), and
the columns the calendar import will fill („–“ until then)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import time_machine

from plugins.region.registry import load_registry
from scheduler.insights.accesslog import import_access_logs
from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.partners.calendars.state import CalendarImport
from scheduler.partners.run import prepare, send_prepared
from scheduler.report.build import build_report, scope_for
from scheduler.report.data import load
from scheduler.report.figures import Period
from scheduler.report.render import write
from scheduler.report.run import calendar_events
from tests.alerts.smtp_helpers import SmtpServer
from tests.partners.partner_seed import NOVEMBER, SENT_ON, SITEURL, seed, smtp_env

CLIENT = "203.0.113.77"


def log_line(day: str, path: str, referer: str = "-") -> str:
    return (f'{CLIENT} - - [{day}:10:15:00 +0100] "GET {path} HTTP/1.1" 200 5120 "{referer}" '
            '"Mozilla/5.0 (Windows NT 10.0)"\n')


def test_the_report_counts_mails_sent_and_clicks_per_municipality(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine, sessions = seed(url)
    # sent on SENT_ON, not on the day the test runs: the report's period below ends on 7 December
    with SmtpServer("plain", tmp_path) as server, time_machine.travel(SENT_ON, tick=True):
        send_prepared(sessions, prepare(sessions, NOVEMBER, SENT_ON, SITEURL), smtp_env(server.port, tmp_path), rate=6000)
    access = tmp_path / "access.log"
    access.write_text(
        log_line("03/Dec/2026", "/kommunen/stuttgart/?mtm_campaign=kommune-2026-11&mtm_kwd=stuttgart",
                 "https://webmail.example/inbox")
        + log_line("03/Dec/2026", "/wall/2026-11-09-stuttgart/?mtm_campaign=kommune-2026-11&mtm_kwd=stuttgart")
        + log_line("04/Dec/2026", "/mitmachen/?mtm_campaign=kommune-2026-11&mtm_kwd=waiblingen")
        + log_line("04/Dec/2026", "/mitmachen/?mtm_campaign=newsletter&mtm_kwd=waiblingen")  # not the mail's
        + log_line("04/Dec/2026", "/mitmachen/?mtm_campaign=kommune-2026-11&mtm_kwd=nirgendwo")  # no municipality
        + log_line("05/Dec/2026", "/kommunen/stuttgart/", "https://www.stuttgart.example/presse"),
        encoding="utf-8")
    registry = load_registry()
    with sessions.begin() as session:  # the calendar import: two Waiblingen events drafted, one taken over
        for n, accepted in ((1, datetime(2026, 12, 3, 9, tzinfo=timezone.utc)), (2, None)):
            session.add(CalendarImport(key=f"k{n}", ags="08119079", source_ags="08119079", source_url="https://x.example/k.ics",
                                       identity=f"i{n}", slug=f"s{n}", path=f"content/events/s{n}.md", title="Markt",
                                       start_text="2027-01-09", upstream_text="", written_hash="",
                                       imported_utc=datetime(2026, 12, 1, 5, tzinfo=timezone.utc), accepted_utc=accepted))
    with sessions() as session:
        events = calendar_events(session, date(2026, 11, 1), date(2026, 12, 7))
        import_access_logs(session, access, ("so-ist-s.example",), {m.slug for m in registry})
        import_access_logs(session, access, ("so-ist-s.example",), {m.slug for m in registry})  # a rerun counts once
        data = load(session, datetime(2026, 12, 7, tzinfo=timezone.utc), REACH, INTERACTIONS)
    engine.dispose()
    assert CLIENT.encode() not in Path(tmp_path / "store.db").read_bytes()  # no IP address stored
    # the click from webmail is a click, not a site linking to Stuttgart; the real link is
    assert [(r.host, r.hits) for r in data.referrers if r.slug == "stuttgart" and r.day.month == 12] == \
        [("stuttgart.example", 1)]

    report = build_report(data, registry, Period(date(2026, 11, 1), date(2026, 12, 7)), scope_for(registry),
                          date(2026, 12, 7), SITEURL, partner_events=events)
    rows = {r.m.name: r for r in report.partner_mail}
    assert (rows["Stuttgart"].mails, rows["Stuttgart"].clicks) == (1, 2)
    assert (rows["Waiblingen"].mails, rows["Waiblingen"].clicks) == (1, 1)
    assert events == {"08119079": (2, 1)}  # report/run.py reads the calendar import's figures
    assert (rows["Waiblingen"].events_imported, rows["Waiblingen"].events_accepted) == (2, 1)
    assert rows["Stuttgart"].events_imported is None and "Beuren" not in rows and len(rows) == 8

    written = write(report, tmp_path / "bericht", Path("content"), pdf=False)
    html = written.html.read_text(encoding="utf-8")
    section = html.split('id="kommunen-post"')[1].split("</section>")[0]
    assert "So ist S in Ihrer Kommune: die Monatsmail" in section
    assert '<th scope="row">Stuttgart</th>\n    <td class="num">1</td><td class="num">2</td>' in section
    assert '<td class="num">–</td><td class="num">–</td>' in section  # not imported yet: never a 0
    assert "kein Zählpixel" in section
