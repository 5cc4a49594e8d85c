"""The real editor in Chromium against decap-server (git mode) on a temporary copy of content/.

An editor creates an event with umlauts and a recurrence, moves it through the editorial
workflow (Entwurf → Zur Überprüfung → Abgeschlossen) and publishes it; the Markdown file on
the main branch passes the project's validation, and a real build shows it on the Termine
pages and in the ICS (read back with icalendar). Editing and deleting work the same way; an
invalid field shows the editor's error and nothing is written.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from PIL import Image

from plugins.cms import write_admin
from plugins.community.postfile import split_header
from plugins.events.model import parse_event
from plugins.region.registry import load_registry
from tests.cms.cms_helpers import content_repo, git, require_decap, start_proxy
from tests.conftest import build_site

pytestmark = pytest.mark.browser

SLUG = "stadtfuehrung-oelmuehle-goeppingen"  # written by the editor into the slug field
TITLE = "Stadtführung Ölmühle Göppingen"
NOW = 'EVENTS_NOW="2026-12-01T12:00:00+01:00"'


@pytest.fixture(scope="module")
def editor(tmp_path_factory, serve_dir, chromium_browser):
    require_decap()
    folder = tmp_path_factory.mktemp("cms")
    repo = content_repo(folder)
    proxy, proxy_url = start_proxy(repo, folder / "decap-server.log")
    site = folder / "site"
    write_admin(site, {"CMS_PROXY_URL": proxy_url})
    base = serve_dir(site)
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")  # a German editor
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI machine: the proxy commits, the editor re-renders
    page.foreign_requests, page.csp_violations = [], []
    local = (base, proxy_url.rsplit("/api", 1)[0], "data:", "blob:")
    page.on("request", lambda r: r.url.startswith(local) or page.foreign_requests.append(r.url))
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
    posts: list[str] = []  # what the editor asks the proxy
    page.on("request", lambda r: r.method == "POST" and posts.append(r.post_data or ""))
    page.dialogs = []  # "Soll dieser Beitrag wirklich veröffentlicht werden?", size refusals
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    page.goto(base + "/admin/")
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Termine").first.wait_for()
    yield SimpleNamespace(page=page, base=base, repo=repo, folder=folder, context=context, posts=posts)
    context.close()
    proxy.terminate()
    proxy.wait(timeout=10)


def open_editor(editor, route: str, page=None):
    """A fresh document for every step: a hash change alone keeps an unsaved draft of the
    previous screen in the editor's state."""
    page = page or editor.page
    page.goto("about:blank")
    page.goto(f"{editor.base}/admin/#{route}")
    page.wait_for_function("() => /Login|Zurück zu|Arbeitsablauf|Inhalt/.test(document.body.innerText)")
    if page.get_by_role("button", name="Login").count():
        page.get_by_role("button", name="Login").click()
    return page


def field(page, name: str):
    return page.locator(f'[id^="{name}-field-"]')


def choose(page, name: str, label: str) -> None:
    box = field(page, name)
    box.click()
    box.fill(label)
    page.get_by_role("option", name=label, exact=True).click()


def choose_municipality(page, typed: str, name: str = "municipality") -> str:
    """Types into the municipality field and takes the first suggestion; returns its text."""
    box = page.locator(f'input[id^="{name}-field-"]')
    box.click()
    box.press_sequentially(typed)
    first = page.get_by_role("listbox", name="Vorschläge").get_by_role("option").first
    text = first.inner_text()
    first.click()
    return text


MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]


def pick_moment(page, name: str, day: str, time: str = "") -> None:
    """As a German editor does it: the calendar (clicks: month by month, then the day), then
    the time as HH:MM; never the storage format JJJJ-MM-TT."""
    widget = page.locator(".soists-zeitpunkt").filter(has=page.locator(f'[id="{name}-field-"], [id^="{name}-field-"]'))
    widget.get_by_role("button", name="Kalender", exact=True).click()
    d, m, y = (int(part) for part in day.split("."))
    wanted = f"{MONTHS[m - 1]} {y}"
    for _ in range(36):
        shown = widget.locator(".soists-kalender strong").inner_text()
        if shown == wanted:
            break
        later = (int(shown.split()[1]), MONTHS.index(shown.split()[0])) > (y, m - 1)
        widget.get_by_role("button", name="Vorheriger Monat" if later else "Nächster Monat").click()
    widget.get_by_role("button", name=f"{d}. {wanted}", exact=True).click()
    if time:
        box = page.locator(f'input[id^="{name}-field-"][id$="-uhrzeit"]')
        box.fill("")
        box.press_sequentially(time)


