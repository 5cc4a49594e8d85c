"""Issue 27, roles: Lesen, Redaktion, Veröffentlichen, Verwaltung from one permission table
(review/roles.py); buttons a person may not use are not shown, and the server refuses them anyway.
Accounts by CLI and on the admin page; passwords of 12+ characters, not from the common list."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from scheduler.cli import main as cli
from scheduler.collect.ingest import Collector
from scheduler.curate import editors, passwords
from scheduler.curate.review import roles
from scheduler.curate.review.app import ReviewApp
from scheduler.store.models import BoardEvent, EditorAccount, Post
from tests.scheduler.board_client import PASSWORD, Client
from tests.scheduler.test_scheduler_store import collected

PEOPLE = {"lea": "lesen", "rolf": "redaktion", "vera": "veroeffentlichen", "walter": "verwaltung"}


@pytest.fixture
def app(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    with sessions.begin() as session:
        for name, role in PEOPLE.items():
            editors.add_account(session, name, PASSWORD, role)
    return ReviewApp(sessions, settings, registry)


def signed_in(app, name: str) -> Client:
    browser = Client(app)
    assert browser.sign_in(name, PASSWORD).status == 303
    return browser


def test_the_permission_table_is_one_ladder():
    assert roles.can("lesen") == {"view"}
    assert roles.can("redaktion") == {"view", "decide", "plan"}
    assert roles.can("veroeffentlichen") == {"view", "decide", "plan", "publish"}
    assert roles.can("verwaltung") == {"view", "decide", "plan", "publish", "accounts"}
    assert roles.can("unbekannt") == frozenset()
    assert roles.PLAN_ACTIONS["publish"] == roles.PLAN_ACTIONS["retry"] == "publish"


@pytest.mark.parametrize("name", PEOPLE)
def test_each_role_sees_its_buttons_and_is_refused_the_rest(app, sessions, name):
    role = PEOPLE[name]
    browser = signed_in(app, name)
    board = browser.get("/")
    assert board.status == 200 and f'{roles.LABELS[role]}: <strong class="user">{name}</strong>' in board.text
    assert ('class="decide"' in board.text) == roles.allowed(role, "decide")
    assert ('href="/admin"' in board.text) == roles.allowed(role, "accounts")
    assert browser.get("/audit").status == 200  # everyone may read who did what
    assert browser.get("/admin").status == (200 if role == "verwaltung" else 403)
    decided = browser.post("/posts/1", {"action": "approve", "expected_state": "collected", "version": "0"})
    assert decided.status == (303 if roles.allowed(role, "decide") else 403)
    if decided.status == 403:
        assert "Nicht erlaubt" in decided.text and "Rolle" in decided.text
    for action, permission in (("skip", "plan"), ("publish", "publish"), ("retry", "publish")):
        answer = browser.post("/plan/actions", {"action": action, "revision": "0", "slot": "2026-12-08T17:00:00+00:00",
                                                "key": "x"})
        assert (answer.status == 403) == (not roles.allowed(role, permission)), (role, action, answer.status)
    with sessions() as session:
        post = session.get(Post, 1)
        assert (post.state == "shortlisted") == roles.allowed(role, "decide")
        if roles.allowed(role, "decide"):
            assert post.events[-1].actor == name


def test_admin_page_changes_accounts_with_csrf(app, sessions):
    walter = signed_in(app, "walter")
    page = walter.get("/admin")
    assert "Konto anlegen" in page.text and "Rolle ändern" in page.text
    forged = walter.post("/admin/accounts", {"action": "remove", "name": "lea", "csrf": "x"})
    assert forged.status == 403
    assert walter.post("/admin/accounts", {"action": "add", "name": "nina", "role": "veroeffentlichen",
                                           "password": "Passwort2026!"}).status == 303
    assert "häufiger Passwörter" in walter.get("/admin").text  # the flash: refused
    walter.post("/admin/accounts", {"action": "add", "name": "nina", "role": "veroeffentlichen",
                                    "password": "Rebstock-am-Neckar-11"})
    walter.post("/admin/accounts", {"action": "role", "name": "lea", "role": "redaktion"})
    walter.post("/admin/accounts", {"action": "disable", "name": "rolf"})
    with sessions() as session:
        rows = {a.name: a for a in editors.list_accounts(session)}
        assert rows["nina"].role == "veroeffentlichen" and rows["lea"].role == "redaktion" and rows["rolf"].disabled
        events = session.scalars(select(BoardEvent.action).where(BoardEvent.actor == "walter")).all()
        assert events == ["account_add", "account_role", "account_disable"]


def test_the_last_administrator_cannot_remove_itself(app, sessions):
    walter = signed_in(app, "walter")
    walter.get("/admin")
    walter.post("/admin/accounts", {"action": "role", "name": "walter", "role": "lesen"})
    assert "Verwaltung behalten" in walter.get("/admin").text
    with sessions() as session:
        assert session.scalar(select(EditorAccount.role).where(EditorAccount.name == "walter")) == "verwaltung"


@pytest.mark.parametrize("password", ["kurz", "Passwort2026!", "qwertzuiop12", "123456789012", "abcabcabcabc",
                                      "Stuttgart-2026!!", "xxxxxxxxxxxxxxx", "walter-rebstock-9"])
def test_weak_passwords_are_refused(password):
    assert passwords.problem(password, "walter") is not None


def test_good_passwords_pass():
    assert passwords.problem("Rebstock-am-Neckar-11", "walter") is None
    assert passwords.problem(PASSWORD) is None
    assert 100 < len(passwords.common()) < 5_000


def test_editors_cli_roles_password_disable(sessions, settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["editors", "add", "eva"], settings) == 0  # the first account: Verwaltung
    monkeypatch.setattr("sys.stdin", io.StringIO("Passwort2026!\n"))
    assert cli.main(["editors", "add", "ben"], settings) == 2  # common
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "!\n"))
    assert cli.main(["editors", "add", "ben"], settings) == 0  # default role: Redaktion
    assert cli.main(["editors", "role", "ben", "lesen"], settings) == 0
    assert cli.main(["editors", "disable", "ben"], settings) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Rebstock-am-Neckar-11\n"))
    assert cli.main(["editors", "password", "ben"], settings) == 0
    assert cli.main(["editors", "role", "niemand", "lesen"], settings) == 2
    # the last active Verwaltung account: not demoted, disabled or removed from the CLI either
    for command in (["editors", "role", "eva", "redaktion"], ["editors", "disable", "eva"], ["editors", "remove", "eva"]):
        assert cli.main(command, settings) == 2, command
    assert "Mindestens ein aktives Konto muss die Rolle Verwaltung behalten." in capsys.readouterr().err
    capsys.readouterr()
    assert cli.main(["editors", "list"], settings) == 0
    listed = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in listed.splitlines()}
    assert lines["eva"][1] == "verwaltung" and lines["ben"][1] == "lesen" and "disabled" in lines["ben"]
    with sessions() as session:
        assert editors.verify_login(session, "ben", "Rebstock-am-Neckar-11") is None  # disabled
        assert session.scalar(select(EditorAccount.session_epoch).where(EditorAccount.name == "ben")) == 3
        assert set(session.scalars(select(BoardEvent.action))) >= {"account_add", "account_role", "account_disable",
                                                                    "account_password"}


def test_existing_accounts_migrate_to_verwaltung(tmp_path):
    """0012: accounts made before roles keep everything they could do, the first can administer."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from scheduler.store.db import alembic_config

    url = f"sqlite:///{tmp_path}/old.db"
    config = alembic_config(url)
    command.upgrade(config, "0010")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO editor_accounts (name, password_hash, created_utc) "
                                "VALUES ('erste', 'x', '2026-12-01 10:00:00')"))
    command.upgrade(config, "head")
    with engine.begin() as connection:
        row = connection.execute(text("SELECT role, disabled, session_epoch FROM editor_accounts")).one()
    assert tuple(row) == ("verwaltung", 0, 0)
    engine.dispose()
