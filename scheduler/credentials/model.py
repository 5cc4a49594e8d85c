"""What the credentials stage knows about a token, and the problems it reports.

Problems are the alerts stage's `Problem` (kind, subject, severity, German text and action),
so the alerts mail them like any other. Everything here is pure: it takes the stored
metadata and an instant and never calls the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from scheduler.alerts.problem import CRITICAL, WARNING, Problem

# Days before a token's expiry at which a problem is raised: warning first, then critical.
WARN_DAYS = 14
CRITICAL_DAYS = 3

RENEW = ("Neu anmelden und das lang gültige Token speichern (docs/OPERATIONS-tokens.md), "
         "dann `python -m scheduler check-credentials`.")

# The token slots of the secrets file and what each one is for.
SLOTS = {
    "facebook_user": "Facebook-Nutzer-Token (lang gültig, Facebook Login)",
    "facebook_page": "Facebook-Seiten-Token",
    "instagram": "Token für die Instagram-Veröffentlichung (Facebook Login)",
    "instagram_login": "Instagram-Nutzer-Token (Instagram Login)",
}


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
        return [Problem("token_invalid", info.slot, CRITICAL,
                        f"{name} ist ungültig ({info.last_error or 'debug_token: is_valid=false'}).", RENEW)]
    problems = []
    for label, epoch in (("läuft", info.expires_at), ("Datenzugriff läuft", info.data_access_expires_at)):
        left = days_left(epoch, now)
        if left is None:
            continue
        at = _instant(epoch)
        if left <= 0:
            problems.append(Problem("token_invalid", f"{info.slot}: {label}", CRITICAL,
                                    f"{name}: {label.replace('läuft', 'ist')} seit {at:%d.%m.%Y} abgelaufen.", RENEW))
        elif left <= WARN_DAYS:
            severity = CRITICAL if left <= CRITICAL_DAYS else WARNING
            problems.append(Problem("token_expiring", f"{info.slot}: {label}", severity,
                                    f"{name}: {label} am {at:%d.%m.%Y} ab (noch {int(left)} Tage) und wurde "
                                    "nicht automatisch verlängert.", RENEW))
    return problems
