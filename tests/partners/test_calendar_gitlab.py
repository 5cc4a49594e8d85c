"""Issue 31 in production: the web editor is Decap CMS with its GitLab backend, so an imported
event must become what Decap shows as an unpublished entry — an open merge request from
`cms/termine/<slug>` labelled `redaktion/draft` (demo/gitlab_fake.py over real HTTP).

The same three calendars and the same editor actions as tests/partners/test_calendar_import.py
run once against the local decap-server repository and once against GitLab: the reports and
the impact report's figures are the same."""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import select

from demo.gitlab_fake import PROJECT, TOKEN, GitLabFake
from plugins.region.registry import load_registry
from scheduler.alerts.state import AlertLog
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.exitcodes import EXIT_LOGIN
from scheduler.partners.calendar_figures import import_figures
from scheduler.partners.calendars.drafts import validate
from scheduler.partners.calendars.gitlab_api import GitLabClient
from scheduler.partners.calendars.gitlabdrafts import GitLabDrafts
from scheduler.partners.calendars.job import calendars_job, draft_repo, import_calendars
from scheduler.partners.calendars.state import ACCEPTED, DISCARDED, DRAFT, EDITED, CalendarImport, CalendarSource
from scheduler.partners.contacts import load_contacts
from scheduler.store.db import make_engine, migrate, session_factory
from tests.partners.calendar_kit import (
    NOW,
    ROOT,
    changing_calendar,
    editor_repo,
    git,
    publish_like_decap,
    serve_three_calendars,
)

CONCERT, TREFF, MESSE, LIGHT = ("Weihnachtskonzert der Stadtkapelle", "Gründertreff im Rathaus",
                                "Ausbildungsmesse", "Lichterfest")
EDITOR_TOKEN = "glpat-redaktion-0000"


@pytest.fixture
def gitlab(monkeypatch, tmp_path):
    """The fake GitLab with content/events on main, and the settings production uses."""
    files = {f"content/events/{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "content" / "events").glob("*.md")}
    fake = GitLabFake(files)
    fake.add_token(EDITOR_TOKEN, "Redaktion", {"api"})
    url = fake.start()
    secrets = tmp_path / "secrets.json"
    fd = os.open(secrets, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"tokens": {"gitlab": TOKEN}}, handle)
    for name, value in {"SOISTS_CMS_BACKEND": "gitlab", "SOISTS_CMS_GIT_URL": url, "SOISTS_CMS_REPO": PROJECT,
                        "SOISTS_CMS_BRANCH": "main", "SOISTS_SECRETS_FILE": str(secrets)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.delenv("SOISTS_SMTP_HOST", raising=False)
    yield fake
    fake.stop()


def calendars(tmp_path: Path, serve_dir, monkeypatch) -> Path:
    served, contacts = serve_three_calendars(tmp_path, serve_dir)
    monkeypatch.setenv("SOISTS_CONTACTS_FILE", str(contacts))
    return served


class DecapOnGitLab:
    """An editor in Decap CMS (GitLab backend): the API calls decap-cms-backend-gitlab makes."""

    def __init__(self, fake: GitLabFake):
        self.api = f"{fake.url}/api/v4/projects/{quote(PROJECT, safe='')}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {EDITOR_TOKEN}"  # Decap sends the OAuth token so

    def merge_request(self, branch: str) -> dict:
        [found] = self.http.get(f"{self.api}/merge_requests", params={
            "state": "opened", "labels": "Any", "per_page": 100, "target_branch": "main", "source_branch": branch}).json()
        return found

    def edit(self, slug: str, path: str, text: str) -> None:
        answer = self.http.post(f"{self.api}/repository/commits", json={
            "branch": f"cms/termine/{slug}", "commit_message": f"Update Termin “{slug}”",
            "actions": [{"action": "update", "file_path": path, "encoding": "base64",
                         "content": base64.b64encode(text.encode()).decode()}]})
        assert answer.status_code == 201, answer.text

    def publish(self, slug: str) -> None:
        iid = self.merge_request(f"cms/termine/{slug}")["iid"]
        answer = self.http.put(f"{self.api}/merge_requests/{iid}/merge", params={
            "merge_commit_message": "Automatically generated. Merged on Decap CMS.", "should_remove_source_branch": "true"})
        assert answer.status_code == 200, answer.text

    def discard(self, slug: str) -> None:  # closed in GitLab; the branch stays
        iid = self.merge_request(f"cms/termine/{slug}")["iid"]
        assert self.http.put(f"{self.api}/merge_requests/{iid}", params={"state_event": "close"}).status_code == 200


class DecapServer:
    """The same editor with decap-server (local Git)."""

    def __init__(self, repo):
        self.repo = repo

    def edit(self, slug: str, path: str, text: str) -> None:
        self.repo.write_draft(slug, path, text, f"Update Termin “{slug}”")

    def publish(self, slug: str) -> None:
        publish_like_decap(self.repo, self.repo.draft_branch(slug))

    def discard(self, slug: str) -> None:
        git(self.repo.root, "branch", "-D", self.repo.draft_branch(slug))


def scenario(store, served: Path, repo, editor) -> tuple[list, dict, dict]:
    """Import, an editor edits one draft, upstream changes, import, publish one and discard one, import."""
    contacts = load_contacts(os.environ["SOISTS_CONTACTS_FILE"])
    with store.begin() as session:
        first = import_calendars(session, repo=repo, contacts=contacts, now=NOW)
    with store() as session:
        slugs = {r.title: (r.slug, r.path) for r in session.scalars(select(CalendarImport))}
    slug, path = slugs[MESSE]
    editor.edit(slug, path, repo.read(repo.draft_branch(slug), path) + "\nVon der Redaktion ergänzt.\n")
    (served / "wechsel.ics").write_bytes(changing_calendar(second=True))
    with store.begin() as session:
        second = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=1))
    editor.publish(slugs[CONCERT][0])
    editor.discard(slugs[TREFF][0])
    with store.begin() as session:
        third = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=2))
    with store() as session:
        figures = import_figures(session, NOW - timedelta(days=1), NOW + timedelta(days=3))
        rows = {r.title: r for r in session.scalars(select(CalendarImport))}
        states = {t: (r.state, r.diff_applied, r.diff) for t, r in rows.items()}
    reports = [[(o.name, sorted(o.new), sorted(o.updated), sorted(o.kept), o.duplicates) for o in r.outcomes]
               + [r.accepted, r.discarded] for r in (first, second, third)]
    return reports, figures, {"states": states, "slugs": slugs}


