"""The Markdown allow-list: what editors may write stays byte for byte, what runs goes."""

from __future__ import annotations

import markdown
import pytest
from jinja2 import Environment

from plugins.events.jsonld import script_json
from plugins.sanitize import SafeHTML
from plugins.sanitize.policy import clean_caption_html, clean_markdown_html, removed_parts
from tests.security.corpus import VECTORS
from tests.security.scan import html_findings

KEPT = [
    '<h2 id="anfahrt">Anfahrt</h2>',
    '<p>Text <em>kursiv</em> <strong>fett</strong> <code>x</code><br>neue Zeile</p>',
    '<ul><li>eins</li></ul><ol start="3"><li>drei</li></ol><dl><dt>A</dt><dd>B</dd></dl>',
    '<p><a href="https://wrs.region-stuttgart.de/">WRS</a> <a href="/termine/">Termine</a> '
    '<a href="mailto:info@example.org">Mail</a> <a href="{filename}/articles/x.md">intern</a></p>',
    '<p><img src="{static}/images/a.jpg" alt="Bild" width="10" height="10"></p>',
    '<figure><picture><source type="image/webp" srcset="/a-480.webp 480w, /a-800.webp 800w" sizes="100vw">'
    '<img src="/a-800.jpg" alt="x"></picture><figcaption>Foto</figcaption></figure>',
    '<table><thead><tr><th align="left">A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>',
    '<blockquote><p>Zitat</p></blockquote><hr><p><abbr title="Wirtschaftsförderung">WRS</abbr> '
    '<span lang="en">Green Tech</span></p>',
    '<pre><code class="language-python">print(1)</code></pre>',
]


@pytest.mark.parametrize("html", KEPT)
def test_what_markdown_makes_is_kept(html):
    assert clean_markdown_html(html) == html
    assert removed_parts(html, clean_markdown_html(html)) == []


def test_markdown_extra_output_survives():
    source = "# Titel\n\nText[^1] mit *WRS*.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n[^1]: Fußnote\n"
    html = markdown.markdown(source, extensions=["extra", "toc"], output_format="html5")
    assert removed_parts(html, clean_markdown_html(html)) == []


@pytest.mark.parametrize("vector", VECTORS)
def test_no_vector_survives_the_markdown_policy(vector):
    html = markdown.markdown(vector + "\n\n[x](" + vector.replace(" ", "") + ")", extensions=["extra"])
    assert html_findings(clean_markdown_html(html), "prose") == []
    assert html_findings(clean_caption_html(html), "caption") == []


def test_removed_parts_name_elements_and_attributes():
    html = '<p onclick="x()">a</p><script>alert(1)</script><a href="javascript:alert(1)">b</a>' \
           '<img src="x" style="color:red" srcset="javascript:alert(1) 1x">'
    assert removed_parts(html, clean_markdown_html(html)) == [
        "<script>", "href on <a>", "srcset on <img>", "style on <img>", "onclick on <p>"]


def test_safe_html_prints_as_is_and_stays_a_plain_str():
    env = Environment(autoescape=True)
    body = SafeHTML("<p>a &amp; b</p>")
    assert env.from_string("{{ body }}|{{ title }}").render(body=body, title="<b>&") == "<p>a &amp; b</p>|&lt;b&gt;&amp;"
    # Pelican's feed writer XML-escapes with str.replace: it must not be markupsafe's escaping replace
    assert body.replace("&", "&amp;") == "<p>a &amp;amp; b</p>"


def test_json_for_a_script_element_cannot_close_it():
    text = script_json({"name": "</script><script>alert(1)</script> & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    import json

    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & \u2028"
