"""Recurring events keep their exceptions (issue 31): EXDATE becomes the draft's `exdate`, a
cancelled instance (RECURRENCE-ID + STATUS:CANCELLED) an exdate, a moved or changed instance an
exdate on the series plus its own draft. Time zones (TZID, UTC) are matched to the occurrences in
Europe/Berlin. The drafts' dates — read with plugins/events' own parser and expanded by
plugins.events.recurrence.expand — equal the upstream calendar's dates over the next 12 months,
expanded here independently with icalendar + dateutil. A later EXDATE upstream is a diff on the
next import: written into an untouched draft, only shown for an edited one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlalchemy import select

from plugins.community.postfile import split_header
from plugins.events.model import BERLIN, parse_event
from plugins.events.recurrence import expand
from plugins.region.registry import load_registry
from scheduler.partners.calendars.job import import_calendars
from scheduler.partners.calendars.state import DRAFT, EDITED, CalendarImport
from scheduler.partners.contacts import load_contacts
from tests.partners.calendar_kit import NOW, calendar, draft_branches, editor_repo

RATHAUS = "Rathaus, Schulstraße 7, 73207 Plochingen"
HALLE = "Stadthalle Plochingen, Hermannstraße 25, 73207 Plochingen"
MARKT = "Marktplatz, Marktstraße 1, 73207 Plochingen"
REGISTRY = load_registry()


def treff(later: bool) -> str:
    """Weekly on Wednesdays 18:00 Berlin through June 2027 (across the change to summer time)."""
    extra = "EXDATE;TZID=Europe/Berlin:20270303T180000\r\n" if later else ""  # added upstream later
    return ("BEGIN:VEVENT\r\nUID:treff@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "SUMMARY:Gründertreff im Rathaus\r\nDTSTART;TZID=Europe/Berlin:20261202T180000\r\n"
            "DTEND;TZID=Europe/Berlin:20261202T200000\r\nLOCATION:" + RATHAUS + "\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630T215959Z\r\n"
            "EXDATE;TZID=Europe/Berlin:20261223T180000\r\n"  # Christmas week, in Berlin time
            "EXDATE:20261230T170000Z\r\n"  # UTC: 18:00 in Berlin (winter)
            "EXDATE:20270407T160000Z\r\n"  # UTC: 18:00 in Berlin (summer)
            + extra + "END:VEVENT\r\n"
            # cancelled instance (RECURRENCE-ID in Berlin time)
            "BEGIN:VEVENT\r\nUID:treff@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "RECURRENCE-ID;TZID=Europe/Berlin:20270113T180000\r\nSUMMARY:Gründertreff im Rathaus\r\n"
            "DTSTART;TZID=Europe/Berlin:20270113T180000\r\nDTEND;TZID=Europe/Berlin:20270113T200000\r\n"
            "STATUS:CANCELLED\r\nEND:VEVENT\r\n"
            # moved to Thursday and to the Stadthalle (RECURRENCE-ID in UTC)
            "BEGIN:VEVENT\r\nUID:treff@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "RECURRENCE-ID:20270210T170000Z\r\nSUMMARY:Gründertreff im Rathaus\r\n"
            f"DTSTART;TZID=Europe/Berlin:20270211T{'200000' if later else '190000'}\r\n"
            "DTEND;TZID=Europe/Berlin:20270211T210000\r\nLOCATION:" + HALLE + "\r\nEND:VEVENT\r\n"
            # changed on its own day: later start, new title, place inherited from the series
            "BEGIN:VEVENT\r\nUID:treff@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "RECURRENCE-ID;TZID=Europe/Berlin:20270505T180000\r\nSUMMARY:Gründertreff: Sommerfest\r\n"
            "DTSTART;TZID=Europe/Berlin:20270505T170000\r\nDTEND;TZID=Europe/Berlin:20270505T220000\r\n"
            "END:VEVENT\r\n")


def markt(later: bool) -> str:
    """All day, every Saturday, 20 times; one date cancelled, one moved to the Monday."""
    extra = "EXDATE;VALUE=DATE:20270130\r\n" if later else ""
    return ("BEGIN:VEVENT\r\nUID:markt@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "SUMMARY:Bauernmarkt\r\nDTSTART;VALUE=DATE:20261205\r\nDTEND;VALUE=DATE:20261206\r\n"
            "LOCATION:" + MARKT + "\r\nRRULE:FREQ=WEEKLY;COUNT=20\r\nEXDATE;VALUE=DATE:20261226\r\n" + extra
            + "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:markt@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\n"
            "RECURRENCE-ID;VALUE=DATE:20270102\r\nSUMMARY:Bauernmarkt\r\nDTSTART;VALUE=DATE:20270104\r\n"
            "DTEND;VALUE=DATE:20270105\r\nLOCATION:" + MARKT + "\r\nEND:VEVENT\r\n")


def upstream(later: bool) -> bytes:
    return calendar(treff(later), markt(later))


def upstream_dates(data: bytes, first: date, last: date) -> set[tuple[str, str]]:
    """(title, Berlin start) of every real date in [first, last], expanded independently of the import."""
    components = list(Calendar.from_ical(data.decode("utf-8")).walk("VEVENT"))
    overrides = [c for c in components if c.get("RECURRENCE-ID") is not None]
    found: set[tuple[str, str]] = set()
    for master in (c for c in components if c.get("RECURRENCE-ID") is None):
        start = master.decoded("DTSTART")
        all_day = not isinstance(start, datetime)
        dtstart = datetime.combine(start, time(0)) if all_day else start
        rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=dtstart)
        instances = {d.date() if all_day else d for d in rule}
        exdates = master.get("EXDATE", [])
        removed = [v.dt for exdate in (exdates if isinstance(exdates, list) else [exdates]) for v in exdate.dts]
        removed += [o.decoded("RECURRENCE-ID") for o in overrides if str(o["UID"]) == str(master["UID"])]
        instances = {d for d in instances if d not in removed}  # aware datetimes compare as instants
        found |= {(str(master["SUMMARY"]), label(d)) for d in instances}
    for override in overrides:
        if str(override.get("STATUS", "")).upper() != "CANCELLED":
            found.add((str(override["SUMMARY"]), label(override.decoded("DTSTART"))))
    return {(title, when) for title, when in found if first <= date.fromisoformat(when[:10]) <= last}


def label(moment: date | datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") if isinstance(moment, datetime) else moment.isoformat()


def draft_dates(repo, rows, first: date, last: date) -> set[tuple[str, str]]:
    """The same, from the draft files as the site's build reads and expands them."""
    found: set[tuple[str, str]] = set()
    for row in rows:
        text = repo.read(repo.draft_branch(row.slug), row.path)
        metadata, body = split_header(text)
        problems: list = []
        event = parse_event(row.path, row.slug, metadata, body, REGISTRY, lambda *p: problems.append(p))
        assert event is not None and not problems, (text, problems)
        occurrences, _excluded, unmatched = expand(event, NOW)
        assert unmatched == [], text  # the build stops on an exdate that is no date of the rule
        found |= {(event.title, label(o.start)) for o in occurrences}
    return {(title, when) for title, when in found if first <= date.fromisoformat(when[:10]) <= last}


