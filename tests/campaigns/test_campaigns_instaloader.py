"""The instaloader path collects campaign hashtags in the window and grace period, like the official path."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from scheduler.collect.ingest import Collector, DbCursorStore
from scheduler.collect.run import collect_instagram
from scheduler.collect.sources import instaloader_hashtag
from scheduler.store.models import Post
from tests.scheduler.scheduler_fakes import FakeContext, node

CAMPAIGN = """title: Instawalk Esslinger Altstadt
kind: instawalk
hashtags: #InstawalkES
start: 2026-11-17 09:00
end: 2026-11-18 17:00
municipality: esslingen-am-neckar

Wir laufen los.
"""


class TagContext(FakeContext):
    """Answers each hashtag query with that hashtag's own posts (the tagged feed stays empty)."""

    def __init__(self, by_tag: dict[str, list[dict]]):
        super().__init__([])
        self.by_tag = by_tag

    def graphql_query(self, query_hash, variables, referer=None):
        self.nodes = self.by_tag.get(variables.get("tag_name"), [])
        return super().graphql_query(query_hash, variables, referer)


def run(sessions, settings, registry, monkeypatch, now: datetime):
    (settings.root / "content" / "kampagnen").mkdir(parents=True)
    (settings.root / "content" / "kampagnen" / "instawalk-esslinger-altstadt.md").write_text(CAMPAIGN, "utf-8")
    context = TagContext({"soists": [node(1)],
                          "instawalkes": [node(2, "Burgstaffel #InstawalkES #esslingen", author="walkerin")]})
    monkeypatch.setattr(instaloader_hashtag, "logged_in_context", lambda user, path: context)
    runs = collect_instagram(Collector(sessions, settings, registry), DbCursorStore(sessions), settings,
                             which="hashtag", budget=10, now=lambda: now)
    reports = {name: report.stored for name, report in runs}
    with sessions() as session:
        stored = {p.author: p.campaign for p in session.scalars(select(Post))}
    return reports, stored, [call.get("tag_name") for call in context.calls]


def test_campaign_hashtags_are_collected_during_the_window(sessions, settings, registry, monkeypatch):
    reports, stored, asked = run(sessions, settings, registry, monkeypatch,
                                 datetime(2026, 11, 17, 12, tzinfo=timezone.utc))
    assert reports == {"hashtag:soists": 1, "hashtag:instawalkes": 1}
    assert set(asked) == {"soists", "instawalkes"}
    assert stored == {"fotograf1": None, "walkerin": "instawalk-esslinger-altstadt"}


def test_and_in_the_grace_period_but_not_after_it(sessions, settings, registry, monkeypatch):
    reports, _, _ = run(sessions, settings, registry, monkeypatch, datetime(2026, 11, 20, tzinfo=timezone.utc))
    assert "hashtag:instawalkes" in reports


def test_not_after_the_grace_period(sessions, settings, registry, monkeypatch):
    reports, stored, asked = run(sessions, settings, registry, monkeypatch, datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert reports == {"hashtag:soists": 1} and set(asked) == {"soists"} and "walkerin" not in stored
