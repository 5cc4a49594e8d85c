"""Token problems from the credentials stage reach the alerts: recorded once, cleared when fixed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from scheduler.alerts.state import AlertLog
from scheduler.credentials.model import TokenInfo, expiry_problems
from scheduler.credentials.refresh import report_token_problems
from tests.scheduler_jobs.jobs_helpers import store

pytestmark = pytest.mark.both_databases
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def open_alerts(sessions) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(AlertLog).where(AlertLog.resolved_utc.is_(None), AlertLog.kind != "digest"))
        return sorted((r.kind, r.subject, r.severity) for r in rows)


def test_an_expiring_token_is_an_open_alert_until_it_is_renewed(db_url, monkeypatch):
    monkeypatch.delenv("SOISTS_SMTP_HOST", raising=False)
    url, _, sessions = store(db_url)
    expiring = TokenInfo(slot="instagram_login", flavour="instagram_login",
                         expires_at=int((NOW + timedelta(days=2)).timestamp()))
    problems = expiry_problems(expiring, NOW)
    assert [(p.kind, p.severity) for p in problems] == [("token_expiring", "critical")]
    assert "Instagram" in problems[0].text_de and "check-credentials" in problems[0].action_de

    report_token_problems(url, problems, NOW)
    report_token_problems(url, problems, NOW + timedelta(hours=1))  # seen again: still one open alert
    assert open_alerts(sessions) == [("token_expiring", "instagram_login: läuft", "critical")]

    renewed = TokenInfo(slot="instagram_login", flavour="instagram_login",
                        expires_at=int((NOW + timedelta(days=60)).timestamp()))
    report_token_problems(url, expiry_problems(renewed, NOW), NOW + timedelta(days=1))
    assert open_alerts(sessions) == []
