"""The campaign pages in the real demo build: overview, phases, links, the draw, the Leinwand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scheduler.campaigns import draw

ROOT = Path(__file__).resolve().parents[2]
GEWINNSPIEL = "kampagnen/fotowettbewerb-herbst-im-remstal/"


def read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def weight(site: Path, html: str) -> int:
    """HTML plus its same-site stylesheets and scripts, as bench/page_weight.py counts."""
    assets = re.findall(r'(?:href|src)="/(theme/(?:css|js)/[^"]+)"', html)
    return len(html.encode()) + sum((site / a).stat().st_size for a in set(assets))


def test_overview_and_pages(demo_site):
    overview = read(demo_site, "kampagnen/")
    for slug in ("instawalk-esslinger-altstadt", "fotowettbewerb-herbst-im-remstal", "influencertour-fils-und-neckar"):
        assert f'href="/kampagnen/{slug}/"' in overview
    assert "demnächst" in read(demo_site, "kampagnen/instawalk-esslinger-altstadt/")


@pytest.mark.parametrize("url", ["kampagnen/", GEWINNSPIEL, "kampagnen/instawalk-esslinger-altstadt/",
                                 "kampagnen/influencertour-fils-und-neckar/", GEWINNSPIEL + "leinwand/"])
def test_pages_are_light_and_load_nothing_from_third_parties(demo_site, url):
    html = read(demo_site, url)
    assert weight(demo_site, html) <= 60_000
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html.split("<main", 1)[-1].split("</main>")[0])
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html), "no inline script"


def test_the_gewinnspiel_shows_its_gallery_and_a_verifiable_result(demo_site):
    html = read(demo_site, GEWINNSPIEL)
    assert html.count('class="card post-card"') == 3
    data = json.loads((demo_site / GEWINNSPIEL / "ziehung.json").read_text(encoding="utf-8"))
    assert draw.verify(data) == []
    assert data["seed"] in html and data["entries_sha256"] in html and data["seed_sha256"] in html
    assert "Gewinner*in benachrichtigt" in html  # the winner did not agree to be named
    assert "HMAC-SHA-256" in html and (demo_site / "theme/tools/verify_draw.py").exists()


def test_campaigns_are_linked_from_municipality_district_and_event_pages(demo_site):
    assert GEWINNSPIEL in read(demo_site, "landkreise/rems-murr-kreis/")
    assert GEWINNSPIEL in read(demo_site, "termine/instawalk-waiblingen/")
    assert "kampagnen/instawalk-esslinger-altstadt/" in read(demo_site, "kommunen/esslingen-am-neckar/")
    assert "kampagnen/influencertour-fils-und-neckar/" in read(demo_site, "kommunen/plochingen/")


def test_the_tour_has_a_map_and_a_calendar(demo_site):
    html = read(demo_site, "kampagnen/influencertour-fils-und-neckar/")
    assert html.count('class="tour-map__stop"') == 3
    ics = (demo_site / "kampagnen/influencertour-fils-und-neckar/stationen.ics").read_text()
    assert "DTSTART;VALUE=DATE:20270423" in ics and "DTEND;VALUE=DATE:20270424" in ics


def test_the_leinwand_feed(demo_site):
    data = json.loads((demo_site / GEWINNSPIEL / "leinwand.json").read_text(encoding="utf-8"))
    assert data["hashtag"] == "#HerbstImRemstal" and len(data["posts"]) == 3
    for post in data["posts"]:
        assert (demo_site / post["image"]).is_file() and post["credit"].startswith("@")
