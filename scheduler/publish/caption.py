"""Captions for Instagram and Facebook: credit always visible, ≤ 5 hashtags, ≤ 2,200 characters.

Instagram rejects a caption with more than 5 hashtags (of the Content Publishing API)
or more than 2,200 characters; trimming happens on the free text only, so the author's
credit and the hashtags are never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHARS = 2200
MAX_HASHTAGS = 5
DEFAULT_HASHTAGS = ("#SoistS", "#RegionStuttgart")
ELLIPSIS = "…"
HASHTAG = re.compile(r"#\w+", re.UNICODE)


@dataclass(frozen=True)
class CaptionInput:
    municipality: str
    author_handle: str  # without "@"
    text: str = ""  # the author's own words or an editor's line
    hashtags: tuple[str, ...] = field(default=())  # extra tags, e.g. "#Plochingen"
    link: str = ""  # the feature's page on the website (Facebook makes it clickable)


def _tag(value: str) -> str:
    word = re.sub(r"[^\w]", "", value, flags=re.UNICODE)
    return f"#{word}" if word else ""


def hashtags_for(data: CaptionInput) -> list[str]:
    """Campaign tags first, then the municipality, then extras; unique, at most five."""
    tags: list[str] = []
    for tag in (*DEFAULT_HASHTAGS, _tag(data.municipality), *(_tag(t) for t in data.hashtags)):
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def _strip_hashtags(text: str) -> str:
    # Hashtags in the free text would count against the limit of five: keep the word only.
    return HASHTAG.sub(lambda m: m.group(0)[1:], text).strip()


def _truncate_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ""
    cut = text[: limit - len(ELLIPSIS)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-–") + ELLIPSIS


def build_caption(data: CaptionInput, include_link: bool = False) -> str:
    """The caption: text, municipality line, credit, optional link, hashtags."""
    credit = f"📷 @{data.author_handle.lstrip('@')}"
    tail = [f"📍 {data.municipality}", credit]
    if include_link and data.link:
        tail.append(data.link)
    tail.append(" ".join(hashtags_for(data)))
    fixed = "\n".join(tail)
    budget = MAX_CHARS - len(fixed) - 2  # the blank line between text and the fixed part
    text = _truncate_words(_strip_hashtags(data.text), max(budget, 0))
    caption = f"{text}\n\n{fixed}" if text else fixed
    return caption[:MAX_CHARS] if len(caption) > MAX_CHARS else caption


def count_hashtags(caption: str) -> int:
    return len(HASHTAG.findall(caption))
