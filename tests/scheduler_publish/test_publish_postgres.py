"""PostgreSQL only: two publishers on two "machines" never double-post, and a database
server restarted in the middle of a run stops that run cleanly; the next run finishes."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from demo.graph_fake import GraphFake
from plugins.region.registry import load_registry
from scheduler.publish.queue import enqueue_feature
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.store.db import make_engine, migrate, session_factory
from tests.scheduler_publish.publish_runner import request
from tests.scheduler_publish.test_publish_crash import environment

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
FEATURES = (("plochingen", "anna.knipst"), ("backnang", "ben.fotografiert"), ("leonberg", "clara.sieht"))


@pytest.fixture
def pg_url(pg_server):
    name = pg_server.create_database()
    url = pg_server.url(name)
    migrate(url)
    yield url
    pg_server.drop_database(name)


def seed(url: str, workdir: Path, slot: datetime | None = None) -> list[str]:
    """Queue one feature per municipality in FEATURES; returns their keys."""
    Image.new("RGB", (1600, 2400), (90, 140, 200)).save(workdir / "source.jpg", exif=b"")
    registry = load_registry()
    base = request(workdir)
    engine = make_engine(url)
    keys = []
    with session_factory(engine)() as session:
        for slug, handle in FEATURES:
            item = registry.get(slug)
            feature = dataclasses.replace(base, key=f"2026-11-23-{slug}", ags=item.ags, municipality_slug=slug,
                                          municipality_name=item.name, handle=handle,
                                          slot_utc=slot or base.slot_utc)
            keys.append(enqueue_feature(session, feature).key)
    engine.dispose()
    return keys


def assert_each_published_once(url: str, fake: GraphFake) -> None:
    published = fake.published()
    for slug, handle in FEATURES:
        instagram = [m for m in published["instagram"] if f"@{handle}" in m["caption"]]
        facebook = [p for p in published["facebook"] if f"/wall/2026-11-23-{slug}/" in p["name"]]
        assert (len(instagram), len(facebook)) == (1, 1), (slug, published)
    assert len(published["instagram"]) == len(published["facebook"]) == len(FEATURES)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert {f.status for f in session.scalars(select(FeaturePublication))} == {"done"}
        assert {s.state for s in session.scalars(select(PublishStep))} == {"done"}
    engine.dispose()


def start_machine(workdir: Path, base_url: str, url: str, name: str, crash_at: str) -> subprocess.Popen:
    log = open(workdir / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, str(HERE / "race_runner.py"), str(workdir), base_url, url, name],
                            cwd=ROOT, env=environment(crash_at), stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("crash_a, crash_b", [
    ("", ""),
    ("instagram:publish_intent", "facebook:intent_stored"),
    ("instagram:published_unrecorded", "facebook:posted_unrecorded"),
    ("deploy:after", "instagram:container_stored"),
])
def test_two_machines_started_together_publish_every_feature_once(pg_url, tmp_path, crash_a, crash_b):
    seed(pg_url, tmp_path)
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    try:
        machines = [start_machine(tmp_path, base_url, pg_url, name, crash)
                    for name, crash in (("a", crash_a), ("b", crash_b))]
        deadline = time.monotonic() + 30
        while not all((tmp_path / f"ready-{n}").exists() for n in "ab") and time.monotonic() < deadline:
            time.sleep(0.005)
        (tmp_path / "go").touch()  # the barrier: both start publishing at the same instant
        codes = [m.wait(timeout=60) for m in machines]
        logs = "".join((tmp_path / f"{n}.log").read_text() for n in "ab")
        assert set(codes) <= {0, -signal.SIGKILL}, logs[-3000:]
        if crash_a or crash_b:
            assert -signal.SIGKILL in codes, logs[-3000:]
        # Whatever the crashes left behind, one more ordinary run (a third cron tick) finishes it.
        (tmp_path / "ready-c").unlink(missing_ok=True)
        last = start_machine(tmp_path, base_url, pg_url, "c", "")
        assert last.wait(timeout=60) == 0, (tmp_path / "c.log").read_text()[-3000:]
        assert_each_published_once(pg_url, fake)
    finally:
        fake.stop()


def test_database_restart_mid_run_fails_cleanly_and_the_next_run_finishes(pg_server, pg_url, tmp_path):
    seed(pg_url, tmp_path, slot=datetime.now(timezone.utc) - timedelta(hours=1))
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    env = {**environment(), "SOISTS_DB_URL": pg_url, "SOISTS_GRAPH_BASE_URL": base_url,
           "SOISTS_SITE_URL": "http://127.0.0.1:9", "SOISTS_CONTENT_DIR": str(tmp_path / "content"),
           "SOISTS_MEDIA_DIR": str(tmp_path / "media"), "SOISTS_PUBLISH_LOCK": str(tmp_path / "publish.lock"),
           "SOISTS_DEPLOY_COMMAND": f"{sys.executable} {HERE / 'pause_deploy.py'} {tmp_path}"}
    once = [sys.executable, "-m", "scheduler", "once", "--only", "publish"]
    try:
        first = subprocess.Popen(once, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not (tmp_path / "paused").exists() and time.monotonic() < deadline:
            assert first.poll() is None, first.communicate()
            time.sleep(0.01)
        pg_server.restart()  # the publisher is inside its deploy step: between two database writes
        (tmp_path / "resume").touch()
        out, err = first.communicate(timeout=60)
        assert first.returncode == 1, out + err
        assert "publish: stopped, the database failed" in out, out + err
        assert "Traceback" not in out + err
        assert fake.published()["instagram"] == []  # it stopped before reaching Instagram

        second = subprocess.run(once, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "2026-11-23-plochingen → done" in second.stdout
        assert_each_published_once(pg_url, fake)
    finally:
        fake.stop()
