"""Captions are untrusted plain text: escape them, link hashtags/mentions, then let nh3 have the last word.

The caption is tokenised on the raw text (so escaping can never be undone by a regex) and
every piece is escaped on its own; nh3 then re-parses the result with a tiny allow-list as
a second, independent line of defence.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape
from typing import Callable

from plugins.navigation.text import cut_words
from plugins.sanitize.policy import clean_caption_html

# Bidi overrides/isolates and other invisible format characters can disguise text or links.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_TOKEN = re.compile(r"(?P<hashtag>(?<![\w&#])#(?P<tag>\w{1,100}))|(?P<mention>(?<![\w.@/])@(?P<handle>[A-Za-z0-9._]{1,30}))")
MENTION_REL = "nofollow noopener"


def clean_text(text: str) -> str:
    """NFC-normalised text without control, zero-width or bidi-override characters."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))


def _link_hashtag(tag: str, hashtag_url: Callable[[str], str | None]) -> str:
    url = hashtag_url(tag)
    text = escape(f"#{tag}")
    return f'<a class="hashtag" href="{escape(url)}">{text}</a>' if url else text


def _link_mention(handle: str) -> str:
    handle = handle.rstrip(".")
    url = f"https://www.instagram.com/{handle}/"
    return f'<a class="mention" href="{escape(url)}" rel="{MENTION_REL}">@{escape(handle)}</a>'


def _line_html(line: str, hashtag_url: Callable[[str], str | None]) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(line):
        out.append(escape(line[position:match.start()]))
        if match.group("hashtag"):
            out.append(_link_hashtag(match.group("tag"), hashtag_url))
        else:
            handle = match.group("handle")
            trailing = handle[len(handle.rstrip(".")):]
            out.append(_link_mention(handle) + escape(trailing))
        position = match.end()
    out.append(escape(line[position:]))
    return "".join(out)


def caption_html(caption: str, hashtag_url: Callable[[str], str | None] = lambda _tag: None) -> str:
    """Safe HTML for a caption: paragraphs on blank lines, <br> on line breaks, linked tags/mentions."""
    text = clean_text(caption).replace("\r\n", "\n").strip()
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = "".join("<p>" + "<br>".join(_line_html(line, hashtag_url) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)
    return clean_caption_html(html)


# Templates autoescape, but community text comes from strangers and is also reused outside
# HTML (feeds, Instagram/Facebook captions, alt text): it carries no character that could form
# markup at all, whoever prints it and however.
_MARKUP_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", '"': "”", "`": "´"})


def plain(text: str, limit: int | None = None) -> str:
    """One line of visible text (titles, names, alt text) with no character that could form markup."""
    value = " ".join(clean_text(text).translate(_MARKUP_LOOKALIKES).split())
    return cut_words(value, limit) if limit else value
