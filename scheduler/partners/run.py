"""`python -m scheduler partner-mail --month YYYY-MM`: gather, compose, plan and send (or preview).

Settings (environment, and the secrets file for SMTP and the link secret):
SOISTS_SITEURL (or SOISTS_SITE_URL), SOISTS_PARTNER_MAIL_FROM (default SOISTS_NEWSLETTER_FROM),
SOISTS_PARTNER_MAIL_UNSUBSCRIBE_MAILTO (default SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO),
SOISTS_PARTNER_MAIL_RATE (messages a minute, default SOISTS_NEWSLETTER_RATE or 30), the newsletter's
secret (SOISTS_NEWSLETTER_SECRET / the secrets file's "newsletter" key), the alerts' SMTP settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from plugins.newsletter.selection import Month
from plugins.region.registry import Registry, load_registry
from scheduler.newsletter.send import RateLimiter, SendReport

from .contacts import DEFAULT_PATH, Contact, load_contacts
from .events import DEFAULT_EVENTS, upcoming_events
from .mail import MONTHLY, QUIET, PartnerMail, compose
from .monthly import MonthFigures, gather
from .send import PartnerSettings, Plan, plan_month, send_month

DEFAULT_SITEURL = "https://www.so-ist-s.de"
DEFAULT_RATE = 30.0


class PartnerMailError(Exception):
    pass


def previous_month(now: datetime) -> Month:
    """The month a run on `now` reports on: the last finished calendar month (Berlin)."""
    this = Month.of(now)
    return Month(this.year - 1, 12) if this.month == 1 else Month(this.year, this.month - 1)


def siteurl_from(env: Mapping[str, str]) -> str:
    return (env.get("SOISTS_SITEURL") or env.get("SOISTS_SITE_URL") or DEFAULT_SITEURL).rstrip("/")


@dataclass
class MonthMails:
    """Everything one month's run would send: the figures and mails per municipality, and the plan."""

    month: Month
    figures: dict[str, MonthFigures]
    mails: dict[tuple[str, str], PartnerMail]  # (AGS, kind) → mail
    plan: Plan

    def mail_for(self, ags: str) -> PartnerMail | None:
        """The mail this municipality gets this month (monthly or quiet); None if nobody gets one."""
        kinds = {kind for contact, kind in self.plan.send if contact.ags == ags}
        return self.mails.get((ags, kinds.pop())) if kinds else None


def prepare(sessions: sessionmaker[Session], month: Month, now: datetime, siteurl: str,
            contacts: list[Contact] | None = None, registry: Registry | None = None,
            events_dir: Path = DEFAULT_EVENTS) -> MonthMails:
    registry = registry or load_registry()
    if contacts is None:  # SOISTS_CONTACTS_FILE: another copy of the file (tests, a staging server)
        contacts = load_contacts(os.environ.get("SOISTS_CONTACTS_FILE") or DEFAULT_PATH, registry)
    municipalities: dict[str, tuple] = {}
    for contact in contacts:
        municipalities.setdefault(contact.ags, (contact.municipality, []))[1].append(contact)
    events = upcoming_events(events_dir, registry, now)
    with sessions() as session:
        figures = gather(session, municipalities, month, now, events)
        plan = plan_month(session, contacts, {ags: f.has_news for ags, f in figures.items()}, month)
    kinds = {(contact.ags, kind) for contact, kind in plan.send}
    for ags, f in figures.items():  # the board previews every municipality, also those with nobody to send to
        kinds.add((ags, MONTHLY if f.has_news else QUIET))
    mails = {(ags, kind): compose(figures[ags], siteurl, kind) for ags, kind in sorted(kinds)}
    return MonthMails(month, figures, mails, plan)


def settings_from(env: Mapping[str, str], siteurl: str) -> PartnerSettings:
    from scheduler.newsletter.tokens import SecretMissing, load_secret

    sender = env.get("SOISTS_PARTNER_MAIL_FROM") or env.get("SOISTS_NEWSLETTER_FROM")
    mailto = env.get("SOISTS_PARTNER_MAIL_UNSUBSCRIBE_MAILTO") or env.get("SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO")
    if not sender or not mailto:
        raise PartnerMailError("sending needs SOISTS_PARTNER_MAIL_FROM (or SOISTS_NEWSLETTER_FROM) and "
                               "SOISTS_PARTNER_MAIL_UNSUBSCRIBE_MAILTO (or SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO)")
    try:
        secret = load_secret(env)
    except SecretMissing as exc:
        raise PartnerMailError(f"the unsubscribe links need the newsletter's secret: {exc}") from exc
    return PartnerSettings(sender, mailto, siteurl, secret)


def send_prepared(sessions: sessionmaker[Session], prepared: MonthMails, env: Mapping[str, str] | None = None,
                  rate: float | None = None, retry_uncertain: bool = False) -> SendReport:
    from scheduler.alerts.mail import SmtpConfig

    env = os.environ if env is None else env
    smtp = SmtpConfig.load(env, require_recipients=False)
    if smtp is None:
        raise PartnerMailError("no SMTP server configured (SOISTS_SMTP_HOST or the secrets file's \"smtp\" key)")
    settings = settings_from(env, siteurl_from(env))
    per_minute = float(rate or env.get("SOISTS_PARTNER_MAIL_RATE") or env.get("SOISTS_NEWSLETTER_RATE") or DEFAULT_RATE)
    return send_month(sessions, prepared.plan, prepared.mails, prepared.month, smtp, settings,
                      RateLimiter(per_minute), retry_uncertain)


def write_preview(prepared: MonthMails, out: Path) -> list[Path]:
    """--dry-run: each municipality's mail as .html and .txt in `out`, nothing sent."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for (ags, kind), mail in prepared.mails.items():
        stem = f"{prepared.month.slug}-{mail.figures.municipality.slug}-{kind}"
        text, html = mail.personal("#abmelden")
        for suffix, body in ((".html", html), (".txt", text)):
            (out / (stem + suffix)).write_text(body, encoding="utf-8")
            written.append(out / (stem + suffix))
    return written


def run(sessions: sessionmaker[Session], month: Month | None = None, now: datetime | None = None,
        dry_run: bool = False, out: Path | None = None, env: Mapping[str, str] | None = None,
        rate: float | None = None, retry_uncertain: bool = False) -> tuple[MonthMails, SendReport | None]:
    """What the CLI and the job do: the month (default: the last finished one) prepared, then sent
    or, with dry_run, written as files."""
    env = os.environ if env is None else env
    now = now or datetime.now(timezone.utc)
    month = month or previous_month(now)
    prepared = prepare(sessions, month, now, siteurl_from(env))
    if dry_run:
        write_preview(prepared, out or Path("var") / "partner-mail" / month.slug)
        return prepared, None
    return prepared, send_prepared(sessions, prepared, env, rate, retry_uncertain)


def summary(prepared: MonthMails, report: SendReport | None) -> list[str]:
    """Lines for the operator: who gets which mail, who none and why, and what the run did."""
    lines = [f"So ist S in Ihrer Kommune, {prepared.month.label}:"]
    for contact, kind in prepared.plan.send:
        label = "Monatsmail" if kind == MONTHLY else "kurze Nachricht (Quartal)"
        lines.append(f"  {contact.municipality.name}: {contact.email} – {label}")
    for contact, reason in prepared.plan.skipped:
        lines.append(f"  {contact.municipality.name}: {contact.email} – keine Mail: {reason}")
    if report is not None:
        lines.append(f"sent {len(report.sent)}, already sent {len(report.skipped)}, unknown outcome "
                     f"{len(report.uncertain)}, failed {len(report.failed)}")
    return lines
