"""Plain text from HTML for meta descriptions and short labels, cut at a word boundary.

Headings are dropped from descriptions ("Kurz gesagt" would run into the first sentence),
every tag becomes a space (so "<li>a</li><li>b</li>" reads "a b", not "ab"), entities are
decoded once and whitespace is collapsed. Templates print the result autoescaped.
"""

from __future__ import annotations

import html
import re

ELLIPSIS = "…"
_HEADING = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def cut_words(text: str, limit: int) -> str:
    """text if it fits, else the longest run of whole words (plus "…") within limit characters."""
    text = " ".join(str(text or "").split())
    if limit <= 0 or len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS) + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head[: limit - len(ELLIPSIS)]
    return cut.rstrip(" ,;:–-") + ELLIPSIS


def plain_text(markup: str) -> str:
    """The words of an HTML fragment without its headings, separated by single spaces."""
    without_headings = _HEADING.sub(" ", str(markup or ""))
    return " ".join(html.unescape(_TAG.sub(" ", without_headings)).split())


def description(markup: str, limit: int = 160) -> str:
    """A meta description: plain_text cut at a word boundary."""
    return cut_words(plain_text(markup), limit)
