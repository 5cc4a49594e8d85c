"""The official collection: hashtag (recent/top, paginated, 30 per 7 days), tagged media."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID
from demo.graph_fake_ugc import UgcFake
from scheduler.cli import main as cli
from scheduler.collect import hashtag_budget
from scheduler.collect.ingest import Collector
from scheduler.collect.official import collect_official
from scheduler.collect.run import run_source
from scheduler.collect.sources.base import SourceStopped
from scheduler.store.models import Post, State
from scheduler.store.official import HashtagQuery, IgMedia
from tests.scheduler.official_helpers import add, client_for


def run(collector, settings, fake, which, budget=None):
    return dict(collect_official(collector, settings, run_source, which, budget, client=client_for(fake)))


def test_hashtag_posts_enter_with_unknown_author_and_keep_carousel_images(sessions, settings, registry, fake, photos):
    add(fake, photos, 1, "Abendlicht über #Esslingen #soists", likes=3)
    add(fake, photos, 2, "Karussell aus #plochingen #soists", children=[photos.url(3), photos.url(4), "x.mp4"])
    add(fake, photos, 5, "Alt, nur unter top_media #soists #ludwigsburg", age_s=3 * 86400, likes=50)
    add(fake, photos, 6, "Ein Video #soists", media_type="VIDEO")
    collector = Collector(sessions, settings, registry)
    reports = run(collector, settings, fake, "hashtag")
    assert reports["graph_hashtag_recent:soists"].stored == 3  # the 3-day-old post is not in recent_media
    assert reports["graph_hashtag_top:soists"].stored == 1
    with sessions() as session:
        posts = {p.caption.split()[0]: p for p in session.scalars(select(Post))}
        refs = {r.post_id: r for r in session.scalars(select(IgMedia))}
        assert all(p.author == "" and not refs[p.id].author_known for p in posts.values())
        carousel = posts["Karussell"]
        assert carousel.image is not None and len(refs[carousel.id].extra_images) == 1  # 2 images, video skipped
        assert "Video(s) im Karussell" in str(refs[carousel.id].evidence)
        assert posts["Ein"].state == State.REJECTED.value
        assert "Video ohne Standbild" in posts["Ein"].events[-1].reason
        assert refs[posts["Abendlicht"].id].evidence["media_id"] and posts["Abendlicht"].state == "collected"
        assert '"api": "graph"' in posts["Abendlicht"].events[0].evidence  # API evidence in the audit trail
        assert [q.hashtag for q in session.scalars(select(HashtagQuery))] == ["soists"]
    again = run(collector, settings, fake, "hashtag")
    assert sum(r.stored for r in again.values()) == 0  # known posts are skipped before any download


def test_recent_media_is_followed_page_by_page(sessions, settings, registry, fake, photos):
    for seed in range(55):
        add(fake, photos, 100 + seed, f"Bild {seed} #soists #esslingen")
    reports = run(Collector(sessions, settings, registry), settings, fake, "hashtag", budget=200)
    assert reports["graph_hashtag_recent:soists"].stored == 55  # 50 + 5 over two pages
    assert [r for r in fake.state.requests if "recent_media" in r].__len__() == 2


def test_budget_limits_new_posts_per_run(sessions, settings, registry, fake, photos):
    for seed in range(4):
        add(fake, photos, 200 + seed, f"Bild {seed} #soists")
    collector = Collector(sessions, settings, registry)
    first = run(collector, settings, fake, "hashtag", budget=3)
    assert first["graph_hashtag_recent:soists"].stored == 3
    assert "budget of 3" in " ".join(first["graph_hashtag_recent:soists"].messages)
    assert first["graph_hashtag_top:soists"].stored == 1  # top_media has its own budget: the 4th post
    with sessions() as session:
        assert len(session.scalars(select(Post)).all()) == 4


def test_tagged_media_have_their_author_and_cannot_be_answered(sessions, settings, registry, fake, photos):
    add(fake, photos, 7, "Markiert in #fellbach", username="Bernd.B", tagged=True)
    reports = run(Collector(sessions, settings, registry), settings, fake, "tagged")
    assert reports["graph_tagged:wirzeigens"].stored == 1
    with sessions() as session:
        post = session.scalar(select(Post))
        ref = session.scalar(select(IgMedia))
        assert post.author == "bernd.b" and post.source == "tagged" and ref.author_known and not ref.can_reply


@pytest.mark.both_databases
def test_thirty_unique_hashtags_per_rolling_seven_days(sessions):
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    with sessions.begin() as session:
        for n in range(30):
            hashtag_budget.admit(session, f"tag{n}", start + timedelta(hours=n))
    with sessions.begin() as session:
        hashtag_budget.admit(session, "tag0", start + timedelta(days=2))  # known in the window: free
        with pytest.raises(hashtag_budget.HashtagLimitReached, match="30 verschiedene Hashtags.*08.12.2026 um 09:00"):
            hashtag_budget.admit(session, "soists", start + timedelta(days=3))
    with sessions.begin() as session:  # tag0's window ended 7 days after its FIRST query
        hashtag_budget.admit(session, "soists", start + timedelta(days=7, minutes=1))
        assert len(hashtag_budget.used(session, start + timedelta(days=7, minutes=1))) == 30


def test_a_31st_hashtag_is_refused_before_the_api_is_asked(sessions, settings, registry, fake):
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        for n in range(30):
            hashtag_budget.admit(session, f"tag{n}", now - timedelta(hours=1))
    with pytest.raises(SourceStopped, match="Hashtag-Limit erreicht"):
        run(Collector(sessions, settings, registry), settings, fake, "hashtag")
    assert not [r for r in fake.state.requests if "ig_hashtag_search" in r]


def test_the_fake_answers_like_meta_at_the_limit_and_for_username(fake):
    headers = {"Authorization": f"Bearer {IG_TOKEN}"}
    for n in range(30):
        assert requests.get(f"{fake.base_url}/ig_hashtag_search", params={"user_id": IG_USER_ID, "q": f"t{n}"},
                            headers=headers).ok
    refused = requests.get(f"{fake.base_url}/ig_hashtag_search", params={"user_id": IG_USER_ID, "q": "t30"},
                           headers=headers)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 24
    hashtag_id = UgcFake.hashtag_id("t1")
    bad = requests.get(f"{fake.base_url}/{hashtag_id}/recent_media",
                       params={"user_id": IG_USER_ID, "fields": "id,username"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100


def test_collect_uses_the_graph_api_by_default(settings, monkeypatch, capsys):
    for name in ("SOISTS_IG_USER_ID", "SOISTS_IG_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOISTS_SECRETS_FILE", str(settings.root / "none.json"))
    assert cli.main(["collect"], settings) == 3
    assert "Graph API not configured" in capsys.readouterr().err


def test_tagged_media_are_followed_past_the_first_page(sessions, settings, registry, fake, photos):
    # /{ig-user-id}/tags answers cursors but no `next`: the next request is built with `after`.
    for seed in range(55):
        add(fake, photos, 300 + seed, f"Markiert {seed} in #fellbach", username=f"u{seed}", tagged=True)
    reports = run(Collector(sessions, settings, registry), settings, fake, "tagged", budget=200)
    assert reports["graph_tagged:wirzeigens"].stored == 55


def test_a_caption_mention_is_recognised_without_its_at(sessions, settings, registry, fake, photos):
    # The API leaves the "@" out of captions of media the app user did not create.
    add(fake, photos, 8, "Danke @wirzeigenS für #fellbach", username="dora", tagged=True)
    run(Collector(sessions, settings, registry), settings, fake, "tagged")
    with sessions() as session:
        post = session.scalar(select(Post))
        assert "@" not in post.caption and "wirzeigenS" in post.caption
        assert session.scalar(select(IgMedia)).can_reply


@pytest.mark.parametrize("caption,mentioned", [
    ("danke @wirzeigenS", True), ("danke wirzeigenS!", True), ("WIRZEIGENS.", True),
    ("#wirzeigenS", False), ("wirzeigenSfan", False), ("@wirzeigens.fan", False), ("xwirzeigenS", False)])
def test_account_mention_with_or_without_at(caption, mentioned):
    from scheduler.collect.graph_ugc import mentions_account

    assert mentions_account(caption, "wirzeigens") is mentioned
