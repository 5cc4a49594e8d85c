"""German that reads right and states facts: the built demo site read back, and the small
text functions behind it."""

from __future__ import annotations

import re
from datetime import date, datetime

from plugins.events import german
from plugins.navigation.dates import german_number, german_time
from plugins.navigation.text import cut_words, description, plain_text
from plugins.region.coverage import CoverageSummary, coverage_rows, summarise
from plugins.region.registry import load_registry
from plugins.region.wording import municipality_sentence
from tests.site.htmlcheck import html_pages, soup


def title(document) -> str:
    return document.title.get_text()


def meta_description(document) -> str:
    return document.find("meta", attrs={"name": "description"})["content"]


def test_cut_words_never_cuts_inside_a_word():
    assert cut_words("Bei uns kennt man sich noch beim Bäcker", 25) == "Bei uns kennt man sich…"
    assert cut_words("kurz", 25) == "kurz"
    assert len(cut_words("a " * 200, 160)) <= 160


def test_descriptions_drop_headings_and_keep_words_apart():
    html = "<h2>Kurz gesagt</h2><ul><li>Diese Website <strong>lädt nichts</strong></li><li>Keine&nbsp;Cookies</li></ul>"
    assert plain_text(html) == "Diese Website lädt nichts Keine Cookies"
    assert description(html, 20) == "Diese Website lädt…"


def test_numbers_times_and_dates_follow_the_style_guide():
    assert german_number(1234) == "1.234" and german_number(179) == "179"
    assert german_time(datetime(2026, 11, 23, 18, 0)) == "18:00\u00a0Uhr"
    start = datetime(2026, 11, 23, 18, 0, tzinfo=german.BERLIN)
    label = german.span_label(start, start.replace(hour=20))
    assert label.startswith("Mo., 23. November 2026, 18:00") and label.endswith("20:00\u00a0Uhr")


def test_coverage_sentence_states_what_the_data_shows():
    assert CoverageSummary(179, 179).sentence.startswith("Alle 179 Kommunen")
    assert CoverageSummary(179, 31).sentence == (
        "Bisher wurden 31 von 179 Kommunen bei So ist S vorgestellt. 148 warten noch auf das erste Foto.")
    assert "1 wartet" in CoverageSummary(179, 178).sentence
    registry = load_registry()
    rows = coverage_rows(registry, [(registry.by_slug["suessen"].ags, datetime(2026, 11, 1))], date(2026, 11, 2))
    assert summarise(rows) == CoverageSummary(179, 1)


def test_municipality_sentence():
    registry = load_registry()
    assert municipality_sentence(registry.by_slug["plochingen"]) == "Plochingen ist eine Stadt im Landkreis Esslingen."
    assert municipality_sentence(registry.by_slug["stuttgart"]).startswith("Stuttgart ist ein Stadtkreis")


def test_ueber_states_the_coverage_from_the_data(demo_site):
    overview = soup(demo_site / "kommunen/index.html")
    never = int(re.search(r"noch nie vorgestellt \((\d+)\)", overview.get_text()).group(1))
    text = soup(demo_site / "ueber/index.html").get_text(" ")
    assert f"Bisher wurden {179 - never} von 179 Kommunen" in text and f"{never} warten noch" in text
    assert "jede Kommune der Region mindestens einmal" not in text


def test_generated_wording(demo_site):
    not_found = soup(demo_site / "404.html").get_text(" ")
    assert "Diese Seite gibt es nicht (mehr)." in not_found
    post = next((demo_site / "wall").glob("2026-*/index.html"))
    assert "Gezeigt mit Erlaubnis der fotografierenden Person." in soup(post).get_text(" ")
    assert "Urhebers" not in soup(post).get_text(" ")
    topic = soup(demo_site / "thema/green-tech/index.html")
    assert title(topic) == "Thema: Green Tech – So ist S"
    assert topic.h1.get_text() == "Green Tech"
    assert title(soup(demo_site / "seite/2/index.html")) == "Seite 2 – So ist S"
    assert title(soup(demo_site / "index.html")) == "So ist S"


def test_no_title_is_cut_inside_a_word(demo_site):
    for link in soup(demo_site / "archiv/index.html").select("main li a"):
        text = link.get_text()
        assert not re.search(r"\w…$", text) or text[:-1] == text[:-1].rstrip(), text


def test_meta_descriptions_are_plain_sentences(demo_site):
    privacy = meta_description(soup(demo_site / "datenschutz/index.html"))
    assert not privacy.startswith("Kurz gesagt") and "gesagtDiese" not in privacy
    assert privacy.startswith("Diese Website lädt nichts von Dritten")
    for page in html_pages(demo_site):
        text = meta_description(soup(page))
        words = " ".join(w for w in text.split() if not w.startswith(("#", "@")))  # hashtags are camel case
        assert not re.search(r"[a-zäöüß][A-ZÄÖÜ][a-zäöüß]", words), (page, text)
        assert len(text) <= 170, page


def test_accessibility_pages_are_linked_from_every_footer_and_the_home_page(demo_site):
    for page in html_pages(demo_site):
        footer = soup(page).find("footer", class_="site-footer")
        if footer is None:
            continue
        hrefs = {a["href"] for a in footer.find_all("a")}
        assert "/barrierefreiheit/" in hrefs, page
    home = {a["href"] for a in soup(demo_site / "index.html").select("main a")}
    assert {"/leichte-sprache/", "/gebaerdensprache/"} <= home
    statement = soup(demo_site / "barrierefreiheit/index.html").get_text(" ").replace("\u00a0", " ")
    for phrase in ("teilweise", "§ 10 L-BGG", "axe-core", "Schlichtungsstelle nach § 10b L-BGG",
                   "Landeszentrum Barrierefreiheit", "barrierefreiheit@region-stuttgart.example", "1. Dezember 2026"):
        assert phrase in statement, phrase


def test_sign_language_page_has_a_local_video_with_captions(demo_site):
    document = soup(demo_site / "gebaerdensprache/index.html")
    video = document.find("video")
    track = video.find("track", kind="captions")
    assert track["srclang"] == "de" and track.has_attr("default")
    assert (demo_site / video.find("source")["src"].lstrip("/")).stat().st_size > 0
    assert (demo_site / track["src"].lstrip("/")).read_text(encoding="utf-8").startswith("WEBVTT")


def test_lazy_images_reserve_their_space(demo_site):
    for page in (demo_site / "index.html", demo_site / "wall/index.html", demo_site / "kommunen/esslingen-am-neckar/index.html"):
        for img in soup(page).find_all("img"):
            assert img.get("width") and img.get("height"), (page, img.get("src"))


def test_no_file_format_jargon_in_link_texts(demo_site):
    """Visitors read what a link does („Als Kalenderdatei herunterladen“), not a file extension or a
    format name („.ics“, „Atom-Feed“); a format may be explained in the sentence around the link."""
    for page in html_pages(demo_site):
        if "/en/" in str(page) or "/admin/" in str(page):
            continue
        for link in soup(page).select("main a"):
            text = link.get_text(" ")
            assert ".ics" not in text and "Atom" not in text and "iCal" not in text, (page, text)
    badge = soup(demo_site / "kommunen/plochingen/index.html").select_one(".badge-box").get_text(" ")
    assert "Feedreader" in badge and "Atom-Feed" not in badge
