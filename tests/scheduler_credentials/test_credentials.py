"""The credentials stage: the 0600 secrets file, versions, check-credentials (de/en, exit 3),
the tokens job's registration, and no token in any output."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone

import pytest

from demo.graph_fake import IG_USER_ID, PAGE_ID, GraphFake
from demo.graph_fake_tokens import APP_ID, APP_SECRET, LONG_LIVED_S
from scheduler import jobs
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.credentials.api import TokenApi
from scheduler.credentials.check import PAGE_WEBHOOK_FIELDS, missing_for_jobs
from scheduler.credentials.vault import SecretsError, Vault, resolve_token
from scheduler.credentials.versions import DEFAULT_GRAPH_VERSION, graph_base_url, version_problems


def test_secrets_file_is_private_and_refused_when_not(tmp_path):
    vault = Vault(tmp_path / "secrets.json")
    vault.set_tokens(instagram="EAAsecret-one")
    assert os.stat(vault.path).st_mode & 0o777 == 0o600
    assert resolve_token("instagram", vault, {}) == "EAAsecret-one"
    os.chmod(vault.path, 0o640)
    with pytest.raises(SecretsError, match="chmod 600") as caught:
        vault.token("instagram")
    assert "EAAsecret-one" not in str(caught.value)


def test_environment_tokens_remain_a_fallback(tmp_path):
    vault = Vault(tmp_path / "missing.json")
    env = {"SOISTS_IG_TOKEN": "EAAfromenv", "SOISTS_FB_PAGE_TOKEN": "EAApagefromenv"}
    assert resolve_token("instagram", vault, env) == "EAAfromenv"
    assert resolve_token("facebook_page", vault, env) == "EAApagefromenv"


def test_one_version_setting_and_the_expiry_warning():
    assert DEFAULT_GRAPH_VERSION == "v26.0"
    assert graph_base_url({}) == "https://graph.facebook.com/v26.0"
    assert graph_base_url({"SOISTS_GRAPH_VERSION": "v24.0"}).endswith("/v24.0")
    assert graph_base_url({"SOISTS_GRAPH_BASE_URL": "http://127.0.0.1:1/v26.0/"}) == "http://127.0.0.1:1/v26.0"
    assert version_problems("v25.0", date(2028, 4, 29)) == []  # 91 days before 29 Jul 2028: not yet
    [warning] = version_problems("v25.0", date(2028, 4, 30))  # 90 days before
    assert warning.severity == "warning" and "29.07.2028" in warning.text_de
    assert version_problems("v21.0", date(2027, 2, 1))[0].severity == "critical"
    assert version_problems("v26.0", date(2030, 1, 1)) == []  # no published date yet



def test_version_table_as_published():
    from scheduler.credentials.versions import VERSION_EXPIRY, VERSION_RELEASED

    assert VERSION_EXPIRY["v20.0"] == date(2026, 9, 24) and VERSION_EXPIRY["v25.0"] == date(2028, 7, 29)
    assert VERSION_EXPIRY["v26.0"] is None and VERSION_EXPIRY["v27.0"] is None  # no end published yet
    assert VERSION_RELEASED["v27.0"] == date(2026, 11, 4)
    assert DEFAULT_GRAPH_VERSION in VERSION_EXPIRY


def test_unknown_or_expired_versions_warn():
    [expired] = version_problems("v20.0", date(2026, 12, 7))
    assert expired.severity == "critical" and "24.09.2026" in expired.text_de
    [unknown] = version_problems("v28.0", date(2026, 12, 7))
    assert unknown.severity == "warning" and "v28.0" in unknown.text_de
    assert version_problems("v27.0", date(2026, 12, 7)) == []
    assert version_problems("26.0", date(2026, 12, 7))[0].severity == "warning"  # a typo is unknown too


def test_missing_permissions_and_tasks_per_job():
    gaps = missing_for_jobs({"instagram_basic", "pages_read_engagement"}, ["MODERATE"])
    assert gaps["publish"] == ["instagram_content_publish", "pages_show_list"]
    assert "task CREATE_CONTENT" in gaps["page_photos"]


@pytest.fixture
def configured(tmp_path, monkeypatch):
    fake = GraphFake(tmp_path / "fake.json")
    base = fake.start()
    short = fake.tokens.add("EAAshortcheck01", "user_short", 3600)
    api = TokenApi(base, fake.root_url)
    user = api.exchange(short, APP_ID, APP_SECRET).token
    page = api.page_token(user, PAGE_ID)
    assert api.subscribe(page, PAGE_ID, PAGE_WEBHOOK_FIELDS)  # what `connect` does
    vault = Vault(tmp_path / "secrets.json")
    vault.set_app(APP_ID, APP_SECRET)
    vault.set_tokens(facebook_user=user, facebook_page=page, instagram=page)
    for name, value in {"SOISTS_SECRETS_FILE": str(vault.path), "SOISTS_GRAPH_BASE_URL": base,
                        "SOISTS_IG_GRAPH_BASE_URL": fake.root_url, "SOISTS_FB_PAGE_ID": PAGE_ID,
                        "SOISTS_IG_USER_ID": IG_USER_ID}.items():
        monkeypatch.setenv(name, value)
    yield fake, vault, {short, user, page, APP_SECRET}
    fake.stop()


def test_check_credentials_in_german_and_english(configured, capsys, tmp_path):
    fake, vault, secrets = configured
    assert cli.main(["check-credentials"], Settings(root=tmp_path)) == 0
    german = capsys.readouterr().out
    assert "noch 59 Tage" in german and "läuft nicht ab" in german and "Alles vorhanden." in german
    assert "Seitenfotos  ok" in german and "Seiten-Abo (Webhooks): feed, mention" in german
    assert cli.main(["check-credentials", "--lang", "en"], Settings(root=tmp_path)) == 0
    english = capsys.readouterr().out
    assert "59 days left" in english and "does not expire" in english and "CREATE_CONTENT" in english
    assert not [s for s in secrets if s in german + english]


def test_check_credentials_exit_3_when_a_task_or_permission_is_missing(configured, capsys, tmp_path, monkeypatch):
    fake, vault, secrets = configured
    fake.tokens.tasks = ["MODERATE"]
    fake.tokens.scopes = [s for s in fake.tokens.scopes if s != "pages_manage_posts"]
    monkeypatch.setenv("SOISTS_LANG", "en")
    assert cli.main(["check-credentials"], Settings(root=tmp_path)) == 3
    text = capsys.readouterr().out
    assert "Page photos  MISSING: pages_manage_posts, task CREATE_CONTENT" in text
    assert "deletion     MISSING: pages_manage_posts" in text


def test_check_credentials_exit_3_without_the_page_subscription_or_moderate(configured, capsys, tmp_path):
    fake, vault, secrets = configured
    fake.tokens.subscribed.clear()
    fake.tokens.tasks = ["CREATE_CONTENT"]
    assert cli.main(["check-credentials"], Settings(root=tmp_path)) == 3
    text = capsys.readouterr().out
    assert "Seiten-Abo (Webhooks): FEHLT" in text
    assert "Die App ist auf der Facebook-Seite nicht für Webhooks abonniert." in text
    assert "Seitenfotos  FEHLT: task MODERATE" in text


def test_tokens_job_is_scheduled_daily_and_part_of_once(configured, tmp_path):
    config = jobs.RunnerConfig.from_env("sqlite:///x.db", {})
    spec = {s["id"]: s for s in jobs.job_specs(config)}["soists.tokens"]
    assert spec["func"] == "scheduler.jobs:tokens_job" and "soists.tokens" in jobs.JOB_IDS
    assert jobs.ONCE_ORDER[0] == "tokens"
    report = jobs.run_once(f"sqlite:///{tmp_path / 'once.db'}", only=("tokens",))
    assert report.lines == ["tokens: ok"] and report.exit_code == 0
    meta = Vault.from_env().metadata()
    assert meta["facebook_user"].expires_at and meta["facebook_page"].expires_at == 0
    assert meta["facebook_user"].data_access_expires_at and LONG_LIVED_S


def test_instagram_login_token_is_refused_for_publishing(configured, tmp_path):
    from scheduler.publish.graph_api import GraphConfig, NeedsEditor

    fake, vault, _ = configured
    vault.set_tokens(instagram="IGAAinstagramlogin")
    with pytest.raises(NeedsEditor, match="Facebook Login"):
        GraphConfig.from_env()
    assert datetime.now(timezone.utc)


def test_the_systemd_credential_and_the_writable_file_are_merged(tmp_path):
    """The operator's secrets come read-only from LoadCredential=; refreshed tokens go to the
    writable file and win over the installed ones; writing never touches the credential."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    installed = credentials / "secrets.json"
    installed.write_text(json.dumps({"tokens": {"instagram": "installed-ig", "facebook_page": "page-token"},
                                     "app": {"id": "42", "secret": "s3cret"}, "smtp": {"host": "relay"}}))
    os.chmod(installed, 0o400)
    env = {"CREDENTIALS_DIRECTORY": str(credentials), "SOISTS_SECRETS_FILE": str(tmp_path / "var" / "secrets.json")}
    vault = Vault.from_env(env)
    assert vault.exists() and not vault.path.exists()
    assert vault.tokens() == {"instagram": "installed-ig", "facebook_page": "page-token"}
    vault.set_tokens(instagram="refreshed-ig")
    assert vault.tokens() == {"instagram": "refreshed-ig", "facebook_page": "page-token"}
    assert vault.app() == ("42", "s3cret") and vault.section("smtp") == {"host": "relay"}
    assert json.loads(installed.read_text())["tokens"]["instagram"] == "installed-ig"
    assert json.loads(vault.path.read_text()) == {"tokens": {"instagram": "refreshed-ig"}}
    assert os.stat(vault.path).st_mode & 0o777 == 0o600
