"""Golden-file test of the ICS writer with "now" frozen: any change to the output is visible
in review. Regenerate after an intended change with UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine

from plugins.events.generator import build_now
from plugins.events.ics import build_calendar
from plugins.events.model import parse_event
from plugins.events.recurrence import expand
from plugins.region.registry import load_registry

GOLDEN = Path(__file__).parent / "golden"
FROZEN = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)
PLACE = {"location": "Haus der Wirtschaft", "address": "Willi-Bleicher-Straße 19, 70174 Stuttgart"}
EVENTS = {
    "netzwerk": {"title": "Netzwerkgespräch: Transformation", "uid": "golden-netzwerk@so-ist-s.de",
                 "start": "2026-12-03 18:00", "duration": "2h 30min", "category": "netzwerk",
                 "municipality": "ludwigsburg", "summary": "Unternehmen im Gespräch.",
                 "registration": "https://example.org/anmeldung", **PLACE},
    "messe": {"title": "Expo Real", "uid": "golden-expo-real@so-ist-s.de", "start": "2027-10-04",
              "end": "2027-10-06", "category": "messe", "location": "Messe München",
              "address": "Am Messesee, 81829 München"},
    "sprechstunde": {"title": "Sprechstunde für Fachkräfte", "uid": "golden-sprechstunde@so-ist-s.de",
                     "start": "2027-02-02 16:00", "end": "2027-02-02 18:00", "category": "fachkraefte",
                     "rrule": "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270601", "exdate": "2027-04-06",
                     "sequence": "2", "modified": "2026-11-10 09:00", **PLACE},
    "abgesagt": {"title": "Instawalk", "uid": "golden-instawalk@so-ist-s.de", "start": "2026-12-12 13:00",
                 "end": "2026-12-12 16:00", "category": "instawalk", "status": "abgesagt", "sequence": "1",
                 "municipality": "goeppingen", "location": "Marktplatz", "address": "Marktplatz 1, 73033 Göppingen"},
}


def golden_calendar() -> bytes:
    registry = load_registry()
    now = build_now({})
    events = []
    for slug, metadata in EVENTS.items():
        event = parse_event(f"events/{slug}.md", slug, metadata, "", registry,
                            lambda *problem: (_ for _ in ()).throw(AssertionError(problem)))
        event.occurrences, event.excluded, _ = expand(event, now)
        events.append(event)
    return build_calendar(events, "So ist S – Golden", now, "https://www.so-ist-s.de")


@time_machine.travel(FROZEN, tick=False)
def test_calendar_matches_golden_file():
    produced = golden_calendar()
    golden = GOLDEN / "calendar.ics"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(produced)
    assert produced == golden.read_bytes()


@time_machine.travel(FROZEN, tick=False)
def test_golden_output_is_stable_between_runs():
    assert golden_calendar() == golden_calendar()


def golden_events(changes: dict[str, dict] | None = None) -> list:
    registry, now, events = load_registry(), build_now({}), []
    for slug, metadata in EVENTS.items():
        event = parse_event(f"events/{slug}.md", slug, {**metadata, **(changes or {}).get(slug, {})}, "", registry,
                            lambda *problem: (_ for _ in ()).throw(AssertionError(problem)))
        event.occurrences, event.excluded, _ = expand(event, now)
        events.append(event)
    return events


@time_machine.travel(FROZEN, tick=False)
def test_a_later_build_reuses_the_components_of_unchanged_events(monkeypatch):
    """A long-lived process (preview, build service) builds the calendars again with new Event
    objects: only the changed event is made into a VEVENT again, the bytes are those of a
    build from scratch, and a component is never reused for an event whose inputs changed."""
    from plugins.events import ics

    made: list[str] = []
    to_vevent = ics.to_vevent
    monkeypatch.setattr(ics, "to_vevent", lambda event, *args: made.append(event.uid) or to_vevent(event, *args))
    now, site = build_now({}), "https://www.so-ist-s.de"
    first = golden_events()
    build_calendar(first, "So ist S – Golden", now, site, ics.VEventCache(now, site, first))
    made.clear()
    second = golden_events({"messe": {"title": "Expo Real 2027"}})
    again = build_calendar(second, "So ist S – Golden", now, site, ics.VEventCache(now, site, second))
    assert made == ["golden-expo-real@so-ist-s.de"]
    monkeypatch.setattr(ics, "_kept", {})
    assert again == build_calendar(golden_events({"messe": {"title": "Expo Real 2027"}}), "So ist S – Golden", now, site)
    assert b"SUMMARY:Expo Real 2027" in again


@time_machine.travel(FROZEN, tick=False)
def test_the_calendar_is_what_icalendars_own_writer_gives():
    """build_calendar keeps only each VEVENT's folded lines and joins them itself; icalendar's
    to_ical() of the same components must give the same bytes."""
    from icalendar import Calendar

    from plugins.events import ics

    now, site, events = build_now({}), "https://www.so-ist-s.de", golden_events()
    reference = Calendar()
    for name, value in (("prodid", ics.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                        ("name", "Golden"), ("x-wr-calname", "Golden"), ("x-wr-timezone", ics.ZONE)):
        reference.add(name, value)
    reference.add("refresh-interval", ics.REFRESH, parameters={"VALUE": "DURATION"})
    reference.add("x-published-ttl", ics.vDuration(ics.REFRESH))
    first, last = ics._year_range(events)
    reference.add_component(ics.build_vtimezone(ics.ZONE, first, last))
    for event in sorted(events, key=lambda e: (e.sort_key, e.uid)):
        reference.add_component(ics.to_vevent(event, now, site))
    assert build_calendar(events, "Golden", now, site) == reference.to_ical()


@time_machine.travel(FROZEN, tick=False)
def test_the_components_built_over_the_cores_beforehand_are_the_ones_a_calendar_builds(monkeypatch):
    """build_all (run before the calendars render over the cores) builds every event's VEVENT,
    a forked worker sending its lines back: afterwards no calendar builds one again, and the
    bytes are those of a calendar built without it."""
    from plugins.events import ics

    monkeypatch.setattr(ics, "_kept", {})
    now, site, events = build_now({}), "https://www.so-ist-s.de", golden_events()
    cache = ics.VEventCache(now, site, events)
    cache.build_all({"BUILD_WORKERS": 2, "BUILD_PARALLEL_MIN": 2})
    made: list[str] = []
    to_vevent = ics.to_vevent
    monkeypatch.setattr(ics, "to_vevent", lambda event, *args: made.append(event.uid) or to_vevent(event, *args))
    calendar = build_calendar(events, "So ist S – Golden", now, site, cache)
    assert made == []
    monkeypatch.setattr(ics, "_kept", {})
    assert calendar == build_calendar(golden_events(), "So ist S – Golden", now, site)


NAMES = ["Golden", "So ist S – Termine: Bietigheim-Bissingen, Landkreis Ludwigsburg; Kultur & Feste im Sommer 2026",
         "Komma, Semikolon; Backslash \\ und Doppelpunkt: \"Zitat\"", "Ä" * 80, ""]


@pytest.mark.parametrize("name", NAMES)
def test_a_calendars_own_lines_are_icalendars_for_any_name(name):
    """The calendar's properties but its name are the same in every calendar (2,600 per build at
    3,000 events): they are serialised once, the two name lines per calendar, and the bytes stay
    what icalendar writes, long names folded and special characters escaped."""
    from icalendar import Calendar

    from plugins.events import ics

    reference = Calendar()
    for key, value in (("prodid", ics.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("name", name), ("x-wr-calname", name), ("x-wr-timezone", ics.ZONE)):
        reference.add(key, value)
    reference.add("refresh-interval", ics.REFRESH, parameters={"VALUE": "DURATION"})
    reference.add("x-published-ttl", ics.vDuration(ics.REFRESH))
    assert build_calendar([], name, build_now({})) == reference.to_ical()


def test_the_constant_lines_are_made_once(monkeypatch):
    from plugins.events import ics

    build_calendar([], "Erster", build_now({}))
    added: list[str] = []
    real_add = ics.Calendar.add
    monkeypatch.setattr(ics.Calendar, "add", lambda self, name, *args, **kwargs: added.append(name.lower())
                        or real_add(self, name, *args, **kwargs))
    for number in range(20):
        build_calendar([], f"Kalender {number}", build_now({}))
    assert set(added) <= {"name", "x-wr-calname"}


def test_lines_are_folded_as_icalendar_folds_them():
    """fold_line slices where icalendar's Contentline.to_ical() walks every character: the same
    bytes for lines of every length around the 75-octet limit, with umlauts (2 octets), the
    euro sign (3), a clef (4), and the escapes icalendar never separates from what they escape."""
    import random

    from icalendar.parser import Contentline

    from plugins.events.ics import fold_line

    alphabet = "abc xyz,;:\\^äöüßÄ€𝄞\"'0123456789"
    rng = random.Random(30)
    lines = ["", "DESCRIPTION:" + "a" * 62, "DESCRIPTION:" + "a" * 63, "X:" + "\\" * 200, "X:" + "ä" * 100]
    lines += ["".join(rng.choice(alphabet) for _ in range(length)) for length in range(1, 320) for _ in range(25)]
    for line in lines:
        assert fold_line(line) == Contentline(line).to_ical(), line
    assert b"\r\n " not in fold_line("DESCRIPTION:" + "a" * 62)  # 74 octets stay one line
    assert fold_line("DESCRIPTION:" + "a" * 63).count(b"\r\n ") == 1