def test_exceptions_of_recurring_events_reach_the_drafts(tmp_path: Path, serve_dir, store):
    served = tmp_path / "served"
    served.mkdir()
    (served / "plochingen.ics").write_bytes(upstream(later=False))
    contacts_file = tmp_path / "kontakte.csv"
    contacts_file.write_text("ags,name,email,opt_out,calendar_url\n"
                             f"08116056,Pressestelle,presse@plochingen.example,,{serve_dir(served)}/plochingen.ics\n",
                             encoding="utf-8")
    contacts = load_contacts(contacts_file)
    repo = editor_repo(tmp_path)
    first_day = NOW.astimezone(BERLIN).date()
    last_day = first_day + timedelta(days=365)

    with store.begin() as session:
        report = import_calendars(session, repo=repo, contacts=contacts, now=NOW)
    assert report.outcomes[0].skipped == []
    assert sorted(report.outcomes[0].new) == ["Bauernmarkt", "Bauernmarkt", "Gründertreff im Rathaus",
                                              "Gründertreff im Rathaus", "Gründertreff: Sommerfest"]
    with store() as session:
        rows = list(session.scalars(select(CalendarImport).order_by(CalendarImport.start_text)))
        by_start = {r.start_text: r for r in rows}
        series = repo.read(repo.draft_branch(by_start["2026-12-02 18:00"].slug), by_start["2026-12-02 18:00"].path)
        assert ("exdate: 2026-12-23 18:00, 2026-12-30 18:00, 2027-01-13 18:00, 2027-02-10 18:00, "
                "2027-04-07 18:00, 2027-05-05 18:00\n") in series
        market = repo.read(repo.draft_branch(by_start["2026-12-05"].slug), by_start["2026-12-05"].path)
        assert "exdate: 2026-12-26, 2027-01-02\n" in market
        moved = repo.read(repo.draft_branch(by_start["2027-02-11 19:00"].slug), by_start["2027-02-11 19:00"].path)
        assert "rrule" not in moved and "location: Stadthalle Plochingen" in moved
        assert "location: Rathaus" in repo.read(repo.draft_branch(by_start["2027-05-05 17:00"].slug),
                                                by_start["2027-05-05 17:00"].path)  # inherited from the series
        assert draft_dates(repo, rows, first_day, last_day) == upstream_dates(upstream(False), first_day, last_day)
        assert len(upstream_dates(upstream(False), first_day, last_day)) > 40
        market_row = by_start["2026-12-05"]
    branches = draft_branches(repo)

    # a second import of the same calendar changes nothing
    with store.begin() as session:
        same = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(hours=1))
    assert (same.outcomes[0].new, same.outcomes[0].updated, same.outcomes[0].kept) == ([], [], [])

    # an editor edits the market's draft; upstream then cancels one more date of each series and moves
    # the moved instance once more
    edited = repo.read(repo.draft_branch(market_row.slug), market_row.path) + "\nVon der Redaktion ergänzt.\n"
    repo.write_draft(market_row.slug, market_row.path, edited, "Redaktion: ergänzt")
    (served / "plochingen.ics").write_bytes(upstream(later=True))
    with store.begin() as session:
        second = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=1))
    outcome = second.outcomes[0]
    assert outcome.new == [] and draft_branches(repo) == branches
    assert sorted(outcome.updated) == ["Gründertreff im Rathaus", "Gründertreff im Rathaus"]
    assert outcome.kept == ["Bauernmarkt"]
    assert repo.read(repo.draft_branch(market_row.slug), market_row.path) == edited  # never overwritten
    with store() as session:
        rows = list(session.scalars(select(CalendarImport)))
        by_slug = {r.slug: r for r in rows}
        series_row = next(r for r in rows if r.start_text == "2026-12-02 18:00")
        assert "+exdate: 2026-12-23 18:00, 2026-12-30 18:00, 2027-01-13 18:00, 2027-02-10 18:00, 2027-03-03 18:00" \
               in series_row.diff and series_row.diff_applied and series_row.state == DRAFT
        assert "2027-03-03 18:00" in repo.read(repo.draft_branch(series_row.slug), series_row.path)
        moved_row = next(r for r in rows if r.start_text.startswith("2027-02-11"))
        assert "+start: 2027-02-11 20:00" in moved_row.diff and moved_row.diff_applied  # its own diff
        market_row = by_slug[market_row.slug]
        assert market_row.state == EDITED and not market_row.diff_applied
        assert "+exdate: 2026-12-26, 2027-01-02, 2027-01-30" in market_row.diff
        untouched = [r for r in rows if r.slug != market_row.slug]
        expected = {(t, w) for t, w in upstream_dates(upstream(True), first_day, last_day)
                    if t != "Bauernmarkt" or w == "2027-01-04"}  # the edited series' draft stays as edited
        assert draft_dates(repo, untouched, first_day, last_day) == expected


