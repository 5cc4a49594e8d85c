"""The site's HTML allow-lists (nh3) and a report of what a clean-up removed.

Two policies share this module: MARKDOWN for editor-written bodies and summaries (every
element Python-Markdown and its `extra`/`toc` extensions emit, nothing that runs or styles)
and CAPTION for community captions (only p, br and https links; plugins/community/sanitize.py).
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import nh3

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TEXT = {"p", "br", "hr", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
        "abbr", "span", "q", "cite", "code", "kbd", "samp", "pre", "blockquote", "time", "div"}
LISTS = {"ul", "ol", "li", "dl", "dt", "dd"}
MEDIA = {"a", "img", "picture", "source", "figure", "figcaption"}
TABLES = {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col"}
MARKDOWN_TAGS = HEADINGS | TEXT | LISTS | MEDIA | TABLES
# id: toc anchors and footnotes; class: code languages, footnotes, attr_list; lang: quotes in other languages.
MARKDOWN_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title"},
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "source": {"srcset", "sizes", "type", "media"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "td": {"colspan", "rowspan", "align"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "col": {"span"},
}
# Relative URLs (and Pelican's {filename}/{static} links) pass; any other scheme is dropped.
URL_SCHEMES = {"http", "https", "mailto"}
_SRCSET_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _srcset_filter(tag: str, attribute: str, value: str) -> str | None:
    """ammonia checks href/src but not srcset: every candidate must be http(s) or relative."""
    if attribute != "srcset":
        return value
    for candidate in value.split(","):
        scheme = _SRCSET_SCHEME.match(candidate.strip().split(" ")[0] + " ")
        if scheme and scheme.group(1).lower() not in {"http", "https"}:
            return None
    return value


# link_rel=None: the allow-list has no target attribute, so no rel is needed; adding one
# would change every link in the site.
_MARKDOWN = nh3.Cleaner(tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES, url_schemes=URL_SCHEMES,
                        attribute_filter=_srcset_filter, link_rel=None, strip_comments=True)

CAPTION_TAGS = {"p", "br", "a"}
CAPTION_ATTRIBUTES = {"a": {"href", "rel", "class"}}
_CAPTION = nh3.Cleaner(tags=CAPTION_TAGS, attributes=CAPTION_ATTRIBUTES, url_schemes={"https"},
                       link_rel=None, strip_comments=True)


# HTML -> its clean form, made ahead where the Markdown is converted (plugins/parallel_read: on
# all cores, before Pelican's single process reads the results). The same input always cleans
# the same, so a hit is the answer nh3 would give.
_CLEANED_AHEAD: dict[str, str] = {}


def clean_markdown_html(html: str) -> str:
    """Editor HTML (rendered Markdown) reduced to the MARKDOWN allow-list."""
    if not html:
        return ""
    found = _CLEANED_AHEAD.get(html)
    return found if found is not None else _MARKDOWN.clean(html)


def clean_ahead(html: str) -> str | None:
    """The clean form of `html` to send to the process that reads it; None when nothing changes."""
    cleaned = _MARKDOWN.clean(html) if html else ""
    return None if cleaned == html else cleaned


def cleaned_ahead(html: str, cleaned: str | None) -> None:
    """Keep what clean_ahead found for `html` (in the process that reads it)."""
    if html:
        _CLEANED_AHEAD[html] = html if cleaned is None else cleaned


def clean_caption_html(html: str) -> str:
    """Community caption HTML reduced to p, br and https links."""
    return _CAPTION.clean(html) if html else ""


class _Inventory(HTMLParser):
    """Counts start tags and (tag, attribute) pairs; attributes with a URL count with their scheme."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags[tag] += 1
        for name, _value in attrs:
            self.attributes[(tag, name)] += 1


def _inventory(html: str) -> _Inventory:
    parser = _Inventory()
    parser.feed(html)
    parser.close()
    return parser


def removed_parts(before: str, after: str) -> list[str]:
    """What the clean-up dropped, for an editor: ['<script>', 'onerror on <img>', ...].

    Compares counts, so elements the HTML parser only moved or re-closed are not reported;
    attributes of removed elements are implied by the element and not listed again.
    """
    if before == after:
        return []
    old, new = _inventory(before), _inventory(after)
    gone_tags = [f"<{tag}>" for tag, count in sorted(old.tags.items()) if count > new.tags[tag]]
    gone_attributes = [f"{name} on <{tag}>" for (tag, name), count in sorted(old.attributes.items())
                       if count > new.attributes[(tag, name)] and new.tags[tag]]
    return gone_tags + gone_attributes
