"""The secrets file, the one reader and writer of it: a 0600 JSON object outside the
repository with one key per consumer — "tokens" ({slot: token}) and "app" ({"id", "secret"})
for the token store, "smtp" for the alerts — and token metadata beside it.

Two places, merged: the writable file $SOISTS_SECRETS_FILE (default /etc/soists/secrets.json),
where refreshed tokens are written, and, under systemd, the read-only copy handed over by
`LoadCredential=` ($CREDENTIALS_DIRECTORY/secrets.json) with what an operator put there. Per
key, the writable file wins, so a refreshed token replaces the one the operator installed.
Everything else about a token (kind, expiry, data-access expiry, scopes) goes to
`<writable>.meta.json`, which holds no secret and may be read by monitoring. A secrets file
that the group or others can read is refused: a token that leaked once must be revoked, so
it is better to stop than to use it; each consumer reads only its own key.

Environment tokens (SOISTS_IG_TOKEN, SOISTS_FB_PAGE_TOKEN) stay a fallback for the two
publishing slots, so existing deployments keep working.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from scheduler.credentials.model import TokenInfo

DEFAULT_SECRETS_FILE = Path("/etc/soists/secrets.json")
ENV_FALLBACK = {"instagram": "SOISTS_IG_TOKEN", "facebook_page": "SOISTS_FB_PAGE_TOKEN",
                "mastodon": "SOISTS_MASTODON_TOKEN"}


class SecretsError(Exception):
    """The secrets file exists but must not be used (permissions, syntax). Never holds a token."""


CREDENTIAL_NAME = "secrets.json"


def secrets_path(env: Mapping[str, str] | None = None) -> Path:
    """The writable secrets file."""
    env = os.environ if env is None else env
    return Path(env.get("SOISTS_SECRETS_FILE") or DEFAULT_SECRETS_FILE)


def credential_path(env: Mapping[str, str] | None = None) -> Path | None:
    """The read-only copy systemd hands over with LoadCredential=, if there is one."""
    env = os.environ if env is None else env
    directory = env.get("CREDENTIALS_DIRECTORY")
    path = Path(directory) / CREDENTIAL_NAME if directory else None
    return path if path is not None and path.exists() else None


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(f"{path} is readable by group/others (mode {stat.S_IMODE(mode):04o}); "
                           f"run `chmod 600 {path}` and consider revoking the tokens in it")


def _write_private(path: Path, data: dict) -> None:
    """Atomic write with mode 0600 from the first byte (no window with wider permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    owner = path.stat() if path.exists() else None
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.chmod(partial, 0o600)
    if owner is not None and os.geteuid() == 0 and (owner.st_uid, owner.st_gid) != (0, 0):
        os.chown(partial, owner.st_uid, owner.st_gid)  # root editing the service's file keeps it the service's
    partial.replace(path)


def write_private_json(path: Path, data: dict) -> None:
    """The one way to write a private JSON file here (the secrets, their metadata, the state of
    `connect` and `go-live`): atomic, 0600 from the first byte."""
    _write_private(path, data)


def read_private_json(path: Path) -> dict:
    """A private JSON file written by write_private_json; {} when missing. Refused when the
    group or others may read it (as the secrets file)."""
    return Vault._read_file(path)


@dataclass
class Vault:
    path: Path  # writable
    base: Path | None = None  # read-only, from systemd's LoadCredential=

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Vault":
        return cls(secrets_path(env), credential_path(env))

    def exists(self) -> bool:
        return self.path.exists() or (self.base is not None and self.base.exists())

    @property
    def meta_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".json") + ".meta.json")

    # -- secrets -----------------------------------------------------------------------
    @staticmethod
    def _read_file(path: Path | None) -> dict:
        if path is None or not path.exists():
            return {}
        _check_private(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:  # the message of a JSON error may quote the content: drop it
            raise SecretsError(f"{path} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
        if not isinstance(data, dict):
            raise SecretsError(f"{path} must hold one JSON object")
        return data

    def _read(self) -> dict:
        """Both files merged, key by key: the writable file's entries win."""
        merged = self._read_file(self.base)
        for key, value in self._read_file(self.path).items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return merged

    def read_all(self) -> dict:
        """Everything, merged (for checks that look at values without printing them)."""
        return self._read()

    def _read_writable(self) -> dict:
        return self._read_file(self.path)

    def section(self, key: str) -> dict:
        """One consumer's part of the secrets (e.g. "smtp"); {} when absent."""
        section = self._read().get(key, {})
        if not isinstance(section, dict):
            raise SecretsError(f"{self.path}: {key!r} must be a JSON object")
        return section

    def token(self, slot: str) -> str:
        return str((self._read().get("tokens") or {}).get(slot) or "")

    def tokens(self) -> dict[str, str]:
        return {k: str(v) for k, v in (self._read().get("tokens") or {}).items() if v}

    def app(self) -> tuple[str, str]:
        app = self._read().get("app") or {}
        return str(app.get("id") or ""), str(app.get("secret") or "")

    def set_tokens(self, **tokens: str) -> None:
        data = self._read_writable()
        data.setdefault("tokens", {}).update(tokens)
        _write_private(self.path, data)

    def drop_tokens(self, *slots: str) -> list[str]:
        """Remove slots from the writable file (e.g. after `connect` stored fresh ones in the operator's
        file, so stale refreshed copies stop winning). Returns the slots that were there."""
        data = self._read_writable()
        tokens = data.get("tokens") or {}
        dropped = [slot for slot in slots if slot in tokens]
        if dropped:
            data["tokens"] = {k: v for k, v in tokens.items() if k not in dropped}
            _write_private(self.path, data)
        return dropped

    def set_app(self, app_id: str, secret: str) -> None:
        data = self._read_writable()
        data["app"] = {"id": app_id, "secret": secret}
        _write_private(self.path, data)

    def all_secrets(self) -> list[str]:
        """Every secret string in the file: what log redaction must scrub."""
        return [*self.tokens().values(), self.app()[1]]

    # -- metadata (not secret) ----------------------------------------------------------
    def metadata(self) -> dict[str, TokenInfo]:
        if not self.meta_path.exists():
            return {}
        raw = json.loads(self.meta_path.read_text(encoding="utf-8"))
        return {slot: TokenInfo.from_json(data) for slot, data in (raw.get("tokens") or {}).items()}

    def save_metadata(self, infos: dict[str, TokenInfo]) -> None:
        _write_private(self.meta_path, {"tokens": {slot: info.to_json() for slot, info in infos.items()}})


def resolve_token(slot: str, vault: Vault | None = None, env: Mapping[str, str] | None = None) -> str:
    """The token of a slot: the secrets file first, the environment variable as a fallback."""
    env = os.environ if env is None else env
    vault = vault or Vault.from_env(env)
    token = vault.token(slot) if vault.exists() else ""
    return token or env.get(ENV_FALLBACK.get(slot, ""), "")
