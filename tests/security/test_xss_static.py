"""The XSS corpus in every free-text field of every content type, built once and read back:
HTML, JSON-LD, Atom feeds, ICS calendars and the sitemap carry no active vector."""

from __future__ import annotations

import re
from html import unescape

import pytest
from icalendar import Calendar
from lxml import etree

from tests.security.corpus import VECTORS, one_line
from tests.security.scan import html_findings, jsonld_findings
from tests.security.xss_site import AMPERSAND_TITLE, FIELDS, shared_base, shared_xss_site


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    return shared_xss_site(shared_base(tmp_path_factory))


def html_pages(output):
    return sorted(p for p in output.rglob("*.html") if not p.relative_to(output).parts[0] == "pagefind")


def test_no_active_vector_in_any_html_page(xss_site):
    pages = html_pages(xss_site.output)
    findings = []
    for path in pages:
        findings += html_findings(path.read_text(encoding="utf-8"), path.relative_to(xss_site.output).as_posix())
    print(f"\nstatic scan: {len(VECTORS)} vectors × {xss_site.field_count} fields "
          f"({', '.join(f'{k} {len(v)}' for k, v in FIELDS.items())}) × {len(pages)} HTML pages: "
          f"{len(findings)} findings")
    assert findings == []
    assert len(pages) > 400


def test_every_vector_reached_the_pages_as_text(xss_site):
    """Escaped, not dropped: the page title shows each vector exactly as the editor wrote it."""
    out = xss_site.output
    for index, vector in enumerate(VECTORS):
        html = (out / f"seite-{index}" / "index.html").read_text(encoding="utf-8")
        heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
        assert unescape(heading) == unescape(one_line(vector)).strip(), index  # entities decode once


def test_json_ld_parses_and_cannot_end_its_script(xss_site):
    found, names = [], []
    for path in sorted((xss_site.output / "termine").glob("termin-*/index.html")):
        problems, blocks = jsonld_findings(path.read_text(encoding="utf-8"), path.parent.name)
        found += problems
        names += [block["name"] for block in blocks]
    assert found == []
    assert sorted(names) == sorted(unescape(one_line(v)).strip() for v in VECTORS)  # the data survives


def test_feeds_are_well_formed_and_their_html_is_clean(xss_site):
    feeds = sorted(xss_site.output.glob("feeds/*.xml")) + sorted(xss_site.output.glob("kommunen/*/feed.atom"))
    atom = "{http://www.w3.org/2005/Atom}"
    findings, entries = [], 0
    for path in feeds:
        tree = etree.parse(str(path))  # raises on anything that is not well-formed XML
        for node in tree.iter(f"{atom}content", f"{atom}summary"):
            entries += 1
            if node.get("type") == "html":
                findings += html_findings(node.text or "", path.name)
        for node in tree.iter(f"{atom}title"):
            assert len(node) == 0 and node.get("type") in (None, "text"), path  # titles are plain text
    print(f"\nfeeds: {len(feeds)} files, {entries} HTML bodies: {len(findings)} findings")
    assert findings == []
    assert entries >= 2 * len(VECTORS)


def test_calendars_parse_and_keep_each_vector_as_one_text_value(xss_site):
    """icalendar escapes TEXT values (',', ';', '\\', line breaks): no vector adds a property or event."""
    import vobject

    calendar_path = xss_site.output / "termine" / "ics" / "alle.ics"
    raw = calendar_path.read_text(encoding="utf-8")
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert len(events) == len(VECTORS)
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted(unescape(one_line(v)).strip() for v in VECTORS)
    assert all(str(e["LOCATION"]).startswith(str(e["SUMMARY"])[:10]) for e in events)
    assert raw.count("BEGIN:VEVENT") == len(VECTORS)
    parsed = vobject.readOne(raw)
    assert len(parsed.vevent_list) == len(VECTORS)
    for path in sorted((xss_site.output / "termine" / "ics").glob("*.ics")):
        Calendar.from_ical(path.read_bytes())


def test_sitemap_is_well_formed_with_plain_urls(xss_site):
    tree = etree.parse(str(xss_site.output / "sitemap.xml"))
    locs = [node.text for node in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) > 400
    assert all(re.fullmatch(r"http://localhost:8000/[A-Za-z0-9/._%-]*", loc) for loc in locs), \
        [loc for loc in locs if not re.fullmatch(r"http://localhost:8000/[A-Za-z0-9/._%-]*", loc)][:5]


def test_titles_are_escaped_once_in_title_and_meta(xss_site):
    html = (xss_site.output / "artikel" / "mueller" / "index.html").read_text(encoding="utf-8")
    escaped = AMPERSAND_TITLE.replace("&", "&amp;")
    assert f"<title>{escaped} – So ist S</title>" in html
    for meta in ('property="og:title"', 'name="twitter:title"'):
        assert f'<meta {meta} content="{escaped}">' in html
    assert '<meta name="description" content="Tradition &amp; Handwerk in Esslingen">' in html
    assert "&amp;amp;" not in html


def test_removed_markup_is_a_warning_naming_file_and_field(xss_site):
    # the console logger wraps long lines and puts "validation.py:63" into the first one
    log = " ".join(re.sub(r"\S+\.py:\d+", " ", xss_site.log).split())
    assert "content/articles/article-0.md: field 'body': removed <script>" in log
    assert "content/events/termin-0.md: field 'summary': removed <script>" in log
    assert "content/kommunen/" in log and "field 'body': removed" in log
