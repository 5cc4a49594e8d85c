"""Tables of the feature publisher: one row per feature, one row per (feature, step).

Each step's row is written before the step starts and after it ends, and the Instagram and
Facebook steps also store their intermediate facts (container id before publishing, the
intent to post before posting), so a restarted publisher knows exactly where it stopped.

The tables live in the curation store's database and metadata (one import line below);
`ensure_tables` creates just these two tables, so they do not depend on the store's
migration history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.store.models import Base, UTCDateTime  # the only coupling to the curation store

STEPS = ("image", "website", "deploy", "instagram", "facebook", "mastodon")  # mastodon: optional, last


class FeaturePublication(Base):
    __tablename__ = "feature_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # also the community post id
    slot_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    post_uid: Mapped[str] = mapped_column(String(200), index=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    request: Mapped[dict] = mapped_column(JSON)  # the FeatureRequest snapshot
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # pending → done, or needs_editor / failed (an editor resets them to pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_utc: Mapped[datetime] = mapped_column(UTCDateTime)

    steps: Mapped[list["PublishStep"]] = relationship(
        back_populates="feature", cascade="all, delete-orphan", order_by="PublishStep.id")


class PublishStep(Base):
    __tablename__ = "feature_publish_steps"
    __table_args__ = (UniqueConstraint("feature_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("feature_publications.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))  # one of STEPS
    state: Mapped[str] = mapped_column(String(20), default="started")  # started | done | failed
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # container_id, media_id, intent, photo_id, …
    started_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    feature: Mapped[FeaturePublication] = relationship(back_populates="steps")


def ensure_tables(engine: Engine) -> None:
    Base.metadata.create_all(engine, tables=[FeaturePublication.__table__, PublishStep.__table__])
