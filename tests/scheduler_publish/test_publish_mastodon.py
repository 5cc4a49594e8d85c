"""The Mastodon channel in-process against the fakes: optional, backoff on 429/5xx, lost answers
reconciled, processing media polled, the instance's character limit, never holding back Meta."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.mastodon_fake import TOKEN, MastodonFake
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig
from scheduler.publish.publisher import Publisher, publish_due
from scheduler.publish.queue import enqueue_feature
from scheduler.publish.state import FeaturePublication, PublishStep, ensure_tables
from scheduler.store.db import make_engine, session_factory
from tests.scheduler_publish.publish_runner import SLOT, request

NOW = SLOT + timedelta(seconds=5)
KEY = "2026-11-23-plochingen"


@pytest.fixture
def env(tmp_path):
    Image.new("RGB", (1200, 900), (10, 120, 60)).save(tmp_path / "source.jpg")
    graph, mastodon = GraphFake(tmp_path / "graph.json"), MastodonFake(tmp_path / "mastodon.json")
    graph_url, mastodon_url = graph.start(), mastodon.start()
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()
    waits: list[float] = []

    def publisher(token: str = TOKEN, configured: bool = True) -> Publisher:
        client = MastodonClient(MastodonConfig(mastodon_url, token), sleep=waits.append, max_backoff_s=600)
        return Publisher(client=GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, graph_url),
                                            sleep=lambda s: None, max_attempts=2),
                         site_url="https://www.example.org", content_dir=tmp_path / "content", deploy=lambda: None,
                         poll_s=0, media_poll_s=0, mastodon=client if configured else None)

    enqueue_feature(session, request(tmp_path))
    yield graph, mastodon, session, publisher, waits
    session.close()
    engine.dispose()
    graph.stop()
    mastodon.stop()


def step(session) -> PublishStep:
    session.expire_all()
    return session.scalar(select(PublishStep).where(PublishStep.step == "mastodon"))


def test_one_public_german_status_with_alt_text_and_the_credit(env):
    graph, mastodon, session, publisher, _ = env
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    [status] = mastodon.statuses()
    assert status["language"] == "de" and status["visibility"] == "public"
    assert "📷 @anna.knipst" in status["text"] and f"/wall/{KEY}/" in status["text"]
    assert "#SoistS" in status["text"] and "#Plochingen" in status["text"]
    media = mastodon.persisted()["media"][status["media_ids"][0]]
    assert media["description"] == "Das Hundertwasserhaus im Abendlicht"
    assert step(session).data["status_id"] == status["id"] and step(session).data["how"] == "posted"
    requests = mastodon.persisted()["requests"]
    assert "GET /api/v2/instance" in requests and "POST /api/v2/media" in requests


def test_not_configured_is_skipped(env):
    graph, mastodon, session, publisher, _ = env
    assert publish_due(session, NOW, publisher(configured=False)) == {KEY: "done"}
    assert step(session).data == {"skipped": "not configured"} and mastodon.statuses() == []


def test_429_and_503_back_off_inside_the_request(env):
    graph, mastodon, session, publisher, waits = env
    mastodon.inject("rate_limit")
    mastodon.inject("server_error", 2)
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    assert 0 < waits[0] <= 300 and waits[1:3] == [4.0, 8.0]  # X-RateLimit-Reset, then doubling backoff
    assert len(mastodon.statuses()) == 1


def test_a_mastodon_outage_never_holds_back_instagram_and_facebook(env):
    graph, mastodon, session, publisher, _ = env
    mastodon.inject("server_error", 50)
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}  # the feature is out; Mastodon follows
    published = graph.published()
    assert len(published["instagram"]) == 1 and len(published["facebook"]) == 1
    assert step(session).state == "failed" and mastodon.statuses() == []
    mastodon.faults.clear()
    assert publish_due(session, NOW + timedelta(hours=1), publisher()) == {f"{KEY}/mastodon": "done"}
    assert len(mastodon.statuses()) == 1 and len(graph.published()["instagram"]) == 1


def test_a_lost_answer_is_reconciled_never_a_second_status(env):
    graph, mastodon, session, publisher, _ = env
    mastodon.inject("lost_status")
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    assert len(mastodon.statuses()) == 1
    assert step(session).data["how"] == "reconciled"


def test_processing_media_is_polled_before_the_status(env):
    graph, mastodon, session, publisher, _ = env
    mastodon.inject("media_processing")
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    assert mastodon.persisted()["requests"].count(f"GET /api/v1/media/{step(session).data['media_id']}") >= 3


def test_the_instance_character_limit_caps_the_caption(env, tmp_path):
    graph, mastodon, session, publisher, _ = env
    mastodon.max_characters = 200
    feature = session.scalar(select(FeaturePublication))
    feature.request = {**feature.request, "text": "Sehr langer Text " * 40}
    session.commit()
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    [status] = mastodon.statuses()
    assert len(status["text"]) <= 200 and "📷 @anna.knipst" in status["text"] and "…" in status["text"]


def test_a_refused_token_never_holds_the_feature_back(env):  # more: test_publish_mastodon_outage.py
    graph, mastodon, session, publisher, _ = env
    assert publish_due(session, NOW, publisher(token="wrong")) == {KEY: "done"}
    assert step(session).state == "failed" and "401" in step(session).error
    assert len(graph.published()["facebook"]) == 1 and mastodon.statuses() == []


def test_figures_favourites_reblogs_replies_per_municipality(env):
    from scheduler.insights.mastodon_figures import measure_mastodon
    from scheduler.insights.metrics import INTERACTIONS, REACH
    from scheduler.insights.state import Measurement

    graph, mastodon, session, publisher, _ = env
    Measurement.__table__.create(session.get_bind(), checkfirst=True)
    client = publisher().mastodon
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    [status] = mastodon.statuses()
    with mastodon.lock:
        mastodon.status(status["id"]).update(favourites_count=12, reblogs_count=3, replies_count=2)
    finished = step(session).finished_utc
    report = measure_mastodon(session, client, finished + timedelta(days=1, hours=1))
    [row] = session.scalars(select(Measurement)).all()
    assert report.measured == 1 and row.channel == "mastodon" and row.age_days == 1
    assert row.values == {"favourites": 12, "reblogs": 3, "replies": 2} and row.ags == feature_row(session).ags
    assert sum(row.values[k] for k in INTERACTIONS["mastodon"]) == 17 and REACH["mastodon"] not in row.values
    assert measure_mastodon(session, client, finished + timedelta(days=1, hours=2)).measured == 0  # not twice
    client.delete_status(status["id"])
    measure_mastodon(session, client, finished + timedelta(days=2, hours=1))
    assert session.scalars(select(Measurement.gap).where(Measurement.age_days == 2)).all() == ["deleted"]


def feature_row(session) -> FeaturePublication:
    return session.scalar(select(FeaturePublication))