def test_drafts_become_decap_merge_requests(tmp_path, serve_dir, monkeypatch, store, gitlab):
    served = calendars(tmp_path, serve_dir, monkeypatch)
    repo = draft_repo()
    assert isinstance(repo, GitLabDrafts)  # chosen by SOISTS_CMS_BACKEND=gitlab
    reports, figures, seen = scenario(store, served, repo, DecapOnGitLab(gitlab))
    slugs, states = seen["slugs"], seen["states"]
    assert sorted(slugs) == sorted([CONCERT, TREFF, MESSE, LIGHT])

    mrs = {mr["source_branch"]: mr for mr in gitlab.repo.mrs}
    assert sorted(mrs) == sorted(f"cms/termine/{s}" for s, _p in slugs.values())  # one MR per draft, never two
    assert sum(1 for m, p, _t in gitlab.requests if m == "POST" and p.endswith("/merge_requests")) == 4
    for title, (slug, path) in slugs.items():
        mr = mrs[f"cms/termine/{slug}"]
        assert mr["labels"] == ["redaktion/draft"] and mr["target_branch"] == "main"
        assert mr["title"] == f"Create Termin “{slug}”" and mr["description"] == "Automatically generated by Decap CMS"
        assert mr["force_remove_source_branch"] is True and path == f"content/events/{slug}.md"
        text = gitlab.repo.commits[mr["merge_commit_sha"] or mr["sha"]]["tree"][path]
        event = validate(text, path, slug, load_registry())  # the build's own parser accepts the file
        assert not isinstance(event, str) and event.title == title
    assert {m["source_branch"]: m["state"] for m in mrs.values()} == {
        f"cms/termine/{slugs[CONCERT][0]}": "merged", f"cms/termine/{slugs[TREFF][0]}": "closed",
        f"cms/termine/{slugs[MESSE][0]}": "opened", f"cms/termine/{slugs[LIGHT][0]}": "opened"}
    # Decap's own board query and filter shows exactly the drafts still waiting
    assert sorted(m["source_branch"] for m in repo.unpublished_entries()) == sorted(
        f"cms/termine/{slugs[t][0]}" for t in (MESSE, LIGHT))

    # what Decap shows of an entry: the diff of the MR's head against main (from the merge base)
    for title in (MESSE, LIGHT):
        sha = mrs[f"cms/termine/{slugs[title][0]}"]["sha"]
        compared = requests.get(f"{gitlab.url}/api/v4/projects/{quote(PROJECT, safe='')}/repository/compare",
                                params={"from": "main", "to": sha}, headers={"PRIVATE-TOKEN": TOKEN}).json()
        assert [(d["new_path"], d["new_file"]) for d in compared["diffs"]] == [(slugs[title][1], True)]

    # the untouched draft followed upstream by a commit of the import; the edited one kept the edit
    light_slug, light_path = slugs[LIGHT]
    head = gitlab.repo.head(f"cms/termine/{light_slug}")
    assert head["author_name"] == "Kalenderimport" and "start: 2026-12-12 19:00" in head["tree"][light_path]
    messe_slug, messe_path = slugs[MESSE]
    head = gitlab.repo.head(f"cms/termine/{messe_slug}")
    assert head["author_name"] == "Redaktion" and head["message"].startswith("Update Termin")
    assert "Von der Redaktion ergänzt." in head["tree"][messe_path] and "end: 2027-01-15 16:00" in head["tree"][messe_path]
    assert states[MESSE][0] == EDITED and not states[MESSE][1] and "+end: 2027-01-15 17:00" in states[MESSE][2]
    assert states[LIGHT][:2] == (DRAFT, True) and "+start: 2026-12-12 19:00" in states[LIGHT][2]
    assert states[CONCERT][0] == ACCEPTED and states[TREFF][0] == DISCARDED
    assert reports[0][-2:] == [[], []] and reports[1][1][1:4] == ([], [LIGHT], [MESSE])
    assert reports[2][-2:] == [[CONCERT], [TREFF]]
    # published: on main now; the discarded draft is not
    main = gitlab.repo.head("main")["tree"]
    assert f"content/events/{slugs[CONCERT][0]}.md" in main and f"content/events/{slugs[TREFF][0]}.md" not in main
    assert (figures["08116056"].imported, figures["08116056"].accepted) == (2, 1)

    # the same with decap-server's local Git: the same reports and figures
    monkeypatch.setenv("SOISTS_CMS_BACKEND", "git")
    (served / "wechsel.ics").write_bytes(changing_calendar(second=False))
    local_db = f"sqlite:///{tmp_path / 'local.db'}"
    migrate(local_db)
    engine = make_engine(local_db)
    local = editor_repo(tmp_path)
    local_reports, local_figures, local_seen = scenario(session_factory(engine), served, local, DecapServer(local))
    engine.dispose()
    assert local_figures == figures and local_reports == reports
    assert {t: s[:2] for t, s in local_seen["states"].items()} == {t: s[:2] for t, s in states.items()}


