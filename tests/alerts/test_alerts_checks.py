"""Detectors, the job hooks (`once`, the APScheduler listener), the secrets file, the metrics
file (read back with prometheus_client's parser) and `status --json`."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.alerts import checks, hooks
from scheduler.alerts.mail import SmtpConfig
from scheduler.credentials.model import TokenInfo
from scheduler.credentials.vault import SecretsError, Vault
from scheduler.alerts.state import AlertLog, JobRun
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.publish.state import FeaturePublication, PublishStep
from tests.alerts.smtp_helpers import SmtpServer
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, planning_env, store

pytestmark = pytest.mark.both_databases  # alert state and job runs live in the store

REG = load_registry()


def feature(key: str, status: str, **extra) -> FeaturePublication:
    return FeaturePublication(key=key, slot_utc=extra.pop("slot_utc", NOW), post_uid=f"x:{key}", ags="08119008",
                              request={}, status=status, attempts=extra.pop("attempts", 1), created_utc=NOW,
                              updated_utc=NOW, **extra)


def run(job: str, at: datetime, exit_code: int, detail: str = "") -> JobRun:
    return JobRun(job=job, started_utc=at, finished_utc=at + timedelta(minutes=1), ok=exit_code == 0,
                  exit_code=exit_code, detail=detail)


def test_feature_collect_deploy_and_rate_limit_problems(db_url, tmp_path):
    _, _, sessions = store(db_url)
    with sessions.begin() as session:
        session.add_all([
            feature("2026-11-20-backnang", "needs_editor", last_error="instagram: token invalid"),
            feature("2026-11-21-plochingen", "failed", last_error="facebook: fatal"),
            feature("2026-11-22-leonberg", "pending", attempts=7, last_error="instagram: 429",
                    next_attempt_utc=NOW + timedelta(hours=7)),
            feature("2026-11-23-weil-der-stadt", "pending", attempts=1, last_error="deploy: exit 1",
                    next_attempt_utc=NOW + timedelta(minutes=5)),
        ])
        session.flush()
        session.add(PublishStep(feature=session.scalar(select(FeaturePublication).where(
            FeaturePublication.key == "2026-11-23-weil-der-stadt")), step="deploy", state="failed",
            data={}, error="CalledProcessError: invoke publish"))
        session.add_all([run("collect", NOW - timedelta(hours=h), 4) for h in (7, 4, 1)])
        session.add(run("plan", NOW, 1, "OperationalError: database is locked"))
    with sessions() as session:
        found = {(p.kind, p.subject): p for p in checks.job_checks(session, NOW + timedelta(minutes=5)).problems}
    assert set(found) == {("feature_needs_editor", "2026-11-20-backnang"), ("feature_failed", "2026-11-21-plochingen"),
                          ("rate_limit", "2026-11-22-leonberg"), ("rate_limit", "Instagram-Sammeln"),
                          ("deploy_failed", "Website"), ("job_failed", "plan")}
    assert "python -m scheduler retry 2026-11-20-backnang" in found[("feature_needs_editor",
                                                                       "2026-11-20-backnang")].action_de
    assert "3 Läufe hintereinander mit Exit-Code 4" in found[("rate_limit", "Instagram-Sammeln")].text_de
    assert "invoke publish" in found[("deploy_failed", "Website")].text_de


def test_collect_login_and_a_short_rate_limit():
    login = checks.collect_problems([run("collect", NOW, 3), run("collect", NOW - timedelta(hours=3), 0)], NOW)
    assert [p.kind for p in login] == ["collect_login"] and "instaloader --login" in login[0].action_de
    short = [run("collect", NOW - timedelta(hours=h), 4) for h in (1, 3)] + [run("collect", NOW - timedelta(hours=9), 0)]
    assert checks.collect_problems(short, NOW) == []  # 3 h of 429s: not yet worth a mail


def test_disk_below_the_threshold(tmp_path):
    gb = 1024 ** 3
    low = checks.disk_problems([tmp_path, tmp_path / "media"], 2, usage=lambda p: (100 * gb, 99 * gb, gb // 2))
    assert [p.subject for p in low] == [str(tmp_path), str(tmp_path / "media")]
    assert "nur noch 0.5 GB frei (Schwelle 2 GB)" in low[0].text_de
    assert checks.disk_problems([tmp_path], 2, usage=lambda p: (100 * gb, 10 * gb, 90 * gb)) == []


def test_empty_slots_within_the_enqueue_horizon(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)  # Mon/Wed/Fri 18:00, enqueue horizon 48 h, nothing granted
    monkeypatch.setenv("SOISTS_DISK_MIN_GB", "0")
    _, _, sessions = store(db_url)
    with sessions() as session:
        result = checks.daily_checks(session, NOW)
    # NOW is Monday 18:30 Berlin: today's missed slot (still within the catch-up) and Wednesday's
    # are within 48 h, Friday's is not
    assert [p.subject for p in result.problems] == ["Mo., 23. November 2026, 18:00", "Mi., 25. November 2026, 18:00"]
    assert {"empty_slot", "disk_space"} <= set(result.checked)


def test_once_records_runs_and_mails_problems_through_the_environment(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    monkeypatch.setenv("SOISTS_DISK_MIN_GB", "0")
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, REG.get("plochingen").ags)  # fills Monday's slot only
    with SmtpServer("starttls", tmp_path) as server:
        for name, value in {"SOISTS_SMTP_HOST": "127.0.0.1", "SOISTS_SMTP_PORT": str(server.port),
                            "SOISTS_SMTP_CAFILE": str(server.cert), "SOISTS_ALERT_TO": "redaktion@so-ist-s.de",
                            "SOISTS_SMTP_FROM": "scheduler@so-ist-s.de", "SOISTS_BOARD_URL": "https://board.example/",
                            "SOISTS_METRICS_FILE": str(tmp_path / "metrics" / "soists.prom")}.items():
            monkeypatch.setenv(name, value)
        report = jobs.run_once(url, NOW, only=("expire", "plan", "alerts"))
        assert report.lines[-1] == "alerts: 1 new, 0 cleared, 1 mail(s) sent"
        assert [r.message["Subject"] for r in server.inbox.received] == [
            "[So ist S] Leerer Sendeplatz, kein Beitrag übrig: Mi., 25. November 2026, 18:00"]
        assert "https://board.example/" in server.inbox.received[0].text
        jobs.run_once(url, NOW + timedelta(minutes=5), only=("expire", "alerts"))  # same day: no second mail
        assert len(server.inbox.received) == 1
    with sessions() as session:
        assert [(r.job, r.ok) for r in session.scalars(select(JobRun).order_by(JobRun.id))] == [
            ("expire", True), ("plan", True), ("expire", True)]
    assert (tmp_path / "metrics" / "soists.prom").exists()


def test_the_runner_listener_records_a_crashed_job_and_reports_it(db_url, tmp_path, monkeypatch):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from apscheduler.schedulers.background import BackgroundScheduler

    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    sent = []
    monkeypatch.setattr("scheduler.alerts.report.default_sender", lambda env=None: (sent.append, None))
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(hooks.job_listener(url), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        scheduler.add_job(boom, id="soists.plan")
        scheduler.add_job(exit_three, id="soists.collect")
        deadline = time.monotonic() + 10
        while len(sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    with sessions() as session:
        runs = {r.job: (r.ok, r.exit_code, r.detail) for r in session.scalars(select(JobRun))}
        kinds = {(a.kind, a.subject) for a in session.scalars(select(AlertLog))}
    assert runs == {"plan": (False, 1, "RuntimeError: Datenbank gesperrt"), "collect": (False, 3, "")}
    assert kinds == {("job_failed", "plan"), ("collect_login", "Instagram")}
    assert sorted(m["Subject"] for m in sent) == ["[So ist S] Job fehlgeschlagen: plan",
                                                  "[So ist S] Sammeln braucht eine Anmeldung: Instagram"]


def boom():
    raise RuntimeError("Datenbank gesperrt")


def exit_three() -> int:
    return 3


def test_secrets_file_is_private_and_only_the_smtp_key_is_read(tmp_path):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"smtp": {"host": "mail.example.org", "password": "pw", "to": ["a@b.de"],
                                            "security": "ssl"},
                                   "tokens": {"instagram": "IGQ-secret"}}), encoding="utf-8")
    os.chmod(secrets, 0o640)
    with pytest.raises(SecretsError, match="readable by group/others .*run `chmod 600"):
        SmtpConfig.load({"SOISTS_SECRETS_FILE": str(secrets)})
    os.chmod(secrets, 0o600)
    config = SmtpConfig.load({"SOISTS_SECRETS_FILE": str(secrets), "SOISTS_SMTP_FROM": "s@so-ist-s.de"})
    assert (config.host, config.port, config.security, config.password, config.recipients) == (
        "mail.example.org", 465, "ssl", "pw", ("a@b.de",))
    assert "pw" not in repr(config)
    assert Vault.from_env({"SOISTS_SECRETS_FILE": str(secrets)}).section("smtp") == json.loads(secrets.read_text())["smtp"]
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "secrets.json").write_text(json.dumps({"smtp": {"host": "relay.internal", "to": "x@y.de"}}))
    os.chmod(credentials / "secrets.json", 0o400)  # as systemd's LoadCredential= hands it over
    # Under systemd the operator's file comes as a read-only credential; the writable file (where
    # refreshed tokens go) has no "smtp" key, so the credential's settings are used.
    writable = tmp_path / "var" / "secrets.json"
    Vault(writable).set_tokens(instagram="refreshed")
    env = {"CREDENTIALS_DIRECTORY": str(credentials), "SOISTS_SECRETS_FILE": str(writable)}
    assert SmtpConfig.load(env).host == "relay.internal"
    assert SmtpConfig.load({"SOISTS_SECRETS_FILE": str(tmp_path / "none.json")}) is None


def test_metrics_file_parses_with_prometheus_client_and_status_json(db_url, tmp_path, monkeypatch, capsys):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    with sessions.begin() as session:
        session.add_all([feature("2026-11-20-backnang", "needs_editor", last_error="instagram: token"),
                         feature("2026-11-27-esslingen", "pending", attempts=0, slot_utc=NOW + timedelta(days=4))])
        session.flush()
        done = feature("2026-11-18-leonberg", "done")
        session.add(done)
        session.flush()
        session.add(PublishStep(feature=done, step="instagram", state="done", data={"quota_before": [3, 50]},
                                finished_utc=NOW))
        session.add_all([run("publish", NOW - timedelta(minutes=10), 0), run("publish", NOW - timedelta(minutes=5), 1),
                         run("collect", NOW - timedelta(hours=2), 0)])
    secrets = tmp_path / "secrets.json"  # token validity comes from the token store's metadata
    monkeypatch.setenv("SOISTS_SECRETS_FILE", str(secrets))
    Vault(secrets).save_metadata({"instagram": TokenInfo(slot="instagram", flavour="facebook_login",
                                                         expires_at=int(time.time() + 41.5 * 86400) + 60)})
    target = tmp_path / "textfile" / "soists.prom"
    monkeypatch.setenv("SOISTS_METRICS_FILE", str(target))
    assert hooks.write_metrics(url, NOW) == target
    text = target.read_text(encoding="utf-8")
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in target.parent.iterdir()] == ["soists.prom"]  # no temp file left behind
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    last_ok = (NOW - timedelta(minutes=10) + timedelta(minutes=1)).timestamp()
    assert samples[("soists_job_last_success_timestamp_seconds", (("job", "publish"),))] == last_ok
    assert samples[("soists_job_consecutive_failures", (("job", "publish"),))] == 1
    assert samples[("soists_queue_length", ())] == 1
    assert samples[("soists_features", (("status", "needs_editor"),))] == 1
    assert samples[("soists_publish_failures", ())] == 1
    assert samples[("soists_token_validity_days", (("token", "instagram"),))] == 41.5
    assert samples[("soists_instagram_quota_used", ())] == 3
    assert samples[("soists_instagram_quota_total", ())] == 50

    monkeypatch.setattr(jobs, "quota_left", lambda: "unknown (no credentials)")
    assert cli.main(["status", "--json"], Settings(root=tmp_path, db_url=url)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["migrated"] is True and data["queue"]["pending"] == 1
    assert data["jobs"]["publish"]["last_ok"] is False and data["jobs"]["collect"]["last_ok"] is True
    assert data["failures"][0]["key"] == "2026-11-20-backnang"
    assert data["instagram_quota"]["used"] == 3 and data["token_days_left"] == {"instagram": 41.5}
    assert cli.main(["status"], Settings(root=tmp_path, db_url=url)) == 0  # the text output stays
    assert "2026-11-20-backnang: needs_editor" in capsys.readouterr().out


def test_retry_puts_a_feature_back_in_the_queue(db_url, tmp_path, capsys):
    url, _, sessions = store(db_url)
    with sessions.begin() as session:
        session.add(feature("2026-11-20-backnang", "needs_editor", last_error="x"))
    settings = Settings(root=tmp_path, db_url=url)
    assert cli.main(["retry", "2026-11-20-backnang"], settings) == 0
    assert cli.main(["retry", "nope"], settings) == 2
    with sessions() as session:
        assert session.scalar(select(FeaturePublication.status)) == "pending"


def test_status_json_before_migration(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(jobs, "quota_left", lambda: "unknown (no credentials)")
    assert cli.main(["status", "--json"], Settings(root=tmp_path, db_url=f"sqlite:///{tmp_path / 'x.db'}")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"next_runs": {}, "migrated": False, "instagram_quota_left": "unknown (no credentials)",
                    "takedowns_open": []}


def test_job_runs_are_pruned_but_each_jobs_last_success_stays(db_url, tmp_path):
    url, _, sessions = store(db_url)
    old = datetime.now(timezone.utc) - timedelta(days=60)
    hooks.record_run(url, "deploy", old, True, 0, finished=old)
    hooks.record_run(url, "deploy", old, False, 1, finished=old + timedelta(minutes=1))
    hooks.record_run(url, "plan", datetime.now(timezone.utc), True, 0)
    with sessions() as session:
        assert sorted((r.job, r.ok) for r in session.scalars(select(JobRun))) == [("deploy", True), ("plan", True)]
