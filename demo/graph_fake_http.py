"""What every answer of the local Graph API fake shares: `fields`, `is_transient`, usage headers.

- `fields`: the Graph API returns only the fields a request names, plus `id`; without `fields`
  an object answers its default fields (for most objects just `id`)
  (https://developers.facebook.com/docs/graph-api/overview/#fields,
  https://developers.facebook.com/docs/graph-api/guides/field-expansion/). `select` applies a
  `fields` value to an answer the fake built in full, one level of `{…}` deep.
- `is_transient` in every error body (https://developers.facebook.com/docs/graph-api/guides/error-handling/).
- Usage headers (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
  `X-App-Usage: {"call_count": %, "total_cputime": %, "total_time": %}` (Platform limits) and
  `X-Business-Use-Case-Usage: {"<object-id>": [{"type": "instagram"|"pages", "call_count": %,
  "total_cputime": %, "total_time": %, "estimated_time_to_regain_access": minutes}]}` (BUC limits:
  Instagram and Page-token requests). A throttled answer reports 100 % and the minutes to wait.
"""

from __future__ import annotations

import json
import re

# Codes and subcodes the fake marks transient: "temporary issue … retry" in Meta's tables
# (graph-api/guides/error-handling; instagram-platform/…/error-codes).
TRANSIENT_CODES = {1, 2, -1, -2}
TRANSIENT_SUBCODES = {2207001, 2207003, 2207032, 2207008, 2207027}
BUC_THROTTLE_CODES = {4, 32, 80001, 80002}  # application / Page / Instagram BUC limits
PLATFORM_THROTTLE_CODES = {17, 613}  # user request limit: X-App-Usage, no time to regain access


def split_fields(value: str) -> list[str]:
    """"id,children{media_url,media_type},reactions.summary(1)" → the three top-level parts."""
    parts, depth, current = [], 0, ""
    for char in value:
        depth += char in "{("
        depth -= char in "})"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def field_name(part: str) -> str:
    return re.split(r"[{.(]", part, maxsplit=1)[0]


def select(body: dict, fields: str | None, default: tuple[str, ...] = ("id",)) -> dict:
    """Only the requested fields (and `id`), nested `{…}` lists applied to edges' `data` items."""
    parts = split_fields(fields) if fields else list(default)
    chosen: dict = {}
    for part in parts:
        name = field_name(part)
        if name not in body:
            continue
        value = body[name]
        inner = re.search(r"\{(.*)\}$", part)
        if inner and isinstance(value, dict) and isinstance(value.get("data"), list):
            value = {**value, "data": [select(item, inner.group(1)) for item in value["data"]]}
        elif inner and isinstance(value, dict):
            value = select(value, inner.group(1))
        chosen[name] = value
    if "id" in body:
        chosen["id"] = body["id"]
    return chosen


def select_items(items: list[dict], fields: str | None, default: tuple[str, ...] = ("id",)) -> list[dict]:
    return [select(item, fields, default) for item in items]


def is_transient(code: int, subcode: int | None) -> bool:
    return code in TRANSIENT_CODES or subcode in TRANSIENT_SUBCODES


def usage_headers(status: int, body: dict, owner: str, owner_type: str, calls: int,
                  regain_minutes: int) -> dict[str, str]:
    """The usage headers of one answer; `calls` (the fake's request count) makes a slowly rising %."""
    code = (body.get("error") or {}).get("code") if status >= 400 else None
    used = min(calls % 50, 99)
    app = {"call_count": used, "total_cputime": used // 2, "total_time": used // 2}
    buc = {"type": owner_type, "call_count": used, "total_cputime": used // 2, "total_time": used // 2,
           "estimated_time_to_regain_access": 0}
    if code in PLATFORM_THROTTLE_CODES:
        app = {"call_count": 100, "total_cputime": 40, "total_time": 40}
    if code in BUC_THROTTLE_CODES:
        buc |= {"call_count": 100, "estimated_time_to_regain_access": regain_minutes}
    return {"X-App-Usage": json.dumps(app), "X-Business-Use-Case-Usage": json.dumps({owner: [buc]})}
