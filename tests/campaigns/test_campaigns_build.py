"""The campaign pages in the real demo build: overview, phases, links, the draw, the Leinwand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

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
    assert "Benachrichtigt, möchte nicht genannt werden" in html and "*in" not in html  # the winner did not agree to be named
    assert "HMAC-SHA-256" in html and (demo_site / "theme/tools/verify_draw.py").exists()


def test_the_draw_verifies_from_the_served_site_alone_and_names_no_participant(demo_site, serve_dir, tmp_path):
    """Only what the built site serves: the page and ziehung.json over HTTP, the verifier from the site."""
    from demo.campaign_draw import HANDLES

    base = serve_dir(demo_site)
    url = f"{base}/{GEWINNSPIEL}ziehung.json"
    with urlopen(f"{base}/theme/tools/verify_draw.py", timeout=10) as response:
        (tmp_path / "verify_draw.py").write_bytes(response.read())
    with urlopen(f"{base}/{GEWINNSPIEL}", timeout=10) as response:
        page = response.read().decode("utf-8")
    with urlopen(url, timeout=10) as response:
        data = json.load(response)
    checked = subprocess.run([sys.executable, str(tmp_path / "verify_draw.py"), url, "Streuobst.Liebe"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert checked.returncode == 0 and "Ergebnis bestätigt" in checked.stdout, checked.stdout + checked.stderr
    own = re.search(r"Deine Teilnahme: \['([^']+)'\]", checked.stdout).group(1)
    assert own in data["entries"] and own in page and own.split()[0] == "14"  # streuobst.liebe's post
    cli = subprocess.run([sys.executable, "-m", "scheduler", "draw", "verify", "fotowettbewerb-herbst-im-remstal",
                          "--source", url], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert cli.returncode == 0 and "ok: 14 Teilnahmen" in cli.stdout, cli.stdout + cli.stderr
    section = page.split('<section class="draw"', 1)[1].split("</section>", 1)[0]
    for handle in HANDLES:  # no participant's account in the draw (the gallery credits consented photos)
        assert handle not in section and handle not in json.dumps(data)
    assert "Wie wurde gelost?" in page and "Pseudonym" in page


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


def test_the_page_weight_bench_measures_every_campaign_page(demo_site):
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "bench" / "page_weight.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    measured = bench.pages(demo_site)
    built = [f"/{p.parent.relative_to(demo_site).as_posix()}/" for p in (demo_site / "kampagnen").rglob("index.html")]
    assert "/kampagnen/" in measured and sorted(built) == sorted(p for p in measured if p.startswith("/kampagnen/"))
    assert sum(p.endswith("/leinwand/") for p in measured) == 3
