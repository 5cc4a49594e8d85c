"""The coverage figures agree everywhere (issue 28 §3).

One demo — the site built from content/, the board's Redaktionsplan over the same wall, the
impact report and the newsletter issue — with "now" frozen at NOW. Every number a reader sees
is compared with plugins/region/figures.py over the wall's files read by the scheduler's own
reader (scheduler.plan.enqueue.site_features): an independent path to the same data.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup

from demo.insights_year import DemoYear, finished_year
from plugins.navigation.dates import BERLIN
from plugins.region.figures import figures, this_year
from plugins.region.registry import load_registry
from scheduler.plan.enqueue import site_features
from tests.conftest import ROOT, build_site

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN)  # frozen; the demo wall's newest photo is of 20 November
CONTENT = ROOT / "content"


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture(scope="module")
def expected():
    registry = load_registry()
    pairs = [(s.ags, s.at) for s in site_features(CONTENT, registry)]
    everyone = [m.ags for m in registry]
    return {"ever": figures(everyone, pairs, NOW), "year": figures(everyone, pairs, NOW, *this_year(NOW)),
            "november": figures(everyone, pairs, NOW, date(2026, 11, 1), date(2026, 11, 30)),
            "recent": sum(1 for _, at in pairs if NOW - timedelta(weeks=8) <= at <= NOW)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("figures") / "output"
    moment = NOW.isoformat()
    result = build_site(output, extra=["-e", f'SITE_NOW="{moment}"', f'NEWSLETTER_NOW="{moment}"'])
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture(scope="module")
def plan_html(tmp_path_factory):
    """The Redaktionsplan of an empty store over the demo wall (content/), clock frozen at NOW."""
    from scheduler.config import Settings
    from scheduler.curate.review.app import ReviewApp
    from scheduler.curate.review.auth import AuthConfig
    from scheduler.store.db import make_engine, migrate, session_factory

    folder = tmp_path_factory.mktemp("plan")
    settings = Settings(root=folder, db_url=f"sqlite:///{folder / 'soists.db'}", media_dir=folder / "media")
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOISTS_CONTENT_DIR", str(CONTENT))
        app = ReviewApp(session_factory(engine), settings, load_registry(), "eva", AuthConfig("none", "X-Remote-User", "eva"))
        app.plan.clock = lambda: NOW.astimezone(timezone.utc)
        page = app.plan.render_plan("week", None, 4, "token")
    engine.dispose()
    return BeautifulSoup(page, "lxml")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from scheduler.report.render import write
    from scheduler.report.run import ReportRequest, compute
    from scheduler.store.db import migrate

    folder = tmp_path_factory.mktemp("report")
    db_url = f"sqlite:///{folder / 'soists.db'}"
    migrate(db_url)
    request = ReportRequest(date(2026, 1, 1), date(2026, 12, 31), folder / "out", pdf=False)
    computed = compute(db_url, request, now=NOW.astimezone(timezone.utc), content_dir=CONTENT)
    written = write(computed, request.out, CONTENT, pdf=False)
    return computed, BeautifulSoup(written.html.read_text(encoding="utf-8"), "lxml")


def test_the_demo_has_something_to_count(expected):
    ever, year = expected["ever"], expected["year"]
    assert 0 < ever.count < 179 and expected["november"].count > 0 and expected["recent"] > 0
    assert year.count == ever.count  # the demo wall starts in June 2026: „bisher“ is „in diesem Jahr“ here


def test_site_sentence_overview_and_pages(site, expected):
    ever = expected["ever"]
    about = text(soup(site / "ueber/index.html"))
    assert f"Bisher wurden {ever.count} von 179 Kommunen bei So ist S vorgestellt." in about
    overview = soup(site / "kommunen/index.html")
    assert f"noch nie vorgestellt ({ever.never})" in text(overview)
    assert len([li for li in overview.select(".municipality-list li") if "× vorgestellt" in text(li)]) == ever.count
    featured_pages = [p for p in (site / "kommunen").glob("*/index.html")
                      if "× vorgestellt, zuletzt am" in text(soup(p).select_one("dl.facts"))]
    assert len(featured_pages) == ever.count
    for page in (site / "kommunen").glob("*/index.html"):
        assert "gezeigt" not in text(soup(page).select_one("dl.facts"))


def test_a_municipality_with_an_article_but_no_photo_says_so(site, expected):
    plochingen = load_registry().by_slug["plochingen"]
    assert plochingen.ags not in expected["ever"].featured
    page = soup(site / "kommunen/plochingen/index.html")
    assert "noch kein #SoistS-Foto vorgestellt" in text(page.select_one("dl.facts"))
    assert page.find("a", href=re.compile("instawalk-plochingen"))  # the article is listed on its own


def test_plan_strip_and_rueckblick(plan_html, expected):
    def strip(key: str) -> int:
        return int(plan_html.select_one(f"li.cov-{key} summary strong").get_text())

    assert strip("featured") == expected["year"].count
    assert f"in diesem Jahr ({NOW.year}) vorgestellt" in text(plan_html.select_one("li.cov-featured summary"))
    assert strip("none") == expected["ever"].never  # an empty store: nothing collected, so never vorgestellt
    assert strip("featured") + strip("none") <= 179
    past = plan_html.select_one("section.past")
    assert "kein Beitrag veröffentlicht" not in text(past)
    assert len(past.select("td[data-label=Kommune]")) == expected["recent"]


def test_report(report, expected):
    computed, page = report
    assert computed.current.featured == expected["year"].count
    assert computed.current.features == expected["year"].published
    headline = text(page)
    assert f"Kommunen vorgestellt {expected['year'].count} von 179" in headline
    assert "Stand: 25. November 2026" in headline  # the frozen now, never a later day


def test_newsletter_issue(site, expected):
    issue = json.loads((site / "newsletter/2026-11/issue.json").read_text(encoding="utf-8"))
    assert issue["featured_municipalities"] == expected["november"].count and issue["municipalities"] == 179
    assert issue["coverage_sentence"] == (f"Im November 2026 wurden {expected['november'].count} von 179 "
                                          "Kommunen bei So ist S vorgestellt.")
    assert not (site / "newsletter/2026-12").exists()  # no issue for a month after now


def test_all_four_agree(site, plan_html, report, expected):
    about = text(soup(site / "ueber/index.html"))
    on_site = int(re.search(r"Bisher wurden (\d+) von 179", about).group(1))
    on_plan = int(plan_html.select_one("li.cov-featured summary strong").get_text())
    in_report = report[0].current.featured
    issue = json.loads((site / "newsletter/2026-11/issue.json").read_text(encoding="utf-8"))
    assert on_site == on_plan == in_report == expected["year"].count
    assert issue["featured_municipalities"] <= on_site


@pytest.mark.parametrize("today, year", [(date(2026, 12, 7), 2025), (date(2027, 1, 3), 2025),
                                         (date(2027, 1, 6), 2026), (date(2027, 6, 1), 2026)])
def test_the_demo_year_ends_before_today(today, year):
    demo = DemoYear(start=finished_year(today))
    assert demo.start == date(year, 1, 1) and demo.last_day == date(year, 12, 31)
    assert demo.end.astimezone(BERLIN).date() < today  # the report's „Stand“ is in the past
