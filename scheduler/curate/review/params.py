"""Every query and form parameter of the board is read here, before any of the board's logic uses it.

Found in issue 27: `?weeks=²` (`"²".isdigit()` is True, `int("²")` raises), `?from=9999-12-31` and a
month in year 9999 (date overflow when the window is computed), `post=²`, a slot in year 9999 or 0001.
Each parser returns the value or raises RequestError(400), which the board shows as its German page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from scheduler.curate.review.security import RequestError

DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: never "²" or "١"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # plans, slots and filters live in here
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def integer(text: str, low: int, high: int, what: str = "Zahl") -> int:
    """An ASCII decimal in [low, high]."""
    if not DIGITS.fullmatch(text or ""):
        raise RequestError(400, f"{what}: not a number")
    value = int(text)
    if not low <= value <= high:
        raise RequestError(400, f"{what}: {value} outside {low}–{high}")
    return value


def optional_integer(text: str, low: int, high: int, default: int, what: str = "Zahl") -> int:
    return default if text == "" else integer(text, low, high, what)


def record_id(text: str, what: str = "Nummer") -> int:
    """A database id: 1 … 999,999,999."""
    return integer(text, 1, 999_999_999, what)


def day(text: str, what: str = "Datum") -> date:
    """YYYY-MM-DD between 2000 and 2099."""
    if not ISO_DAY.fullmatch(text or ""):
        raise RequestError(400, f"{what}: not YYYY-MM-DD")
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise RequestError(400, f"{what}: no such day") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise RequestError(400, f"{what}: {value} outside {FIRST_DAY}–{LAST_DAY}")
    return value


def optional_day(text: str, what: str = "Datum") -> date | None:
    return day(text, what) if text else None


def instant(text: str, what: str = "Sendeplatz") -> datetime:
    """An ISO timestamp with a time zone (a slot), as UTC, between 2000 and 2099."""
    if not text or len(text) > 40 or not text.isascii():
        raise RequestError(400, f"{what}: missing or unreadable")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RequestError(400, f"{what}: unreadable") from None
    if value.tzinfo is None:
        raise RequestError(400, f"{what}: no time zone")
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise RequestError(400, f"{what}: outside {FIRST_DAY}–{LAST_DAY}")
    return value.astimezone(timezone.utc)


def optional_instant(text: str, what: str = "Sendeplatz") -> datetime | None:
    return instant(text, what) if text else None


def choice(text: str, allowed, default: str) -> str:
    """One of a fixed set of words; anything else (or nothing) is the default."""
    return text if text in allowed else default


def short_text(text: str, limit: int, what: str = "Text") -> str:
    """A free-text filter: printable, at most `limit` characters."""
    if len(text) > limit or not text.isprintable():
        raise RequestError(400, f"{what}: too long or not printable")
    return text.strip()
