"""Tables of the insights stage: measurements per feature, daily account snapshots, referrers.

A failed measurement is a row too (`gap` says why), so the report can say "no figures
because …" instead of silently counting zero, and a gap is never asked again at that age.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime


class Measurement(Base):
    """One reading of one feature on one channel at one scheduled age (days after posting)."""

    __tablename__ = "insight_measurements"
    __table_args__ = (UniqueConstraint("feature_key", "channel", "age_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feature_key: Mapped[str] = mapped_column(String(80), index=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # instagram | facebook
    object_id: Mapped[str] = mapped_column(String(80))  # media id or Page post id
    posted_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    age_days: Mapped[int] = mapped_column(Integer)  # the schedule's age: 1, 2, 7, 28, 60, …
    measured_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # metric name → int
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # younger than 48 h
    gap: Mapped[str | None] = mapped_column(String(40), nullable=True)  # reason when no figures
    gap_detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class AccountSnapshot(Base):
    """Followers and follower demographics of one channel on one day (aggregates only)."""

    __tablename__ = "insight_account_snapshots"
    __table_args__ = (UniqueConstraint("day", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    followers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    demographics: Mapped[dict] = mapped_column(JSON, default=dict)  # breakdown → {bucket: count}
    measured_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    gap: Mapped[str | None] = mapped_column(String(40), nullable=True)
    gap_detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferrerCount(Base):
    """Requests per day for a municipality's badge, feed or page, by referring host name.

    Host names only: no IP address, no path or query string of the referring page."""

    __tablename__ = "insight_referrers"
    __table_args__ = (UniqueConstraint("day", "slug", "kind", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # badge | feed | page
    host: Mapped[str] = mapped_column(String(253))
    hits: Mapped[int] = mapped_column(Integer)


class CampaignClick(Base):
    """Requests per day that came through a link with a mail's campaign parameter
    (`?mtm_campaign=kommune-2026-11&mtm_kwd=plochingen`): the monthly mail's clicks.

    The campaign and keyword alone: no IP address, no path, no referrer."""

    __tablename__ = "insight_campaign_clicks"
    __table_args__ = (UniqueConstraint("day", "campaign", "keyword"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    campaign: Mapped[str] = mapped_column(String(40), index=True)
    keyword: Mapped[str] = mapped_column(String(80))
    hits: Mapped[int] = mapped_column(Integer)
