"""The publisher in-process against the fake: backoff, editor-needed states, container errors, quota."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from demo import graph_fake
from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from plugins.region.registry import load_registry
from scheduler.plan.coverage import coverage_rows
from scheduler.publish.graph_api import GraphClient, GraphConfig, NeedsEditor
from scheduler.publish.publisher import Publisher, publish_due
from scheduler.publish.queue import due_features, enqueue_feature, feature_key, published_features, retry_feature
from scheduler.publish.state import FeaturePublication, PublishStep, ensure_tables
from scheduler.store.db import make_engine, session_factory
from tests.scheduler_publish.publish_runner import SLOT, request

NOW = SLOT + timedelta(seconds=5)


pytestmark = pytest.mark.both_databases


@pytest.fixture
def env(tmp_path, db_url):
    Image.new("RGB", (1200, 900), (10, 120, 60)).save(tmp_path / "source.jpg")
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    engine = make_engine(db_url)
    ensure_tables(engine)
    session = session_factory(engine)()
    deploys: list[int] = []
    client = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, base_url),
                         sleep=lambda s: None, max_attempts=2)
    publisher = Publisher(client=client, site_url="https://www.example.org",
                          content_dir=tmp_path / "content", deploy=lambda: deploys.append(1), poll_s=0)
    enqueue_feature(session, request(tmp_path))
    yield fake, session, publisher, deploys
    session.close()
    engine.dispose()
    fake.stop()


def feature(session) -> FeaturePublication:
    return session.scalar(select(FeaturePublication))


def test_not_due_before_its_slot(env):
    fake, session, publisher, _ = env
    assert publish_due(session, SLOT - timedelta(minutes=1), publisher) == {}
    assert publish_due(session, NOW, publisher) == {"2026-11-23-plochingen": "done"}
    assert publish_due(session, NOW + timedelta(days=1), publisher) == {}  # never twice
    assert len(fake.published()["instagram"]) == 1


def test_persistent_rate_limit_backs_off_then_completes(env):
    fake, session, publisher, deploys = env
    fake.inject("rate_limit", 2)  # both client attempts of the first Instagram call fail
    assert publish_due(session, NOW, publisher) == {"2026-11-23-plochingen": "pending"}
    f = feature(session)
    assert f.next_attempt_utc == NOW + timedelta(minutes=5) and "instagram" in f.last_error
    assert due_features(session, NOW + timedelta(minutes=4)) == []
    assert publish_due(session, NOW + timedelta(minutes=5), publisher)["2026-11-23-plochingen"] == "done"
    assert len(fake.published()["instagram"]) == 1 and len(fake.published()["facebook"]) == 1
    assert len(deploys) == 1  # finished steps are not repeated


def test_expired_token_waits_for_an_editor(env):
    fake, session, publisher, _ = env
    fake.inject("expired_token")
    assert publish_due(session, NOW, publisher) == {"2026-11-23-plochingen": "needs_editor"}
    assert publish_due(session, NOW + timedelta(hours=1), publisher) == {}
    retry_feature(session, "2026-11-23-plochingen")
    assert publish_due(session, NOW + timedelta(hours=1), publisher)["2026-11-23-plochingen"] == "done"


def test_container_error_needs_editor_and_a_retry_makes_a_new_container(env):
    fake, session, publisher, _ = env
    fake.inject("container_error")
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "needs_editor"
    retry_feature(session, "2026-11-23-plochingen")
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "done"
    step = session.scalar(select(PublishStep).where(PublishStep.step == "instagram"))
    assert step.data["abandoned"][0][1] == "ERROR"
    assert len(fake.published()["instagram"]) == 1


def test_quota_used_up_retries_later(env, monkeypatch):
    fake, session, publisher, _ = env
    monkeypatch.setattr(graph_fake, "QUOTA_TOTAL", 0)
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "pending"
    assert "quota" in feature(session).last_error
    assert fake.published()["instagram"] == []
    # No post inside the 24-hour window to wait for: the whole window (content_publishing_limit).
    assert feature(session).next_attempt_utc >= NOW + timedelta(hours=23)
    monkeypatch.setattr(graph_fake, "QUOTA_TOTAL", 50)
    later = feature(session).next_attempt_utc
    assert publish_due(session, later, publisher)["2026-11-23-plochingen"] == "done"


def test_completed_features_feed_the_coverage_report(env):
    _, session, publisher, _ = env
    publish_due(session, NOW, publisher)
    rows = {r.slug: r for r in coverage_rows(load_registry(), published_features(session), NOW.date())}
    assert rows["plochingen"].featured_count == 1 and rows["plochingen"].days_waiting == 0


def test_feature_key_uses_the_local_date():
    # 23:30 UTC on 31 Dec is already 1 Jan in Berlin.
    assert feature_key(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "plochingen") == "2027-01-01-plochingen"


def test_from_env_requires_a_public_site_url(monkeypatch):
    for name, value in {"SOISTS_IG_USER_ID": "1", "SOISTS_FB_PAGE_ID": "2", "SOISTS_IG_TOKEN": "x" * 8,
                        "SOISTS_FB_PAGE_TOKEN": "y" * 8}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SOISTS_SITE_URL", raising=False)
    with pytest.raises(NeedsEditor, match="SOISTS_SITE_URL"):
        Publisher.from_env()
    monkeypatch.setenv("SOISTS_SITE_URL", "https://www.example.org/")
    assert Publisher.from_env().site_url == "https://www.example.org"


def test_lost_answers_are_resolved_by_lookup_not_by_reposting(env):
    fake, session, publisher, _ = env
    fake.inject("lost_response")  # media_publish happens, but the answer is HTTP 500
    result = publish_due(session, NOW, publisher)
    # Resolved at once: the container says PUBLISHED, the media id is looked up; no second publish.
    assert result["2026-11-23-plochingen"] == "done"
    step = session.scalar(select(PublishStep).where(PublishStep.step == "instagram"))
    assert step.data["media_id"] == fake.published()["instagram"][0]["id"]
    assert len(fake.published()["instagram"]) == 1


def test_lost_facebook_answer_is_found_on_the_next_run(env):
    fake, session, publisher, _ = env
    publisher.client.max_attempts = 1
    real_post = publisher.client.post_page_photo

    def post_then_lose(*args):
        fake.inject("lost_response")
        return real_post(*args)

    publisher.client.post_page_photo = post_then_lose
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "pending"
    assert len(fake.published()["facebook"]) == 1
    publisher.client.post_page_photo = real_post
    assert publish_due(session, NOW + timedelta(hours=1), publisher)["2026-11-23-plochingen"] == "done"
    assert len(fake.published()["facebook"]) == 1
    step = session.scalar(select(PublishStep).where(PublishStep.step == "facebook"))
    assert step.data["photo_id"] == fake.published()["facebook"][0]["id"]


def test_meta_can_fetch_the_deployed_image_and_accepts_it(tmp_path, serve_dir):
    from tests.conftest import ROOT, build_site

    """The fake downloads the image from the 'deployed' site like Meta and checks the limits."""
    import shutil

    Image.new("RGB", (3000, 1000), (200, 30, 30)).save(tmp_path / "source.jpg")  # 3:1, too wide
    public = tmp_path / "public"
    public.mkdir()
    site_url = serve_dir(public)
    fake = GraphFake(tmp_path / "fake.json", fetch_images=True)
    base_url = fake.start()
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()

    shutil.copytree(ROOT / "content" / "data", tmp_path / "content" / "data")

    def deploy():  # the real site build: whatever URL the publisher hands Meta must exist in it
        result = build_site(public, content=tmp_path / "content")
        assert result.returncode == 0, result.stdout + result.stderr

    publisher = Publisher(
        client=GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, base_url), sleep=lambda s: None),
        site_url=site_url, content_dir=tmp_path / "content", deploy=deploy, poll_s=0)
    enqueue_feature(session, request(tmp_path))
    try:
        assert publish_due(session, NOW, publisher) == {"2026-11-23-plochingen": "done"}
        assert fake.published()["instagram"][0]["image_url"].startswith(site_url)
    finally:
        fake.stop()


def test_an_image_meta_cannot_fetch_needs_an_editor(tmp_path):
    Image.new("RGB", (800, 800)).save(tmp_path / "source.jpg")
    fake = GraphFake(tmp_path / "fake.json", fetch_images=True)
    base_url = fake.start()
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()
    publisher = Publisher(
        client=GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, base_url), sleep=lambda s: None),
        site_url="http://127.0.0.1:9", content_dir=tmp_path / "content", deploy=lambda: None, poll_s=0)
    enqueue_feature(session, request(tmp_path))
    try:
        assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "needs_editor"
        assert "ERROR" in feature(session).last_error
        assert fake.published() == {"instagram": [], "facebook": []}
    finally:
        fake.stop()


def test_only_one_publisher_at_a_time(env, tmp_path, db_url):
    """Another process holds the lock: the lock file on SQLite, the advisory lock on PostgreSQL."""
    import contextlib
    import fcntl

    from scheduler.publish.locks import advisory_lock

    fake, session, publisher, _ = env
    publisher.lock_path = tmp_path / "publish.lock"

    @contextlib.contextmanager
    def held_elsewhere():
        if db_url.startswith("postgresql"):
            other = make_engine(db_url)  # its own connection, like another machine's
            with advisory_lock(other) as mine:
                assert mine
                yield
            other.dispose()
            return
        with open(publisher.lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
            fcntl.flock(handle, fcntl.LOCK_UN)

    with held_elsewhere():
        assert publish_due(session, NOW, publisher) == {}
    assert publish_due(session, NOW, publisher) == {"2026-11-23-plochingen": "done"}
    assert len(fake.published()["facebook"]) == 1


def test_invalid_post_data_needs_an_editor_and_a_failing_deploy_is_retried(env):
    fake, session, publisher, _ = env
    f = feature(session)
    f.request = {**f.request, "alt": ""}  # the site's writer refuses a photo without alt text
    session.commit()
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "needs_editor"
    assert "alt" in feature(session).last_error

    f.request = {**f.request, "alt": "Das Hundertwasserhaus"}
    session.commit()
    retry_feature(session, "2026-11-23-plochingen")

    def broken_deploy():
        raise OSError("rsync: connection refused")

    publisher.deploy = broken_deploy
    assert publish_due(session, NOW, publisher)["2026-11-23-plochingen"] == "pending"
    assert feature(session).last_error.startswith("deploy: OSError")
    assert fake.published()["instagram"] == []