def test_a_series_written_in_utc_keeps_its_dates_and_exceptions():
    """A calendar that writes the rule's start and its exceptions in UTC (17:00Z: 18:00 in winter, 19:00 in
    summer in Berlin): the draft's dates are still the upstream dates and every exception hits."""
    from scheduler.partners.calendars.drafts import identity, load_rules, make_draft
    from scheduler.partners.calendars.parse_ics import parse_ics

    data = calendar(
        "BEGIN:VEVENT\r\nUID:utc@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\nSUMMARY:Stammtisch\r\n"
        "DTSTART:20261202T170000Z\r\nDURATION:PT2H\r\nLOCATION:" + RATHAUS + "\r\n"
        "RRULE:FREQ=WEEKLY;UNTIL=20270630T170000Z\r\nEXDATE:20261216T170000Z,20270505T170000Z\r\n"
        "EXDATE;TZID=America/New_York:20270303T120000\r\nEND:VEVENT\r\n"  # 12:00 New York = 17:00Z
        "BEGIN:VEVENT\r\nUID:utc@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\nSUMMARY:Stammtisch\r\n"
        "RECURRENCE-ID:20270602T170000Z\r\nDTSTART:20270602T170000Z\r\nDURATION:PT2H\r\n"
        "STATUS:CANCELLED\r\nEND:VEVENT\r\n")
    (event,) = parse_ics(data)
    plochingen = REGISTRY.get("plochingen")
    draft = make_draft(event, identity(plochingen.ags, "https://x.example/k.ics", event), "Plochingen",
                       "https://x.example/k.ics", plochingen, REGISTRY, None, None, load_rules(), NOW)
    assert "exdate: 2026-12-16 18:00, 2027-03-03 18:00, 2027-05-05 18:00, 2027-06-02 18:00\n" in draft.text
    first_day = NOW.astimezone(BERLIN).date()
    last_day = first_day + timedelta(days=365)
    days = {when[:10] for _title, when in upstream_dates(data, first_day, last_day)}
    occurrences, _excluded, unmatched = expand(draft.event, NOW)
    assert unmatched == [] and len(days) == 26
    assert {o.start.date().isoformat() for o in occurrences if o.start.date() >= first_day} == days


