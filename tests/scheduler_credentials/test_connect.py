"""`connect` end to end against the Graph fake, non-interactive: from the app and a short-lived
User token to the 0600 secrets file; a missing MODERATE task and a refused Page subscription
each stop the run with a German message, and the next run resumes at that step. `go-live`
lists one line per item and fails until everything is there."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from demo.graph_fake import IG_USER_ID, PAGE_ID, GraphFake
from demo.graph_fake_tokens import APP_ID, APP_SECRET
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.credentials.vault import Vault

SITE_SETTINGS = Path(__file__).resolve().parents[1] / "production" / "site-settings.toml"  # plausible values


@pytest.fixture
def fake_env(tmp_path, monkeypatch):
    fake = GraphFake(tmp_path / "fake.json")
    base = fake.start()
    secrets = tmp_path / "etc" / "secrets.json"
    for name in ("CREDENTIALS_DIRECTORY", "SOISTS_FB_PAGE_ID", "SOISTS_IG_USER_ID", "SOISTS_LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"SOISTS_SECRETS_FILE": str(secrets), "SOISTS_GRAPH_BASE_URL": base,
                        "SOISTS_IG_GRAPH_BASE_URL": fake.root_url, "SOISTS_CONNECT_APP_ID": APP_ID,
                        "SOISTS_CONNECT_APP_SECRET": APP_SECRET}.items():
        monkeypatch.setenv(name, value)
    yield fake, secrets, monkeypatch
    fake.stop()


def connect(tmp_path, capsys, *extra: str) -> tuple[int, str]:
    code = cli.main(["connect", "--no-input", "--env-file", str(tmp_path / "soists.env"),
                     "--runtime-file", str(tmp_path / "var-secrets.json"), *extra],
                    Settings(root=tmp_path))
    return code, capsys.readouterr().out


def test_connect_end_to_end_with_a_missing_task_and_a_refused_subscription(fake_env, tmp_path, capsys):
    fake, secrets, monkeypatch = fake_env
    short = fake.tokens.add("EAAshortconnect01", "user_short", 3600)
    monkeypatch.setenv("SOISTS_CONNECT_USER_TOKEN", short)

    # 1. the person lacks the MODERATE task on the Page
    fake.tokens.tasks = ["CREATE_CONTENT", "ANALYZE"]
    code, text = connect(tmp_path, capsys)
    assert code == 3
    assert "Schritt 4 von 8: Facebook-Seite, Aufgaben und Seiten-Token …" in text
    assert "fehlt die Aufgabe MODERATE („Community-Aktivitäten verwalten (Moderieren)“)" in text
    assert "Meta Business Suite › Einstellungen › Personen" in text
    assert "er macht an dieser Stelle weiter" in text
    assert os.stat(secrets).st_mode & 0o777 == 0o600

    # 2. the task is given; now Meta refuses the Page subscription
    fake.tokens.tasks = ["CREATE_CONTENT", "MODERATE"]
    fake.tokens.refuse_subscription = True
    code, text = connect(tmp_path, capsys)
    assert code == 3
    assert "Schritt 2 von 8: Langlebigen Nutzer-Token holen – schon erledigt." in text
    assert "Schritt 6 von 8: Seiten-Abo für Webhooks …" in text
    assert "Die App konnte nicht auf der Seite abonniert werden (Meta-Fehler 200)." in text
    assert "pages_manage_metadata" in text

    # 3. fixed: it resumes at the subscription and finishes
    fake.tokens.refuse_subscription = False
    code, text = connect(tmp_path, capsys)
    assert code == 0, text
    assert "Schritt 5 von 8: Instagram-Konto der Seite – schon erledigt." in text
    assert "App auf der Seite abonniert: feed, mention." in text and "Fertig." in text
    assert fake.tokens.subscribed[APP_ID] == ["feed", "mention"]

    assert os.stat(secrets).st_mode & 0o777 == 0o600
    stored = json.loads(secrets.read_text())
    assert stored["app"] == {"id": APP_ID, "secret": APP_SECRET}
    tokens = stored["tokens"]
    assert tokens["facebook_user"].startswith("EAAuserlong") and tokens["facebook_page"].startswith("EAApage")
    assert tokens["instagram"] == tokens["facebook_page"] and len(tokens["webhook_verify"]) >= 40
    state = secrets.with_name("connect-state.json")
    assert os.stat(state).st_mode & 0o777 == 0o600
    info = json.loads(state.read_text())["connect"]
    assert info["page_id"] == PAGE_ID and info["ig_user_id"] == IG_USER_ID and len(info["done"]) == 8
    assert not [s for s in (short, APP_SECRET, *tokens.values()) if s in state.read_text()]
    assert f"SOISTS_FB_PAGE_ID={PAGE_ID}" in (tmp_path / "soists.env").read_text()
    assert f"SOISTS_IG_USER_ID={IG_USER_ID}" in (tmp_path / "soists.env").read_text()

    # check-credentials is content with the result; nothing secret was printed on the way
    monkeypatch.setenv("SOISTS_FB_PAGE_ID", PAGE_ID)
    monkeypatch.setenv("SOISTS_IG_USER_ID", IG_USER_ID)
    assert cli.main(["check-credentials"], Settings(root=tmp_path)) == 0
    assert "Seiten-Abo (Webhooks): feed, mention" in capsys.readouterr().out


def test_connect_names_missing_permissions_and_what_is_not_given(fake_env, tmp_path, capsys):
    fake, secrets, monkeypatch = fake_env
    code, text = connect(tmp_path, capsys)
    assert code == 2 and "Es fehlt: Kurzlebiger Nutzer-Token" in text and "SOISTS_CONNECT_USER_TOKEN" in text
    fake.tokens.scopes = [s for s in fake.tokens.scopes if s != "instagram_manage_comments"]
    monkeypatch.setenv("SOISTS_CONNECT_USER_TOKEN", fake.tokens.add("EAAshortconnect02", "user_short", 3600))
    code, text = connect(tmp_path, capsys)
    assert code == 3 and "Es fehlen Berechtigungen: instagram_manage_comments." in text
    assert "Graph API Explorer" in text and "Advanced Access" in text
    assert Vault(secrets).token("facebook_user") and not Vault(secrets).token("facebook_page")


def test_go_live_fails_item_by_item_until_confirmed(fake_env, tmp_path, capsys):
    fake, secrets, monkeypatch = fake_env
    monkeypatch.setenv("SOISTS_CONNECT_USER_TOKEN", fake.tokens.add("EAAshortconnect03", "user_short", 3600))
    runtime = Vault(tmp_path / "var-secrets.json")  # what the services' tokens job wrote earlier
    runtime.set_tokens(facebook_user="EAAstale-user", instagram_login="IGAAkept")
    code, text = connect(tmp_path, capsys)
    assert code == 0 and "Alte Kopien in" in text and "entfernt: facebook_user" in text
    assert runtime.tokens() == {"instagram_login": "IGAAkept"}  # the stale copy no longer wins
    assert os.stat(runtime.path).st_mode & 0o777 == 0o600
    env_file = tmp_path / "soists.env"
    with env_file.open("a") as handle:
        handle.write("SOISTS_SITE_URL=https://www.so-ist-s.de\nSOISTS_SITEURL=https://so-ist-s.example\n"
                     "SOISTS_ALERT_TO=technik@example.org\n")
    args = ["go-live", "--env-file", str(env_file)]
    assert cli.main([*args, "--confirm", "app_live"], Settings(root=tmp_path)) == 3
    text = capsys.readouterr().out
    lines = {line.split("]")[1].split(":")[0].strip(): line for line in text.splitlines() if line.startswith("[")}
    assert lines["Meta-App im Live-Modus"].startswith("[OK]")
    assert lines["Unternehmensverifizierung"].startswith("[FEHLT]")
    for ok in ("Tokens gültig und langlebig", "Berechtigungen und Seitenaufgaben", "Seiten-Abo (Webhooks)",
               "Webhook"):
        assert lines[ok].startswith("[OK]"), lines[ok]
    assert "SOISTS_SITEURL=https://so-ist-s.example ist keine öffentliche https-Adresse" in lines["Website-Adresse"]
    assert lines["Alarm-Mails (SMTP)"].startswith("[FEHLT]") and lines["Datensicherung"].startswith("[FEHLT]")
    assert "SOISTS_ALERT_TO" in lines["Keine Platzhalter in Einstellungen und Geheimnissen"]
    assert "SOISTS_SITE_SETTINGS fehlt" in lines["Impressum und Kontaktadressen (SOISTS_SITE_SETTINGS)"]
    assert "Punkten fehlen noch (Exit-Code 3)" in text
    fake.tokens.subscribed.clear()
    assert cli.main(args, Settings(root=tmp_path)) == 3
    assert "[FEHLT] Seiten-Abo (Webhooks)" in capsys.readouterr().out


def test_go_live_passes_when_everything_is_there(fake_env, tmp_path, capsys):
    from scheduler.credentials.vault import read_private_json, write_private_json
    from scheduler.store.backup import backup_name
    from tests.alerts.smtp_helpers import PASSWORD, USER, SmtpServer

    fake, secrets, monkeypatch = fake_env
    monkeypatch.setenv("SOISTS_CONNECT_USER_TOKEN", fake.tokens.add("EAAshortconnect04", "user_short", 3600))
    assert connect(tmp_path, capsys)[0] == 0
    backups = tmp_path / "backups"
    (backups / backup_name(datetime.now(timezone.utc))).mkdir(parents=True)
    (backups / backup_name(datetime.now(timezone.utc)) / "manifest.json").write_text("{}")
    with SmtpServer("starttls", tmp_path) as server:
        data = read_private_json(secrets)
        data["smtp"] = {"host": "127.0.0.1", "port": server.port, "security": "starttls", "user": USER,
                        "password": PASSWORD, "from": "So ist S <soists@so-ist-s.de>", "cafile": str(server.cert)}
        write_private_json(secrets, data)
        with (tmp_path / "soists.env").open("a") as handle:
            handle.write(f"SOISTS_SITE_URL=https://so-ist-s.de\nSOISTS_SITEURL=https://so-ist-s.de\n"
                         f"SOISTS_ALERT_TO=technik@so-ist-s.de\nSOISTS_BACKUP_DIR={backups}\n"
                         f"SOISTS_SITE_SETTINGS={SITE_SETTINGS}\n")
        code = cli.main(["go-live", "--env-file", str(tmp_path / "soists.env"), "--confirm", "app_live",
                         "--confirm", "advanced_access", "--confirm", "business_verified"], Settings(root=tmp_path))
        text = capsys.readouterr().out
        assert server.inbox.received == []  # reachable: signed in, nothing sent
    assert code == 0, text
    assert text.count("[OK]") == 12 and "[FEHLT]" not in text and "Alles bereit für den Live-Betrieb." in text
    assert "Alarm-Mails (SMTP): 127.0.0.1:" in text and "erreichbar, an technik@so-ist-s.de" in text


def test_the_fake_page_subscription_follows_the_reference(fake_env):
    """GET/POST/DELETE /{page-id}/subscribed_apps: Page token only, pages_manage_metadata and a Page task."""
    import requests

    fake, _, _ = fake_env
    base = f"{fake.base_url}/{PAGE_ID}/subscribed_apps"
    page = {"Authorization": f"Bearer {fake.page_token}"}
    assert requests.get(base, headers=page, timeout=5).json() == {"data": []}
    assert requests.post(base, params={"subscribed_fields": "feed,mention"}, headers=page,
                         timeout=5).json() == {"success": True}
    [app] = requests.get(base, headers=page, timeout=5).json()["data"]
    assert app["id"] == APP_ID and app["subscribed_fields"] == ["feed", "mention"] and {"name", "category", "link"} <= set(app)
    user = requests.get(base, headers={"Authorization": f"Bearer {fake.ig_token}"}, timeout=5)
    assert user.status_code == 400 and user.json()["error"]["code"] == 190  # a User token is not a Page token
    fake.tokens.scopes = [s for s in fake.tokens.scopes if s != "pages_manage_metadata"]
    refused = requests.get(base, headers=page, timeout=5).json()["error"]
    assert refused["code"] == 200 and "pages_manage_metadata" in refused["message"]
    fake.tokens.scopes.append("pages_manage_metadata")
    fake.tokens.tasks = ["ANALYZE"]
    assert requests.get(base, headers=page, timeout=5).json()["error"]["code"] == 200
    fake.tokens.tasks = ["MODERATE"]
    assert requests.delete(base, headers=page, timeout=5).json() == {"success": True}
    assert requests.get(base, headers=page, timeout=5).json() == {"data": []}


def test_connect_asks_for_what_is_missing_and_hides_secrets(fake_env, tmp_path):
    from scheduler.credentials.api import TokenApi
    from scheduler.credentials.connect import Context, Inputs, run_connect
    from scheduler.credentials.state import State

    fake, secrets, _ = fake_env
    short = fake.tokens.add("EAAshortconnect05", "user_short", 3600)
    answers = {"App-ID": (APP_ID, False), "App-Geheimnis": (APP_SECRET, True),
               "Kurzlebiger Nutzer-Token (Graph API Explorer)": (short, True)}
    asked = []

    def ask(question: str, secret: bool) -> str:
        asked.append((question, secret))
        value, hidden = answers[question]
        assert secret == hidden, question  # secrets are read without echo (getpass)
        return value

    said = []
    ctx = Context(TokenApi(fake.base_url, fake.root_url), Vault(secrets), State(tmp_path / "state.json"),
                  Inputs(ask=ask), datetime.now(timezone.utc))
    assert run_connect(ctx, said.append)
    assert [q for q, _ in asked] == list(answers)
    assert said[-1].startswith("Fertig.") and not [line for line in said if short in line or APP_SECRET in line]
