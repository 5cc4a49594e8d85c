"""A real build with December content (three photos, a portrait, a campaign call): the web
version and archive on the site, the mail made from the same issue.json, its size, its
links, and how it renders in Chromium at 600 and 390 px."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from plugins.community.postfile import CommunityPost, write_post_file
from plugins.newsletter.selection import Month
from scheduler.newsletter.compose import GMAIL_CLIP_BYTES, personalise
from scheduler.newsletter.run import NewsletterError, export, make_newsletter
from tests.conftest import ROOT, build_site

SITEURL = "https://so-ist-s.example"
DECEMBER = Month(2026, 12)
MADE = datetime.fromisoformat("2026-12-31T12:00:00+01:00")  # when the mail is made (as NEWSLETTER_NOW below)
PLACES = ("plochingen", "waiblingen", "boeblingen")


def december_content(folder: Path) -> Path:
    content = folder / "content"
    shutil.copytree(ROOT / "content", content)
    source = sorted((content / "images" / "community").glob("*.jpg"))[0]
    for day, place in zip((3, 12, 24), PLACES):
        post_id = f"2026-12-{day:02d}-{place}"
        shutil.copy(source, content / "images" / "community" / f"{post_id}.jpg")
        write_post_file(CommunityPost(
            id=post_id, platform="instagram", municipality=place, taken=date(2026, 12, day),
            featured=datetime.fromisoformat(f"2026-12-{day:02d}T18:00:00+01:00"),
            image=f"images/community/{post_id}.jpg", alt=f"Winterabend in {place.title()} mit Lichtern",
            consent_date=date(2026, 12, day), consent_method="Instagram-Direktnachricht", handle=f"winter_{day}",
            original_url=f"https://www.instagram.com/p/Dez{day}/", caption="Winter! #SoistS"), content)
    karl = (content / "articles" / "menschen" / "karl-suessen.md").read_text(encoding="utf-8")
    (content / "articles" / "menschen" / "karl-im-dezember.md").write_text(
        karl.replace("Date: 2026-09-02 12:00", "Date: 2026-12-05 12:00"), encoding="utf-8")
    (content / "kampagnen").mkdir(exist_ok=True)
    (content / "kampagnen" / "winter.md").write_text(  # in the campaigns plugin's format (its one parser)
        "title: Winter in der Region\nkind: instawalk\nhashtags: #WinterSoistS\nstart: 2026-12-01\n"
        "end: 2027-01-15\ndistrict: esslingen\n"
        "summary: Zeig uns, wie die Region im Winter aussieht.\n\nText\n", encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("newsletter")
    output = folder / "output"
    result = build_site(output, december_content(folder), extra=[
        "-e", "COMMUNITY_SHOW_FUTURE=true", 'NEWSLETTER_NOW="2026-12-31T12:00:00+01:00"'])
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def test_web_version_and_archive(site):
    archive = soup(site / "newsletter" / "index.html")
    links = [a["href"] for a in archive.select("main a.event-item__title")]
    assert links[0] == "/newsletter/2026-12/" and "/newsletter/2026-06/" in links  # newest first, every month
    assert archive.html["lang"] == "de" and "Hier findest du jede Ausgabe" in archive.text
    page = soup(site / "newsletter" / "2026-12" / "index.html")
    assert page.h1.text == "So ist S im Dezember 2026"
    titles = [a.text for a in page.select("#fotos ~ .card-grid .card__title a")]
    assert titles == ["Plochingen: Foto von @winter_3", "Waiblingen: Foto von @winter_12",
                      "Böblingen: Foto von @winter_24"]
    assert "3. Dezember 2026" in page.text and "Karl" in page.select_one(".portrait-card").text
    assert page.select_one("#aufruf").find_parent("section").text.count("15. Januar 2027") == 1
    assert [li.select_one("a").text for li in page.select("#termine ~ ul li")]  # January 2027 has an event
    assert all(img.get("alt") for img in page.select("main img"))


def test_the_mail_is_the_web_version(site):
    data = json.loads((site / "newsletter" / "2026-12" / "issue.json").read_text(encoding="utf-8"))
    newsletter = make_newsletter(site, DECEMBER, SITEURL, MADE)
    page = soup(site / "newsletter" / "2026-12" / "index.html")
    assert [f["title"] for f in data["features"]] == [a.text for a in page.select(".card__title a")]
    html = BeautifulSoup(newsletter.html, "lxml")
    for feature in data["features"]:
        assert html.find("a", href=f"{SITEURL}/{feature['url']}")
    assert newsletter.issue.campaign.title == "Winter in der Region"
    assert newsletter.subject == "So ist S im Dezember 2026: 3 Fotos und die Termine für Januar 2027"


def test_mail_html_is_small_absolute_and_private(site):
    newsletter = make_newsletter(site, DECEMBER, SITEURL, MADE)
    html = personalise(newsletter.html, "https://so-ist-s.example/abmelden?e=x%40y", html=True)
    assert len(html.encode("utf-8")) < GMAIL_CLIP_BYTES, "Gmail clips mails over 102 kB"
    document = BeautifulSoup(html, "lxml")
    images = document.find_all("img")
    assert len(images) == 4  # three photos and a portrait, nothing else (no tracking pixel)
    for img in images:
        assert img["src"].startswith(f"{SITEURL}/images/") and img["src"].endswith(".jpg")
        assert img.get("alt") and int(img["width"]) >= 200
        assert (site / img["src"].removeprefix(SITEURL + "/")).is_file()  # the derivative is on the site
    urls = [tag.get(attr) for tag in document.find_all(True) for attr in ("href", "src") if tag.get(attr)]
    assert urls and all(url.startswith(SITEURL + "/") for url in urls)
    assert not document.find("link") and not document.find("script")  # no web font, no script
    for url in urls:  # every link of the mail exists on the site
        path = url.removeprefix(SITEURL + "/").split("?")[0]
        assert (site / path).is_file() or (site / path / "index.html").is_file() or "abmelden" in url, url
    assert "3. Dezember 2026" in newsletter.text and "Du kannst bis zum 15. Januar 2027 mitmachen" in newsletter.text
    # the site's date ranges carry a word joiner after the dash (no line break there); plain text has no use for it
    assert "\u2013" in newsletter.text and "\u2060" not in newsletter.text


def test_a_mail_made_later_leaves_out_the_events_that_are_over(site):
    announced = make_newsletter(site, DECEMBER, SITEURL, MADE).issue.events
    assert announced
    first = datetime.fromisoformat(announced[0].when)
    # a minute after the first date began (an all-day date counts until the end of its day)
    later = first + (timedelta(minutes=1) if first.tzinfo else timedelta(days=1))
    mail = make_newsletter(site, DECEMBER, SITEURL, later)
    assert announced[0] not in mail.issue.events and set(mail.issue.events) <= set(announced[1:])
    if not mail.issue.events:
        assert "stehen noch keine Termine fest" in mail.text
    web = json.loads((site / "newsletter" / "2026-12" / "issue.json").read_text(encoding="utf-8"))
    assert len(web["events"]) == len(announced)  # the web archive keeps what the issue announced


def test_import_files(site, tmp_path):
    made = export(site, DECEMBER, SITEURL, tmp_path / "export", merge_tag="*|UNSUB|*")
    meta = json.loads(made.files["metadata"].read_text(encoding="utf-8"))
    assert meta["subject"].startswith("So ist S im Dezember 2026") and meta["below_gmail_clip"]
    assert meta["web_version"] == f"{SITEURL}/newsletter/2026-12/"
    assert 'href="*|UNSUB|*"' in made.files["html"].read_text(encoding="utf-8")
    assert "Newsletter abbestellen: *|UNSUB|*" in made.files["text"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(made.files["items"].open(encoding="utf-8")))
    assert [r["kind"] for r in rows].count("foto") == 3 and all(r["url"].startswith(SITEURL) for r in rows)
    with pytest.raises(NewsletterError):
        export(site, Month(2027, 5), SITEURL, tmp_path / "none")


@pytest.mark.browser
@pytest.mark.parametrize("width", [600, 390])
def test_mail_renders_in_chromium(site, serve_dir, chromium_browser, width, tmp_path):
    base = serve_dir(site)
    newsletter = make_newsletter(site, DECEMBER, base, MADE)
    (site / "mail.html").write_text(personalise(newsletter.html, f"{base}/newsletter/", html=True), encoding="utf-8")
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/mail.html", wait_until="networkidle")
    assert requests and all(url.startswith(base) for url in requests), "only the site's own URLs"
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    widths = page.evaluate("[...document.images].map(i => i.getBoundingClientRect().width)")
    if width == 390:
        assert max(widths) > 300  # the columns stack: photos use the phone's width
    else:
        assert 250 <= widths[0] <= 300  # two photos side by side
    folder = Path(os.environ.get("SOISTS_NEWSLETTER_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"newsletter-2026-12-{width}.png"), full_page=True)
    assert page.title() == newsletter.subject
    context.close()
