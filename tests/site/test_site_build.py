"""The demo site, built for real into a temporary folder, read back file by file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from plugins.region.registry import load_registry
from tests.conftest import ROOT, build_site
from tests.production.real_site import SETTINGS, minimal_content, production_build
from tests.site.htmlcheck import CSS_URL, html_pages, is_external, local_target, references, soup


def test_one_page_per_municipality_with_its_name(demo_site):
    registry = load_registry()
    pages = list((demo_site / "kommunen").glob("*/index.html"))
    assert len(pages) == 179
    for municipality in registry:
        document = soup(demo_site / municipality.url / "index.html")
        assert document.h1.get_text(strip=True) == municipality.name
        assert municipality.district in document.get_text()


def test_umlauts_sharp_s_and_both_altdorfs(demo_site):
    assert soup(demo_site / "kommunen/suessen/index.html").h1.get_text() == "Süßen"
    assert soup(demo_site / "kommunen/boeblingen/index.html").h1.get_text() == "Böblingen"
    altdorf_bb = soup(demo_site / "kommunen/altdorf-boeblingen/index.html")
    altdorf_es = soup(demo_site / "kommunen/altdorf-esslingen/index.html")
    assert altdorf_bb.h1.get_text() == altdorf_es.h1.get_text() == "Altdorf"
    assert "Landkreis Böblingen" in altdorf_bb.get_text() and "08115002" in altdorf_bb.get_text()
    assert "Landkreis Esslingen" in altdorf_es.get_text() and "08116005" in altdorf_es.get_text()
    # The portrait that names Altdorf by AGS appears on the Böblingen one only.
    assert "Sophie" in altdorf_bb.get_text() and "Sophie" not in altdorf_es.get_text()


def test_six_district_pages_and_the_overview(demo_site):
    registry = load_registry()
    for district in registry.districts:
        document = soup(demo_site / district.url / "index.html")
        assert document.h1.get_text() == district.name
        links = {a["href"] for a in document.select(".municipality-list a")}
        assert links == {f"/{m.url}" for m in district.municipalities}
        count = len(district.municipalities)  # „44 Kommunen im Landkreis Esslingen“, „1 Kommune im Stadtkreis Stuttgart“
        assert document.select_one("p.lead").get_text() == \
            f"{count} Kommune{'n' if count != 1 else ''} im {district.name}."
        assert document.select_one(".site-footer").find("a", string="Kampagnen")["href"] == "/kampagnen/"
    overview = soup(demo_site / "kommunen/index.html")
    assert len(overview.select(".municipality-list a")) == 179
    svg = overview.find("svg", class_="region-map")
    assert svg is not None and len(svg.find_all("circle")) == 179
    assert not svg.find("image")  # drawn from coordinates, no map tiles


def test_municipality_page_lists_content_that_names_it(demo_site):
    page = soup(demo_site / "kommunen/plochingen/index.html")
    assert "Hundertwasserhaus" in page.get_text()  # the editor's intro
    assert page.find("a", href="/artikel/instawalk-plochingen/")
    goeppingen = soup(demo_site / "kommunen/goeppingen/index.html")
    assert goeppingen.find("a", href="/artikel/netzwerkgespraeche-transformation/")


def test_no_broken_internal_links(demo_site):
    broken = []
    for page in html_pages(demo_site):
        for tag, url in references(soup(page)):
            target = local_target(demo_site, page, url)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(demo_site)}: <{tag}> {url}")
    assert broken == []


def test_every_image_has_alt_text(demo_site):
    missing = [f"{page.relative_to(demo_site)}: {img.get('src')}"
               for page in html_pages(demo_site) for img in soup(page).find_all("img")
               if not img.get("alt", "").strip()]
    assert missing == []


def test_nothing_is_loaded_from_another_host(demo_site):
    external = []
    for page in html_pages(demo_site):
        document = soup(page)
        for tag, url in references(document):
            if tag != "a" and is_external(url):
                external.append(f"{page.relative_to(demo_site)}: <{tag}> {url}")
        for link in document.find_all("link", rel="stylesheet"):
            if is_external(link["href"]):
                external.append(f"{page.relative_to(demo_site)}: stylesheet {link['href']}")
    for css in demo_site.rglob("*.css"):
        external += [f"{css.name}: {url}" for url in CSS_URL.findall(css.read_text()) if is_external(url)]
    assert external == []


def test_sitemap_lists_every_page(demo_site):
    tree = etree.parse(str(demo_site / "sitemap.xml"))
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text.replace("http://localhost:8000", "") for loc in tree.findall(".//s:loc", namespace)}
    expected = set()
    for page in html_pages(demo_site):
        relative = "/" + page.relative_to(demo_site).as_posix()
        if relative != "/404.html" and not relative.startswith("/admin/"):  # the web editor: not for visitors
            expected.add(relative[: -len("index.html")] if relative.endswith("index.html") else relative)
    assert listed == expected
    assert "/kommunen/suessen/" in listed
    assert "Sitemap: http://localhost:8000/sitemap.xml" in (demo_site / "robots.txt").read_text()


def test_feeds_404_and_german_pages(demo_site):
    feed = etree.parse(str(demo_site / "feeds/alle.atom.xml"))
    assert feed.getroot().tag == "{http://www.w3.org/2005/Atom}feed"
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) >= 12
    assert soup(demo_site / "404.html").h1.get_text() == "Seite nicht gefunden"
    for slug in ("mitmachen", "ueber", "impressum", "datenschutz"):
        document = soup(demo_site / slug / "index.html")
        assert document.html["lang"] == "de"
    assert "#SoistS" in soup(demo_site / "mitmachen/index.html").get_text()
    article = soup(demo_site / "artikel/green-tech-region/index.html")
    assert "18. August 2026" in article.get_text()


def test_accessibility_landmarks_and_social_metadata(demo_site):
    for relative in ("index.html", "kommunen/index.html", "kommunen/plochingen/index.html",
                     "artikel/green-tech-region/index.html"):
        document = soup(demo_site / relative)
        assert document.find("a", class_="skip-link")["href"] == "#inhalt"
        assert document.find("main", id="inhalt") and document.find("header") and document.find("footer")
        assert document.find("nav", attrs={"aria-label": "Hauptnavigation"})
        for prop in ("og:title", "og:description", "og:image", "og:url"):
            assert document.find("meta", property=prop)["content"], prop
        assert document.find("meta", attrs={"name": "twitter:card"})
        assert not document.find("script", src=True) or all(not is_external(s["src"]) for s in document.find_all("script", src=True))


def test_at_least_twelve_articles_and_portraits_across_districts(demo_site):
    registry = load_registry()
    article_pages = list((demo_site / "artikel").glob("*/index.html"))
    assert len(article_pages) >= 12
    districts = set()
    for page in article_pages:
        for link in soup(page).select("article a[href^='/kommunen/']"):
            districts.add(registry.by_slug[link["href"].split("/")[2]].district_slug)
    assert len(districts) >= 4
    portraits = soup(demo_site / "rubrik/menschen-in-der-region/index.html").select(".portrait-card")
    assert len(portraits) >= 5


def _content_with(tmp_path: Path, files: dict[str, str]) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "data", content / "data")
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    return content


@pytest.mark.parametrize("files, expected", [
    ({"articles/a.md": "Title: A\nDate: 2026-01-01\nMunicipality: stuttgrat\n\nText"},
     ["articles/a.md", "'municipality'", "stuttgrat", "stuttgart"]),
    ({"articles/b.md": "Title: B\nDate: 2026-13-45\n\nText"},
     ["articles/b.md", "'date'", "2026-13-45"]),
    ({"articles/p.md": "Title: P\nDate: 2026-01-01\nCategory: Menschen in der Region\nFirstname: Eva\n"
                       "Municipality: fellbach\nImage: images/x.jpg\nAlt: x\n\nText"},
     ["articles/p.md", "'quote'"]),
    ({"kommunen/stutgart.md": "Title: X\n\nText"}, ["kommunen/stutgart.md", "'filename'", "stuttgart"]),
])
def test_malformed_metadata_stops_the_build_naming_file_field_and_value(tmp_path, files, expected):
    result = build_site(tmp_path / "out", content=_content_with(tmp_path, files))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Build stopped" in output
    for fragment in expected:
        assert fragment in output, (fragment, output)
    assert "Traceback" not in output


def test_strict_publish_build_turns_warnings_into_errors(tmp_path):
    # The clean production build of the demo content (with the operator's settings and without
    # placeholders) is tests/production/test_production_build.py.
    content = minimal_content(tmp_path)
    (content / "pages" / "x.md").write_text("Title: X\n\n[kaputt]({filename}gibtsnicht.md)", encoding="utf-8")
    broken = production_build(tmp_path / "bad", content=content, settings=SETTINGS)
    assert broken.returncode != 0
    assert "gibtsnicht.md" in broken.stdout + broken.stderr
    assert "Build stopped" not in broken.stdout + broken.stderr  # no placeholder: the warning stopped it


def test_municipality_page_offers_badge_snippet_and_feed(demo_site):
    page = soup(demo_site / "kommunen/plochingen/index.html")
    snippet = page.find("textarea", id="badge-code").get_text()
    assert snippet.startswith("<a href=") and "/kommunen/plochingen/" in snippet and "badge.svg" in snippet
    assert "<script" not in snippet
    feed_link = page.find("link", rel="alternate", type="application/atom+xml", href="/kommunen/plochingen/feed.atom")
    assert feed_link is not None and (demo_site / "kommunen/plochingen/feed.atom").exists()


def test_page_titles_are_escaped_after_striptags(tmp_path):
    content = _content_with(tmp_path, {"pages/x.md": "Title: Fisch &amp; Chips &lt;b&gt;\n\nText"})
    result = build_site(tmp_path / "out", content=content)
    assert result.returncode == 0, result.stdout + result.stderr
    head = soup(tmp_path / "out/x/index.html").head
    assert head.title.get_text() == "Fisch & Chips <b> – So ist S"
    assert head.find("b") is None
