"""RRULE validation and normalisation (RFC 5545), shared by the model and the expansion."""

from __future__ import annotations

from datetime import datetime, time, timezone

from dateutil.rrule import rrulestr
from icalendar import vRecur

from .moments import BERLIN, resolve_local


class RecurrenceError(ValueError):
    pass


def normalise_rrule(text: str, all_day: bool) -> str:
    """Validate an RRULE and return it in the form RFC 5545 requires in the ICS: a timed
    event's UNTIL as UTC date-time (an editor's UNTIL=20270630 means 'through that day in
    Stuttgart'), an all-day event's UNTIL as a DATE. The rule must end (COUNT or UNTIL)."""
    expected = ("expected an RFC 5545 rule that ends, e.g. FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271231 "
                "or FREQ=WEEKLY;COUNT=6")
    cleaned = text.strip().removeprefix("RRULE:")
    try:
        rule = vRecur.from_ical(cleaned)
    except ValueError as exc:
        raise RecurrenceError(f"{text!r} is invalid ({exc}); {expected}") from exc
    if "FREQ" not in rule:
        raise RecurrenceError(f"{text!r} has no FREQ; {expected}")
    if "COUNT" in rule and "UNTIL" in rule:
        raise RecurrenceError(f"{text!r} has both COUNT and UNTIL; {expected}")
    if "COUNT" not in rule and "UNTIL" not in rule:
        raise RecurrenceError(f"{text!r} never ends; {expected}")
    if "UNTIL" in rule:
        until = rule["UNTIL"][0]
        if all_day:
            rule["UNTIL"] = [until.date() if isinstance(until, datetime) else until]
        elif isinstance(until, datetime):
            local = until.astimezone(BERLIN) if until.tzinfo else resolve_local(until)
            rule["UNTIL"] = [local.astimezone(timezone.utc)]
        else:
            rule["UNTIL"] = [datetime.combine(until, time(23, 59, 59), BERLIN).astimezone(timezone.utc)]
    normalised = vRecur(rule).to_ical().decode()
    try:  # dateutil checks what vRecur does not (BYDAY values, numbers in range, ...)
        rrulestr(normalised, dtstart=datetime(2026, 1, 1, tzinfo=None if all_day else BERLIN))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"{text!r} is invalid ({exc}); {expected}") from exc
    return normalised
