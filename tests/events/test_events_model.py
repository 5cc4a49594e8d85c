"""Unit tests of metadata parsing, recurrence and German labels (no build)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from plugins.events import german
from plugins.events.model import BERLIN, parse_event, parse_moment, resolve_local
from plugins.events.recurrence import expand, normalise_rrule, RecurrenceError
from plugins.region.registry import load_registry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN)
GOOD = {
    "title": "Netzwerkgespräch", "uid": "2026-test-event@so-ist-s.de", "start": "2026-12-03 18:00",
    "end": "2026-12-03 20:00", "category": "netzwerk", "municipality": "ludwigsburg",
    "location": "Forum am Schlosspark", "address": "Stuttgarter Straße 33, 71638 Ludwigsburg",
}


def parse(**changes):
    problems = []
    metadata = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    event = parse_event("events/x.md", "x", metadata, "", load_registry(), lambda *p: problems.append(p))
    return event, problems


def test_good_event_parses():
    event, problems = parse()
    assert problems == []
    assert event.start == datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)
    assert event.municipalities[0].slug == "ludwigsburg"
    assert event.url == "termine/x/" and event.status == "geplant"
    assert event.address.postal_code == "71638"


@pytest.mark.parametrize(("changes", "field"), [
    ({"start": None}, "start"),
    ({"start": "3. Dezember"}, "start"),
    ({"start": "2026-13-40 18:00"}, "start"),
    ({"end": "2026-12-03 17:00"}, "end"),
    ({"end": None}, "end"),
    ({"category": "party"}, "category"),
    ({"municipality": "atlantis"}, "municipality"),
    ({"rrule": "FREQ=SOMETIMES;COUNT=2"}, "rrule"),
    ({"rrule": "FREQ=WEEKLY"}, "rrule"),
    ({"rrule": "FREQ=WEEKLY;BYDAY=XX;COUNT=2"}, "rrule"),
    ({"uid": None}, "uid"),
    ({"uid": "kurz"}, "uid"),
    ({"status": "vielleicht"}, "status"),
    ({"address": "irgendwo"}, "address"),
    ({"duration": "2h"}, "duration"),
    ({"end": None, "duration": "lang"}, "duration"),
    ({"registration": "http://example.invalid"}, "registration"),
    ({"exdate": "2026-12-10"}, "exdate"),
])
def test_bad_input_names_field(changes, field):
    event, problems = parse(**changes)
    assert event is None
    assert [p[1] for p in problems] == [field]
    assert problems[0][0] == "events/x.md" and problems[0][2]


def test_all_day_end_is_inclusive_and_duration_in_days():
    event, _ = parse(start="2027-10-04", end=None, duration="3d")
    assert event.all_day and event.end == date(2027, 10, 6)
    assert event.duration == timedelta(days=3)


def test_resolve_local_follows_rfc5545_at_dst_changes():
    spring = resolve_local(datetime(2027, 3, 28, 2, 30))  # does not exist: offset before the gap
    assert spring.astimezone(timezone.utc) == datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc)
    assert (spring.hour, spring.minute) == (3, 30)
    autumn = resolve_local(datetime(2027, 10, 31, 2, 30))  # happens twice: the first one
    assert autumn.astimezone(timezone.utc) == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)


def test_parse_moment_accepts_offsets():
    assert parse_moment("2026-12-03T17:00Z") == datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)


def test_until_date_becomes_end_of_day_in_utc():
    assert "UNTIL=20271231T225959Z" in normalise_rrule("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271231", False)
    assert "UNTIL=20271231;" in normalise_rrule("FREQ=MONTHLY;UNTIL=20271231;BYMONTHDAY=1", True) + ";"
    with pytest.raises(RecurrenceError):
        normalise_rrule("FREQ=DAILY;COUNT=2;UNTIL=20270101", False)


def test_recurrence_keeps_wall_time_across_dst_and_honours_exdate():
    event, problems = parse(start="2027-03-02 16:00", end="2027-03-02 18:00",
                            rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=4", exdate="2027-04-06")
    assert problems == []
    occurrences, excluded, unmatched = expand(event, NOW)
    assert [o.start.hour for o in occurrences] == [16, 16, 16]
    assert [o.start.utcoffset() for o in occurrences] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=2)]
    assert excluded == [datetime(2027, 4, 6, 16, 0, tzinfo=BERLIN)] and unmatched == []
    assert all(o.end - o.start == timedelta(hours=2) for o in occurrences)


def test_upcoming_split():
    event, _ = parse(start="2026-11-23 10:00", end="2026-11-23 13:00")
    (occurrence,), _, _ = expand(event, NOW)
    assert occurrence.is_upcoming  # still running at noon
    event, _ = parse(start="2026-11-23 09:00", end="2026-11-23 11:00")
    (occurrence,), _, _ = expand(event, NOW)
    assert not occurrence.is_upcoming


def test_german_labels():
    assert german.day_label(date(2026, 11, 23)) == "Mo., 23. November 2026"
    start = datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)
    assert german.span_label(start, start + timedelta(hours=2)) == "Do., 3. Dezember 2026, 18:00–\u206020:00\u00a0Uhr"
    assert german.span_label(date(2027, 10, 4), date(2027, 10, 6)) == "Mo., 4. Oktober 2027 bis Mi., 6. Oktober 2027"
    assert german.month_label(2027, 3) == "März 2027"
