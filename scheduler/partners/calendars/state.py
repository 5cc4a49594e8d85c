"""Tables of the calendar import (migration 0015): what each calendar answered, and each event
imported as a draft with the text that was written, so the next import can show a diff and
tell an editor's edit from our own text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime

# CalendarImport.state
DRAFT = "entwurf"  # the branch holds our text
EDITED = "bearbeitet"  # an editor changed the draft: upstream changes are only shown
ACCEPTED = "übernommen"  # published: the file is on the default branch
DISCARDED = "verworfen"  # the editor deleted the draft; never made again


class CalendarSource(Base):
    """One calendar URL of one municipality: the last import's outcome."""

    __tablename__ = "calendar_sources"
    __table_args__ = (UniqueConstraint("ags", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    checked_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    reason_de: Mapped[str] = mapped_column(Text, default="")
    events_seen: Mapped[int] = mapped_column(Integer, default=0)
    skipped_de: Mapped[str] = mapped_column(Text, default="")  # events left out, one reason a line


class CalendarImport(Base):
    """One upstream event made into a draft (once; found again by `key`)."""

    __tablename__ = "calendar_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)  # hash of municipality, calendar and UID
    ags: Mapped[str] = mapped_column(String(8), index=True)  # the municipality the event is filed under
    source_ags: Mapped[str] = mapped_column(String(8))  # the contact whose calendar it came from
    source_url: Mapped[str] = mapped_column(String(1000))
    event_url: Mapped[str] = mapped_column(Text, default="")
    upstream_uid: Mapped[str] = mapped_column(Text, default="")
    identity: Mapped[str] = mapped_column(String(64), index=True)  # hash of title + start + place
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    path: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    start_text: Mapped[str] = mapped_column(String(20))
    how_found: Mapped[str] = mapped_column(String(40), default="")
    upstream_text: Mapped[str] = mapped_column(Text)  # the draft as the calendar says it now
    written_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the text we last wrote
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    diff: Mapped[str] = mapped_column(Text, default="")  # the last upstream change, unified diff
    diff_applied: Mapped[bool] = mapped_column(Boolean, default=False)  # written into the draft?
    imported_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
