"""The selection rules on hand-made items (no build): months in Stuttgart time, limits, campaigns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from plugins.newsletter.selection import (
    MAX_FEATURES,
    CampaignCall,
    EventItem,
    Month,
    issue_from_dict,
    issue_months,
    issue_to_dict,
    select_campaign,
    select_events,
    select_features,
    select_issue,
)
from plugins.newsletter.sources import campaign_calls
from tests.newsletter.samples import sample_issue

DEC = Month(2026, 12)
NOW = datetime.fromisoformat("2027-01-05T10:00:00+01:00")


def feature(when: str, id_: str = "x"):
    issue = sample_issue(1)
    return issue.features[0].__class__(**{**issue.features[0].__dict__, "when": when, "id": id_})


def test_month_parse_and_labels():
    assert Month.parse("2026-12") == DEC and DEC.label == "Dezember 2026" and DEC.next() == Month(2027, 1)
    for bad in ("2026-13", "26-12", "2026/12", ""):
        with pytest.raises(ValueError):
            Month.parse(bad)


def test_months_are_stuttgart_months():
    # 23:30 UTC on 30 November is already 1 December in Stuttgart, and the other way round.
    early = feature("2026-11-30T23:30:00+00:00", "early")
    late = feature("2026-12-31T23:30:00+00:00", "late")
    assert [f.id for f in select_features([early, late], DEC, NOW)] == ["early"]


def test_features_not_yet_public_are_left_out_and_sorted():
    later, sooner = feature("2026-12-20T18:00:00+01:00", "b"), feature("2026-12-03T18:00:00+01:00", "a")
    future = feature("2026-12-28T18:00:00+01:00", "c")
    now = datetime.fromisoformat("2026-12-21T00:00:00+01:00")
    assert [f.id for f in select_features([later, future, sooner], DEC, now)] == ["a", "b"]


def test_too_many_features_are_counted_not_shown():
    many = [feature(f"2026-12-{d:02d}T12:00:00+01:00", f"f{d}") for d in range(1, 13)]
    issue = select_issue(DEC, NOW, many)
    assert len(issue.features) == MAX_FEATURES and issue.more_features == 12 - MAX_FEATURES


def test_events_are_next_months_and_not_cancelled():
    events = [EventItem("Dezember", "termine/a/", "2026-12-10T18:00:00+01:00", "", "Ort"),
              EventItem("Januar", "termine/b/", "2027-01-10", "", "Ort"),
              EventItem("Abgesagt", "termine/c/", "2027-01-11", "", "Ort", cancelled=True),
              EventItem("Februar", "termine/d/", "2027-02-01T00:30:00+01:00", "", "Ort")]
    assert [e.title for e in select_events(events, DEC)] == ["Januar"]


def test_campaign_open_when_the_issue_goes_out():
    calls = [CampaignCall("Vorbei", "mitmachen/", "", "2026-10-01", "2026-11-30", ""),
             CampaignCall("Später", "mitmachen/", "", "2027-03-01", "2027-04-01", ""),
             CampaignCall("Offen", "mitmachen/", "", "2026-12-15", "2027-01-31", ""),
             CampaignCall("Offen, endet früher", "mitmachen/", "", "2026-12-01", "2027-01-20", "")]
    assert select_campaign(calls, DEC, NOW).title == "Offen, endet früher"
    # an archived issue keeps the call that was open when it went out (1 January), not today's
    assert select_campaign(calls, DEC, datetime.fromisoformat("2027-03-15T00:00:00+01:00")).title \
        == "Offen, endet früher"
    assert select_campaign([], DEC, NOW) is None


def test_campaign_calls_come_from_the_campaign_files(tmp_path):
    """The campaigns plugin parses content/kampagnen/; the newsletter takes its campaigns as they are."""
    calls = {c.title: c for c in campaign_calls(Path("content"))}
    walk = calls["Instawalk Esslinger Altstadt"]
    assert walk.url == "kampagnen/instawalk-esslinger-altstadt/" and walk.closes_label == "12. Dezember 2026"
    assert walk.opens.startswith("2026-12-12T14:00") and "Burgstaffel" in walk.summary
    assert campaign_calls(tmp_path) == []  # no campaign folder: no call


def test_issue_months_up_to_now_newest_first():
    items = [feature("2026-10-03T12:00:00+02:00"), feature("2026-12-03T12:00:00+01:00"),
             feature("2027-02-03T12:00:00+01:00")]
    assert issue_months(items, [], NOW) == [DEC, Month(2026, 10)]


def test_json_round_trip():
    issue = sample_issue()
    assert issue_from_dict(issue_to_dict(issue)) == issue
    assert issue_to_dict(issue)["subject"] == "So ist S im Dezember 2026: 8 Fotos und die Termine für Januar 2027"
