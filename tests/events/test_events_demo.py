"""The demo build: every calendar it writes, read back by independent parsers, and the
schema.org JSON-LD of every event page."""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timezone

import icalendar
import pytest
import vobject
from bs4 import BeautifulSoup

from tests.conftest import ROOT

DEMO_EVENT_FILES = sorted((ROOT / "content" / "events").glob("*.md"))
SCHEMA_STATUSES = {"https://schema.org/EventScheduled", "https://schema.org/EventCancelled",
                   "https://schema.org/EventPostponed", "https://schema.org/EventRescheduled"}
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def calendars(site):
    files = sorted((site / "termine" / "ics").glob("*.ics"))
    assert files, "the demo build wrote no calendars"
    return files


def unfolded_lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_every_calendar_is_valid_rfc5545(demo_site):
    for path in calendars(demo_site):
        raw = path.read_bytes()
        assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n"), path.name
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{path.name}: bare LF"
        assert all(len(line) <= 75 for line in raw.split(b"\r\n")), f"{path.name}: line over 75 octets"
        lines = unfolded_lines(raw)
        assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
        stamps = [line for line in lines if line.startswith("DTSTAMP")]
        assert stamps and all(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in stamps), path.name
        if any(";TZID=Europe/Berlin:" in line for line in lines):
            assert "TZID:Europe/Berlin" in lines and "BEGIN:VTIMEZONE" in lines, path.name


def test_independent_parser_reads_every_calendar(demo_site):
    uid_of_summary: dict[str, set[str]] = {}
    for path in calendars(demo_site):
        text = path.read_bytes().decode("utf-8")
        parsed = vobject.readOne(text)  # independent of the writer (icalendar)
        events = parsed.vevent_list
        uids = [e.uid.value for e in events]
        assert len(uids) == len(set(uids)), f"{path.name}: duplicate UID"
        for event in events:
            assert event.dtstamp.value.utcoffset().total_seconds() == 0
            start = event.dtstart.value
            if isinstance(start, datetime):
                assert start.tzinfo is not None, f"{path.name}: floating time"
                assert event.dtend.value.astimezone(timezone.utc) > start.astimezone(timezone.utc)
            else:
                assert isinstance(event.dtend.value, date) and event.dtend.value > start
            uid_of_summary.setdefault(event.uid.value, set()).add(event.summary.value)
        # and the writer's own library agrees on the count
        assert len(icalendar.Calendar.from_ical(text).walk("VEVENT")) == len(events)
    # one UID per event file, the same in every calendar that carries it
    assert len(uid_of_summary) == len(DEMO_EVENT_FILES)


def test_all_calendar_keeps_cancelled_event_and_recurrence(demo_site):
    parsed = vobject.readOne((demo_site / "termine/ics/alle.ics").read_bytes().decode())
    by_uid = {e.uid.value: e for e in parsed.vevent_list}
    cancelled = by_uid["2026-instawalk-goeppingen@so-ist-s.de"]
    assert cancelled.status.value == "CANCELLED" and int(cancelled.sequence.value) >= 1
    series = by_uid["fachkraefte-sprechstunde-reihe@so-ist-s.de"]
    dates = [d.date() for d in series.getrruleset()]
    assert date(2027, 1, 5) not in dates and date(2027, 2, 2) in dates  # EXDATE honoured
    assert all(d.astimezone(timezone.utc).hour in (14, 15) for d in series.getrruleset())  # 16:00 local
    expo = by_uid["2026-expo-real@so-ist-s.de"]
    assert (expo.dtstart.value, expo.dtend.value) == (date(2026, 10, 5), date(2026, 10, 8))
    assert not hasattr(expo, "location") or "München" in expo.location.value


