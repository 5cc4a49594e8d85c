"""Captions are untrusted: nothing in them may execute, tags and mentions become plain links."""

from __future__ import annotations

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.community.sanitize import caption_html, plain

VECTORS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klick</a>',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "<iframe src=//evil.example></iframe>",
    "java\u0000script:alert(1) \u202ecod.exe",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "#<script>alert(1)</script> @<img/src/onerror=alert(1)>",
]


def assert_inert(html: str) -> None:
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all(["script", "img", "svg", "iframe", "style"]), html
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), html
            text = " ".join(value) if isinstance(value, list) else value
            assert not text.strip().lower().startswith(("javascript:", "data:", "vbscript:")), html


def test_classic_vectors_are_inert():
    for vector in VECTORS:
        assert_inert(caption_html(f"Schön hier {vector} #SoistS"))


def test_hashtags_and_mentions_become_links():
    html = caption_html("Abend in #Esslingen mit @anna.knipst. #SoistS a@b.de",
                        lambda tag: "/kommunen/esslingen-am-neckar/" if tag == "Esslingen" else None)
    soup = BeautifulSoup(html, "lxml")
    links = {a.get_text(): a for a in soup.find_all("a")}
    assert links["#Esslingen"]["href"] == "/kommunen/esslingen-am-neckar/"
    assert links["@anna.knipst"]["href"] == "https://www.instagram.com/anna.knipst/"
    assert links["@anna.knipst"]["rel"] == ["nofollow", "noopener"]
    assert "#SoistS" not in links and "@b.de" not in links
    assert soup.get_text().endswith("a@b.de")


def test_paragraphs_and_line_breaks():
    html = caption_html("eins\nzwei\n\ndrei")
    assert html == "<p>eins<br>zwei</p><p>drei</p>"


def test_plain_text_has_no_markup_characters():
    assert plain('"><script>x</script>') == "”›‹script›x‹/script›"
    assert plain("a\u202eb\u200bc  d", limit=3) == "ab…"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_is_inert(text):
    assert_inert(caption_html(text))
    assert not set(plain(text)) & set('<>"')
