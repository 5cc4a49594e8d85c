"""The Graph API's rate-limit usage headers, read from every answer.

Meta's "Rate Limits" page (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
  X-App-Usage                 {"call_count": %, "total_cputime": %, "total_time": %}   Platform limits
  X-Business-Use-Case-Usage   {"<business-object-id>": [{"type": "instagram"|"pages"|…, "call_count": %,
                               "total_cputime": %, "total_time": %,
                               "estimated_time_to_regain_access": minutes}]}            BUC limits
                              (Instagram Platform and Page-token requests)
  X-Ad-Account-Usage          {"acc_id_util_pct": %, "reset_time_duration": seconds, …}  ad accounts
Percentages reach 100 when the caller is throttled; `estimated_time_to_regain_access` is the
documented wait in minutes (0 while not throttled). Headers may be missing or malformed: then
nothing is known and the caller falls back to its own backoff.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

HEADERS = {"app": "X-App-Usage", "business": "X-Business-Use-Case-Usage", "ad_account": "X-Ad-Account-Usage"}
PERCENT_KEYS = ("call_count", "total_cputime", "total_time", "acc_id_util_pct")


def parse_usage(headers: Mapping[str, str]) -> dict[str, Any]:
    """{"app": {...}, "business": {object-id: [{...}]}, "ad_account": {...}} for the headers present."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    usage: dict[str, Any] = {}
    for key, name in HEADERS.items():
        raw = lowered.get(name.lower())
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            usage[key] = value
    return usage


def _business_entries(usage: Mapping[str, Any]) -> list[dict]:
    entries = []
    for items in (usage.get("business") or {}).values():
        entries += [item for item in (items if isinstance(items, list) else [items]) if isinstance(item, dict)]
    return entries


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def regain_seconds(usage: Mapping[str, Any]) -> float | None:
    """The longest wait the headers name (BUC minutes → seconds; ad account seconds), else None."""
    waits = [_number(e.get("estimated_time_to_regain_access")) * 60 for e in _business_entries(usage)]
    waits.append(_number((usage.get("ad_account") or {}).get("reset_time_duration")))
    longest = max(waits)
    return longest if longest > 0 else None


def highest_percent(usage: Mapping[str, Any]) -> float:
    """The highest usage percentage any header reports (0 when none)."""
    tables = [usage.get("app") or {}, usage.get("ad_account") or {}, *_business_entries(usage)]
    return max([_number(t.get(k)) for t in tables for k in PERCENT_KEYS] or [0.0])
