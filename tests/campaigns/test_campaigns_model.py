"""The campaign file: one parser for site and scheduler, clear errors (file, field, value, expected)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from plugins.campaigns.model import BERLIN, load_campaigns, parse_campaign
from plugins.region.registry import load_registry
from scheduler.campaigns.entries import campaign_for

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"title": "Instawalk", "kind": "instawalk", "hashtags": "#InstawalkES, #SoistS", "start": "2026-12-12 14:00",
        "end": "2026-12-12 17:00", "municipality": "esslingen-am-neckar"}


def parse(**changes):
    problems = []
    metadata = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    found = parse_campaign("content/kampagnen/x.md", "instawalk-es", metadata, "", load_registry(),
                           lambda *p: problems.append(p), {"instawalk-waiblingen"})
    return found, {field: message for _, field, message in problems}


def test_a_good_campaign():
    campaign, problems = parse()
    assert problems == {} and campaign.hashtags == ("instawalkes",)
    assert campaign.start == datetime(2026, 12, 12, 14, 0, tzinfo=BERLIN)
    assert campaign.phase(datetime(2026, 12, 12, 15, tzinfo=BERLIN)) == "live"
    assert campaign.collecting(datetime(2026, 12, 14, 15, tzinfo=BERLIN))  # grace period


def test_every_bad_field_is_named_with_value_and_expectation():
    _, problems = parse(kind="party", hashtags="#", start="12.12.2026", municipality="esslingn",
                        events="gibtsnicht", image="../x.jpg")
    assert set(problems) == {"kind", "hashtags", "start", "municipality", "events", "image", "alt"}
    assert "'party'; expected one of instawalk" in problems["kind"]
    assert "closest matches: esslingen-am-neckar" in problems["municipality"]
    assert "expected YYYY-MM-DD" in problems["start"]


def test_a_gewinnspiel_needs_a_prize_and_a_tour_its_stops():
    assert "prize" in parse(kind="gewinnspiel")[1]
    _, problems = parse(kind="influencertour", stops="goeppingen 2027-13-01")
    assert "stops" in problems
    tour, problems = parse(kind="influencertour", stops="plochingen 2027-04-23; goeppingen 2027-04-22")
    assert problems == {} and [s.municipality.slug for s in tour.stops] == ["goeppingen", "plochingen"]


def test_the_demo_campaigns_are_valid_and_the_scheduler_reads_them_the_same_way():
    problems = []
    campaigns = load_campaigns(ROOT / "content", load_registry(), lambda *p: problems.append(p))
    assert problems == [] and {c.kind for c in campaigns} == {"instawalk", "gewinnspiel", "influencertour"}
    taken = datetime(2026, 9, 20, 12, tzinfo=BERLIN)
    assert campaign_for(campaigns, ["#herbstimremstal"], taken) == "fotowettbewerb-herbst-im-remstal"
    assert campaign_for(campaigns, ["soists"], taken) is None
