"""The Graph API contract as documented, through the publisher and the fake: reconciliation
without "@" mentions, no media_publish repeat before the container is asked, the error table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from scheduler.publish.graph_api import (
    DEFAULT_QUOTA_TOTAL,
    GraphClient,
    GraphConfig,
    NeedsEditor,
    RetryPublish,
    TemporarilyBlocked,
    classify,
    match_media,
)
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
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()
    sleeps: list[float] = []
    client = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, base_url),
                         sleep=sleeps.append, max_attempts=2)
    publisher = Publisher(client=client, site_url="https://www.example.org", content_dir=tmp_path / "content",
                          deploy=lambda: None, poll_s=0, publish_retry_s=0, sleep=sleeps.append)
    enqueue_feature(session, request(tmp_path))
    yield fake, session, publisher, sleeps
    session.close()
    fake.stop()


def step(session, name="instagram") -> PublishStep:
    return session.scalar(select(PublishStep).where(PublishStep.step == name))


def test_lost_answer_found_by_the_wall_url_although_the_api_drops_mentions(env):
    fake, session, publisher, _ = env
    fake.inject("lost_response")
    assert publish_due(session, NOW, publisher)[KEY] == "done"
    listed = publisher.client.recent_media()[0]
    assert "@" not in listed["caption"] and "https://www.example.org/wall/2026-11-23-plochingen/" in listed["caption"]
    sent = fake.published()["instagram"][0]["caption"]
    assert "@anna.knipst" in sent and publisher.client.find_media_by_caption(sent) is None  # exact match fails
    assert step(session).data["media_id"] == fake.published()["instagram"][0]["id"]


def test_match_needs_marker_timestamp_and_permalink():
    from datetime import datetime, timezone

    since = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
    items = [{"id": "1", "caption": "x /wall/k/", "timestamp": "2026-11-22T17:00:00+0000", "permalink": "p"},
             {"id": "2", "caption": "x /wall/k/", "timestamp": "2026-11-23T17:00:10+0000", "permalink": ""},
             {"id": "3", "caption": "x /wall/k/", "timestamp": "2026-11-23T17:00:10+0000", "permalink": "p"}]
    assert match_media(items, "/wall/k/", since) == "3"
    with pytest.raises(ValueError):
        match_media(items, "@anna", since)


def test_temporary_publish_error_is_repeated_after_asking_the_container(env):
    fake, session, publisher, sleeps = env
    fake.inject("publish_temporary", 2)
    assert publish_due(session, NOW, publisher)[KEY] == "done"
    assert len(fake.published()["instagram"]) == 1
    calls = [r for r in fake._load().requests if "media_publish" in r or r.count("/") == 2]
    # each failed media_publish is followed by a container status read before the next try
    publishes = [i for i, r in enumerate(calls) if "media_publish" in r]
    assert len(publishes) == 3 and all("media_publish" not in calls[i + 1] for i in publishes[:-1])


def test_persistent_temporary_error_gives_a_new_container(env):
    fake, session, publisher, _ = env
    fake.inject("publish_temporary", 3)
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    first = step(session).data["abandoned"][0]
    assert first[1] == "2207008" and "container_id" not in step(session).data
    assert publish_due(session, NOW + timedelta(hours=1), publisher)[KEY] == "done"
    assert step(session).data["container_id"] != first[0] and len(fake.published()["instagram"]) == 1


def test_suspected_spam_waits_for_an_editor(env):
    fake, session, publisher, _ = env
    fake.inject("spam")
    assert publish_due(session, NOW, publisher)[KEY] == "needs_editor"
    assert step(session).data["error"] == {"code": 4, "subcode": 2207051, "kind": "NeedsEditor"}
    assert fake.published()["instagram"] == []


def test_temporary_block_waits_at_least_an_hour(env):
    fake, session, publisher, _ = env
    fake.inject("blocked")
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    feature = session.scalar(select(FeaturePublication))
    assert feature.next_attempt_utc >= NOW + timedelta(hours=1)
    assert step(session).data["error"]["code"] == 368


def test_container_error_keeps_the_status_subcode(env):
    fake, session, publisher, _ = env
    fake.inject("container_error")
    assert publish_due(session, NOW, publisher)[KEY] == "needs_editor"
    assert step(session).data["container_status"].startswith("2207052")


def test_long_caption_is_36004_2207010(env):
    fake, _, publisher, _ = env
    with pytest.raises(NeedsEditor) as caught:
        publisher.client.create_image_container("http://127.0.0.1/x.jpg", "x" * 2201)
    assert (caught.value.code, caught.value.subcode) == (36004, 2207010)


def test_polling_follows_the_documented_rhythm(env):
    fake, _, publisher, sleeps = env
    fake.polls_until_finished = 3
    container = publisher.client.create_image_container("http://127.0.0.1/x.jpg", "c")
    assert publisher.client.wait_until_ready(container) == "FINISHED"
    assert sleeps == [60.0, 60.0]  # once a minute (at most five polls)
    assert Publisher.__dataclass_fields__["poll_attempts"].default == 5


def test_quota_fallback_is_the_documented_default():
    assert DEFAULT_QUOTA_TOTAL == 50


@pytest.mark.parametrize("payload,kind", [
    ({"code": 4, "error_subcode": 2207051}, NeedsEditor),
    ({"code": 24, "error_subcode": 2207008}, RetryPublish),
    ({"code": 368}, TemporarilyBlocked),
    ({"code": 324}, NeedsEditor),
    ({"code": 190, "error_subcode": 460}, NeedsEditor),
    ({"code": 190, "error_subcode": 467}, NeedsEditor),
])
def test_documented_error_table(payload, kind):
    assert classify(400, {"error": payload}) is kind


def test_token_subcode_is_named_in_the_message(env):
    fake, _, publisher, _ = env
    fake.inject("password_changed")
    with pytest.raises(NeedsEditor, match="Passwort geändert"):
        publisher.client.publishing_quota()


def test_block_and_spam_are_problems_for_the_alerts(env):
    from scheduler.publish.problems import publish_problems

    fake, session, publisher, _ = env
    fake.inject("blocked")
    publish_due(session, NOW, publisher)
    [problem] = publish_problems(session)
    assert problem.kind == "temporary_block" and "368" in problem.text_de


# -- issue #26 part 4: the contract as Meta documents it (the fake was changed first) ------------

def test_media_not_ready_is_polled_again_not_fatal(env):
    fake, session, publisher, _ = env
    fake.inject("media_not_ready")  # 9007/2207027 from media_publish
    assert publish_due(session, NOW, publisher)[KEY] == "done"
    assert len(fake.published()["instagram"]) == 1


def test_page_photo_post_id_is_kept_as_meta_answers_it(env):
    fake, session, publisher, _ = env
    assert publish_due(session, NOW, publisher)[KEY] == "done"
    photo = fake.published()["facebook"][0]
    assert step(session, "facebook").data["photo_id"] == photo["id"]
    assert step(session, "facebook").data["post_id"] == photo["post_id"] != f"{PAGE_ID}_{photo['id']}"


def test_an_expired_container_is_replaced_never_published(env):
    fake, session, publisher, _ = env
    fake.polls_until_finished = 99  # still IN_PROGRESS after the five polls
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    first = step(session).data["container_id"]
    fake.advance(25 * 3600)  # documented: not published within 24 h → EXPIRED
    assert publisher.client.container_status(first) == "EXPIRED"
    fake.polls_until_finished = 1
    assert publish_due(session, NOW + timedelta(hours=25), publisher)[KEY] == "done"
    assert step(session).data["abandoned"][0][:2] == [first, "EXPIRED"]
    assert [m["container_id"] for m in fake.published()["instagram"]] == [step(session).data["container_id"]]


def test_a_container_expiring_after_the_poll_gets_a_new_container_in_the_same_run(env, monkeypatch):
    fake, session, publisher, _ = env
    real_quota = publisher.client.publishing_quota

    def quota_then_a_day_passes():
        fake.advance(25 * 3600)  # the container expires between the poll and media_publish
        monkeypatch.setattr(publisher.client, "publishing_quota", real_quota)
        return real_quota()

    monkeypatch.setattr(publisher.client, "publishing_quota", quota_then_a_day_passes)
    assert publish_due(session, NOW, publisher)[KEY] == "done"
    assert step(session).data["abandoned"][0][1] in ("EXPIRED", "2207020")
    assert len(fake.published()["instagram"]) == 1


def test_the_publishing_quota_waits_until_the_window_passes(env, monkeypatch):
    from demo import graph_fake

    fake, session, publisher, _ = env
    monkeypatch.setattr(graph_fake, "QUOTA_TOTAL", 1)
    container = publisher.client.create_image_container("http://127.0.0.1/x.jpg", "earlier post")
    publisher.client.wait_until_ready(container, poll_s=0)
    publisher.client.publish_container(container)
    fake.advance(6 * 3600)  # the earlier post is 6 h old: the quota frees up in about 18 h
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    feature = session.scalar(select(FeaturePublication))
    assert "quota" in feature.last_error
    assert timedelta(hours=17) < feature.next_attempt_utc - NOW < timedelta(hours=19)


def test_media_publish_over_the_limit_is_9_2207042_and_waits(env, monkeypatch):
    from demo import graph_fake
    from scheduler.publish.graph_api import Quota

    fake, session, publisher, _ = env
    monkeypatch.setattr(graph_fake, "QUOTA_TOTAL", 0)
    monkeypatch.setattr(publisher.client, "publishing_quota", lambda: Quota(0, 50, 86400))  # a stale reading
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    assert step(session).data["error"]["subcode"] == 2207042
    feature = session.scalar(select(FeaturePublication))
    assert feature.next_attempt_utc - NOW >= timedelta(hours=1)  # not the 5-minute first backoff
    assert fake.published()["instagram"] == []


def test_the_fake_answers_only_the_requested_fields(env):
    fake, _, publisher, _ = env
    import requests

    url = f"{fake.base_url}/{IG_USER_ID}/content_publishing_limit"
    headers = {"Authorization": f"Bearer {IG_TOKEN}"}
    assert requests.get(url, headers=headers, timeout=5).json() == {"data": [{"quota_usage": 0}]}
    assert publisher.client.publishing_quota().total == DEFAULT_QUOTA_TOTAL  # the client asks for config
    container = publisher.client.create_image_container("http://127.0.0.1/x.jpg", "c")
    body = requests.get(f"{fake.base_url}/{container}", params={"fields": "status_code"}, headers=headers,
                        timeout=5).json()
    assert set(body) == {"id", "status_code"}


def test_a_rate_limit_waits_the_time_meta_names(env):
    fake, session, publisher, sleeps = env
    fake.regain_minutes = 30  # X-Business-Use-Case-Usage: estimated_time_to_regain_access (minutes)
    fake.inject("rate_limit")
    assert publish_due(session, NOW, publisher)[KEY] == "pending"
    feature = session.scalar(select(FeaturePublication))
    assert feature.next_attempt_utc - NOW == timedelta(minutes=30)
    assert sleeps == []  # far longer than the client's own backoff: not slept away inside the request
