"""The secrets file: one JSON object, one key per consumer ("smtp" here, "tokens" for the token
store), mode 0600. Under systemd the file comes as a credential ($CREDENTIALS_DIRECTORY/
secrets.json, LoadCredential=); otherwise from SOISTS_SECRETS_FILE.

Each consumer reads only its own key, so a password never travels further than needed, and a
file that group or others may read is refused outright: a leaked mail password sends phishing
in the campaign's name.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Mapping

CREDENTIAL_NAME = "secrets.json"


class SecretsError(Exception):
    pass


def secrets_path(env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    credentials = env.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / CREDENTIAL_NAME).exists():
        return Path(credentials) / CREDENTIAL_NAME
    configured = env.get("SOISTS_SECRETS_FILE")
    return Path(configured) if configured else None


def check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretsError(f"{path} has mode {mode:04o}: group/others may read it; run `chmod 600 {path}`")


def read_section(key: str, env: Mapping[str, str] | None = None) -> dict:
    """The object under `key` in the secrets file; {} when there is no file or no such key."""
    path = secrets_path(env)
    if path is None:
        return {}
    if not path.exists():
        raise SecretsError(f"secrets file {path} does not exist")
    check_private(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SecretsError(f"{path} is not valid JSON: line {error.lineno}") from None  # no content echoed
    section = data.get(key, {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise SecretsError(f"{path}: {key!r} must be a JSON object")
    return section
