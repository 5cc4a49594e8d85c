"""Done when (issue 31): three calendars served over real HTTP — a good one (recurring and
past events), one whose event changes between imports, a hostile one. Drafts are made once,
the change is shown as a diff and never overwrites an editor's edit, the hostile calendar is
refused with its reason, and nothing reaches the site without an editor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from scheduler.partners.calendar_figures import import_figures
from scheduler.partners.calendars.job import import_calendars
from scheduler.partners.calendars.state import ACCEPTED, DRAFT, EDITED, CalendarImport, CalendarSource
from scheduler.partners.contacts import load_contacts
from scheduler.store.db import make_engine, migrate, session_factory
from tests.conftest import build_site
from tests.partners.calendar_kit import NOW, calendar, draft_branches, editor_repo, publish_like_decap, vevent

PLOCHINGEN = "Stadthalle Plochingen, Hermannstraße 25, 73207 Plochingen"
BACKNANG = "Bürgerhaus Backnang, Bahnhofstraße 7, 71522 Backnang"
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        '<rss version="2.0"><channel><title>&lol2;</title></channel></rss>\n')


def good_calendar() -> bytes:
    return calendar(
        vevent("past-1@plochingen.example", "Herbstmarkt", "20261101T100000", "20261101T180000", PLOCHINGEN),
        vevent("konzert-2026@plochingen.example", "Weihnachtskonzert der Stadtkapelle", "20261220T180000",
               "20261220T200000", PLOCHINGEN, "DESCRIPTION:Mit <b>Chor</b> und [Link](javascript:alert(1))\r\n"),
        vevent("treff@plochingen.example", "Gründertreff im Rathaus", "20261202T180000", "20261202T200000",
               "Rathaus, Schulstraße 7, 73207 Plochingen", "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=10\r\n"),
    )


def changing_calendar(second: bool) -> bytes:
    time = "190000" if second else "180000"
    return calendar(
        vevent("a@backnang.example", "Lichterfest", f"20261212T{time}", "20261212T220000", BACKNANG),
        vevent("b@backnang.example", "Ausbildungsmesse", "20270115T090000",
               "20270115T160000" if not second else "20270115T170000", BACKNANG),
    )


@pytest.fixture
def store(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


def test_three_calendars_over_http(tmp_path: Path, serve_dir, store):
    served = tmp_path / "served"
    served.mkdir()
    (served / "gut.ics").write_bytes(good_calendar())
    (served / "wechsel.ics").write_bytes(changing_calendar(second=False))
    (served / "feindlich.xml").write_text(BOMB, encoding="utf-8")
    base = serve_dir(served)
    contacts_file = tmp_path / "kontakte.csv"
    contacts_file.write_text(
        "ags,name,email,opt_out,calendar_url\n"
        f"08116056,Pressestelle,presse@plochingen.example,,{base}/gut.ics\n"
        f"08119008,Pressestelle,presse@backnang.example,,{base}/wechsel.ics\n"
        f"08119067,Stadtmarketing,marketing@schorndorf.example,ja,{base}/feindlich.xml\n", encoding="utf-8")
    contacts = load_contacts(contacts_file)
    repo = editor_repo(tmp_path)

    with store.begin() as session:
        first = import_calendars(session, repo=repo, contacts=contacts, now=NOW)
    good, changing, hostile = first.outcomes
    assert sorted(good.new) == ["Gründertreff im Rathaus", "Weihnachtskonzert der Stadtkapelle"]  # not the past one
    assert sorted(changing.new) == ["Ausbildungsmesse", "Lichterfest"]
    assert hostile.rejected is not None and hostile.rejected.code == "xml_entities"
    assert "Entit" in hostile.rejected.german and not hostile.new
    branches = draft_branches(repo)
    assert len(branches) == 4 and all(b.startswith("cms/termine/") for b in branches)
    with store() as session:
        rows = {r.title: r for r in session.scalars(select(CalendarImport))}
        assert {r.state for r in rows.values()} == {DRAFT}
        treff = repo.read(repo.draft_branch(rows["Gründertreff im Rathaus"].slug), rows["Gründertreff im Rathaus"].path)
        assert "rrule: FREQ=WEEKLY;COUNT=10;BYDAY=WE" in treff and "start: 2026-12-02 18:00" in treff
        concert = repo.read(repo.draft_branch(rows["Weihnachtskonzert der Stadtkapelle"].slug),
                            rows["Weihnachtskonzert der Stadtkapelle"].path)
        assert "municipality: plochingen" in concert and "<b>" not in concert and "\\[Link\\]" in concert
        assert "category: messe" in repo.read(repo.draft_branch(rows["Ausbildungsmesse"].slug),
                                              rows["Ausbildungsmesse"].path)  # category_rules.csv: "messe"
        source = session.scalar(select(CalendarSource).where(CalendarSource.ags == "08119067"))
        assert not source.ok and source.reason_code == "xml_entities"
        messe = rows["Ausbildungsmesse"]
        messe_branch, messe_path = repo.draft_branch(messe.slug), messe.path
        light = rows["Lichterfest"]
        light_branch, light_path = repo.draft_branch(light.slug), light.path
    # the editor edits one draft in the web editor (a commit on the entry's branch)
    repo.write_draft(messe.slug, messe_path, repo.read(messe_branch, messe_path) + "\nVon der Redaktion ergänzt.\n",
                     "Redaktion: ergänzt")
    # upstream changes both events; the second import must not duplicate anything
    (served / "wechsel.ics").write_bytes(changing_calendar(second=True))
    with store.begin() as session:
        second = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=1))
    assert [o.new for o in second.outcomes] == [[], [], []]
    assert draft_branches(repo) == branches
    assert sorted(second.outcomes[1].updated) == ["Lichterfest"] and second.outcomes[1].kept == ["Ausbildungsmesse"]
    assert "Von der Redaktion ergänzt." in repo.read(messe_branch, messe_path)  # the edit is kept
    assert "end: 2027-01-15 16:00" in repo.read(messe_branch, messe_path)
    assert "start: 2026-12-12 19:00" in repo.read(light_branch, light_path)  # untouched draft follows upstream
    with store() as session:
        rows = {r.title: r for r in session.scalars(select(CalendarImport))}
        assert len(rows) == 4
        assert rows["Ausbildungsmesse"].state == EDITED and not rows["Ausbildungsmesse"].diff_applied
        assert "-end: 2027-01-15 16:00" in rows["Ausbildungsmesse"].diff
        assert "+end: 2027-01-15 17:00" in rows["Ausbildungsmesse"].diff
        assert "+start: 2026-12-12 19:00" in rows["Lichterfest"].diff and rows["Lichterfest"].diff_applied
        concert_slug = rows["Weihnachtskonzert der Stadtkapelle"].slug
        others = [r.slug for t, r in rows.items() if t != "Weihnachtskonzert der Stadtkapelle"]

    # nothing is on the site until an editor publishes; then only what was published
    publish_like_decap(repo, repo.draft_branch(concert_slug))
    with store.begin() as session:
        third = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=2))
    assert third.accepted == ["Weihnachtskonzert der Stadtkapelle"]
    with store() as session:
        assert session.scalar(select(CalendarImport).where(CalendarImport.slug == concert_slug)).state == ACCEPTED
        figures = import_figures(session, NOW - timedelta(days=1), NOW + timedelta(days=3))
    assert (figures["08116056"].imported, figures["08116056"].accepted) == (2, 1)
    assert (figures["08119008"].imported, figures["08119008"].accepted) == (2, 0)
    output = tmp_path / "site"
    result = build_site(output, content=repo.root / "content")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (output / "termine" / concert_slug / "index.html").exists()
    for slug in others:
        assert not (output / "termine" / slug).exists()
    site_text = (output / "termine" / "ics" / "alle.ics").read_text(encoding="utf-8")
    assert "Lichterfest" not in site_text and "Ausbildungsmesse" not in site_text and "Weihnachtskonzert" in site_text