def test_a_missing_or_refused_token_stops_before_anything_is_written(tmp_path, serve_dir, monkeypatch, db_url,
                                                                      gitlab, capsys):
    calendars(tmp_path, serve_dir, monkeypatch)
    secrets = Path(os.environ["SOISTS_SECRETS_FILE"])
    secrets.write_text(json.dumps({"tokens": {"instagram": "x"}}), encoding="utf-8")  # no slot "gitlab"
    lines = calendars_job(db_url, now=NOW)
    assert lines[0].startswith("stopped: no GitLab token") and gitlab.requests == []
    settings = Settings(root=tmp_path, db_url=db_url, media_dir=tmp_path / "media")
    assert cli.main(["import-calendars"], settings) == EXIT_LOGIN
    assert "no access to the web editor's GitLab: no GitLab token" in capsys.readouterr().out

    for token, scopes, words in (("glpat-wrong", None, "abgelehnt"), ("glpat-readonly", {"read_api"}, "nichts anlegen")):
        if scopes:
            gitlab.add_token(token, "Nur-Lesen", scopes)
        secrets.write_text(json.dumps({"tokens": {"gitlab": token}}), encoding="utf-8")
        lines = calendars_job(db_url, now=NOW)
        assert lines[0].startswith("stopped: GitLab refused"), lines
        with session_factory(make_engine(db_url))() as session:
            alert = session.scalar(select(AlertLog).where(AlertLog.kind == "calendar_cms_access",
                                                          AlertLog.resolved_utc.is_(None)))
            assert alert is not None and alert.subject == "gitlab" and words in alert.text_de, alert.text_de
            assert "keine Termin-Vorschläge" in alert.text_de and "tokens.gitlab" in alert.action_de
            assert session.scalars(select(CalendarImport)).all() == []
            assert session.scalars(select(CalendarSource)).all() == []
        assert list(gitlab.repo.branches) == ["main"] and gitlab.repo.mrs == []
        assert token not in " ".join(lines)

    # the right token again: drafts, and the alert is cleared
    secrets.write_text(json.dumps({"tokens": {"gitlab": TOKEN}}), encoding="utf-8")
    lines = calendars_job(db_url, now=NOW)
    assert any("2 new draft(s)" in line for line in lines) and len(gitlab.repo.mrs) == 4
    with session_factory(make_engine(db_url))() as session:
        alert = session.scalar(select(AlertLog).where(AlertLog.kind == "calendar_cms_access"))
        assert alert.resolved_utc is not None


