"""Store tables of the official Instagram collection (Graph API, Facebook Login).

- `ig_media`: per post the Graph API evidence — the IG media id, which source found it,
  whether the API lets us answer in public (caption @mention: yes; tags and hashtag results:
  no), the author's mentioning comment, our public rights request (comment id, when), and a
  carousel's further images (the first is the post's Image, the rest are listed here).
- `hashtag_queries`: every hashtag looked up with ig_hashtag_search and when it was first
  queried in the current 7-day window (Meta counts 30 unique hashtags per rolling 7 days).
- `webhook_payloads`: each `mentions` change as Meta sent it, stored before it is processed
  (Meta does not keep them); the idempotency key makes a replay a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from scheduler.store.models import Base, Post, UTCDateTime, utcnow


class IgMedia(Base):
    __tablename__ = "ig_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    media_id: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(40))  # hashtag_recent, hashtag_top, tagged, mention
    author_known: Mapped[bool] = mapped_column(Boolean, default=True)  # hashtag results carry no username
    can_reply: Mapped[bool] = mapped_column(Boolean, default=False)  # @mentioned in the caption
    mention_comment_id: Mapped[str | None] = mapped_column(String(40))  # when a comment mentioned us
    request_comment_id: Mapped[str | None] = mapped_column(String(40))  # our public rights request
    request_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra_images: Mapped[list] = mapped_column(JSON, default=list)  # carousel images 2…n (media-relative paths)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)  # ids and timestamps as the API gave them

    post: Mapped[Post] = relationship(backref=backref("ig_media", uselist=False))  # post.ig_media


class HashtagQuery(Base):
    __tablename__ = "hashtag_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hashtag: Mapped[str] = mapped_column(String(100), unique=True)  # lower case, without "#"
    hashtag_id: Mapped[str | None] = mapped_column(String(40))
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # counts for 7 days
    last_queried_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookPayload(Base):
    __tablename__ = "webhook_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # entry id : time : media id : comment id
    field: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the change with its entry id and time, as JSON
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # permanent failures (give up at 5)
    # pending | done | gave_up (scheduler/collect/mention_retry.py); 0011
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending", index=True)
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # transient failures in a row
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not before (backoff)
