"""Store tables of campaign draws (Gewinnspiele).

- `campaign_draws`: one row per Gewinnspiel: the secret seed (revealed only after the draw),
  its SHA-256 (published when the contest opens), the frozen entry lines and their hash,
  the result and each winner's status (contacted, accepted, replaced).
- `campaign_draw_events`: the draw's audit trail; rows are only ever added.
The posts' own `campaign` column (which campaign a collected post belongs to) is in models.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime, utcnow


class CampaignDraw(Base):
    __tablename__ = "campaign_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(80), unique=True)
    seed_hex: Mapped[str] = mapped_column(String(128))  # secret until the draw has run
    seed_sha256: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries: Mapped[list] = mapped_column(JSON, default=list)  # the frozen entry lines
    entries_sha256: Mapped[str | None] = mapped_column(String(64))
    rejected: Mapped[list] = mapped_column(JSON, default=list)  # [{"post_id", "handle", "reason"}]
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winners: Mapped[list] = mapped_column(JSON, default=list)  # lines, in rank order
    reserves: Mapped[list] = mapped_column(JSON, default=list)
    # per line: {"status": drawn|contacted|accepted|declined|replaced, "since": iso, "show_handle": bool}
    statuses: Mapped[dict] = mapped_column(JSON, default=dict)


class DrawEvent(Base):
    """Who did which step of a draw, when, with what (hashes, lines, reasons)."""

    __tablename__ = "campaign_draw_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
