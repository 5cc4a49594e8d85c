"""How a photo's author is named, everywhere: captions, the wall, the review board, previews.

One rule: only an author who comes from Instagram is credited with an @handle. Photos sent
by e-mail or taken at events (scheduler source "manual", post file platform "email") are
credited by name, as the author asked: „📷 Sabine R.“, never „📷 @Sabine R.“ — on Instagram
that would tag an unrelated account (and count as a mention). Facebook has no @handles in
captions either. A value that is not a valid Instagram handle never gets an "@".

Pure functions, no Pelican: the scheduler imports this module as well as the site.
"""

from __future__ import annotations

import re

HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")  # the post file's handle rule (postfile.HANDLE_PATTERN)
# Where an author can come from Instagram: the post file's platform and the scheduler's collect
# sources (instaloader: hashtag, tagged, folder; Graph API: hashtag, tagged, mentions).
INSTAGRAM_SOURCES = frozenset({"instagram", "instaloader", "hashtag", "hashtag_recent", "hashtag_top",
                               "tagged", "tags", "mention", "mentions", "folder"})


def from_instagram(source: str) -> bool:
    """True for a post file platform or collect source that means "came from Instagram".
    Labels like "hashtag:soists" count by their first part."""
    return str(source or "").split(":", 1)[0].strip().casefold() in INSTAGRAM_SOURCES


def credit(handle: str, name: str = "", source: str = "instagram") -> str:
    """The visible credit: "@handle" for an Instagram author with a valid handle, else the name
    (whitespace collapsed); a handle without a name is shown without "@"."""
    handle = str(handle or "").strip().lstrip("@")
    name = " ".join(str(name or "").split())
    if handle and from_instagram(source) and HANDLE.fullmatch(handle):
        return f"@{handle}"
    return name or handle
