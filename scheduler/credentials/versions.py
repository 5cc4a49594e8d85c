"""The Graph API version: one setting (SOISTS_GRAPH_VERSION) and the table of published expiry dates.

Meta keeps each Graph API version for about two years; a call to an expired version is
answered by the oldest still available one, whose behaviour may differ. The table below is
the only place that knows the dates (Meta's changelog,
https://developers.facebook.com/docs/graph-api/changelog/versions/, as of December 2026);
`version_problems` warns 90 days ahead so an operator can test and raise the setting, and
warns for a configured version the table does not know (a typo, or one newer than this table).

The default stays v26.0: it has no published end yet (Meta keeps a version about two years,
so not before mid-2028); v27.0 is newer but moving the default deserves its own test run
against the v27.0 changelog.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Mapping

from scheduler.alerts.problem import CRITICAL, WARNING, Problem

DEFAULT_GRAPH_VERSION = "v26.0"
GRAPH_HOST = "https://graph.facebook.com"
# Published end-of-life dates; None = released, no end published yet.
VERSION_EXPIRY: dict[str, date | None] = {
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
    "v26.0": None,
    "v27.0": None,
}
# Release dates where the project relies on them (the newest versions).
VERSION_RELEASED: dict[str, date] = {
    "v26.0": date(2026, 7, 1),  # July 2026 (the day is not in our notes)
    "v27.0": date(2026, 11, 4),
}
WARN_DAYS_BEFORE_VERSION_EXPIRY = 90


def graph_version(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("SOISTS_GRAPH_VERSION", DEFAULT_GRAPH_VERSION).strip() or DEFAULT_GRAPH_VERSION


def graph_base_url(env: Mapping[str, str] | None = None) -> str:
    """https://graph.facebook.com/<version>, or SOISTS_GRAPH_BASE_URL (the local fake) when set."""
    env = os.environ if env is None else env
    explicit = env.get("SOISTS_GRAPH_BASE_URL", "").strip()
    return explicit.rstrip("/") if explicit else f"{GRAPH_HOST}/{graph_version(env)}"


def version_problems(version: str, today: date,
                     warn_days: int = WARN_DAYS_BEFORE_VERSION_EXPIRY) -> list[Problem]:
    """A problem when the configured version expires within `warn_days`, has expired, or is unknown."""
    if version not in VERSION_EXPIRY:
        known = ", ".join(VERSION_EXPIRY)
        return [Problem("graph_version", version, WARNING,
                        f"Die Graph-API-Version „{version}“ steht nicht in der Versionstabelle ({known}); "
                        "ihr Ablaufdatum ist unbekannt.",
                        f"SOISTS_GRAPH_VERSION prüfen (Schreibweise „v26.0“) oder auf {DEFAULT_GRAPH_VERSION} "
                        "setzen; eine neue Version in scheduler/credentials/versions.py eintragen.")]
    expiry = VERSION_EXPIRY[version]
    if expiry is None:
        return []
    days = (expiry - today).days
    if days > warn_days:
        return []
    if days < 0:
        return [Problem("graph_version", version, CRITICAL,
                        f"Die Graph-API-Version {version} ist seit {expiry:%d.%m.%Y} abgelaufen.",
                        f"SOISTS_GRAPH_VERSION auf {DEFAULT_GRAPH_VERSION} setzen und testen.")]
    return [Problem("graph_version", version, CRITICAL if days <= 14 else WARNING,
                    f"Die Graph-API-Version {version} läuft am {expiry:%d.%m.%Y} ab (in {days} Tagen).",
                    f"SOISTS_GRAPH_VERSION rechtzeitig auf {DEFAULT_GRAPH_VERSION} umstellen und testen.")]
