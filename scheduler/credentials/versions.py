"""The Graph API version: one setting (SOISTS_GRAPH_VERSION) and the table of published expiry dates.

Meta keeps each Graph API version for about two years; a call to an expired version is
answered by the oldest still available one, whose behaviour may differ. The table below is
the only place that knows the dates (from Meta's changelog, see /work/shared/DESIGN.md);
`version_problems` warns 90 days ahead so an operator can test and raise the setting.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Mapping

from scheduler.alerts.problem import CRITICAL, WARNING, Problem

DEFAULT_GRAPH_VERSION = "v26.0"
GRAPH_HOST = "https://graph.facebook.com"
# Published end-of-life dates. The current version has none published yet.
VERSION_EXPIRY: dict[str, date] = {
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
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
    """A problem when the configured version expires within `warn_days` (or has expired)."""
    expiry = VERSION_EXPIRY.get(version)
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
