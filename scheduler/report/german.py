"""German numbers and dates for the report ("1.234,5", "1. Dezember 2026"), locale-free."""

from __future__ import annotations

from datetime import date

from plugins.navigation.dates import MONTHS, german_date

MONTHS_SHORT = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez.")
DASH = "–"


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → "1.234,5"; None → "–" (no data is not zero)."""
    if value is None:
        return DASH
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def percent(value: float | None, decimals: int = 1) -> str:
    """0.1234 → "12,3 %" (with the narrow no-break space German typesetting uses)."""
    return DASH if value is None else f"{number(value * 100, decimals)}\u202f%"


def signed(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return DASH
    return ("+" if value > 0 else "") + number(value, decimals).replace("-", "−")


def day(value: date) -> str:
    return german_date(value)


def short_day(value: date) -> str:
    return german_date(value, "short")


def month_label(year: int, month: int, short: bool = False) -> str:
    return f"{MONTHS_SHORT[month - 1]} {year}" if short else f"{MONTHS[month - 1]} {year}"


def period_label(start: date, end: date) -> str:
    return f"{day(start)} bis {day(end)}"
