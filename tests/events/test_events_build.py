"""Real builds of small content folders: time-zone edge cases, stable UIDs, bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import vobject
from bs4 import BeautifulSoup

from tests.events.events_testkit import BASE, build_events, event_file

UTC = timezone.utc
EDGE_EVENTS = {
    # 02:30 does not exist on 2027-03-28: RFC 5545 reads it with the offset before the gap.
    "fruehling-0230": event_file(title="Frühling 02:30", uid="edge-spring-0230@test.invalid",
                                 start="2027-03-28 02:30", end="2027-03-28 04:00", **BASE),
    # 02:30 happens twice on 2027-10-31: RFC 5545 means the first (CEST).
    "herbst-0230": event_file(title="Herbst 02:30", uid="edge-autumn-0230@test.invalid",
                              start="2027-10-31 02:30", end="2027-10-31 03:30", **BASE),
    "nacht-herbst": event_file(title="Über die Zeitumstellung im Herbst", uid="edge-span-autumn@test.invalid",
                               start="2027-10-30 22:00", end="2027-10-31 06:00", **BASE),
    "nacht-fruehling": event_file(title="Über die Zeitumstellung im Frühling", uid="edge-span-spring@test.invalid",
                                  start="2027-03-27 22:00", end="2027-03-28 06:00", **BASE),
    "mitternacht": event_file(title="Um Mitternacht", uid="edge-midnight@test.invalid",
                              start="2027-10-30 23:30", end="2027-10-31 00:30", **BASE),
    "ganztags-umstellung": event_file(title="Ganztägig am Umstellungstag", uid="edge-allday-spring@test.invalid",
                                      start="2027-03-28", **BASE),
    "ganztags-zwei-tage": event_file(title="Zwei Tage im Herbst", uid="edge-allday-autumn@test.invalid",
                                     start="2027-10-30", end="2027-10-31", **BASE),
    "sonntags": event_file(title="Sonntags um zehn", uid="edge-weekly-sunday@test.invalid",
                           start="2027-03-21 10:00", duration="1h", rrule="FREQ=WEEKLY;COUNT=3", **BASE),
}
EXPECTED_UTC = {  # uid: (start, end) as real instants
    "edge-spring-0230@test.invalid": (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), datetime(2027, 3, 28, 2, 0, tzinfo=UTC)),
    "edge-autumn-0230@test.invalid": (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 2, 30, tzinfo=UTC)),
    "edge-span-autumn@test.invalid": (datetime(2027, 10, 30, 20, 0, tzinfo=UTC), datetime(2027, 10, 31, 5, 0, tzinfo=UTC)),
    "edge-span-spring@test.invalid": (datetime(2027, 3, 27, 21, 0, tzinfo=UTC), datetime(2027, 3, 28, 4, 0, tzinfo=UTC)),
    "edge-midnight@test.invalid": (datetime(2027, 10, 30, 21, 30, tzinfo=UTC), datetime(2027, 10, 30, 22, 30, tzinfo=UTC)),
}


@pytest.fixture(scope="module")
def edge_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    result, output = build_events(folder, EDGE_EVENTS, siteurl="https://www.so-ist-s.de")
    assert result.returncode == 0, result.stdout + result.stderr
    return folder, output


def read_calendar(path):
    return vobject.readOne(path.read_text(encoding="utf-8"))


def test_times_are_right_across_both_dst_changes(edge_site):
    _, output = edge_site
    events = {e.uid.value: e for e in read_calendar(output / "termine/ics/alle.ics").vevent_list}
    for uid, (start, end) in EXPECTED_UTC.items():
        assert events[uid].dtstart.value.astimezone(UTC) == start, uid
        assert events[uid].dtend.value.astimezone(UTC) == end, uid
        assert events[uid].dtstart.value.tzinfo.tzname(start) in {"CET", "CEST"}  # from the VTIMEZONE
    raw = (output / "termine/ics/alle.ics").read_bytes().decode()
    timed = [line for line in raw.split("\r\n") if line.startswith(("DTSTART;TZID", "DTEND;TZID"))]
    assert timed and all(line.split(":")[0].endswith(";TZID=Europe/Berlin") for line in timed)
    spanning = events["edge-span-autumn@test.invalid"]
    assert spanning.dtend.value.astimezone(UTC) - spanning.dtstart.value.astimezone(UTC) == timedelta(hours=9)


def test_all_day_events_are_dates_with_exclusive_end(edge_site):
    _, output = edge_site
    events = {e.uid.value: e for e in read_calendar(output / "termine/ics/alle.ics").vevent_list}
    spring = events["edge-allday-spring@test.invalid"]
    assert (spring.dtstart.value, spring.dtend.value) == (date(2027, 3, 28), date(2027, 3, 29))
    assert type(spring.dtstart.value) is date
    autumn = events["edge-allday-autumn@test.invalid"]
    assert (autumn.dtstart.value, autumn.dtend.value) == (date(2027, 10, 30), date(2027, 11, 1))
    raw = (output / "termine/ics/alle.ics").read_bytes().decode()
    assert "DTSTART;VALUE=DATE:20270328\r\n" in raw and "DTEND;VALUE=DATE:20271101\r\n" in raw


def test_weekly_rule_keeps_local_time_over_the_spring_change(edge_site):
    _, output = edge_site
    (event,) = read_calendar(output / "termine/ics/sonntags.ics").vevent_list
    starts = [d.astimezone(UTC) for d in event.getrruleset()]
    assert starts == [datetime(2027, 3, 21, 9, tzinfo=UTC), datetime(2027, 3, 28, 8, tzinfo=UTC),
                      datetime(2027, 4, 4, 8, tzinfo=UTC)]
    march = (output / "termine/2027/03/index.html").read_text(encoding="utf-8")
    assert march.count("Sonntags um zehn") == 2 and "So., 28. März 2027, 10:00–\u206011:00\u00a0Uhr" in march


def test_pages_show_the_real_local_times(edge_site):
    _, output = edge_site
    spring = (output / "termine/fruehling-0230/index.html").read_text(encoding="utf-8")
    assert "So., 28. März 2027, 03:30–\u206004:00\u00a0Uhr" in spring
    assert 'datetime="2027-03-28T03:30:00+02:00"' in spring
    autumn = (output / "termine/herbst-0230/index.html").read_text(encoding="utf-8")
    assert 'datetime="2027-10-31T02:30:00+02:00"' in autumn


def test_every_list_page_marks_itself_in_the_shared_filter_navigation(edge_site):
    """The filter groups are rendered once per language and marked page (plugins/events/fragments.py):
    each list page still marks exactly its own link, opens exactly its own group, and shows the
    same lines for the same dates as the other lists."""
    _, output = edge_site
    lists = sorted(output.glob("termine/*/*/index.html")) + sorted(output.glob("en/termine/*/*/index.html"))
    lists = [page for page in lists if page.parent.parent.name in {"kategorie", "landkreis", "kommune"}]
    assert len(lists) >= 6 and any(page.parts[-5] == "en" for page in lists)
    lines: dict[str, str] = {}
    for page in lists:
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        own = "/" + page.relative_to(output).parent.as_posix() + "/"
        marked = html.select('.event-nav a[aria-current="page"]')
        assert [a["href"].split("so-ist-s.de", 1)[-1] for a in marked] == [own], page
        opened = html.select(".event-nav details[open]")
        assert len(opened) == 1 and marked[0] in opened[0].select("a"), page
        for line in html.select(".event-list li"):
            key = (page.parts[-5] == "en", line.time["datetime"], line.select_one("a").get_text())
            assert lines.setdefault(key, str(line)) == str(line), page
    dates = {key: BeautifulSoup(line, "html.parser").time.get_text() for key, line in lines.items()}
    both = {key[1:] for key in dates if key[0]} & {key[1:] for key in dates if not key[0]}
    assert both and all(dates[True, *key] != dates[False, *key] for key in both)  # each in its language


def test_webcal_links_use_siteurl(edge_site):
    _, output = edge_site
    page = (output / "termine/index.html").read_text(encoding="utf-8")
    assert 'href="webcal://www.so-ist-s.de/termine/ics/alle.ics"' in page
    assert 'href="https://www.so-ist-s.de/termine/ics/alle.ics"' in page


def test_uids_stable_across_title_edit(edge_site, tmp_path):
    _, first_output = edge_site
    edited = dict(EDGE_EVENTS)
    edited["mitternacht"] = EDGE_EVENTS["mitternacht"].replace("title: Um Mitternacht", "title: Mitternachtsgespräch")
    result, output = build_events(tmp_path, edited, siteurl="https://www.so-ist-s.de")
    assert result.returncode == 0, result.stdout + result.stderr
    before = {e.uid.value: e.summary.value for e in read_calendar(first_output / "termine/ics/alle.ics").vevent_list}
    after = {e.uid.value: e.summary.value for e in read_calendar(output / "termine/ics/alle.ics").vevent_list}
    assert set(before) == set(after) and len(after) == len(EDGE_EVENTS)
    assert after["edge-midnight@test.invalid"] == "Mitternachtsgespräch"
    (single,) = read_calendar(output / "termine/ics/mitternacht.ics").vevent_list
    assert single.uid.value == "edge-midnight@test.invalid"


BAD_EVENTS = {
    "ohne-start": (event_file(title="Ohne Start", uid="bad-no-start@test.invalid", end="2027-01-01 10:00", **BASE), "start"),
    "kaputtes-datum": (event_file(title="Kaputt", uid="bad-date@test.invalid", start="2027-02-30 18:00",
                                  end="2027-03-01 10:00", **BASE), "start"),
    "ende-vor-start": (event_file(title="Rückwärts", uid="bad-end@test.invalid", start="2027-01-10 18:00",
                                  end="2027-01-10 17:00", **BASE), "end"),
    "unbekannte-kategorie": (event_file(title="Party", uid="bad-category@test.invalid", start="2027-01-10 18:00",
                                        end="2027-01-10 20:00", **{**BASE, "category": "party"}), "category"),
    "unbekannte-kommune": (event_file(title="Atlantis", uid="bad-municipality@test.invalid", start="2027-01-10 18:00",
                                      end="2027-01-10 20:00", **{**BASE, "municipality": "atlantis"}), "municipality"),
    "kaputte-regel": (event_file(title="Regel", uid="bad-rrule@test.invalid", start="2027-01-10 18:00",
                                 end="2027-01-10 20:00", rrule="FREQ=SOMETIMES;COUNT=3", **BASE), "rrule"),
    "kaputtes-modified": (event_file(title="Geändert", uid="bad-modified@test.invalid", start="2027-01-10 18:00",
                                     end="2027-01-10 20:00", modified="gestern", **BASE), "modified"),
    "ohne-uid": (event_file(title="Ohne UID", start="2027-01-10 18:00", end="2027-01-10 20:00", **BASE), "uid"),
}


def test_bad_input_stops_the_build_naming_file_and_field(tmp_path):
    result, _ = build_events(tmp_path, {name: text for name, (text, _) in BAD_EVENTS.items()})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    flat = " ".join(output.split())  # the log wraps long lines
    for name, (_, field) in BAD_EVENTS.items():
        assert f"events/{name}.md: field '{field}'" in flat, (name, field, output)


@pytest.mark.parametrize("name", ["ende-vor-start", "kaputte-regel"])
def test_single_bad_file_alone_stops_the_build(tmp_path, name):
    text, field = BAD_EVENTS[name]
    good = event_file(title="Gut", uid="good-event@test.invalid", start="2027-01-10 18:00", end="2027-01-10 20:00", **BASE)
    result, _ = build_events(tmp_path, {name: text, "gut": good})
    assert result.returncode != 0
    assert f"events/{name}.md: field '{field}'" in " ".join((result.stdout + result.stderr).split())


def test_duplicate_uid_is_reported(tmp_path):
    one = event_file(title="Eins", uid="same-uid@test.invalid", start="2027-01-10 18:00", end="2027-01-10 20:00", **BASE)
    result, _ = build_events(tmp_path, {"eins": one, "zwei": one.replace("Eins", "Zwei")})
    assert result.returncode != 0
    assert "events/zwei.md: field 'uid'" in " ".join((result.stdout + result.stderr).split())
