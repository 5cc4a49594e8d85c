"""Captions for Instagram and Facebook: credit always visible, ≤ 5 hashtags, ≤ 2,200 characters.

Instagram rejects a caption with more than 5 hashtags (of the Content Publishing API)
or more than 2,200 characters; trimming happens on the free text only, so the author's
credit and the hashtags are never cut. The author's own hashtags keep their "#": one that is
also in the tag line is left out there; others keep it while the limit of five allows, and
only the rest lose the sign (the word stays). The credit follows plugins/community/credit.py:
an @handle only for authors from Instagram, everyone else by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plugins.community.credit import credit

MAX_CHARS = 2200
MAX_HASHTAGS = 5
DEFAULT_HASHTAGS = ("#SoistS", "#RegionStuttgart")
ELLIPSIS = "…"
HASHTAG = re.compile(r"#\w+", re.UNICODE)


@dataclass(frozen=True)
class CaptionInput:
    municipality: str
    author_handle: str  # without "@"; "" for photos sent by e-mail or taken at events
    text: str = ""  # the author's own words or an editor's line
    hashtags: tuple[str, ...] = field(default=())  # extra tags, e.g. "#Plochingen"
    link: str = ""  # the feature's page on the website (Facebook makes it clickable)
    author_name: str = ""  # how the author asked to be named (the credit without an Instagram handle)
    source: str = "instagram"  # the post's platform or collect source: only Instagram authors get "@"

    @property
    def credit(self) -> str:
        return credit(self.author_handle, self.author_name, self.source)


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


def _own_hashtags(text: str, tags: list[str]) -> tuple[str, list[str]]:
    """The free text with the author's hashtags, and the tag line without those it repeats.

    A hashtag of the text that is in the tag line keeps its "#" and leaves the tag line; the
    others keep it while the total stays within MAX_HASHTAGS; later ones (and repeats) lose
    only the sign."""
    in_line = {t.casefold() for t in tags}
    in_text = {m.group(0).casefold() for m in HASHTAG.finditer(text)}
    room = MAX_HASHTAGS - len(tags)
    kept: set[str] = set()

    def keep_or_strip(match: re.Match) -> str:
        nonlocal room
        tag = match.group(0).casefold()
        if tag not in kept and (tag in in_line or room > 0):
            room -= tag not in in_line
            kept.add(tag)
            return match.group(0)
        return match.group(0)[1:]

    return HASHTAG.sub(keep_or_strip, text).strip(), [t for t in tags if t.casefold() not in in_text]


def _truncate_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ""
    cut = text[: limit - len(ELLIPSIS)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-–") + ELLIPSIS


def build_caption(data: CaptionInput, include_link: bool = False, max_chars: int = MAX_CHARS) -> str:
    """The caption: text, municipality line, credit, optional link, hashtags; at most `max_chars`
    (Instagram's 2,200, or a Mastodon instance's configuration.statuses.max_characters)."""
    head = [f"📍 {data.municipality}", f"📷 {data.credit}"]
    if include_link and data.link:
        head.append(data.link)
    tags = hashtags_for(data)
    # Budget against the full tag line: leaving out tags the text repeats only shortens it.
    budget = max_chars - len("\n".join([*head, " ".join(tags)])) - 2  # 2: the blank line after the text
    text = _truncate_words(data.text.strip(), max(budget, 0))
    text, line = _own_hashtags(text, tags)
    fixed = "\n".join([*head, " ".join(line)] if line else head)
    caption = f"{text}\n\n{fixed}" if text else fixed
    return caption[:max_chars] if len(caption) > max_chars else caption


def post_credit(post) -> str:
    """The credit of a store post (scheduler.store.models.Post) for the review board: the
    author's @handle for Instagram sources, else the name the author gave (consent's credit)."""
    consent = getattr(post, "consent", None)
    return credit(post.author or "", (consent.credit if consent is not None else "") or "", post.source)


def count_hashtags(caption: str) -> int:
    return len(HASHTAG.findall(caption))
