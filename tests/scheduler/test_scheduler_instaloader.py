"""The instaloader sources against instaloader's own NodeIterator, Post and file functions."""

from __future__ import annotations

import json
import lzma

import pytest
from instaloader import (
    ConnectionException,
    LoginRequiredException,
    Post,
    QueryReturnedBadRequestException,
    TooManyRequestsException,
    save_structure_to_file,
)
from instaloader.exceptions import AbortDownloadException
from sqlalchemy import func, select

from scheduler.collect.ingest import Collector, DbCursorStore
from scheduler.collect.sources.base import SourceStopped
from scheduler.collect.sources.folder_import import FolderSource, OfflineContext
from scheduler.collect.sources.instaloader_hashtag import classify, hashtag_source, tagged_source
from scheduler.store.models import Image, SourceCursor
from scheduler.store.models import Post as StoredPost
from tests.scheduler.scheduler_fakes import FakeContext, node, photo


def collect(sessions, settings, registry, context, budget, **options):
    source = hashtag_source(context, "SoistS", DbCursorStore(sessions), budget, sleep=lambda s: None, **options)
    report = Collector(sessions, settings, registry).run(source.posts())
    return source, report


def stored_shortcodes(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(StoredPost.shortcode).order_by(StoredPost.shortcode)))


def test_budget_then_resume_from_frozen_iterator(sessions, settings, registry):
    nodes = [node(i) for i in range(10)]
    first, report = collect(sessions, settings, registry, FakeContext(nodes), budget=4)
    assert report.stored == 4 and not first.finished and not first.resumed
    with sessions() as session:
        cursor = session.scalar(select(SourceCursor).where(SourceCursor.name == "hashtag:soists"))
        assert cursor.state["total_index"] == 3 and cursor.state["query_variables"] == {"tag_name": "soists"}

    # a new process: a new context, the frozen iterator restored from the store
    context = FakeContext(nodes)
    second, report = collect(sessions, settings, registry, context, budget=100)
    assert second.resumed and second.finished
    assert report.stored == 6 and report.already_known == 1  # freeze() re-yields the last post once
    assert stored_shortcodes(sessions) == [f"SoS{i:05d}" for i in range(10)]
    with sessions() as session:
        assert session.scalar(select(SourceCursor.state).where(SourceCursor.name == "hashtag:soists")) is None
        assert session.scalar(select(func.count(Image.id))) == 10


def test_429_backs_off_then_continues(sessions, settings, registry):
    sleeps = []
    context = FakeContext([node(i) for i in range(5)], page_size=2,
                          failures={2: TooManyRequestsException("429 Too Many Requests")})
    source = hashtag_source(context, "soists", DbCursorStore(sessions), 10, sleep=sleeps.append,
                            backoff_seconds=30, max_backoffs=2)
    report = Collector(sessions, settings, registry).run(source.posts())
    assert report.stored == 5 and sleeps == [30]


def test_persistent_429_stops_rate_limited_and_keeps_position(sessions, settings, registry):
    # instaloader wraps the 429 of its last attempt in a ConnectionException: the cause still counts
    wrapped = ConnectionException("JSON Query to graphql/query: HTTP error code 429.")
    failures = {n: wrapped for n in range(2, 10)}
    context = FakeContext([node(i) for i in range(6)], page_size=2, failures=failures)
    with pytest.raises(SourceStopped) as stop:
        collect(sessions, settings, registry, context, budget=10, max_backoffs=2)
    assert stop.value.kind == SourceStopped.RATE_LIMITED
    assert len(stored_shortcodes(sessions)) == 2
    # later run: resumes with the remaining pages
    _, report = collect(sessions, settings, registry, FakeContext([node(i) for i in range(6)], page_size=2), 10)
    assert len(stored_shortcodes(sessions)) == 6


@pytest.mark.parametrize("exc", [
    LoginRequiredException("Redirected to login page. Use --login or --load-cookies."),
    QueryReturnedBadRequestException('400 Bad Request - "checkpoint_required"'),
    ConnectionException('JSON Query: 400 Bad Request - {"message": "challenge_required"}'),
    AbortDownloadException("checkpoint_required"),
])
def test_login_or_checkpoint_stops_cleanly(sessions, settings, registry, exc):
    context = FakeContext([node(i) for i in range(6)], page_size=2, failures={2: exc})
    with pytest.raises(SourceStopped) as stop:
        collect(sessions, settings, registry, context, budget=10)
    assert stop.value.kind == SourceStopped.LOGIN and "session file" in stop.value.message
    assert len(stored_shortcodes(sessions)) == 2  # what was collected before is kept


def test_plain_bad_request_is_a_failure():
    assert classify(QueryReturnedBadRequestException("400 Bad Request - invalid query")).kind == SourceStopped.FAILED


def test_hashtag_needs_login(sessions):
    with pytest.raises(SourceStopped) as stop:
        hashtag_source(FakeContext([], username=None), "soists", DbCursorStore(sessions), 5)
    assert stop.value.kind == SourceStopped.LOGIN


def test_tagged_posts_of_the_account(sessions, settings, registry):
    from instaloader import Profile

    context = FakeContext([node(i, caption="Wochenmarkt #ludwigsburg") for i in range(3)])

    def profile_loader(ctx, name):
        profile = Profile(ctx, {"id": "42", "username": name})
        profile._has_full_metadata = True  # what Profile.from_username would have fetched
        return profile

    source = tagged_source(context, "@WirZeigenS", DbCursorStore(sessions), 10, profile_loader=profile_loader)
    report = Collector(sessions, settings, registry).run(source.posts())
    assert report.stored == 3 and source.name == "tagged:wirzeigens"
    assert context.calls[0]["id"] == 42
    with sessions() as session:
        post = session.scalars(select(StoredPost)).first()
        assert post.source == "tagged" and post.municipality_ags == "08118048"


def test_folder_import_of_instaloader_files(tmp_path, sessions, settings, registry):
    folder = tmp_path / "#soists"
    folder.mkdir()
    context = OfflineContext()
    for i in range(3):
        stem = folder / f"2026-11-2{i}_18-00-00_UTC"
        save_structure_to_file(Post(context, node(i, location="Esslingen am Neckar")), f"{stem}.json.xz")
        (folder / f"{stem.name}{'_1' if i == 2 else ''}.jpg").write_bytes(photo(i))
    (folder / "2026-11-29_18-00-00_UTC.json.xz").write_bytes(lzma.compress(json.dumps(
        {"node": node(99), "instaloader": {"version": "4.16", "node_type": "Post"}}).encode()))  # no image
    source = FolderSource(folder)
    report = Collector(sessions, settings, registry).run(source.posts())
    assert report.stored == 3 and len(source.skipped) == 1
    again = Collector(sessions, settings, registry).run(FolderSource(folder).posts())
    assert again.stored == 0 and again.already_known == 3
    with sessions() as session:
        post = session.scalar(select(StoredPost).where(StoredPost.shortcode == "SoS00001"))
        assert post.location_name == "Esslingen am Neckar" and post.municipality_ags == "08116019"
        assert post.author == "fotograf1" and post.hashtags == ["esslingen", "soists"]
        assert post.taken_at.tzinfo is not None
