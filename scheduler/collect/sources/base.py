"""The one small interface every source implements: an iterator of CollectedPost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Protocol


@dataclass(frozen=True)
class CollectedPost:
    uid: str  # stable identity across sources: "instagram:<shortcode>" or "manual:<sha256 prefix>"
    source: str  # hashtag, tagged, folder, manual
    author: str
    taken_at: datetime  # aware, UTC
    load_image: Callable[[], bytes] = field(repr=False, compare=False)
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    location: str | None = None
    shortcode: str | None = None
    permalink: str | None = None
    author_id: str | None = None
    is_video: bool = False
    municipality: str | None = None  # slug or AGS given by a person (manual submissions)
    consent: dict[str, Any] | None = None  # {"status": "granted", "evidence": ..., "credit": ...}
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)  # kept in the audit trail
    # Official API only: {"media_id", "source", "can_reply", "author_known", "mention_comment_id"}
    # (stored as the post's ig_media row) and a carousel's further images (first one = load_image).
    graph: dict[str, Any] | None = field(default=None, compare=False)
    extra_images: tuple[Callable[[], bytes], ...] = field(default=(), repr=False, compare=False)


class SourceStopped(Exception):
    """A source stopped early and cleanly; ``kind`` tells a cron job what to do next."""

    LOGIN = "login"  # needs a (new) session or a human to pass a checkpoint
    RATE_LIMITED = "rate_limited"  # try again later
    FAILED = "failed"

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class CursorStore(Protocol):
    def load(self, name: str) -> dict | None: ...
    def save(self, name: str, state: dict | None, message: str = "") -> None: ...


class Source(Protocol):
    name: str

    def posts(self) -> Iterator[CollectedPost]:
        """Yield posts one by one; code after each ``yield`` runs only once the post is stored."""
        ...
