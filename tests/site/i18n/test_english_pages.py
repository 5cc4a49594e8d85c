"""The English pages of the demo build (plugins/i18n), read back with lxml: they exist for every
listed page type, say lang="en", pair with their German page through hreflang both ways, link
English counterparts, show catalog texts, English dates and title_en, and are in the sitemap."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html

from plugins.i18n.catalog import translations
from plugins.region.registry import load_registry
from tests.conftest import ROOT
from tests.site.htmlcheck import local_target

PAGE_TYPES = {  # German path -> what it is; each must have an English twin at en/<path>
    "index.html": "home", "mitmachen/index.html": "Mitmachen", "ueber/index.html": "About",
    "datenschutz/index.html": "privacy", "termine/index.html": "calendar",
    "termine/archiv/index.html": "calendar archive", "termine/kategorie/instawalk/index.html": "calendar filter",
    "termine/talente-forum-2027/index.html": "event", "kommunen/index.html": "municipalities",
    "kommunen/plochingen/index.html": "municipality", "landkreise/index.html": "districts",
    "landkreise/esslingen/index.html": "district", "wall/index.html": "wall",
}
EVENTS = ROOT / "content" / "events"


def parse(path: Path):
    return html.fromstring(path.read_bytes())


def english_files(site: Path) -> list[Path]:
    return sorted((site / "en").rglob("*.html"))


def url_to_file(site: Path, url: str) -> Path:
    return local_target(site, site / "index.html", url)


def alternates(document) -> dict[str, str]:
    """hreflang -> the URL's path; the URLs are absolute (a relative hreflang URL is invalid)."""
    links = document.xpath('//head/link[@rel="alternate"][@hreflang]')
    assert all(urlsplit(link.get("href")).scheme in ("http", "https") for link in links)
    return {link.get("hreflang"): urlsplit(link.get("href")).path for link in links}


def event_header(slug: str) -> dict[str, str]:
    """The 'key: value' header of content/events/<slug>.md, read independently of the plugin."""
    header = EVENTS.joinpath(f"{slug}.md").read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)