def rule_part(page, part: str):
    """A field of the recurrence: "" the kind (keine / wöchentlich / monatlich), then nth, day,
    end, until, count, interval."""
    if not part:
        return page.locator(".soists-wiederholung select").first
    return page.locator(f'.soists-wiederholung [id$="-{part}"]')


def save(page) -> None:
    page.get_by_role("button", name="Speichern").click()
    try:
        page.get_by_text("Beitrag gespeichert").first.wait_for()
    except Exception:
        page.screenshot(path="/tmp/cms-save-failed.png", full_page=True)
        raise AssertionError(page.inner_text("body")[:3000])


def publish(page) -> None:
    """Entwurf → Zur Überprüfung → Abgeschlossen, then "Jetzt veröffentlichen"."""
    for current, wanted in (("Entwurf", "Zur Überprüfung"), ("Zur Überprüfung", "Abgeschlossen")):
        page.get_by_text(f"Status: {current}").click()
        page.get_by_role("menuitem", name=wanted).click()
        page.get_by_text(f"Status: {wanted}").wait_for()
    page.get_by_text("Veröffentlichen", exact=True).click()
    page.get_by_role("menuitem", name="Jetzt veröffentlichen").click()
    page.get_by_text("Beitrag veröffentlicht").first.wait_for()


def settled(repo: Path, timeout_s: float = 30.0) -> None:
    """decap-server (git mode) checks a draft's branch out in the repository while it commits, then
    switches back: on a loaded machine a look at the working tree can fall into that moment."""
    deadline = time.monotonic() + timeout_s
    while git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() != "main" or git(repo, "status", "--porcelain"):
        assert time.monotonic() < deadline, git(repo, "status")
        time.sleep(0.2)


