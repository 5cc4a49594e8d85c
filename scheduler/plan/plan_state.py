"""Tables of the editors' plan view: caption overrides (history kept) and the plan's revision.

A caption edit is a new row, never an update: the newest row per post is the caption's free
text, the older rows are what it said before (with who changed it and when) — together with
the audit event on the post this is the edit's trail. `plan_revisions` holds one counter that
every plan operation bumps by compare-and-set, so an action from a page rendered before
another editor's change is refused instead of silently rearranging the plan again.
Created by migration 0010.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime, utcnow


class CaptionOverride(Base):
    __tablename__ = "caption_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_uid: Mapped[str] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(Text)  # the caption's free text; credit, place and hashtags are added
    editor: Mapped[str] = mapped_column(String(120))
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanRevision(Base):
    __tablename__ = "plan_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(Integer, default=0)
    editor: Mapped[str] = mapped_column(String(120), default="")
    changed_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def caption_text(session, post) -> str:
    """The caption's free text as it will be posted: the newest editor's version, else the author's."""
    from sqlalchemy import select

    newest = session.scalar(select(CaptionOverride.text).where(CaptionOverride.post_uid == post.uid)
                            .order_by(CaptionOverride.id.desc()).limit(1)) if session is not None else None
    return newest if newest is not None else (post.caption or "")


def caption_budget(request: dict, key: str) -> int:
    """How long the free text of a queued feature may be (the rest is credit, place, link, hashtags)."""
    from scheduler.plan.caption_preview import free_text_budget

    return free_text_budget(request.get("municipality_name", ""), request.get("handle", ""), key,
                            tuple(request.get("hashtags", ())), request.get("author_name", ""),
                            request.get("platform", "instagram"))