def test_the_fake_and_the_client_follow_the_documented_contract(gitlab):
    api = f"{gitlab.url}/api/v4"
    assert requests.get(f"{api}/projects/{quote(PROJECT, safe='')}").status_code == 401
    assert requests.get(f"{api}/projects/{quote(PROJECT, safe='')}", headers={"PRIVATE-TOKEN": "nope"}).json() == {
        "message": "401 Unauthorized"}
    client = GitLabClient(api, PROJECT, TOKEN)
    assert client.check_project()["path_with_namespace"] == PROJECT
    assert client.json("GET", "/projects/wrs%2Fanderes", ok_missing=True) is None
    repo = GitLabDrafts(client)
    for n in range(201):  # three pages of 100
        repo.write_draft(f"t-{n:03d}", f"content/events/t-{n:03d}.md", f"title: T {n}\n", f"T {n}")
    first = client.request("GET", f"{client.project_url}/merge_requests", params={"state": "opened", "per_page": 100})
    assert first.headers["X-Next-Page"] == "2" and first.headers["X-Total-Pages"] == "3"
    assert f'<{api}/projects/' in first.headers["Link"] and 'page=2&per_page=100>; rel="next"' in first.headers["Link"]
    assert len(repo.merge_requests()) == 201 and len(repo.unpublished_entries()) == 100  # Decap reads one page
    # a second MR for the same source branch is refused with 409; ensure_merge_request finds the first
    answer = requests.post(f"{api}{client.project_url}/merge_requests", headers={"PRIVATE-TOKEN": TOKEN}, json={
        "source_branch": "cms/termine/t-000", "target_branch": "main", "title": "again"})
    assert answer.status_code == 409 and "already exists" in answer.json()["message"][0]
    assert repo.ensure_merge_request("t-000")["iid"] == 1 and len(gitlab.repo.mrs) == 201
    # an update based on an old file version is refused (an editor saved in between)
    commits = f"{api}{client.project_url}/repository/commits"
    old = client.json("GET", f"{client.project_url}/repository/files/content%2Fevents%2Ft-001%2Emd",
                      params={"ref": "cms/termine/t-001"})["last_commit_id"]
    repo.write_draft("t-001", "content/events/t-001.md", "title: T 1 neu\n", "neu")
    stale = requests.post(commits, headers={"PRIVATE-TOKEN": TOKEN}, json={
        "branch": "cms/termine/t-001", "commit_message": "alt", "actions": [
            {"action": "update", "file_path": "content/events/t-001.md", "content": "x", "last_commit_id": old}]})
    assert stale.status_code == 400 and "has changed since" in stale.json()["message"]
    assert repo.read("cms/termine/t-001", "content/events/t-001.md") == "title: T 1 neu\n"
    assert repo.read("cms/termine/nope", "content/events/t-001.md") is None


def test_an_editor_saving_while_the_import_writes_keeps_the_text(tmp_path, serve_dir, monkeypatch, store, gitlab):
    """The import reads the draft, an editor saves, the import's commit arrives: GitLab refuses
    it (the file's last_commit_id changed), so the editor's text stays and the change is shown."""
    served = calendars(tmp_path, serve_dir, monkeypatch)
    contacts = load_contacts(os.environ["SOISTS_CONTACTS_FILE"])
    repo = draft_repo()
    with store.begin() as session:
        import_calendars(session, repo=repo, contacts=contacts, now=NOW)
    with store() as session:
        slug = session.scalar(select(CalendarImport.slug).where(CalendarImport.title == LIGHT))
    path = f"content/events/{slug}.md"
    editor, original = DecapOnGitLab(gitlab), repo.client.json
    edited = repo.read(repo.draft_branch(slug), path) + "\nGerade gespeichert.\n"

    def json_then_editor_saves(method, api_path, **kwargs):
        answer = original(method, api_path, **kwargs)
        if method == "GET" and api_path.endswith("/repository/files/" + path.replace("/", "%2F").replace(".", "%2E")):
            editor.edit(slug, path, edited)
        return answer

    monkeypatch.setattr(repo.client, "json", json_then_editor_saves)
    (served / "wechsel.ics").write_bytes(changing_calendar(second=True))
    with store.begin() as session:
        report = import_calendars(session, repo=repo, contacts=contacts, now=NOW + timedelta(days=1))
    assert report.outcomes[1].kept == [LIGHT] and report.outcomes[1].updated == [MESSE]
    assert repo.read(repo.draft_branch(slug), path) == edited
    with store() as session:
        row = session.scalar(select(CalendarImport).where(CalendarImport.slug == slug))
        assert row.state == EDITED and not row.diff_applied and "+start: 2026-12-12 19:00" in row.diff
