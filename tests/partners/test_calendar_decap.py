"""The imported drafts in the real web editor: decap-server (git mode) lists them as unpublished
entries with status „draft“, the workflow board („Arbeitsablauf“) shows them in its column „Entwurf“, an editor opens one
and publishes it through the editor's own buttons, and the next import counts it „übernommen“.
Screenshot: /tmp/cms-workflow-import-1280.png."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from sqlalchemy import select

from plugins.cms import write_admin
from scheduler.partners.calendars.job import import_calendars
from scheduler.partners.calendars.state import ACCEPTED, CalendarImport
from scheduler.partners.contacts import load_contacts
from scheduler.store.db import make_engine, migrate, session_factory
from tests.cms.cms_helpers import git, require_decap, start_proxy
from tests.cms.test_cms_browser import open_editor, publish, settled
from tests.partners.calendar_kit import NOW, calendar, editor_repo, vevent

pytestmark = pytest.mark.browser
TITLE = "Weihnachtskonzert der Stadtkapelle"


def proxy_call(url: str, action: str, **params) -> object:
    body = json.dumps({"action": action, "params": {"branch": "main", **params}}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_drafts_in_the_editors_workflow_and_published_there(tmp_path, serve_dir, chromium_browser, db_url):
    require_decap()
    served = tmp_path / "served"
    served.mkdir()
    (served / "k.ics").write_bytes(calendar(vevent(
        "konzert@plochingen.example", TITLE, "20261220T180000", "20261220T200000",
        "Stadthalle Plochingen, Hermannstraße 25, 73207 Plochingen")))
    contacts = tmp_path / "kontakte.csv"
    contacts.write_text("ags,name,email,opt_out,calendar_url\n"
                        f"08116056,Pressestelle,presse@plochingen.example,,{serve_dir(served)}/k.ics\n", encoding="utf-8")
    repo = editor_repo(tmp_path)
    for key, value in (("user.email", "redaktion@example.org"), ("user.name", "Redaktion"), ("commit.gpgsign", "false")):
        git(repo.root, "config", key, value)
    migrate(db_url)
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        import_calendars(session, repo=repo, contacts=load_contacts(contacts), now=NOW)
    with sessions() as session:
        slug = session.scalar(select(CalendarImport.slug))

    proxy, proxy_url = start_proxy(repo.root, tmp_path / "decap-server.log")
    try:
        assert proxy_call(proxy_url, "unpublishedEntries") == [f"termine/{slug}"]
        entry = proxy_call(proxy_url, "unpublishedEntry", collection="termine", slug=slug, cmsLabelPrefix="redaktion/")
        assert entry["status"] == "draft" and [d["path"] for d in entry["diffs"]] == [f"content/events/{slug}.md"]

        site = tmp_path / "site"
        write_admin(site, {"CMS_PROXY_URL": proxy_url})
        base = serve_dir(site)
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("dialog", lambda dialog: dialog.accept())
        editor = type("Editor", (), {"page": page, "base": base})()
        try:
            open_editor(editor, "/workflow")
            page.get_by_text(TITLE).first.wait_for()
            board = page.inner_text("body")  # the first column, „Entwurf“, holds the imported draft
            assert re.search(rf"Entwurf\s+1 BEITRAG\s+TERMINE\s+{TITLE}\s", board), board
            assert re.search(r"In Prüfung\s+0 BEITRÄGE\s+Abgeschlossen\s+0 BEITRÄGE", board), board
            page.screenshot(path="/tmp/cms-workflow-import-1280.png", full_page=True)
            open_editor(editor, f"/collections/termine/entries/{slug}")
            page.get_by_text("Status: Entwurf").wait_for()
            assert page.locator('[id^="title-field-"]').input_value() == TITLE
            publish(page)
        finally:
            context.close()
        settled(repo.root)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)

    assert f"content/events/{slug}.md" in git(repo.root, "ls-tree", "-r", "--name-only", "main", "content/events/")
    with sessions.begin() as session:
        report = import_calendars(session, repo=repo, contacts=load_contacts(contacts), now=NOW)
    assert report.accepted == [TITLE] and report.outcomes[0].new == []
    with sessions() as session:
        assert session.scalar(select(CalendarImport.state)) == ACCEPTED
