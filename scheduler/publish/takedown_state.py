"""Tables of a takedown: one row per takedown (the audit line that stays) and one per step.

What stays after a takedown is deliberately free of personal data: the community post id
(date and municipality, e.g. "2026-11-23-plochingen"), when, why, which editor, and per step
the platform object id that was deleted (Meta's numeric id, which names no person).
Each step's row is written before the step acts ("started" + intent) and after it ("done"),
so a crashed takedown resumes at the step that did not finish (see takedown.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.store.models import Base, UTCDateTime

# In the order they run: the local copies go first (they are ours, and immediate), the
# platforms after; a platform that cannot delete leaves a "manual" step for an editor.
TAKEDOWN_STEPS = ("plan", "store", "files", "facebook", "instagram", "mastodon")
OPEN_STATES = ("started", "failed", "manual")


class TakedownRecord(Base):
    __tablename__ = "takedowns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[str] = mapped_column(String(80), unique=True)  # the community post id / feature key
    requested_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    editor: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | done
    finished_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    steps: Mapped[list["TakedownStep"]] = relationship(
        back_populates="takedown", cascade="all, delete-orphan", order_by="TakedownStep.id")


class TakedownStep(Base):
    __tablename__ = "takedown_steps"
    __table_args__ = (UniqueConstraint("takedown_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    takedown_id: Mapped[int] = mapped_column(ForeignKey("takedowns.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))  # one of TAKEDOWN_STEPS
    # started | done | failed (retried on the next run) | manual (an editor must act) | confirmed
    state: Mapped[str] = mapped_column(String(20), default="started")
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # object id, intent, result, counts
    started_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    takedown: Mapped[TakedownRecord] = relationship(back_populates="steps")
