"""Collection from the Fediverse: two fake instances' public #SoistS timelines (one answers 429
once, one has three pages) → every post stored once with its municipality. The rights request and
the consent replies: tests/scheduler/test_fediverse_rights.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from demo.mastodon_fake import MastodonFake
from plugins.community.credit import credit
from scheduler.collect.ingest import Collector
from scheduler.collect.sources.fediverse import PAGE_LIMIT, fediverse_sources
from scheduler.store.models import Post

PLACES = ("Plochingen", "Waiblingen", "Ludwigsburg", "Leonberg")


@pytest.fixture
def instances(tmp_path):
    small = MastodonFake(tmp_path / "small.json", domain="bawue.example")
    big = MastodonFake(tmp_path / "big.json", domain="pixel.example")
    small.start(), big.start()
    yield small, big
    small.stop()
    big.stop()


def test_two_instances_every_post_once_with_its_municipality(instances, sessions, settings, registry):
    small, big = instances
    for i in range(3):
        small.add_status(f"anna{i}", f"Abendlicht in {PLACES[i % 4]} #SoistS #{PLACES[i % 4]}")
    for i in range(2 * PAGE_LIMIT + 5):  # three pages of 40
        big.add_status(f"foto{i}", f"Blick über {PLACES[i % 4]} #SoistS")
    big.add_status("ohnebild", "Nur Text #SoistS", in_reply_to_id=None)  # a reply-less text post counts too
    small.add_status("andere", "Ganz anderes Thema #Katzen")
    small.inject("rate_limit")  # the first request answers 429
    waits: list[float] = []

    def known(uid: str) -> bool:
        with sessions() as session:
            return session.scalar(select(Post.id).where(Post.uid == uid)) is not None

    collector = Collector(sessions, settings, registry)
    for run in range(2):  # a second run finds everything known
        sources = fediverse_sources([small.base_url, big.base_url], "#SoistS", 500, known, sleep=waits.append)
        report = collector.run(p for source in sources for p in source.posts())
        assert report.stored == (3 + 2 * PAGE_LIMIT + 5 + 1 if run == 0 else 0), report.summary()
    assert len(waits) == 1 and 0 <= waits[0] <= 300  # the 429 waited out until X-RateLimit-Reset
    tag_requests = [r for r in big.persisted()["requests"] if r.startswith("GET /api/v1/timelines/tag/")]
    assert len(tag_requests) >= 2 * 3  # three pages followed through the Link header, twice
    with sessions() as session:
        posts = session.scalars(select(Post)).all()
        assert len(posts) == len({p.uid for p in posts}) == 3 + 2 * PAGE_LIMIT + 5 + 1
        anna = next(p for p in posts if p.author == "anna0@bawue.example")
        assert anna.source == "fediverse" and anna.suggested_ags == registry.get("plochingen").ags
        assert credit(anna.author, "", anna.source) == "anna0@bawue.example"  # never an Instagram "@"
        photo = next(p for p in posts if p.author == "foto1@pixel.example")
        assert photo.suggested_ags == registry.get("waiblingen").ags
        assert session.scalar(select(func.count(Post.id)).where(Post.caption.like("%Katzen%"))) == 0
        for post in posts:  # every photo post with its municipality, the text-only one without
            place = next((p for p in PLACES if p in post.caption), None)
            assert post.suggested_ags == (registry.get(place.lower()).ags if place else None), post.caption
        assert sum(1 for p in posts if p.suggested_ags) == 3 + 2 * PAGE_LIMIT + 5


def test_the_collect_run_reads_the_instances_from_the_settings(instances, sessions, settings, registry):
    from scheduler.collect.run import collect_fediverse

    small, big = instances
    small.add_status("anna", "Abendlicht in Plochingen #SoistS")
    big.add_status("ben", "Morgens in Leonberg #soists")
    reports = dict(collect_fediverse(Collector(sessions, settings, registry), settings,
                                     env={"SOISTS_FEDIVERSE_INSTANCES": f"{small.base_url}, {big.base_url}"}))
    assert sorted(reports) == sorted(f"fediverse:{fake.host}:soists" for fake in (small, big))
    assert [r.stored for r in reports.values()] == [1, 1]
    assert dict(collect_fediverse(Collector(sessions, settings, registry), settings, env={})) == {}


def test_a_fediverse_post_becomes_a_valid_feature_credited_without_at(instances, sessions, settings, registry,
                                                                      tmp_path):
    from datetime import datetime, timedelta, timezone

    from plugins.community.postfile import read_post_file
    from scheduler.plan.enqueue import feature_request
    from scheduler.publish.caption import CaptionInput, build_caption
    from scheduler.publish.publisher import write_with_site_writer

    small, _ = instances
    small.add_status("anna", "Abendlicht in Plochingen #SoistS #Plochingen")
    collector = Collector(sessions, settings, registry)
    collector.run(fediverse_sources([small.base_url], "soists", 10, lambda uid: False)[0].posts())
    with sessions.begin() as session:
        post = session.scalar(select(Post))
        post.municipality_ags = post.suggested_ags
        request = feature_request(post, datetime.now(timezone.utc) + timedelta(days=3), registry,
                                  settings.media_dir)
    assert (request.platform, request.handle, request.author_name) == ("fediverse", "", "anna@bawue.example")
    path = write_with_site_writer(request, "images/community/x.jpg", tmp_path / "content")
    written, problems = read_post_file(path)
    assert problems == [] and written.platform == "fediverse"
    caption = build_caption(CaptionInput(request.municipality_name, request.handle, request.text, request.hashtags,
                                         author_name=request.author_name, source=request.platform))
    assert "📷 anna@bawue.example" in caption and "@anna" not in caption.replace("anna@bawue", "")


def test_a_post_seen_through_two_instances_is_stored_once(instances, sessions, settings, registry):
    """A status of pixel.example that bawue.example knows too (federated) is on both tag timelines:
    one post (uid from the ActivityPub `uri`), its author at its home server."""
    from demo.mastodon_fake import TOKEN
    from demo.mastodon_fake_federation import federate
    from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig

    small, big = instances
    federate(small, big)
    original = big.add_status("ben", "Morgens in Leonberg #SoistS")
    url = f"https://pixel.example/@ben/{original}"
    client = MastodonClient(MastodonConfig(small.base_url, TOKEN), sleep=lambda s: None)
    [copy] = client.call("search_v2", url, resolve=True, result_type="statuses")["statuses"]
    assert small.status(str(copy["id"]))["remote_url"] == url and copy["url"] == url and copy["account"]["acct"] == "ben@pixel.example"
    collector = Collector(sessions, settings, registry)
    report = collector.run(p for s in fediverse_sources([small.base_url, big.base_url], "soists", 10,
                                                        lambda uid: False) for p in s.posts())
    assert report.stored == 1 and report.already_known == 1
    with sessions() as session:
        [post] = session.scalars(select(Post)).all()
        assert post.author == "ben@pixel.example" and post.suggested_ags == registry.get("leonberg").ags
