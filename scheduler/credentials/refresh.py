"""The daily `soists.tokens` job: read every stored token's metadata, refresh what can be
refreshed, re-derive the Page token, record the state, and report problems early.

Flavours (docs/OPERATIONS-tokens.md):
  Facebook Login (what publishing uses, graph.facebook.com): a long-lived User token (~60 days,
  from fb_exchange_token) and the Page token derived from it (no expiry). Meta offers no
  server-side extension of a long-lived User token: a person logs in again. The job tries
  the documented exchange once the token is due and notices when nothing was gained.
  Instagram Login (graph.instagram.com): a long-lived Instagram User token (60 days) is
  refreshed with ig_refresh_token once it is at least 24 h old and still valid.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from scheduler.credentials.api import TokenApi, info_from_debug, info_from_refresh
from scheduler.alerts.problem import Problem
from scheduler.credentials.model import TokenInfo, days_left, expiry_problems
from scheduler.credentials.vault import Vault
from scheduler.credentials.versions import graph_version, version_problems
from scheduler.publish.graph_errors import GraphError, install_token_redaction

log = logging.getLogger(__name__)
REFRESH_DAYS = 30  # refresh (or try to) once a token has this many days or fewer left
MIN_AGE_S = 86400  # the Instagram refresh needs a token at least 24 h old
FACEBOOK_SLOTS = ("facebook_user", "facebook_page", "instagram")


@dataclass
class RefreshReport:
    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def refresh_due(info: TokenInfo | None, now: datetime, refresh_days: int = REFRESH_DAYS) -> bool:
    """Unknown expiry or ≤ refresh_days left — and old enough to be refreshed (≥ 24 h)."""
    if info is None or info.expires_at is None:
        return True
    if info.expires_at == 0:
        return False  # never expires
    born = info.issued_at or 0
    return days_left(info.expires_at, now) <= refresh_days and now.timestamp() - born >= MIN_AGE_S


def credential_problems(meta: dict[str, TokenInfo], now: datetime, version: str) -> list[Problem]:
    """The hook for the alerts: every stored token's problems plus the Graph API version's."""
    problems = [p for info in meta.values() for p in expiry_problems(info, now)]
    return problems + version_problems(version, now.date())


def _mark_failed(info: TokenInfo | None, slot: str, flavour: str, error: GraphError) -> TokenInfo:
    info = info or TokenInfo(slot=slot, flavour=flavour)
    info.last_error = f"{type(error).__name__}: code {error.code}/{error.subcode}"
    if error.code in (102, 190):  # the token itself is dead (460/463/467): nothing to refresh
        info.is_valid = False
    return info


def refresh_all(vault: Vault, api: TokenApi, now: datetime, *, page_id: str = "", version: str = "v26.0",
                refresh_days: int = REFRESH_DAYS) -> RefreshReport:
    report = RefreshReport()
    meta, tokens = vault.metadata(), vault.tokens()
    app_id, app_secret = vault.app()
    app_token = f"{app_id}|{app_secret}" if app_id and app_secret else ""

    if tokens.get("instagram_login"):
        info = meta.get("instagram_login")
        if refresh_due(info, now, refresh_days) and (info is None or info.is_valid):
            try:
                new = api.ig_refresh(tokens["instagram_login"])
            except GraphError as error:
                meta["instagram_login"] = _mark_failed(info, "instagram_login", "instagram_login", error)
                report.lines.append(f"instagram_login: refresh failed ({error.code}/{error.subcode})")
            else:
                vault.set_tokens(instagram_login=new.token)
                meta["instagram_login"] = info_from_refresh("instagram_login", new, now)
                report.lines.append(f"instagram_login: refreshed, {new.expires_in // 86400} days")

    for slot in FACEBOOK_SLOTS:
        if tokens.get(slot):
            try:
                meta[slot] = info_from_debug(slot, api.debug_token(tokens[slot], app_token), now, meta.get(slot))
            except GraphError as error:
                meta[slot] = _mark_failed(meta.get(slot), slot, "facebook_login", error)

    user = meta.get("facebook_user")
    if user and user.is_valid and app_token and refresh_due(user, now, refresh_days):
        report.lines.append(_try_exchange(vault, api, tokens["facebook_user"], user, app_id, app_secret,
                                          app_token, now, meta))

    page = meta.get("facebook_page")
    if page_id and user and user.is_valid and (page is None or not page.is_valid):
        # A Page token derived from the long-lived User token does not expire: derive it again.
        old_page = tokens.get("facebook_page", "")
        fresh = api.page_token(vault.token("facebook_user"), page_id)
        update = {"facebook_page": fresh}
        if tokens.get("instagram") in ("", old_page):
            update["instagram"] = fresh  # the Instagram slot used the Page token: keep them together
        vault.set_tokens(**update)
        for slot in update:
            meta[slot] = info_from_debug(slot, api.debug_token(fresh, app_token), now)
        report.lines.append("facebook_page: derived again from the User token")

    vault.save_metadata(meta)
    report.problems = credential_problems(meta, now, version)
    return report


def _try_exchange(vault, api, token, user, app_id, app_secret, app_token, now, meta) -> str:
    try:
        new = api.exchange(token, app_id, app_secret)
    except GraphError as error:
        meta["facebook_user"] = _mark_failed(user, "facebook_user", "facebook_login", error)
        return f"facebook_user: exchange failed ({error.code}/{error.subcode})"
    fresh = info_from_debug("facebook_user", api.debug_token(new.token, app_token), now)
    if (fresh.expires_at or 0) <= (user.expires_at or 0):
        return "facebook_user: the exchange gave no later expiry — a person must log in again"
    vault.set_tokens(facebook_user=new.token)
    fresh.refreshed_at = now.isoformat()
    meta["facebook_user"] = fresh
    return "facebook_user: exchanged for a later expiry"


def tokens_job(db_url: str = "", env: Mapping[str, str] | None = None, now: datetime | None = None) -> int:
    """Scheduled daily (soists.tokens). Returns 0, or 3 when a critical problem needs a person."""
    env = os.environ if env is None else env
    vault = Vault.from_env(env)
    if not vault.exists():
        log.info("tokens: no secrets file at %s; environment tokens are not refreshed", vault.path)
        return 0
    install_token_redaction(vault.all_secrets() + [env.get("SOISTS_IG_TOKEN", ""),
                                                   env.get("SOISTS_FB_PAGE_TOKEN", "")])
    now = now or datetime.now(timezone.utc)
    report = refresh_all(vault, TokenApi.from_env(env), now, page_id=env.get("SOISTS_FB_PAGE_ID", ""),
                         version=graph_version(env))
    for line in report.lines:
        log.info("tokens: %s", line)
    for problem in report.problems:
        log.warning("tokens: %s (%s): %s", problem.kind, problem.severity, problem.text_de)
    if db_url:
        report_token_problems(db_url, report.problems, now)
    return 3 if any(p.severity == "critical" for p in report.problems) else 0


TOKEN_KINDS = {"token_expiring", "token_invalid", "token_missing", "graph_version", "permissions"}


def report_token_problems(db_url: str, problems: list[Problem], now: datetime) -> None:
    """Hand the problems to the alerts (mail once a day, "behoben" when they clear)."""
    from scheduler.alerts.report import report_problems
    from scheduler.store.db import has_tables

    if has_tables(db_url, "alert_log"):
        report_problems(db_url, problems, checked=TOKEN_KINDS, now=now)
