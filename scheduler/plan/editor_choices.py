"""Editors' planning choices stored in the database: pin a post to a slot, hold a post, skip a slot.

One small table on the store's `Base` (created by migration 0002). `load_choices` turns the
rows into the planner's `EditorChoices`; post ids are the store's `Post.uid`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from scheduler.plan.rotation import EditorChoices
from scheduler.store.models import Base, UTCDateTime, utcnow

KINDS = ("pin", "hold", "skip")


class EditorChoice(Base):
    __tablename__ = "editor_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)  # pin | hold | skip
    slot_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # pin, skip
    post_uid: Mapped[str | None] = mapped_column(String(200), nullable=True)  # pin, hold
    editor: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _existing(session: Session, kind: str, slot: datetime | None, post_uid: str | None) -> EditorChoice | None:
    query = select(EditorChoice).where(EditorChoice.kind == kind)
    if kind in ("pin", "skip"):
        query = query.where(EditorChoice.slot_utc == slot)  # one pin / one skip per slot
    else:
        query = query.where(EditorChoice.post_uid == post_uid)
    return session.scalar(query)


def set_choice(session: Session, kind: str, *, slot: datetime | None = None, post_uid: str | None = None,
               editor: str = "", reason: str = "", commit: bool = True) -> EditorChoice:
    """Add a choice; a second pin for the same slot replaces the first. Commits unless told not to
    (the plan operations commit several changes at once)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if kind in ("pin", "skip") and slot is None:
        raise ValueError(f"a {kind} needs a slot")
    if kind in ("pin", "hold") and not post_uid:
        raise ValueError(f"a {kind} needs a post")
    choice = _existing(session, kind, slot, post_uid)
    if choice is None:
        choice = EditorChoice(kind=kind, slot_utc=slot, post_uid=post_uid)
        session.add(choice)
    choice.post_uid, choice.editor, choice.reason, choice.created_utc = post_uid, editor, reason, utcnow()
    session.flush()
    if commit:
        session.commit()
    return choice


def remove_choice(session: Session, kind: str, *, slot: datetime | None = None, post_uid: str | None = None,
                  commit: bool = True) -> bool:
    choice = _existing(session, kind, slot, post_uid)
    if choice is None:
        return False
    session.delete(choice)
    session.flush()
    if commit:
        session.commit()
    return True


def all_choices(session: Session) -> list[EditorChoice]:
    return list(session.scalars(select(EditorChoice).order_by(EditorChoice.kind, EditorChoice.slot_utc,
                                                              EditorChoice.id)))


def load_choices(session: Session) -> EditorChoices:
    rows = all_choices(session)
    return EditorChoices(
        pins={r.slot_utc: r.post_uid for r in rows if r.kind == "pin" and r.slot_utc and r.post_uid},
        holds=frozenset(r.post_uid for r in rows if r.kind == "hold" and r.post_uid),
        skips=frozenset(r.slot_utc for r in rows if r.kind == "skip" and r.slot_utc))
