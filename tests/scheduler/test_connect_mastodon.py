"""connect --mastodon: app registered, OAuth code exchanged, token stored 0600, verified."""

from __future__ import annotations

import stat

import pytest
import requests

from demo.mastodon_fake import MastodonFake
from scheduler.cli.main import main
from scheduler.credentials.mastodon_connect import SCOPES, check_mastodon, connect_mastodon
from scheduler.credentials.vault import Vault


@pytest.fixture
def fake(tmp_path):
    fake = MastodonFake(tmp_path / "mastodon.json", domain="bawue.example")
    fake.start()
    yield fake
    fake.stop()


def test_connect_registers_authorises_and_stores_the_token_private(fake, tmp_path):
    vault = Vault.from_env({"SOISTS_SECRETS_FILE": str(tmp_path / "secrets.json")})
    lines: list[str] = []
    seen: list[str] = []

    def editor_approves(url: str) -> str:  # the editor opens the page, approves, copies the code
        seen.append(url)
        return requests.get(url, timeout=10).json()["code"]

    connected = connect_mastodon(fake.base_url, vault, editor_approves, lines.append)
    assert connected.account == "soists"
    token = vault.token("mastodon")
    assert token and stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert "response_type=code" in seen[0] and "write%3Astatuses" in seen[0].replace("+", "%20")
    app = next(iter(fake.persisted()["apps"].values()))
    assert app["scopes"].split() == SCOPES and app["name"] == "So ist S"
    # publishing and takedown, our own account (verify_credentials), resolving another server's post for the
    # rights request (methods/search); the fake refuses a call outside the token's scopes with 403
    assert sorted(SCOPES) == ["read:accounts", "read:search", "read:statuses", "write:media", "write:statuses"]
    assert not any(token in line for line in lines)
    assert check_mastodon(fake.base_url, token) == (True, f"Mastodon: verbunden als @soists ({fake.base_url})")
    ok, line = check_mastodon(fake.base_url, "falsch")
    assert not ok and "abgelehnt" in line


def test_connect_without_a_code_and_no_terminal_stops_with_exit_2(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SOISTS_SECRETS_FILE", str(tmp_path / "secrets.json"))
    monkeypatch.delenv("SOISTS_CONNECT_MASTODON_CODE", raising=False)
    assert main(["connect", "--mastodon", fake.base_url, "--no-input"]) == 2
    assert not (tmp_path / "secrets.json").exists()
