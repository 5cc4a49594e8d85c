"""The APScheduler runner: job registration on a real job store, once, dry run, SIGTERM, status."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, inspect, select, text

from demo.graph_fake import GraphFake
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.publish.state import FeaturePublication, PublishStep
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env, store

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
REG = load_registry()


def start_paused(url: str, register: bool = True) -> BackgroundScheduler:
    scheduler = jobs.make_scheduler(jobs.RunnerConfig(url, misfire_grace_s=600), BackgroundScheduler)
    scheduler.start(paused=True)
    if register:
        jobs.register_jobs(scheduler, jobs.RunnerConfig(url, misfire_grace_s=600))
    return scheduler


def test_jobs_are_registered_and_persist_across_a_restart(db_url, tmp_path):
    url, _, _ = store(db_url)
    scheduler = start_paused(url)
    registered = {job.id: job for job in scheduler.get_jobs()}
    assert set(registered) == set(jobs.JOB_IDS)
    for job in registered.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 600
        assert job.func_ref.startswith("scheduler.jobs:") and job.args == (url,)
    triggers = {job.id: str(job.trigger) for job in registered.values()}
    scheduler.shutdown(wait=True)

    restarted = start_paused(url, register=False)  # nothing added: everything comes from the store
    try:
        assert {job.id: str(job.trigger) for job in restarted.get_jobs()} == triggers
        jobs.register_jobs(restarted, jobs.RunnerConfig(url, misfire_grace_s=600))  # replace_existing
        assert len(restarted.get_jobs()) == len(jobs.JOB_IDS)
    finally:
        restarted.shutdown(wait=True)
    assert {job_id for job_id, _ in jobs.next_runs(url)} == set(jobs.JOB_IDS)


@pytest.fixture
def published_env(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    url, engine, sessions = store(db_url)
    for n, slug in enumerate(("plochingen", "backnang"), start=1):
        add_post(sessions, tmp_path / "media", n, REG.get(slug).ags)
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    yield url, sessions, fake, base_url
    fake.stop()
    engine.dispose()


def test_once_publishes_due_features_exactly_once_even_when_run_twice(tmp_path, published_env):
    url, sessions, fake, base_url = published_env
    deploys: list[int] = []
    publisher = fake_publisher(base_url, tmp_path / "content", deploys)
    first = jobs.run_once(url, NOW, publisher=publisher, deploy=lambda: deploys.append(2))
    assert first.exit_code == 0, first.lines
    second = jobs.run_once(url, NOW, publisher=publisher, deploy=lambda: deploys.append(2))
    assert second.exit_code == 0 and "publish: nothing due" in second.lines
    published = fake.published()
    assert len(published["instagram"]) == 1 and len(published["facebook"]) == 1
    # Both never featured: the one whose photo waited longest (Backnang's) goes first.
    post_file = tmp_path / "content" / "community" / "2026-11-23-backnang.md"
    assert post_file.exists() and "Handle: fotografin2" in post_file.read_text()
    with sessions() as session:
        statuses = {f.key: f.status for f in session.scalars(select(FeaturePublication))}
        assert statuses == {"2026-11-23-backnang": "done", "2026-11-25-plochingen": "pending"}
        # five steps and the Mastodon step (not configured here: done at once as skipped)
        assert session.scalar(select(func.count()).select_from(PublishStep).where(PublishStep.state == "done")) == 6
    assert deploys == [1, 2]  # the publisher's deploy step, then the rebuild after publishing


def _snapshot(folder: Path, url: str) -> tuple[dict, dict]:
    files = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}
    from scheduler.store.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                  for t in inspect(engine).get_table_names()}
    engine.dispose()
    return files, counts


def test_dry_run_writes_nothing_and_calls_no_api(tmp_path, published_env, monkeypatch, capsys):
    url, sessions, fake, base_url = published_env
    monkeypatch.setenv("SOISTS_GRAPH_BASE_URL", base_url)
    settings = Settings(root=tmp_path, db_url=url, media_dir=tmp_path / "media")
    before = _snapshot(tmp_path, url)
    requests_before = len(fake.state.requests)
    assert cli.main(["--dry-run", "once"], settings) == 0
    assert cli.main(["plan", "--dry-run"], settings) == 0
    assert cli.main(["run", "--dry-run"], settings) == 0
    shown = capsys.readouterr().out
    assert "Backnang: never featured" in shown and "would publish" in shown and "soists.publish" in shown
    assert _snapshot(tmp_path, url) == before
    assert len(fake.state.requests) == requests_before == 0


def test_sigterm_stops_run_cleanly(tmp_path):
    env = {**os.environ, "SOISTS_DB_URL": f"sqlite:///{tmp_path / 'soists.db'}", "PYTHONUNBUFFERED": "1"}
    env.pop("SOISTS_IG_USER", None)
    process = subprocess.Popen([sys.executable, "-m", "scheduler", "run"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 20
        while "scheduler running" not in line and time.monotonic() < deadline:
            line = process.stderr.readline()
        assert "scheduler running" in line
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        assert "stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert {job_id for job_id, _ in jobs.next_runs(env["SOISTS_DB_URL"])} == set(jobs.JOB_IDS)


def test_status_prints_next_runs_failures_and_quota(db_url, tmp_path, monkeypatch, capsys):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    start_paused(url).shutdown(wait=True)
    with sessions() as session:
        session.add(FeaturePublication(key="2026-11-20-backnang", slot_utc=NOW, post_uid="x", ags="08119008",
                                       request={}, status="needs_editor", attempts=1, last_error="instagram: token",
                                       created_utc=NOW, updated_utc=NOW))
        session.commit()
    assert cli.main(["status"], Settings(root=tmp_path, db_url=url)) == 0
    shown = capsys.readouterr().out
    assert "soists.plan" in shown and "soists.publish" in shown
    assert "2026-11-20-backnang: needs_editor, instagram: token" in shown
    assert "Instagram quota left: unknown (no credentials)" in shown


def store_with_one_post(monkeypatch, tmp_path, db_url):
    """A migrated store in a planning environment holding one granted post from Plochingen."""
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, REG.get("plochingen").ags)
    return Settings(root=tmp_path, db_url=url, media_dir=tmp_path / "media"), sessions


def test_editor_choice_commands_and_coverage(db_url, tmp_path, monkeypatch, capsys):
    settings, _ = store_with_one_post(monkeypatch, tmp_path, db_url)
    assert cli.main(["pin", "1", "2026-11-25 18:00"], settings) == 0
    assert cli.main(["skip", "2026-11-27 18:00"], settings) == 0
    assert cli.main(["hold", "instagram:P1"], settings) == 0
    assert cli.main(["hold", "99"], settings) == 2
    assert cli.main(["skip", "next friday"], settings) == 2
    assert cli.main(["hold", "1", "--remove"], settings) == 0
    shown = capsys.readouterr().out
    assert "pin   2026-11-25 17:00 UTC instagram:P1" in shown
    html = tmp_path / "coverage.html"
    assert cli.main(["coverage", "--limit", "5", "--html", str(html)], settings) == 0
    assert "Plochingen" in html.read_text(encoding="utf-8")


def test_once_only_runs_the_chosen_jobs(db_url, tmp_path, monkeypatch, capsys):
    settings, sessions = store_with_one_post(monkeypatch, tmp_path, db_url)
    assert cli.main(["once", "--only", "bogus"], settings) == 2
    assert cli.main(["once", "--only", "expire"], settings) == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FeaturePublication)) == 0
    assert "plan:" not in capsys.readouterr().out
