"""The caption exactly as the publisher will post it, and its figures against the documented limits.

One caption for both channels: the publisher calls `build_caption(…, include_link=True)` for
Instagram and for Facebook alike, with the feature's wall page as the link. Limits (Meta's IG
User media reference): 2,200 characters, 30 hashtags, 20 @-mentions; this project keeps to 5
hashtags (`publish.caption.MAX_HASHTAGS`). A Facebook Page post takes 63,206 characters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from scheduler.publish.caption import MAX_CHARS, MAX_HASHTAGS, CaptionInput, build_caption, count_hashtags

INSTAGRAM_HASHTAGS = 30
INSTAGRAM_MENTIONS = 20
FACEBOOK_CHARS = 63_206
# A real Instagram handle: ASCII letters, digits, "." and "_", at most 30, not ending in "."
# (a sentence's full stop); not inside an e-mail address, not "@ayşe" or "@ 18 Uhr".
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9._]{0,29}[A-Za-z0-9_](?![\w@])")


def site_url() -> str:
    """The deployed site (the publisher's SOISTS_SITE_URL): the link in the caption points there."""
    return os.environ.get("SOISTS_SITE_URL", "https://www.so-ist-s.de").rstrip("/")


def wall_url(key: str) -> str:
    return f"{site_url()}/wall/{key}/"


def final_caption(municipality: str, handle: str, text: str, key: str, hashtags: tuple[str, ...] = (),
                  author_name: str = "", source: str = "instagram") -> str:
    """`handle` gets an "@" only when `source` is Instagram and it is a valid handle
    (plugins/community/credit.py); e-mailed and event photos are credited by `author_name`."""
    return build_caption(CaptionInput(municipality, handle, text, hashtags, wall_url(key), author_name, source),
                         include_link=True)


def free_text_budget(municipality: str, handle: str, key: str, hashtags: tuple[str, ...] = (),
                     author_name: str = "", source: str = "instagram") -> int:
    fixed = final_caption(municipality, handle, "", key, hashtags, author_name, source)
    return max(MAX_CHARS - len(fixed) - 2, 0)  # 2: the blank line between the text and the fixed part


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    limit: int

    @property
    def over(self) -> bool:
        return self.value > self.limit


def figures(caption: str) -> dict[str, list[Figure]]:
    """Per channel: characters, hashtags, mentions against their limits."""
    hashtags, mentions = count_hashtags(caption), len(MENTION.findall(caption))
    return {"Instagram": [Figure("Zeichen", len(caption), MAX_CHARS),
                          Figure("Hashtags", hashtags, INSTAGRAM_HASHTAGS),
                          Figure("Hashtags (Regel des Projekts)", hashtags, MAX_HASHTAGS),
                          Figure("Erwähnungen", mentions, INSTAGRAM_MENTIONS)],
            "Facebook": [Figure("Zeichen", len(caption), FACEBOOK_CHARS)]}
