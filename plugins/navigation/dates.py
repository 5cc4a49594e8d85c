"""German dates without relying on an installed locale (CI machines often have none)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")  # the region's time zone: every day and time the site shows

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
WEEKDAYS_SHORT = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")


def german_date(value: date | datetime, style: str = "long") -> str:
    """"23. November 2026" (long), "Mo., 23. November 2026" (weekday), "23.11.2026" (short)."""
    if value is None or value == "":
        return ""
    if style == "short":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    text = f"{value.day}. {MONTHS[value.month - 1]} {value.year}"
    if style == "weekday":
        return f"{WEEKDAYS_SHORT[value.weekday()]}, {text}"
    if style == "full":
        return f"{WEEKDAYS[value.weekday()]}, {text}"
    return text


def german_time(value: datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}\u00a0Uhr"  # no-break space: "18:00 Uhr" stays together


def german_month(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def german_number(value: int | float) -> str:
    """1234 -> "1.234" (a dot groups thousands, a comma before decimals)."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
