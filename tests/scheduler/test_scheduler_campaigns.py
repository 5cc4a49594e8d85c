"""Campaigns in collection and on the review board: extra hashtags in the window, the post's campaign."""

from __future__ import annotations

from datetime import datetime, timezone

from scheduler.campaigns.collecting import collecting_hashtags
from scheduler.collect.ingest import Collector
from scheduler.curate.review.app import ReviewApp
from scheduler.store.models import Post
from tests.scheduler.test_scheduler_store import collected

CAMPAIGN = """title: Instawalk Esslinger Altstadt
kind: instawalk
hashtags: #InstawalkES
start: 2026-11-01 14:00
end: 2026-11-05 17:00
municipality: esslingen-am-neckar

Wir laufen los.
"""


def with_campaign(settings):
    folder = settings.root / "content" / "kampagnen"
    folder.mkdir(parents=True)
    (folder / "instawalk-esslinger-altstadt.md").write_text(CAMPAIGN, encoding="utf-8")


def test_campaign_hashtags_are_collected_in_the_window_and_the_grace_period(settings):
    with_campaign(settings)
    content = settings.root / "content"
    assert collecting_hashtags(content, datetime(2026, 10, 31, tzinfo=timezone.utc)) == []
    assert collecting_hashtags(content, datetime(2026, 11, 3, tzinfo=timezone.utc)) == ["instawalkes"]
    assert collecting_hashtags(content, datetime(2026, 11, 7, tzinfo=timezone.utc)) == ["instawalkes"]
    assert collecting_hashtags(content, datetime(2026, 11, 10, tzinfo=timezone.utc)) == []


def test_a_matching_post_records_its_campaign_and_the_board_filters_by_it(sessions, settings, registry):
    with_campaign(settings)
    collector = Collector(sessions, settings, registry)
    collector.store(collected(1, caption="Burgstaffel #InstawalkES #esslingen"))
    collector.store(collected(2, author="ben", caption="Marktplatz #esslingen"))
    with sessions() as session:
        assert {p.uid: p.campaign for p in session.query(Post)} == {
            "instagram:X1": "instawalk-esslinger-altstadt", "instagram:X2": None}
    app = ReviewApp(sessions, settings, registry, editor="eva")
    everything = app.render_board("all", "token")
    only = app.render_board("all", "token", campaign="instawalk-esslinger-altstadt")
    assert "@ben" in everything and "@ben" not in only
    assert "Kampagne" in only and "instawalk-esslinger-altstadt" in only
