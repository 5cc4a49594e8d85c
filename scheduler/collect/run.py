"""One collection run: sources → Collector, with a report per source.

Shared by the CLI (which adds progress bars) and the scheduled collect job (which logs).
A source that stops early raises SourceStopped; the caller maps it to an exit code.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

from scheduler.campaigns.collecting import collecting_hashtags
from scheduler.collect.ingest import Collector, DbCursorStore, RunReport
from scheduler.collect.sources.base import Source
from scheduler.config import Settings

SOURCE_NAMES = ("hashtag", "tagged")
VIAS = ("graph", "instaloader")
SourceRunner = Callable[[Collector, Source, "int | None"], RunReport]


def run_source(collector: Collector, source: Source, total: int | None = None,
               on_post: Callable[..., None] | None = None) -> RunReport:
    """Store every post the source yields; the source's own notes end up in the report."""
    report = RunReport()
    collector.run(source.posts(), report, on_post=on_post)
    report.messages.extend(getattr(source, "skipped", []))
    if getattr(source, "message", ""):
        report.messages.append(source.message)
    return report


def collect_instagram(collector: Collector, cursors: DbCursorStore, settings: Settings, which: str = "all",
                      budget: int | None = None, run: SourceRunner = run_source,
                      now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                      ) -> Iterator[tuple[str, RunReport]]:
    """Collect the hashtag(s) and/or the tagged posts with the saved instaloader session.

    Sources are made one at a time, so a login problem on the first stops before the second.
    Like the official path, the hashtags of campaigns in their window or grace period are
    collected too, each with its own resumable position (source name `hashtag:<tag>`).
    """
    from scheduler.collect.sources.instaloader_hashtag import hashtag_source, logged_in_context, tagged_source

    budget = budget or settings.budget
    options = {"backoff_seconds": settings.backoff_seconds, "max_backoffs": settings.max_backoffs}
    context = logged_in_context(settings.instagram_user, settings.session_file)
    for name in (SOURCE_NAMES if which == "all" else (which,)):
        if name == "tagged":
            makers = [lambda: tagged_source(context, settings.account, cursors, budget, **options)]
        else:  # the base hashtag, then the campaigns' (read at the start of the run)
            tags = (settings.hashtag, *collecting_hashtags(settings.root / "content", now()))
            makers = [lambda tag=tag: hashtag_source(context, tag, cursors, budget, **options) for tag in tags]
        for make in makers:
            source = make()
            yield source.name, run(collector, source, budget)


def collect(collector: Collector, cursors: DbCursorStore, settings: Settings, which: str = "all",
            budget: int | None = None, run: SourceRunner = run_source,
            via: str | None = None) -> Iterator[tuple[str, RunReport]]:
    """The official Graph API unless instaloader is chosen (SOISTS_COLLECT_SOURCE or --via)."""
    via = via or settings.collect_source
    if via == "instaloader":
        if which == "mentions":
            return iter(())
        return collect_instagram(collector, cursors, settings, which, budget, run)
    if via != "graph":
        raise ValueError(f"unknown collection source {via!r}: use graph or instaloader")
    from scheduler.collect.official import collect_official

    official = collect_official(collector, settings, run, which, budget)
    if which not in ("all", "hashtag"):
        return official
    return itertools.chain(official, collect_fediverse(collector, settings, budget, run))


def collect_fediverse(collector: Collector, settings: Settings, budget: int | None = None,
                      run: SourceRunner = run_source, env: Mapping[str, str] | None = None,
                      ) -> Iterator[tuple[str, RunReport]]:
    """The public #SoistS timeline of each instance in SOISTS_FEDIVERSE_INSTANCES (none: nothing)."""
    from sqlalchemy import select

    from scheduler.collect.sources.fediverse import fediverse_sources
    from scheduler.store.models import Post

    instances = (os.environ if env is None else env).get("SOISTS_FEDIVERSE_INSTANCES", "")

    def known(uid: str) -> bool:
        with collector.sessions() as session:
            return session.scalar(select(Post.id).where(Post.uid == uid)) is not None

    budget = budget or settings.budget
    for source in fediverse_sources(instances, settings.hashtag, budget, known):
        yield source.name, run(collector, source, budget)
    yield from fediverse_answers(collector, settings, env)


def fediverse_answers(collector: Collector, settings: Settings, env: Mapping[str, str] | None = None,
                      ) -> Iterator[tuple[str, RunReport]]:
    """The replies below our open rights requests on Mastodon (collect/fediverse_consent.py);
    nothing without SOISTS_MASTODON_URL. A failing server is a line in the report, not a stop."""
    from scheduler.collect.fediverse_consent import poll_answers
    from scheduler.publish.graph_errors import GraphError
    from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig

    config = MastodonConfig.from_env(env)
    if config is None:
        return
    report = RunReport()
    try:
        with collector.sessions.begin() as session:
            report.messages.extend(poll_answers(session, MastodonClient(config), settings.consent_hashtag))
    except GraphError as error:
        report.messages.append(f"Mastodon-Antworten nicht gelesen: {error}")
    yield "mastodon:antworten", report