@pytest.mark.parametrize("path", DEMO_EVENT_FILES, ids=lambda p: p.stem)
def test_event_page_json_ld(demo_site, path):
    html = (demo_site / "termine" / path.stem / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    (script,) = soup.find_all("script", type="application/ld+json")
    data = json.loads(script.string)
    items = data if isinstance(data, list) else [data]
    assert items
    for item in items:
        assert item["@type"] == "Event" and item["name"]
        assert OFFSET.match(item["startDate"]) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", item["startDate"])
        assert item["location"]["@type"] == "Place"
        address = item["location"]["address"]
        assert address["@type"] == "PostalAddress" and address["postalCode"] and address["addressLocality"]
        assert item["eventStatus"] in SCHEMA_STATUSES
    if "allday" not in path.read_text(encoding="utf-8") and re.search(r"^start: \S+ \d", path.read_text(encoding="utf-8"), re.M):
        assert all(OFFSET.match(item["startDate"]) for item in items), "timed event without offset"
    assert soup.find("a", href=f"/termine/ics/{path.stem}.ics"), "no add-to-calendar download"


def test_cancelled_event_is_marked(demo_site):
    html = (demo_site / "termine/instawalk-goeppingen/index.html").read_text(encoding="utf-8")
    data = json.loads(BeautifulSoup(html, "lxml").find("script", type="application/ld+json").string)
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert "Abgesagt" in html


def test_lists_and_months_exist(demo_site):
    termine = demo_site / "termine"
    for page in ("index.html", "archiv/index.html", "kategorie/netzwerk/index.html",
                 "kommune/stuttgart/index.html", "landkreis/ludwigsburg/index.html", "2027/01/index.html"):
        assert (termine / page).exists(), page
    for ics in ("alle.ics", "kategorie-netzwerk.ics", "kommune-esslingen-am-neckar.ics", "landkreis-rems-murr-kreis.ics"):
        assert (termine / "ics" / ics).exists(), ics
    january = (termine / "2027/01/index.html").read_text(encoding="utf-8")
    assert "Schorndorf" in january and 'rel="next"' in january and 'rel="prev"' in january
    assert "Regionale Sprechstunde" not in january  # the January date is an exception
    # Expo Real in München has no municipality and so appears in no municipality calendar
    assert not any("expo" in p.read_text(encoding="utf-8").lower()
                   for p in (termine / "ics").glob("kommune-*.ics"))


@pytest.mark.skipif(bool(os.environ.get("SOISTS_DEV_SITEURL")), reason="demo built with a SITEURL")
def test_dev_build_offers_download_without_webcal(demo_site):
    page = (demo_site / "termine/index.html").read_text(encoding="utf-8")
    assert 'href="/termine/ics/alle.ics"' in page  # SITEURL is empty in development
    assert "webcal://" not in page


@pytest.mark.parametrize("path", DEMO_EVENT_FILES[:3], ids=lambda p: p.stem)
def test_the_english_twin_carries_the_german_pages_json_ld(demo_site, path):
    """The block is made once per event for both pages (plugins/events/jsonld.py): the same text."""
    def block(page):
        html = page.read_text(encoding="utf-8")
        return BeautifulSoup(html, "lxml").find("script", type="application/ld+json").string

    german = demo_site / "termine" / path.stem / "index.html"
    english = demo_site / "en" / "termine" / path.stem / "index.html"
    assert english.is_file()
    assert block(english) == block(german)


def test_the_json_ld_is_made_once_and_left_out_of_the_fingerprint(monkeypatch):
    from plugins.events import jsonld
    from plugins.preview.fingerprint import Fingerprints

    made = []
    monkeypatch.setattr(jsonld, "event_jsonld", lambda event, siteurl="": made.append(event) or f"<{event}>")
    lazy = jsonld.LazyEventJsonLd("termin", "https://www.so-ist-s.de")
    before = Fingerprints().of(lazy)
    assert lazy.__html__() == lazy.__html__() == str(lazy) == "<termin>"
    assert made == ["termin"]
    assert Fingerprints().of(lazy) == before
