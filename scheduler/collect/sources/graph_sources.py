"""#SoistS posts through the official Instagram Graph API (Facebook Login): the hashtag's recent
and top media, and the media in which @wirzeigenS is tagged. Sources behind the one interface
(sources/base.py): iterators of CollectedPost.

recent_media covers only the last 24 hours, so the collect job must run well inside that
(every SOISTS_COLLECT_MINUTES, default 180 = 8 chances a day). Hashtag results carry no
username: such posts are stored with an unknown author and need the manual consent path.
Posts already in the store are skipped before their image is downloaded and do not use the
per-run budget.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterator

from scheduler.collect.graph_ugc import Page, UgcApi, media_to_collected
from scheduler.publish.graph_errors import GraphError, NeedsEditor, RetryLater

from .base import CollectedPost, SourceStopped

MAX_PAGES = 20  # top_media repeats one `after` cursor; a page without unseen media also ends a run


def stopped(error: GraphError, what: str) -> SourceStopped:
    """Graph errors in the vocabulary of a cron job (exit 3: a person must act, 4: later)."""
    if isinstance(error, RetryLater):
        return SourceStopped(SourceStopped.RATE_LIMITED, f"{what}: rate limit or temporary error ({error})")
    if isinstance(error, NeedsEditor):
        return SourceStopped(SourceStopped.LOGIN, f"{what}: token or permission problem — run "
                             f"`python -m scheduler check-credentials` ({error})")
    return SourceStopped(SourceStopped.FAILED, f"{what} failed: {error}")


class GraphPagedSource:
    """Walks the pages of one edge and yields the posts not yet in the store."""

    def __init__(self, name: str, fetch_page: Callable[[str | None], Page], convert: Callable[[dict], CollectedPost | None],
                 budget: int, known: Callable[[str], bool]):
        self.name, self.fetch_page, self.convert, self.budget, self.known = name, fetch_page, convert, budget, known
        self.message = ""
        self.skipped: list[str] = []

    def _page(self, after: str | None) -> Page:
        try:
            return self.fetch_page(after)
        except GraphError as error:
            raise stopped(error, self.name) from error

    def posts(self) -> Iterator[CollectedPost]:
        seen: set[str] = set()
        after, new = None, 0
        for _ in range(MAX_PAGES):
            page = self._page(after)
            fresh = [item for item in page.items if str(item.get("id")) not in seen]
            seen.update(str(item.get("id")) for item in fresh)
            for item in fresh:
                collected = self.convert(item)
                if collected is None:
                    self.skipped.append(f"media {item.get('id')}: no permalink")
                    continue
                if self.known(collected.uid):
                    continue
                yield collected
                new += 1
                if new >= self.budget:
                    self.message = f"budget of {self.budget} new posts reached; the next run continues"
                    return
            if not page.after or not fresh:
                return
            after = page.after


def hashtag_sources(api: UgcApi, hashtag: str, resolve_id: Callable[[str], str], budget: int,
                    known: Callable[[str], bool], account: str) -> list[GraphPagedSource]:
    """recent_media then top_media of one hashtag; the id is resolved lazily (budget check first)."""
    hashtag = hashtag.lstrip("#").casefold()
    cache: dict[str, str] = {}

    def hashtag_id() -> str:
        if "id" not in cache:
            try:
                cache["id"] = resolve_id(hashtag)
            except GraphError as error:
                raise stopped(error, f"ig_hashtag_search #{hashtag}") from error
        return cache["id"]

    def source(edge: str, label: str) -> GraphPagedSource:
        return GraphPagedSource(
            f"graph_{label}:{hashtag}", lambda after: api.hashtag_media(hashtag_id(), edge, after),
            lambda item: media_to_collected(item, label, api.download, account=account), budget, known)

    return [source("recent_media", "hashtag_recent"), source("top_media", "hashtag_top")]


def tagged_source(api: UgcApi, account: str, budget: int, known: Callable[[str], bool]) -> GraphPagedSource:
    def convert(item: dict) -> CollectedPost | None:
        return media_to_collected(item, "tagged", api.download, author=item.get("username") or "", account=account)

    return GraphPagedSource(f"graph_tagged:{account}", api.tagged, convert, budget, known)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
