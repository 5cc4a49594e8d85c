"""Done when (issue 31): three calendars served over real HTTP — a good one (recurring and
past events), one whose event changes between imports, a hostile one. Drafts are made once,
the change is shown as a diff and never overwrites an editor's edit, the hostile calendar is
refused with its reason, and nothing reaches the site without an editor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from scheduler.partners.calendar_figures import import_figures
from scheduler.partners.calendars.job import import_calendars
from scheduler.partners.calendars.state import ACCEPTED, DRAFT, EDITED, CalendarImport, CalendarSource
from scheduler.partners.contacts import load_contacts
from tests.conftest import build_site
from tests.partners.calendar_kit import (
    NOW,
    changing_calendar,
    draft_branches,
    editor_repo,
    publish_like_decap,
    serve_three_calendars,
)


def test_three_calendars_over_http(tmp_path: Path, serve_dir, store):
    served, contacts_file = serve_three_calendars(tmp_path, serve_dir)
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