def test_a_changed_first_date_is_not_taken_for_its_own_series(tmp_path: Path, store):
    """The first date changed in place (same start, title and place, new text) would have the series'
    title + start + place: it is still its own draft, and the series skips that date."""
    data = calendar(
        "BEGIN:VEVENT\r\nUID:erst@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\nSUMMARY:Lesecafé\r\n"
        "DTSTART;TZID=Europe/Berlin:20261210T150000\r\nDTEND;TZID=Europe/Berlin:20261210T170000\r\n"
        "LOCATION:" + RATHAUS + "\r\nRRULE:FREQ=MONTHLY;COUNT=6\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:erst@plochingen.example\r\nDTSTAMP:20261201T100000Z\r\nSUMMARY:Lesecafé\r\n"
        "RECURRENCE-ID;TZID=Europe/Berlin:20261210T150000\r\nDESCRIPTION:Heute mit Lesung\r\n"
        "DTSTART;TZID=Europe/Berlin:20261210T150000\r\nDTEND;TZID=Europe/Berlin:20261210T170000\r\nEND:VEVENT\r\n")
    contacts_file = tmp_path / "kontakte.csv"
    contacts_file.write_text("ags,name,email,opt_out,calendar_url\n"
                             "08116056,Pressestelle,presse@plochingen.example,,https://plochingen.example/k.ics\n",
                             encoding="utf-8")
    repo = editor_repo(tmp_path)
    with store.begin() as session:
        report = import_calendars(session, repo=repo, contacts=load_contacts(contacts_file), now=NOW,
                                  fetcher=lambda url: data)
    assert report.outcomes[0].skipped == []
    assert report.outcomes[0].new == ["Lesecafé", "Lesecafé"] and report.outcomes[0].duplicates == 0
    with store() as session:
        rows = list(session.scalars(select(CalendarImport)))
        first_day = NOW.astimezone(BERLIN).date()
        assert draft_dates(repo, rows, first_day, first_day + timedelta(days=365)) == upstream_dates(
            data, first_day, first_day + timedelta(days=365))
