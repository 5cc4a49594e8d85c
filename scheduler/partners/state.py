"""Tables of the monthly mail to the municipalities (migration 0014).

`partner_opt_outs`: who unsubscribed through the link in a mail. The contacts file is in Git, so
an opt-out clicked in a mail is kept here; the file's `opt_out` column and this table both count.

`partner_mail_log`: the sent-log of the monthly mail, one row per step (attempt, sent, failed),
committed before the next step; the last row per month and contact tells its state. The impact
report counts the "sent" rows; the quarterly note for quiet municipalities looks them up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models import Base, UTCDateTime


class PartnerOptOut(Base):
    __tablename__ = "partner_opt_outs"
    __table_args__ = (UniqueConstraint("ags", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower case
    opted_out_utc: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerMailLog(Base):
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
