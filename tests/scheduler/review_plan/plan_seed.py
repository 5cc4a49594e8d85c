"""A planning store for the plan view's tests and screenshots: approved posts in eight
municipalities, one feature published last week (with insights figures) and one whose
Instagram step failed (expired token) — both through the real publisher and the Graph API fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from demo.graph_fake import GraphFake
from plugins.region.registry import Registry
from scheduler.insights.state import Measurement
from scheduler.plan.enqueue import feature_request
from scheduler.publish.publisher import Publisher
from scheduler.publish.queue import enqueue_feature
from scheduler.store.models import Post
from tests.scheduler_jobs.jobs_helpers import add_post, fake_publisher, planning_env

PLACES = ("kirchberg-an-der-murr", "plochingen", "leonberg", "backnang", "nuertingen", "waiblingen",
          "sindelfingen", "geislingen-an-der-steige")


@dataclass
class PlanWorld:
    fake: GraphFake
    publisher: Publisher
    uids: list[str]  # the approved posts waiting to be planned, in PLACES order
    done_key: str
    failed_key: str


def seed_plan_world(monkeypatch, tmp_path: Path, sessions, registry: Registry) -> PlanWorld:
    planning_env(monkeypatch, tmp_path)
    monkeypatch.setenv("SOISTS_PLAN_SLOTS", "12")
    monkeypatch.setenv("SOISTS_SITE_URL", "https://www.example.org")
    media = tmp_path / "media"
    uids = [add_post(sessions, media, n, registry.get(slug).ags, author=f"fotografin_{slug[:8]}")
            for n, slug in enumerate(PLACES, start=1)]
    extra = [add_post(sessions, media, n, registry.get(slug).ags) for n, slug in ((20, "esslingen-am-neckar"),
                                                                                  (21, "boeblingen"))]
    fake = GraphFake(tmp_path / "fake.json")
    base_url = fake.start()
    publisher = fake_publisher(base_url, tmp_path / "content", [])
    now = datetime.now(timezone.utc)
    keys = []
    with sessions() as session:
        for uid, days in ((extra[0], 6), (extra[1], 2)):
            post = session.query(Post).filter_by(uid=uid).one()
            slot = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
            keys.append(enqueue_feature(session, feature_request(post, slot, registry, media)).key)
    from scheduler.publish.publisher import publish_due

    with sessions() as session:
        publish_due(session, now - timedelta(days=5), publisher)  # the first: done
        fake.inject("expired_token")
        publish_due(session, now, publisher)  # the second: its Instagram step fails
        session.add(Measurement(feature_key=keys[0], ags=registry.get("esslingen-am-neckar").ags,
                                channel="instagram", object_id="m1", posted_utc=now - timedelta(days=6), age_days=2,
                                measured_utc=now - timedelta(days=4),
                                values={"views": 12345, "reach": 8901, "total_interactions": 456}))
        session.add(Measurement(feature_key=keys[0], ags=registry.get("esslingen-am-neckar").ags,
                                channel="facebook", object_id="p1", posted_utc=now - timedelta(days=6), age_days=2,
                                measured_utc=now - timedelta(days=4),
                                values={"post_media_view": 2100, "post_total_media_view_unique": 1500,
                                        "reactions": 40, "comments": 3, "shares": 2}))
        session.commit()
    return PlanWorld(fake, publisher, uids, keys[0], keys[1])
