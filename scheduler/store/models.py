"""The curation store: posts, their images, consent, the audit trail and source cursors.

All instants are stored in UTC (naive in the database, aware in Python) so that the
planner can define slots in Europe/Berlin without DST surprises.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in every database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC instants only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class State(str, enum.Enum):
    COLLECTED = "collected"
    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    RIGHTS_REQUESTED = "rights_requested"
    GRANTED = "granted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)  # "instagram:<shortcode>", "manual:<sha>"
    source: Mapped[str] = mapped_column(String(40))  # hashtag, tagged, folder, manual
    shortcode: Mapped[str | None] = mapped_column(String(40))
    permalink: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(120), index=True)
    author_id: Mapped[str | None] = mapped_column(String(40))
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list] = mapped_column(JSON, default=list)
    location_name: Mapped[str | None] = mapped_column(String(300))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_video: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=State.COLLECTED.value, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The detector's suggestion and the effective municipality (set when the detection is
    # certain or an editor decided); only the latter counts for planning.
    suggested_ags: Mapped[str | None] = mapped_column(String(8))
    municipality_ags: Mapped[str | None] = mapped_column(String(8), index=True)
    detection_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    detection_candidates: Mapped[list] = mapped_column(JSON, default=list)
    detection_reason: Mapped[str] = mapped_column(Text, default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    # Bumped by every editor change: the review board's forms carry the version they were
    # rendered with, so an action from a stale page is refused (compare-and-set).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    campaign: Mapped[str | None] = mapped_column(String(80), index=True)  # content/kampagnen/<slug>.md

    image: Mapped[Image | None] = relationship(back_populates="post", uselist=False)
    consent: Mapped[Consent | None] = relationship(back_populates="post", uselist=False)
    events: Mapped[list[AuditEvent]] = relationship(back_populates="post", order_by="AuditEvent.id")

    @property
    def plannable(self) -> bool:
        return self.state == State.GRANTED.value and self.municipality_ags is not None


class Image(Base):
    """The original photo (kept privately, downloaded once) and its thumbnail (made once)."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    path: Mapped[str] = mapped_column(String(300))  # relative to the media folder
    thumbnail_path: Mapped[str] = mapped_column(String(300))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16), index=True)

    post: Mapped[Post] = relationship(back_populates="image")


class Consent(Base):
    """The author's permission to repost, with how it was asked and answered."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # requested, granted, declined, expired
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str | None] = mapped_column(String(200))  # how the author wants to be named

    post: Mapped[Post] = relationship(back_populates="consent")


class AuditEvent(Base):
    """Who did what to a post, when, why, and on which evidence. Never updated, only added."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")

    post: Mapped[Post] = relationship(back_populates="events")


class SourceCursor(Base):
    """Where a resumable source stopped (instaloader's frozen iterator as JSON)."""

    __tablename__ = "source_cursors"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # "hashtag:soists", "tagged:wirzeigens"
    state: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message: Mapped[str] = mapped_column(Text, default="")


class PlaceAlias(Base):
    """A phrase an editor taught the detector: when a post named it, the editor chose this AGS.

    One row per (phrase, AGS): the same phrase taught for two municipalities is kept twice so
    the detector sees the conflict and asks again instead of picking one.
    """

    __tablename__ = "place_aliases"
    __table_args__ = (UniqueConstraint("phrase", "ags"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200), index=True)  # normalised (registry.normalise)
    text: Mapped[str] = mapped_column(String(300))  # as the post wrote it, for people
    ags: Mapped[str] = mapped_column(String(8))
    editor: Mapped[str] = mapped_column(String(120), default="")
    post_uid: Mapped[str | None] = mapped_column(String(200), nullable=True)  # where it was learned
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EditorAccount(Base):
    """A person who may use the review board (SOISTS_BOARD_AUTH=accounts); the audit trail
    records this name. Only an argon2 hash of the password is kept."""

    __tablename__ = "editor_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # issue 27: what the person may do (curate/review/roles.py), whether the account is switched off, and a
    # counter raised on every change of role, password or state: a session signed in before is refused
    role: Mapped[str] = mapped_column(String(20), default="redaktion")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32, set once enrolled
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)  # set by Verwaltung


class BoardEvent(Base):
    """Account changes on the board or by the CLI (who added, disabled, changed whom): the audit view
    shows them beside the posts' audit events. Never updated, only added."""

    __tablename__ = "board_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class NewsletterSubscriber(Base):
    """One sign-up for the newsletter (issue 28 §6) and its consent record: the address (lower case),
    when the confirmation mail was asked for, when the link was opened (NULL: not yet confirmed;
    such rows are deleted after the link expired) and the version of the consent sentence
    (plugins/newsletter/consent.py). Nothing else: no IP address, no name. Unsubscribing deletes
    the row (scheduler/newsletter/subscribers.py)."""

    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    requested_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(40))


class PartnerOptOut(Base):
    """A contact who unsubscribed through the link in the monthly mail (scheduler/partners/optout.py)."""

    __tablename__ = "partner_opt_outs"
    __table_args__ = (UniqueConstraint("ags", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower case
    opted_out_utc: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerMailLog(Base):
    """The monthly mail's sent-log, one row per step (scheduler/partners/send.py)."""

    __tablename__ = "partner_mail_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM the mail reports on
    ags: Mapped[str] = mapped_column(String(8), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower case
    kind: Mapped[str] = mapped_column(String(10))  # monthly | quiet (the short quarterly note)
    state: Mapped[str] = mapped_column(String(10))  # attempt | sent | failed
    message_id: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at_utc: Mapped[datetime] = mapped_column(UTCDateTime)
