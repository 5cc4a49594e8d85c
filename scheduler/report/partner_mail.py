"""The report's section on the monthly mail to the municipalities: per municipality the mails sent
in the period and the clicks on their links, and the events imported
from its own calendar and accepted by the editors.

Mails sent = "sent" rows of partner_mail_log (scheduler/partners/state.py) handed over in the
period. Clicks ("geöffnet per Klick") = requests with the mail's campaign parameter
(`mtm_campaign=kommune-YYYY-MM`, `mtm_kwd=<slug>`) in the access logs (insight_campaign_clicks),
on days in the period. There is no tracking pixel: a mail read without a click is not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.region.registry import Municipality
from scheduler.config import BERLIN
from scheduler.insights.state import CampaignClick
from scheduler.partners.state import PartnerMailLog

CAMPAIGN_PREFIX = "kommune-"


@dataclass(frozen=True)
class PartnerMailRow:
    m: Municipality
    mails: int  # mails handed over in the period (all contacts of the municipality)
    clicks: int  # requests through the mails' links in the period
    # „Termine importiert / übernommen“: from the calendar import (partners/calendar_figures.py);
    # None when it has none for this municipality (shown as „–“, never as 0).
    events_imported: int | None = None
    events_accepted: int | None = None


@dataclass(frozen=True)
class PartnerMailData:
    sent: list[tuple[str, date]] = field(default_factory=list)  # (AGS, Berlin day) of every mail handed over
    clicks: list[tuple[str, date, int]] = field(default_factory=list)  # (slug, day, requests)


# The calendar import's figures (scheduler/partners/calendar_figures.py): AGS → (imported, accepted);
# run.calendar_events reads them and passes them to build_report as `partner_events`. A municipality
# without any shows „–“.
EventFigures = Callable[[Session, date, date], dict[str, tuple[int, int]]]


def load_partner_mail(session: Session) -> PartnerMailData:
    sent = [(ags, at.astimezone(BERLIN).date()) for ags, at in session.execute(
        select(PartnerMailLog.ags, PartnerMailLog.at_utc).where(PartnerMailLog.state == "sent"))]
    clicks = [(c.keyword, c.day, c.hits) for c in session.scalars(
        select(CampaignClick).where(CampaignClick.campaign.like(f"{CAMPAIGN_PREFIX}%")))]
    return PartnerMailData(sent, clicks)


def partner_mail_rows(data: PartnerMailData, start: date, end: date, municipalities: list[Municipality],
                      events: dict[str, tuple[int, int]] | None = None) -> list[PartnerMailRow]:
    """One row per municipality that got a mail, had clicks or imported events in the period."""
    sent = Counter(ags for ags, day in data.sent if start <= day <= end)
    clicks: Counter[str] = Counter()
    for slug, day, hits in data.clicks:
        if start <= day <= end:
            clicks[slug] += hits
    events = events or {}
    rows = []
    for m in municipalities:
        imported, accepted = events.get(m.ags, (None, None))
        if sent[m.ags] or clicks[m.slug] or imported:
            rows.append(PartnerMailRow(m, sent[m.ags], clicks[m.slug], imported, accepted))
    return rows
