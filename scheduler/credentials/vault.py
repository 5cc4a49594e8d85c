"""The secrets file: tokens in a 0600 JSON file outside the repository, metadata beside it.

Default path /etc/soists/secrets.json, or $SOISTS_SECRETS_FILE. The file holds only
{"tokens": {slot: token}, "app": {"id": …, "secret": …}}; everything else (kind, expiry,
data-access expiry, scopes) goes to `<path>.meta.json`, which holds no secret and may be
read by monitoring. A secrets file that the group or others can read is refused: a token
that leaked once must be revoked, so it is better to stop than to use it.

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
ENV_FALLBACK = {"instagram": "SOISTS_IG_TOKEN", "facebook_page": "SOISTS_FB_PAGE_TOKEN"}


class SecretsError(Exception):
    """The secrets file exists but must not be used (permissions, syntax). Never holds a token."""


def secrets_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("SOISTS_SECRETS_FILE") or DEFAULT_SECRETS_FILE)


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(f"{path} is readable by group/others (mode {stat.S_IMODE(mode):04o}); "
                           f"run `chmod 600 {path}` and consider revoking the tokens in it")


def _write_private(path: Path, data: dict) -> None:
    """Atomic write with mode 0600 from the first byte (no window with wider permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.chmod(partial, 0o600)
    partial.replace(path)


@dataclass
class Vault:
    path: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Vault":
        return cls(secrets_path(env))

    @property
    def meta_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".json") + ".meta.json")

    # -- secrets -----------------------------------------------------------------------
    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        _check_private(self.path)
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except ValueError as exc:  # the message of a JSON error may quote the content: drop it
            raise SecretsError(f"{self.path} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None

    def token(self, slot: str) -> str:
        return str((self._read().get("tokens") or {}).get(slot) or "")

    def tokens(self) -> dict[str, str]:
        return {k: str(v) for k, v in (self._read().get("tokens") or {}).items() if v}

    def app(self) -> tuple[str, str]:
        app = self._read().get("app") or {}
        return str(app.get("id") or ""), str(app.get("secret") or "")

    def set_tokens(self, **tokens: str) -> None:
        data = self._read()
        data.setdefault("tokens", {}).update(tokens)
        _write_private(self.path, data)

    def set_app(self, app_id: str, secret: str) -> None:
        data = self._read()
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
    token = vault.token(slot) if vault.path.exists() else ""
    return token or env.get(ENV_FALLBACK.get(slot, ""), "")