def test_each_listed_page_type_and_every_municipality_has_an_english_page(demo_site):
    for german, kind in PAGE_TYPES.items():
        assert (demo_site / german).is_file(), kind
        assert (demo_site / "en" / german).is_file(), f"no English {kind} page"
    for municipality in load_registry():
        assert (demo_site / "en" / municipality.url / "index.html").is_file(), municipality.name
    month_pages = list((demo_site / "en" / "termine").glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/index.html"))
    assert month_pages


def test_english_pages_say_lang_en_and_german_pages_lang_de(demo_site):
    files = english_files(demo_site)
    assert len(files) > 200
    for path in files:
        assert parse(path).get("lang") == "en", path
    for german in PAGE_TYPES:
        assert parse(demo_site / german).get("lang") == "de", german


def test_hreflang_alternates_point_at_each_other_and_exist(demo_site):
    for english_file in english_files(demo_site):
        found = alternates(parse(english_file))
        assert set(found) == {"de", "en", "x-default"}, english_file
        assert found["x-default"] == found["de"]
        assert url_to_file(demo_site, found["en"]) == english_file
        german_file = url_to_file(demo_site, found["de"])
        assert german_file.is_file() and german_file == demo_site / english_file.relative_to(demo_site / "en")
        assert alternates(parse(german_file)) == found  # the German page names the same pair


def test_the_language_switch_links_the_counterpart_both_ways(demo_site):
    for german in PAGE_TYPES:
        german_switch = parse(demo_site / german).xpath('//a[contains(@class, "language-switch")]')
        english_switch = parse(demo_site / "en" / german).xpath('//a[contains(@class, "language-switch")]')
        assert len(german_switch) == len(english_switch) == 1, german
        assert url_to_file(demo_site, german_switch[0].get("href")) == demo_site / "en" / german
        assert url_to_file(demo_site, english_switch[0].get("href")) == demo_site / german
        assert german_switch[0].get("hreflang") == "en" and english_switch[0].get("lang") == "de"
    # A German page without an English version (the Impressum, campaigns) keeps the switch: to the English
    # home page, so a visitor who came in English keeps the way back; it names no hreflang pair.
    for german_only in ("impressum/index.html", "kampagnen/index.html"):
        page = parse(demo_site / german_only)
        switch = page.xpath('//a[contains(@class, "language-switch")]')
        assert len(switch) == 1 and url_to_file(demo_site, switch[0].get("href")) == demo_site / "en/index.html"
        assert not page.xpath('//link[@rel="alternate"][@hreflang]')


def test_links_on_english_pages_exist_and_prefer_the_english_page(demo_site):
    for english_file in english_files(demo_site)[::7]:  # a spread sample: every 7th page
        document = parse(english_file)
        for anchor in document.xpath("//a[@href]"):
            target = local_target(demo_site, english_file, anchor.get("href"))
            if target is None:
                continue
            assert target.exists(), f"{english_file}: {anchor.get('href')}"
            relative = target.relative_to(demo_site).as_posix()
            if anchor.get("hreflang") != "de" and not relative.startswith("en/"):
                assert not (demo_site / "en" / relative).exists(), f"{english_file}: German link {relative}"


def test_english_texts_come_from_the_catalog(demo_site):
    english = translations("en")
    home = parse(demo_site / "en/index.html")
    heading = "So ist S: die Region Stuttgart in 179 Kommunen"
    assert english.gettext(heading) != heading  # translated in en.po
    assert home.xpath("string(//h1)") == english.gettext(heading)
    menu = [a.text_content() for a in home.xpath('//nav[contains(@class, "main-nav")]//a')]
    assert menu == [english.gettext(label) for label in ("Fotowand", "Kommunen", "Termine", "Menschen", "Mitmachen")]
    german_home = parse(demo_site / "index.html")
    assert german_home.xpath("string(//h1)") == heading
    assert parse(demo_site / "en/mitmachen/index.html").xpath("string(//h1)") == "Take part"


def test_title_en_is_used_when_present_and_german_titles_are_marked(demo_site):
    with_english = without_english = 0
    for source in sorted(EVENTS.glob("*.md")):
        page = demo_site / "en/termine" / source.stem / "index.html"
        header = event_header(source.stem)
        heading = parse(page).xpath("//main//h1")[0]
        assert parse(page).xpath('//div[contains(@class, "prose")]')[0].get("lang") == "de"  # the editor's German body
        if header.get("title_en"):
            with_english += 1
            assert heading.text_content() == header["title_en"] and heading.get("lang") is None
        else:
            without_english += 1
            assert heading.text_content() == header["title"] and heading.get("lang") == "de"
    assert with_english and without_english
    summary = event_header("talente-forum-2027")["summary_en"]
    assert parse(demo_site / "en/termine/talente-forum-2027/index.html").xpath(
        'string(//meta[@name="description"]/@content)') == summary


def test_english_dates_in_berlin_time(demo_site):
    header = event_header("talente-forum-2027")
    start = datetime.strptime(header["start"], "%Y-%m-%d %H:%M")  # written in Europe/Berlin
    label = parse(demo_site / "en/termine/talente-forum-2027/index.html").xpath("string(//main//dd/time)")
    hour = start.hour % 12 or 12
    expected = f"{start:%A}, {start.day} {start:%B %Y}, {hour}:{start:%M}\u00a0{'am' if start.hour < 12 else 'pm'}"
    assert label.startswith(expected), label
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    pattern = re.compile(rf"^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{{1,2}} ({months}) \d{{4}}(, | to )")
    items = parse(demo_site / "en/termine/index.html").xpath('//time[@class="event-item__date"]')
    assert items and all(pattern.match(item.text_content()) for item in items)


def test_the_sitemap_lists_english_pages_with_their_alternates(demo_site):
    tree = etree.parse(str(demo_site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    entries = {url.findtext("s:loc", namespaces=ns): url for url in tree.getroot().findall("s:url", ns)}
    english = [loc for loc in entries if "/en/" in loc]
    assert len(english) == len(english_files(demo_site))
    entry = next(url for loc, url in entries.items() if loc.endswith("/en/kommunen/plochingen/"))
    links = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", ns)}
    assert links["en"].endswith("/en/kommunen/plochingen/") and links["de"].endswith("/kommunen/plochingen/")
    assert links["de"] in entries and links["en"] in entries


def test_the_footer_links_the_newsletter_archive(demo_site):
    for page, label in (("index.html", "Newsletter"), ("en/index.html", "Newsletter")):
        links = parse(demo_site / page).xpath('//footer//a[contains(@href, "/newsletter/")]')
        assert [a.text_content() for a in links] == [label]
        assert url_to_file(demo_site, links[0].get("href")).is_file()


@pytest.mark.parametrize("page", ["en/index.html", "en/termine/index.html", "en/kommunen/plochingen/index.html"])
def test_english_pages_load_nothing_from_third_parties(demo_site, page):
    document = parse(demo_site / page)
    csp = document.xpath('string(//meta[@http-equiv="Content-Security-Policy"]/@content)')
    assert "default-src 'self'" in csp
    for url in document.xpath("//@src | //link/@href"):
        assert not re.match(r"^(https?:)?//", url) or url.startswith("http://localhost"), url


def test_ics_links_stay_the_same_files(demo_site):
    def ics_links(path: Path) -> list[str]:
        return [a.get("href") for a in parse(path).xpath('//a[contains(@href, ".ics")]')]

    for german in ("termine/index.html", "termine/talente-forum-2027/index.html", "kommunen/stuttgart/index.html"):
        links = ics_links(demo_site / german)
        assert links and ics_links(demo_site / "en" / german) == links
        assert all(url_to_file(demo_site, link).is_file() for link in links)


def test_menus_mark_the_current_english_page(demo_site):
    calendar = parse(demo_site / "en/termine/index.html")
    assert [a.text_content() for a in calendar.xpath('//nav[contains(@class, "main-nav")]//a[@aria-current]')] == [
        translations("en").gettext("Termine")]
    assert [a.get("href") for a in calendar.xpath('//nav[contains(@class, "event-nav")]//a[@aria-current]')] == [
        "/en/termine/"]


def test_campaign_links_on_english_pages_are_marked_german(demo_site):
    """Campaign pages are German only: the English municipality and district pages link them with
    an English heading and each entry marked lang="de"; the German pages are unchanged."""
    found = 0
    for page in sorted((demo_site / "en").glob("*/*/index.html")):
        for section in parse(page).xpath('//section[@class="campaign-links"]'):
            found += 1
            assert section.xpath("string(h2)") == "Campaigns"
            assert all(item.get("lang") == "de" for item in section.xpath(".//li"))
            german = parse(demo_site / page.relative_to(demo_site / "en"))
            assert german.xpath('string(//section[@class="campaign-links"]/h2)') == "Kampagnen"
            assert not german.xpath('//section[@class="campaign-links"]//li[@lang]')
    assert found >= 2  # the Instawalk's municipality and the Gewinnspiel's district


def test_only_the_german_pages_are_indexed_for_search(demo_site):
    """There is no English search page: English twins carry no data-pagefind-body, so Pagefind
    makes no English index of the same content (it doubled the indexing of posts and events)."""
    entry = json.loads((demo_site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"de"}, entry["languages"]
    for german in ("termine/talente-forum-2027/index.html", "kommunen/plochingen/index.html", "ueber/index.html"):
        assert parse(demo_site / german).xpath("//*[@data-pagefind-body]"), german
        assert not parse(demo_site / "en" / german).xpath("//*[@data-pagefind-body]"), german
