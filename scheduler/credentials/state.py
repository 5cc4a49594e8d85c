"""The state file of `connect` and `go-live`, beside the secrets file (0600): which steps of
`connect` are finished (so a second run resumes), the ids it found (Page, Instagram account,
app), and the confirmations a person gave for what the API cannot tell (app mode, business
verification). No secret is kept here; the tokens go to the secrets file (vault.py).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from scheduler.credentials.vault import read_private_json, secrets_path, write_private_json

STATE_NAME = "connect-state.json"


def state_path(env: Mapping[str, str] | None = None) -> Path:
    """Beside the secrets file: /etc/soists/connect-state.json by default."""
    return secrets_path(env).with_name(STATE_NAME)


class State:
    def __init__(self, path: Path):
        self.path = path
        self.data = read_private_json(path)

    def section(self, name: str) -> dict:
        return self.data.setdefault(name, {})

    def save(self) -> None:
        self.data["updated_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        write_private_json(self.path, self.data)

    # -- connect -------------------------------------------------------------------------
    @property
    def done(self) -> set[str]:
        return set(self.section("connect").get("done", []))

    def mark(self, step: str, finished: bool = True) -> None:
        done = self.done | {step} if finished else self.done - {step}
        self.section("connect")["done"] = sorted(done)
        self.save()

    # -- go-live confirmations --------------------------------------------------------------
    def confirm(self, item: str, by: str) -> None:
        self.section("go_live").setdefault("confirmed", {})[item] = {
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "by": by}
        self.save()

    def confirmed(self, item: str) -> dict | None:
        return self.section("go_live").get("confirmed", {}).get(item)