def validation_problems(path: Path) -> list[tuple[str, str]]:
    metadata, body = split_header(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    parse_event(str(path), path.stem, metadata, body, load_registry(), lambda _p, f, m: found.append((f, m)))
    return found


def test_a_new_event_goes_through_the_workflow_and_lands_in_content(editor):
    page, repo = open_editor(editor, "/collections/termine/new"), editor.repo
    field(page, "title").fill(TITLE)
    assert page.locator('[id^="uid-field-"]').count() == 0, "the uid is the system's, never shown"
    pick_moment(page, "start", "02.03.2027", "18:00")
    pick_moment(page, "end", "02.03.2027", "20:00")
    choose(page, "category", "Netzwerkgespräch")
    assert choose_municipality(page, "Göppingen").startswith("Göppingen")
    field(page, "location").fill("Alte Ölmühle")
    field(page, "address").fill("Große Straße 1, 73033 Göppingen")
    rule_part(page, "").select_option(label="monatlich am n-ten Wochentag")  # plain fields, not RRULE syntax
    rule_part(page, "nth").select_option(label="ersten")
    rule_part(page, "day").select_option(label="Dienstag")
    rule_part(page, "end").select_option(label="nach einer Anzahl")
    rule_part(page, "count").fill("3")
    field(page, "summary").fill("Führung durch die Ölmühle – für Groß und Klein.")
    field(page, "slug").fill(SLUG)
    save(page)
    settled(repo)
    # a draft is a branch, not yet a file on main
    branches = git(repo, "branch", "--list", "cms/*").split()
    assert any(b.startswith("cms/termine/") for b in branches), branches
    on_main = git(repo, "ls-tree", "--name-only", "main", "content/events/")  # the proxy may still be on the branch
    assert "content/events/stadtf" not in on_main
    page.screenshot(path="/tmp/cms-1280-event.png")
    publish(page)
    written = sorted((repo / "content/events").glob("stadtf*"))
    assert len(written) == 1, written
    editor.event_file = written[0]
    text = written[0].read_text(encoding="utf-8")
    assert f"title: {TITLE}\n" in text and "municipality: goeppingen\n" in text
    assert "rrule: FREQ=MONTHLY;BYDAY=1TU;COUNT=3\n" in text
    assert "start: 2027-03-02 18:00\n" in text and "end: 2027-03-02 20:00\n" in text, text
    uid = next(line[5:] for line in text.splitlines() if line.startswith("uid: "))
    assert uid.startswith("2027-") and uid.endswith("@so-ist-s.de"), uid
    editor.uid = uid
    assert validation_problems(written[0]) == []
    assert git(repo, "status", "--porcelain") == ""
    assert "Create Termin" in git(repo, "log", "-1", "--format=%s")
    assert page.foreign_requests == [] and page.csp_violations == []


def test_the_published_event_is_on_the_termine_pages_and_in_the_ics(editor):
    out = editor.folder / "build"
    result = build_site(out, content=editor.repo / "content", extra=["-e", NOW])
    assert result.returncode == 0, result.stdout + result.stderr
    slug = SLUG  # the slug field, not the file name, is the address (plugins/events/README.md)
    page = BeautifulSoup((out / f"termine/{slug}/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.h1.get_text(strip=True) == TITLE
    for month in ("03", "04", "05"):  # three first Tuesdays
        listing = (out / f"termine/2027/{month}/index.html").read_text(encoding="utf-8")
        assert f"termine/{slug}/" in listing and "Ölmühle" in listing, month
    calendar = Calendar.from_ical((out / "termine/ics/alle.ics").read_bytes())
    [vevent] = [c for c in calendar.walk("VEVENT") if str(c["UID"]) == editor.uid]
    assert str(vevent["SUMMARY"]) == TITLE
    assert vevent["DTSTART"].dt.isoformat() == "2027-03-02T18:00:00+01:00"
    assert vevent["RRULE"]["FREQ"] == ["MONTHLY"] and vevent["RRULE"]["COUNT"] == [3]
    assert "Große Straße 1" in str(vevent["LOCATION"])


def indexed_urls(site: Path) -> list[str]:
    """The pages in Pagefind's index: each fragment is gzip, a signature, then JSON with the url."""
    urls = []
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        urls.append(json.loads(data[data.index(b"{"):])["url"])
    return urls


def test_the_build_writes_the_editor_but_neither_sitemap_nor_search_lists_it(editor):
    out = editor.folder / "build"  # built by the test above
    assert (out / "admin" / "index.html").is_file() and (out / "admin" / "config.yml").is_file()
    assert "/admin/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    urls = indexed_urls(out)
    assert len(urls) > 100 and not [u for u in urls if "admin" in u]


def test_editing_the_event_changes_the_file_and_it_stays_valid(editor):
    page, repo = open_editor(editor, f"/collections/termine/entries/{editor.event_file.stem}"), editor.repo
    field(page, "summary").fill("Jetzt mit Verkostung: Öl aus der Mühle.")
    save(page)
    publish(page)
    text = editor.event_file.read_text(encoding="utf-8")
    assert "summary: Jetzt mit Verkostung: Öl aus der Mühle.\n" in text
    assert "sequence:" not in text, "a new summary is no new revision for the calendars"
    assert f"uid: {editor.uid}\n" in text, "the uid never changes"
    # a new time is: the system raises the revision and sets modified, the uid stays
    page = open_editor(editor, f"/collections/termine/entries/{editor.event_file.stem}")
    pick_moment(page, "start", "02.03.2027", "18:30")
    save(page)
    publish(page)
    text = editor.event_file.read_text(encoding="utf-8")
    assert "start: 2027-03-02 18:30\n" in text and "sequence: 1\n" in text and "modified: 20" in text
    assert f"uid: {editor.uid}\n" in text, "the uid never changes"
    assert validation_problems(editor.event_file) == []
    assert git(repo, "status", "--porcelain") == ""


def test_esslingen_finds_esslingen_and_a_picked_date_is_saved_as_the_events_plugin_reads_it(editor):
    """Issue #28 §2: „Esslingen“ put Altdorf (Landkreis Esslingen) first and the Instawalk was
    filed under Altdorf; „12.12.2026 14:00“ ended in the editor's required-fields error."""
    page, repo = open_editor(editor, "/collections/termine/new"), editor.repo
    field(page, "title").fill("Instawalk Esslinger Altstadt")
    first = choose_municipality(page, "Esslingen")
    assert first.startswith("Esslingen am Neckar") and "Landkreis Esslingen" in first, first
    box = page.locator('input[id^="municipality-field-"]')
    box.press_sequentially("Altdorf")  # both Altdorfs, each with its district
    assert sorted(page.get_by_role("listbox", name="Vorschläge").get_by_role("option").all_inner_texts()) == [
        "Altdorf – Landkreis Böblingen", "Altdorf – Landkreis Esslingen"]
    page.screenshot(path="/tmp/cms-1280-kommune.png")
    box.press("Escape")
    pick_moment(page, "start", "12.12.2026", "14:00")
    pick_moment(page, "end", "12.12.2026", "16:00")
    choose(page, "category", "Instawalk")
    field(page, "location").fill("Marktplatz")
    field(page, "address").fill("Marktplatz 1, 73728 Esslingen am Neckar")
    page.screenshot(path="/tmp/cms-1280-zeitpunkt.png")
    assert not page.locator(".soists-adresse-warnung").count(), "address and municipality agree"
    # filed under the wrong place, the editor says so beside the field
    page.get_by_role("button", name="Esslingen am Neckar entfernen").click()
    choose_municipality(page, "Plochingen")
    warning = page.locator(".soists-adresse-warnung")
    assert "Die Adresse liegt in Esslingen am Neckar (Landkreis Esslingen), gewählt ist Plochingen" in warning.inner_text()
    warning.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/cms-1280-adresse-warnung.png")
    page.get_by_role("button", name="Plochingen entfernen").click()
    choose_municipality(page, "Esslingen")
    save(page)
    assert not page.get_by_text("Oops").count()
    publish(page)
    [written] = sorted((repo / "content/events").glob("instawalk-esslinger*"))
    text = written.read_text(encoding="utf-8")
    assert "municipality: esslingen-am-neckar\n" in text, text
    assert "start: 2026-12-12 14:00\n" in text and "end: 2026-12-12 16:00\n" in text, text
    assert validation_problems(written) == []


def test_an_existing_recurring_event_opens_into_plain_fields_and_keeps_its_rule_and_uid(editor):
    path = editor.repo / "content/events/fachkraefte-sprechstunde.md"
    before = path.read_text(encoding="utf-8")
    page = open_editor(editor, "/collections/termine/entries/fachkraefte-sprechstunde")
    page.locator(".soists-wiederholung").wait_for()
    assert rule_part(page, "").input_value() == "monatlich"
    assert rule_part(page, "nth").input_value() == "1" and rule_part(page, "day").input_value() == "TU"
    assert rule_part(page, "end").input_value() == "bis" and rule_part(page, "until").input_value() == "31.12.2027"
    assert page.locator('[id^="uid-field-"], [id^="sequence-field-"], [id^="allday-field-"]').count() == 0
    assert "RRULE" not in page.locator(".soists-wiederholung").inner_text()
    page.screenshot(path="/tmp/cms-1280-wiederholung.png")
    # the preview is the page as the site shows it: its stylesheet, its markup
    preview = page.frame_locator("#preview-pane")
    assert preview.locator("article.event-page h1").inner_text() == "Regionale Sprechstunde für Fachkräfte"
    assert preview.locator("dl.event-facts dt").all_inner_texts()[:2] == ["Wann", "Wo"]
    assert preview.locator("link[href$='site.css']").count() == 1
    field(page, "summary").fill("Offene Sprechstunde für Fachkräfte, jeden ersten Dienstag.")
    save(page)
    publish(page)
    after = path.read_text(encoding="utf-8")
    line = lambda text, key: next(l for l in text.splitlines() if l.startswith(key + ": "))  # noqa: E731
    assert line(after, "rrule") == line(before, "rrule") == "rrule: FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271231"
    assert line(after, "uid") == line(before, "uid"), "the uid stays across edits"
    assert validation_problems(path) == []


def test_an_invalid_field_shows_the_error_and_nothing_is_written(editor):
    repo = editor.repo
    head, branches = git(repo, "rev-parse", "HEAD"), git(repo, "branch", "--list")
    page = open_editor(editor, "/collections/termine/new")
    field(page, "title").fill("Kaputter Termin")
    choose(page, "category", "Messe")
    field(page, "location").fill("Messe")
    field(page, "address").fill("irgendwo")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Straße Nummer, PLZ Ort").first.wait_for()
    assert page.get_by_text("Beginn: Bitte ausfüllen.").first.is_visible()
    page.screenshot(path="/tmp/cms-1280-error.png")
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "branch", "--list") == branches
    assert git(repo, "status", "--porcelain") == ""


def test_deleting_the_event_removes_the_file(editor):
    page, repo = open_editor(editor, f"/collections/termine/entries/{editor.event_file.stem}"), editor.repo
    field(page, "title").wait_for()
    page.get_by_role("button", name="Lösche veröffentlichten Beitrag").click()
    for _ in range(100):  # the proxy deletes and commits in the background of the page
        if not editor.event_file.exists() and "Delete" in git(repo, "log", "-1", "--format=%s"):
            break
        page.wait_for_timeout(200)
    assert not editor.event_file.exists()
    assert git(repo, "status", "--porcelain") == ""
    assert "Delete Termin" in git(repo, "log", "-1", "--format=%s")


def test_an_oversized_upload_is_refused_and_a_photo_lands_in_the_portraits_folder(editor):
    page, repo = open_editor(editor, "/collections/menschen/entries/anna-bietigheim-bissingen"), editor.repo
    field(page, "quote").wait_for()
    # the media library of portraits is content/images/portraits/, where the existing ones are
    assert any('"mediaFolder":"content/images/portraits"' in body for body in editor.posts)
    page.screenshot(path="/tmp/cms-1280-portrait.png")
    page.get_by_role("button", name="Wähle ein anderes Bild").click()
    upload = page.locator("input[type=file]").first
    upload.wait_for(state="attached")
    upload.set_input_files({"name": "riesig.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"0" * 11_000_000})
    for _ in range(50):
        if page.dialogs:
            break
        page.wait_for_timeout(200)
    assert any("Datei zu groß" in d and "10000 kB" in d for d in page.dialogs), page.dialogs
    assert not list((repo / "content/images").rglob("riesig*"))
    assert git(repo, "status", "--porcelain") == ""
    # a photo of a sane size is taken: it lands beside the other portraits, the file names it
    photo = io.BytesIO()
    Image.new("RGB", (1200, 1500), (40, 120, 60)).save(photo, "JPEG")
    upload.set_input_files({"name": "anna-neu.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()})
    page.get_by_text("anna-neu.jpg").first.wait_for()
    use = page.get_by_role("button", name="Ausgewähltes Element verwenden")
    if use.is_disabled():  # the new upload is normally selected already
        page.get_by_text("anna-neu.jpg").first.click()
    use.click()
    save(page)
    publish(page)
    stored = repo / "content/images/portraits/anna-neu.jpg"
    assert stored.read_bytes() == photo.getvalue()
    text = (repo / "content/articles/menschen/anna-bietigheim-bissingen.md").read_text(encoding="utf-8")
    assert "image: images/portraits/anna-neu.jpg\n" in text and "alt: Gezeichnetes Porträt" in text
    assert git(repo, "status", "--porcelain") == ""


def test_the_editor_speaks_german_in_sentence_case(editor):
    """Issue #28 §2.6: „Zurück zu allen Termine“, „Änderungen gespeichert“ on a blank form,
    „Oops, einige zwingend erforderliche Felder…“, errors in capitals, „December 6“."""
    page = open_editor(editor, "/collections/termine/new")
    field(page, "title").wait_for()
    body = page.inner_text("body")
    assert "Zurück zur Übersicht" in body and "Zurück zu allen" not in body
    assert "Änderungen gespeichert" not in body.replace("Nicht gespeicherte Änderungen", "")
    field(page, "location").fill("Messe")  # Speichern needs a change; the title stays empty
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Bitte die rot markierten Felder").first.wait_for()
    assert "Oops" not in page.inner_text("body")
    error = page.get_by_text("Titel: Bitte ausfüllen.").first
    assert error.is_visible()
    assert error.evaluate("e => getComputedStyle(e).textTransform") == "none"
    page.screenshot(path="/tmp/cms-1280-german.png")
    field(page, "title").fill("Entwurf für die Tafel")  # a draft, so the board shows a card with its date
    pick_moment(page, "start", "12.12.2026")
    choose(page, "category", "Messe")
    field(page, "address").fill("Messepiazza 1, 70629 Stuttgart")
    save(page)
    page = open_editor(editor, "/workflow")
    page.get_by_text("Entwurf für die Tafel").first.wait_for()
    page.screenshot(path="/tmp/cms-1280-workflow-card.png")
    board = page.inner_text("body")
    assert re.search(r"\b\d\d\.\d\d\.20\d\d\b", board), board
    assert not any(month in board for month in ("January", "February", "March", "April", "May", "June", "July",
                                                "August", "September", "October", "November", "December")), board


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_editor(editor, width):
    page = editor.context.new_page()
    page.set_viewport_size({"width": width, "height": 844})
    open_editor(editor, "/collections/termine", page)
    page.get_by_text("Expo Real").first.wait_for()
    page.screenshot(path=f"/tmp/cms-{width}-list.png")
    open_editor(editor, "/collections/termine/entries/expo-real-2027", page)
    field(page, "title").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=f"/tmp/cms-{width}-edit.png")
    open_editor(editor, "/workflow", page)
    page.wait_for_timeout(1500)
    page.screenshot(path=f"/tmp/cms-{width}-workflow.png")
    assert page.evaluate("document.documentElement.lang") == "de"
    page.close()


def test_the_whole_session_stayed_local_and_within_the_policy(editor):
    """Every step above ran in this page: no request left the machine's two local servers
    (no CDN, font, status page), and the admin page's policy blocked nothing."""
    assert editor.page.foreign_requests == []
    assert editor.page.csp_violations == []
