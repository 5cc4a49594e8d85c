"""Takedown in the store: the queued feature is cancelled, the post withdrawn, never published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from demo.graph_fake import GraphFake
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.publish.publisher import publish_due
from scheduler.publish.state import FeaturePublication
from scheduler.publish.takedown import TAKEN_DOWN, takedown_in_store
from scheduler.store.models import Post
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env, store

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/conftest.py)

def test_takedown_cancels_the_queue_and_nothing_is_published(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, load_registry().get("plochingen").ags)
    (key,) = jobs.plan_job(url, NOW)[:1]
    with sessions() as session:
        outcome = takedown_in_store(session, key, actor="redaktion", reason="Autorin hat widerrufen")
    assert outcome.feature_found and outcome.cancelled_queue and outcome.post_withdrawn
    assert outcome.published_media == {}

    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    try:
        with sessions() as session:
            assert publish_due(session, NOW, fake_publisher(base_url, tmp_path / "content", [])) == {}
            feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key))
            assert feature.status == TAKEN_DOWN
            post = session.scalar(select(Post).where(Post.uid == feature.post_uid))
            assert post.state == "rejected"
            assert post.events[-1].reason == "Entfernt (Takedown): Autorin hat widerrufen"
        assert fake.published() == {"instagram": [], "facebook": []}
        # Planning again never brings it back.
        assert jobs.plan_job(url, NOW) == []
    finally:
        fake.stop()


def test_takedown_of_an_unknown_post_changes_nothing(db_url, tmp_path):
    _, _, sessions = store(db_url)
    with sessions() as session:
        outcome = takedown_in_store(session, "gibt-es-nicht", actor="redaktion", reason="x")
    assert not outcome.feature_found and not outcome.post_withdrawn
