"""What the credentials stage knows about a token, and the "problems" it reports.

A `Problem` is the small record the alerts work consumes: a kind, a severity
("warning" | "critical") and a German text for the people who fix it. Everything here is
pure: it takes the stored metadata and an instant and never calls the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

# Days before a token's expiry at which a problem is raised: warning first, then critical.
WARN_DAYS = 14
CRITICAL_DAYS = 3

# The token slots of the secrets file and what each one is for.
SLOTS = {
    "facebook_user": "Facebook-Nutzer-Token (lang gültig, Facebook Login)",
    "facebook_page": "Facebook-Seiten-Token",
    "instagram": "Token für die Instagram-Veröffentlichung (Facebook Login)",
    "instagram_login": "Instagram-Nutzer-Token (Instagram Login)",
}


@dataclass(frozen=True)
class Problem:
    kind: str  # e.g. "token_expiry", "graph_version", "permissions", "temporary_block"
    severity: str  # "warning" | "critical"
    text: str  # German, for the people who fix it


@dataclass
class TokenInfo:
    """Metadata of one stored token, read from debug_token / refresh answers, never guessed."""

    slot: str
    flavour: str  # "facebook_login" | "instagram_login"
    type: str = ""  # debug_token "type": USER | PAGE | APP
    app_id: str = ""
    is_valid: bool = True
    expires_at: int | None = None  # epoch seconds; 0 = never (as debug_token reports it)
    data_access_expires_at: int | None = None
    issued_at: int | None = None
    scopes: list[str] = field(default_factory=list)
    checked_at: str = ""  # ISO instant of the last debug_token / refresh
    refreshed_at: str = ""
    last_error: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TokenInfo":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _instant(epoch: int | None) -> datetime | None:
    return None if not epoch else datetime.fromtimestamp(epoch, timezone.utc)


def days_left(epoch: int | None, now: datetime) -> float | None:
    """Days until `epoch`; None when it never expires (0) or is unknown."""
    at = _instant(epoch)
    return None if at is None else (at - now).total_seconds() / 86400


def expiry_problems(info: TokenInfo, now: datetime) -> list[Problem]:
    """Problems of one token: invalid, expired, or expiring within WARN_DAYS (token or data access)."""
    name = SLOTS.get(info.slot, info.slot)
    if not info.is_valid:
        return [Problem("token_invalid", "critical",
                        f"{name} ist ungültig ({info.last_error or 'debug_token: is_valid=false'}): neu anmelden.")]
    problems = []
    for label, epoch in (("läuft", info.expires_at), ("Datenzugriff läuft", info.data_access_expires_at)):
        left = days_left(epoch, now)
        if left is None:
            continue
        at = _instant(epoch)
        if left <= 0:
            problems.append(Problem("token_expiry", "critical",
                                    f"{name}: {label.replace('läuft', 'ist')} seit {at:%d.%m.%Y} abgelaufen — "
                                    "neu anmelden (siehe docs/OPERATIONS-tokens.md)."))
        elif left <= WARN_DAYS:
            severity = "critical" if left <= CRITICAL_DAYS else "warning"
            problems.append(Problem("token_expiry", severity,
                                    f"{name}: {label} am {at:%d.%m.%Y} ab (noch {int(left)} Tage) und wurde "
                                    "nicht automatisch verlängert — neu anmelden (docs/OPERATIONS-tokens.md)."))
    return problems
