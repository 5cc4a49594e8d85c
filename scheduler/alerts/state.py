"""Tables of the alerts stage: `alert_log` (one row per problem occurrence, the mail
deduplication and recovery state) and `job_runs` (one row per job run, for "last
successful run" in status and metrics). Created by migration 0004 on the store's metadata.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime  # the only coupling to the curation store


class AlertLog(Base):
    """A problem from first seen to resolved. Open = resolved_utc is NULL; at most one open row
    per (kind, subject). The digest's own bookkeeping is a row of kind "digest"."""

    __tablename__ = "alert_log"
    __table_args__ = (Index("ix_alert_log_kind_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20))
    text_de: Mapped[str] = mapped_column(Text, default="")
    action_de: Mapped[str] = mapped_column(Text, default="")
    first_seen_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    last_mailed_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recovery_mailed_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobRun(Base):
    """One run of one job (collect, plan, publish, deploy, expire, alerts), once or scheduled."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    started_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
