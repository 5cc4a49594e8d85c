"""`invoke newsletter`: from a built site to the import files, and optionally to the recipients.

Settings come from the environment (and the secrets file, for SMTP — the alerts' server):
SOISTS_SITEURL (as in publishconf.py), SOISTS_NEWSLETTER_FROM, SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO,
SOISTS_NEWSLETTER_UNSUBSCRIBE_URL, SOISTS_NEWSLETTER_RATE (messages a minute, default 30).
Recipients: a CSV file, or the confirmed subscribers in the store (the sign-up, signup.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from plugins.newsletter.generator import ISSUE_DATA
from plugins.newsletter.selection import Month, issue_url, without_past_events

from .compose import Newsletter, compose, load_issue
from .export import DEFAULT_MERGE_TAG, write_import_files
from .send import ListSettings, RateLimiter, SendReport, SentLog, read_recipients, send_newsletter

DEFAULT_RATE = 30.0


class NewsletterError(Exception):
    pass


def issue_file(site: Path, month: Month) -> Path:
    return site / issue_url(month.slug) / ISSUE_DATA


def latest_issue(site: Path) -> Month:
    """The newest issue a built site has (the default of `invoke newsletter`)."""
    months = []
    for folder in (site / "newsletter").glob("*-*"):
        try:
            months.append(Month.parse(folder.name))
        except ValueError:
            continue
    if not months:
        raise NewsletterError(f"{site} has no newsletter issue: no month with a featured photo or portrait yet")
    return max(months, key=lambda m: m.slug)


def make_newsletter(site: Path, month: Month, siteurl: str, now: datetime | None = None) -> Newsletter:
    path = issue_file(site, month)
    if not path.exists():
        raise NewsletterError(f"no issue {month.slug} in {site}: the month has no featured photo or portrait "
                              "yet, or it lies in the future")
    return compose(without_past_events(load_issue(path), now or datetime.now(timezone.utc)), siteurl)


@dataclass(frozen=True)
class Made:
    newsletter: Newsletter
    files: dict[str, Path]


def export(site: Path, month: Month, siteurl: str, out: Path, merge_tag: str = DEFAULT_MERGE_TAG) -> Made:
    newsletter = make_newsletter(site, month, siteurl)
    return Made(newsletter, write_import_files(newsletter, out, merge_tag))


def list_settings(env: Mapping[str, str]) -> ListSettings:
    missing = [name for name in ("SOISTS_NEWSLETTER_FROM", "SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO",
                                 "SOISTS_NEWSLETTER_UNSUBSCRIBE_URL") if not env.get(name)]
    if missing:
        raise NewsletterError(f"sending needs {', '.join(missing)}")
    url = env["SOISTS_NEWSLETTER_UNSUBSCRIBE_URL"]
    if not url.startswith("https://"):
        raise NewsletterError("SOISTS_NEWSLETTER_UNSUBSCRIBE_URL must be https:// (one-click unsubscribe, RFC 8058)")
    token_for = None
    if "{token}" in url:  # the sign-up endpoint's signed unsubscribe link
        from .tokens import UNSUBSCRIBE, SecretMissing, load_secret, make_token

        try:
            secret = load_secret(env)
        except SecretMissing as exc:
            raise NewsletterError(f"SOISTS_NEWSLETTER_UNSUBSCRIBE_URL has {{token}}: {exc}") from exc
        now = datetime.now(timezone.utc)
        token_for = lambda address: make_token(secret, UNSUBSCRIBE, address, now)  # noqa: E731
    return ListSettings(env["SOISTS_NEWSLETTER_FROM"], env["SOISTS_NEWSLETTER_UNSUBSCRIBE_MAILTO"], url,
                        token_for=token_for)


def subscriber_addresses(db_url: str) -> list[str]:
    """The confirmed subscribers in the store, in the order they confirmed."""
    from scheduler.store.db import make_engine, session_factory

    from .subscribers import confirmed_subscribers

    engine = make_engine(db_url)
    try:
        return [row.email for row in confirmed_subscribers(session_factory(engine))]
    finally:
        engine.dispose()


def send_to_list(newsletter: Newsletter, recipients_csv: Path | None, log_path: Path, rate: float | None = None,
                 retry_uncertain: bool = False, env: Mapping[str, str] | None = None,
                 recipients: list[str] | None = None) -> SendReport:
    """To the addresses of a CSV file, or to `recipients` (subscriber_addresses()); the same
    sent-log and rate limit either way."""
    from scheduler.alerts.mail import SmtpConfig

    env = os.environ if env is None else env
    if recipients is None:
        recipients = read_recipients(recipients_csv)
    smtp = SmtpConfig.load(env, require_recipients=False)
    if smtp is None:
        raise NewsletterError("no SMTP server configured (SOISTS_SMTP_HOST or the secrets file's \"smtp\" key)")
    per_minute = float(rate or env.get("SOISTS_NEWSLETTER_RATE") or DEFAULT_RATE)
    return send_newsletter(newsletter, recipients, smtp, list_settings(env), SentLog(log_path),
                           RateLimiter(per_minute), retry_uncertain=retry_uncertain)
