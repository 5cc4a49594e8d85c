"""`python -m scheduler import-calendars [--dry-run]`, the daily job with its alert, and the
figures the impact report reads („Termine importiert / übernommen“ per municipality)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from scheduler.alerts.state import AlertLog
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.partners.calendar_figures import ImportFigures, import_figures
from scheduler.partners.calendars.job import calendars_job
from scheduler.partners.calendars.state import ACCEPTED, DRAFT, CalendarImport
from scheduler.store.db import make_engine, migrate, session_factory
from tests.partners.calendar_kit import calendar, draft_branches, editor_repo, vevent

PLACE = "Stadthalle, Hermannstraße 25, 73207 Plochingen"


def setup(tmp_path, serve_dir, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    (served / "k.ics").write_bytes(calendar(
        vevent("a@p.example", "Weihnachtskonzert", "20991220T180000", "20991220T200000", PLACE),
        vevent("b@p.example", "Neujahrsempfang", "20990110T110000", "20990110T130000", PLACE)))
    (served / "bad.ics").write_bytes(calendar(
        vevent("c@p.example", "Wochenmarkt", "20990101T080000", "20990101T120000", PLACE, "RRULE:FREQ=WEEKLY\r\n")))
    base = serve_dir(served)
    contacts = tmp_path / "kontakte.csv"
    contacts.write_text("ags,name,email,opt_out,calendar_url\n"
                        f"08116056,Pressestelle,presse@plochingen.example,,{base}/k.ics\n"
                        f"08119008,Pressestelle,presse@backnang.example,,{base}/bad.ics\n", encoding="utf-8")
    repo = editor_repo(tmp_path)
    monkeypatch.setenv("SOISTS_CONTACTS_FILE", str(contacts))
    monkeypatch.setenv("SOISTS_CMS_REPO_DIR", str(repo.root))
    monkeypatch.setenv("SOISTS_CMS_BRANCH", "main")
    return repo


def test_dry_run_writes_nothing_then_the_command_drafts(tmp_path, serve_dir, monkeypatch, capsys, db_url):
    repo = setup(tmp_path, serve_dir, monkeypatch)
    settings = Settings(root=tmp_path, db_url=db_url, media_dir=tmp_path / "media")
    assert cli.main(["import-calendars", "--dry-run"], settings) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing written" in out and "2 new draft(s)" in out
    assert "rejected: a recurrence without an end (RRULE without COUNT or UNTIL)" in out
    assert draft_branches(repo) == []
    with session_factory(make_engine(db_url))() as session:
        assert session.scalars(select(CalendarImport)).all() == []
    assert cli.main(["import-calendars"], settings) == 0
    assert len(draft_branches(repo)) == 2
    assert cli.main(["import-calendars"], settings) == 0
    assert "0 new draft(s)" in capsys.readouterr().out and len(draft_branches(repo)) == 2


def test_the_job_alerts_a_refused_calendar(tmp_path, serve_dir, monkeypatch, db_url):
    setup(tmp_path, serve_dir, monkeypatch)
    monkeypatch.delenv("SOISTS_SMTP_HOST", raising=False)
    lines = calendars_job(db_url)
    assert any("2 new draft(s)" in line for line in lines)
    with session_factory(make_engine(db_url))() as session:
        alert = session.scalar(select(AlertLog).where(AlertLog.kind == "calendar_rejected"))
    assert alert is not None and alert.subject.endswith("/bad.ics") and alert.resolved_utc is None
    assert "Wiederholung ohne Ende" in alert.text_de and "Backnang" in alert.text_de


def test_import_figures_per_municipality_and_period(db_url):
    migrate(db_url)
    sessions = session_factory(make_engine(db_url))
    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with sessions.begin() as session:
        def row(n: int, ags: str, imported: datetime, accepted: datetime | None) -> CalendarImport:
            return CalendarImport(key=f"{n:016d}", ags=ags, source_ags=ags, source_url="https://k.example/k.ics",
                                  event_url="", upstream_uid=str(n), identity=f"{n:064d}", slug=f"t-{n}",
                                  path=f"content/events/t-{n}.md", title="T", start_text="2027-01-01",
                                  how_found="Anschrift", upstream_text="", written_hash="",
                                  state=ACCEPTED if accepted else DRAFT, diff="", diff_applied=False,
                                  imported_utc=imported, accepted_utc=accepted)
        session.add_all([
            row(1, "08116056", start + timedelta(days=2), start + timedelta(days=3)),
            row(2, "08116056", start + timedelta(days=4), None),
            row(3, "08116056", start - timedelta(days=5), start + timedelta(days=1)),  # imported earlier, taken now
            row(4, "08119008", start + timedelta(days=40), None),  # next period
            row(5, "08119008", start - timedelta(days=40), start - timedelta(days=30))])  # earlier period
    with sessions() as session:
        figures = import_figures(session, start, start + timedelta(days=31))
    assert figures == {"08116056": ImportFigures(imported=2, accepted=2)}


def test_an_event_the_editors_already_have_is_not_suggested(tmp_path, serve_dir, db_url):
    """content/events/benefit-vor-ort-boeblingen.md on main: the same title, start and place in a
    municipality's calendar (under its own UID) is a duplicate, not a draft."""
    from scheduler.partners.calendars.job import import_calendars
    from scheduler.partners.contacts import load_contacts
    from tests.partners.calendar_kit import NOW

    served = tmp_path / "served"
    served.mkdir()
    (served / "b.ics").write_bytes(calendar(
        vevent("xyz-123@boeblingen.example", "BeneFit vor Ort: Gesundes Arbeiten im Betrieb", "20261209T093000",
               "20261209T120000", "Kongresshalle Böblingen, Tübinger Straße 14, 71032 Böblingen"),
        vevent("neu@boeblingen.example", "Neujahrsempfang", "20270110T110000", "20270110T130000",
               "Kongresshalle Böblingen, Tübinger Straße 14, 71032 Böblingen")))
    contacts = tmp_path / "kontakte.csv"
    contacts.write_text("ags,name,email,opt_out,calendar_url\n"
                        f"08115003,Pressestelle,presse@boeblingen.example,,{serve_dir(served)}/b.ics\n", encoding="utf-8")
    repo = editor_repo(tmp_path)
    migrate(db_url)
    with session_factory(make_engine(db_url)).begin() as session:
        report = import_calendars(session, repo=repo, contacts=load_contacts(contacts), now=NOW)
    [outcome] = report.outcomes
    assert outcome.new == ["Neujahrsempfang"] and outcome.duplicates == 1
    assert len(draft_branches(repo)) == 1
