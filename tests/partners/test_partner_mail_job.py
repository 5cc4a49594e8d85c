"""The monthly job and the CLI command: the runner's job sends the last month's mails and fails
(→ the alerts' job_failed) when the SMTP server is down; `partner-mail --dry-run` sends nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scheduler import jobs
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK
from scheduler.jobs.runner import RunnerConfig, job_specs
from scheduler.partners.state import PartnerMailLog
from tests.alerts.smtp_helpers import SmtpServer, free_port
from tests.partners.partner_seed import SENT_ON, seed, smtp_env


def test_the_job_is_scheduled_monthly_and_sends_last_months_mails(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine, sessions = seed(url)
    spec = {s["id"]: s for s in job_specs(RunnerConfig(url))}["soists.partnermail"]
    assert spec["func"] == "scheduler.jobs:partner_mail_job" and "soists.partnermail" in jobs.JOB_IDS
    assert spec["trigger"].get_next_fire_time(None, SENT_ON + timedelta(minutes=1)).astimezone(timezone.utc) == \
        datetime(2027, 1, 2, 8, 0, tzinfo=timezone.utc)  # the 2nd at 09:00 Berlin
    for name, value in smtp_env(free_port(), tmp_path).items():
        monkeypatch.setenv(name, value)
    assert jobs.partner_mail_job(url, now=SENT_ON) == EXIT_FAILURE  # nobody listens on that port
    with SmtpServer("plain", tmp_path) as server:
        monkeypatch.setenv("SOISTS_SMTP_PORT", str(server.port))
        monkeypatch.setenv("SOISTS_PARTNER_MAIL_RATE", "6000")
        assert jobs.partner_mail_job(url, now=SENT_ON) == EXIT_OK
        assert len(server.inbox.received) == 8  # the failed first attempt is sent now, nothing twice
    with sessions() as session:
        assert session.query(PartnerMailLog).filter_by(state="sent", month="2026-11").count() == 8
    engine.dispose()


def test_the_dry_run_writes_every_mail_and_sends_nothing(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine, sessions = seed(url)
    engine.dispose()
    monkeypatch.setenv("SOISTS_SITEURL", "https://www.so-ist-s.example")
    settings = Settings(root=tmp_path, db_url=url, media_dir=tmp_path / "media")
    assert cli.main(["partner-mail", "--month", "2026-11", "--dry-run", "--out", str(tmp_path / "out")], settings) == 0
    printed = capsys.readouterr().out
    assert "Beuren: info@beuren.example – keine Mail: abgemeldet (Kontaktliste)" in printed
    assert "Stuttgart: presse@stuttgart.example – Monatsmail" in printed
    assert "Aidlingen: rathaus@aidlingen.example – kurze Nachricht (Quartal)" in printed
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "2026-11-stuttgart-monthly.html" in files and "2026-11-aidlingen-quiet.txt" in files
    assert len(files) == 2 * 9  # every municipality's mail, Beuren's too (for the board)
    assert cli.main(["partner-mail", "--month", "2026-13", "--dry-run"], settings) == 2
