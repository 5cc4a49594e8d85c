"""Every VTIMEZONE the build writes agrees with zoneinfo, read by hand from the ICS text (RFC 5545 3.6.5)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from plugins.events.vtimezone import build_vtimezone

BERLIN = ZoneInfo("Europe/Berlin")


def _offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    return sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))


def observances(ics: str) -> list[dict]:
    """Sub-components of the VTIMEZONE as dicts of raw property values (unfolded lines)."""
    text = re.sub(r"\r?\n[ \t]", "", ics)
    block = text.split("BEGIN:VTIMEZONE", 1)[1].split("END:VTIMEZONE", 1)[0]
    found = []
    for kind, body in re.findall(r"BEGIN:(STANDARD|DAYLIGHT)\r?\n(.*?)END:\1", block, re.S):
        props = dict(line.split(":", 1) for line in body.splitlines() if ":" in line)
        found.append({"kind": kind, **props})
    return found


def onsets(observance: dict, until: datetime) -> list[datetime]:
    """Onsets as UTC instants: local wall clock in TZOFFSETFROM, as RFC 5545 defines it."""
    start = datetime.strptime(observance["DTSTART"], "%Y%m%dT%H%M%S")
    local = [start] + [datetime.strptime(v, "%Y%m%dT%H%M%S") for v in observance.get("RDATE", "").split(",") if v]
    if "RRULE" in observance:  # expanded by dateutil, independent of the writer
        local = list(rrulestr(f"RRULE:{observance['RRULE']}", dtstart=start).between(start, until, inc=True))
    return [value.replace(tzinfo=timezone.utc) - _offset(observance["TZOFFSETFROM"]) for value in local]


def assert_matches_zoneinfo(ics: str, until: datetime = datetime(2038, 1, 1)) -> int:
    checked = 0
    for observance in observances(ics)[1:]:  # the first is the initial observance, not a change
        for instant in onsets(observance, until):
            before = (instant - timedelta(seconds=1)).astimezone(BERLIN).utcoffset()
            after = instant.astimezone(BERLIN).utcoffset()
            assert before == _offset(observance["TZOFFSETFROM"]), (observance, instant)
            assert after == _offset(observance["TZOFFSETTO"]), (observance, instant)
            assert (observance["kind"] == "DAYLIGHT") == bool(instant.astimezone(BERLIN).dst())
            checked += 1
    return checked


def test_generated_vtimezone_matches_zoneinfo_for_decades():
    ics = build_vtimezone("Europe/Berlin", date(1996, 1, 1), date(2038, 1, 1)).to_ical().decode()
    assert assert_matches_zoneinfo(ics) == 2 * 42
    assert "DTSTART:19960331T020000" in ics  # spring onset at 02:00 CET, not 03:00
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in ics


def test_every_demo_calendar_has_a_correct_vtimezone(demo_site):
    calendars = sorted((demo_site / "termine" / "ics").glob("*.ics"))
    assert calendars
    for path in calendars:
        text = path.read_text(encoding="utf-8")
        if "BEGIN:VEVENT" in text:
            assert assert_matches_zoneinfo(text) >= 2, path.name
