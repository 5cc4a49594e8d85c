"""#SoistS photos from the Fediverse: the public hashtag timeline of a list of instances.

`GET /api/v1/timelines/tag/:hashtag` needs no login on a default Mastodon server and pages by the
`Link` header (`max_id` for older posts; https://docs.joinmastodon.org/methods/timelines/#tag,
https://docs.joinmastodon.org/api/guidelines/#pagination); Pixelfed offers the same API. Mastodon.py's
`timeline_hashtag` and `fetch_next` follow those links. Rate limits (X-RateLimit-* headers, 429;
https://docs.joinmastodon.org/api/rate-limits/): a 429 is waited out once (until X-RateLimit-Reset,
at most `max_wait_s`), a second one stops the source cleanly (SourceStopped RATE_LIMITED) and the
next run starts again from the newest post — what is stored stays stored.

Settings: `SOISTS_FEDIVERSE_INSTANCES` (comma-separated, e.g. "bawü.social, pixelfed.de"),
`SOISTS_HASHTAG` (default soists). Each status becomes a CollectedPost:
  uid       "fediverse:" + the status's ActivityPub `uri` without scheme (the same post seen through two
            instances is one post)
  author    "user@home-instance" (the author's home: the domain in `acct`, else the instance asked)
  source    "fediverse" — the credit rule (plugins/community/credit.py) names such authors without "@"
  caption   the status text (HTML → plain text), hashtags from `tags`; municipality detection as for
            Instagram posts; the first image attachment is the photo (its `description` is kept)
"""

from __future__ import annotations

import html
import logging
import re
import time
from datetime import datetime, timezone
from typing import Callable, Iterator
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import MastodonError, MastodonNetworkError, MastodonRatelimitError, MastodonServerError

from .base import CollectedPost, SourceStopped

log = logging.getLogger(__name__)
SOURCE = "fediverse"
PAGE_LIMIT = 40  # the documented maximum of `limit` on timelines
MAX_PAGES = 20
TAG_RE = re.compile(r"<[^>]+>")


def plain_text(content: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", content or "")
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return html.unescape(TAG_RE.sub("", text)).strip()


def home_of(acct: str, instance_domain: str) -> str:
    return acct.split("@", 1)[1] if "@" in acct else instance_domain


def to_collected(status: dict, instance_domain: str, download: Callable[[str], bytes]) -> CollectedPost | None:
    images = [m for m in status.get("media_attachments") or [] if m.get("type") == "image" and m.get("url")]
    if not images:
        return None
    account = status.get("account") or {}
    username = account.get("username") or str(account.get("acct", "")).split("@")[0]
    home = home_of(str(account.get("acct") or username), instance_domain)
    uri = str(status.get("uri") or status.get("url") or f"{instance_domain}/{status['id']}")
    created = status.get("created_at")
    taken = created if isinstance(created, datetime) else datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    url = images[0]["url"]
    return CollectedPost(
        uid=f"fediverse:{uri.split('://', 1)[-1]}"[:200], source=SOURCE, author=f"{username}@{home}",
        taken_at=taken.astimezone(timezone.utc), load_image=lambda: download(url), caption=plain_text(status.get("content", "")),
        hashtags=tuple(f"#{t['name']}" for t in status.get("tags") or []), permalink=status.get("url") or uri,
        author_id=str(account.get("id") or ""),
        evidence={"api": "mastodon", "instance": instance_domain, "status_id": str(status["id"]), "uri": uri,
                  "home": home, "alt": images[0].get("description") or "", "language": status.get("language")})


class FediverseTagSource:
    """One instance's public timeline of one hashtag, newest first, posts not yet in the store."""

    def __init__(self, instance_url: str, hashtag: str, budget: int, known: Callable[[str], bool], *,
                 max_wait_s: float = 300.0, sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0):
        self.instance_url = instance_url if "://" in instance_url else f"https://{instance_url}"
        self.domain = urlsplit(self.instance_url).hostname or instance_url
        self.hashtag = hashtag.lstrip("#")
        self.name = f"{SOURCE}:{urlsplit(self.instance_url).netloc}:{self.hashtag.casefold()}"
        self.budget, self.known, self.max_wait_s, self.sleep = budget, known, max_wait_s, sleep
        self.timeout = timeout
        self.api = Mastodon(api_base_url=self.instance_url, ratelimit_method="throw", version_check_mode="none",
                            request_timeout=timeout)  # no access token: the public timeline
        self.message = ""

    def download(self, url: str) -> bytes:
        answer = requests.get(url, timeout=self.timeout)
        answer.raise_for_status()
        return answer.content

    def _call(self, name: str, *args, **kwargs):
        for attempt in (1, 2):
            try:
                return getattr(self.api, name)(*args, **kwargs)
            except MastodonRatelimitError as error:
                reset = getattr(self.api, "ratelimit_reset", None)
                wait = max(float(reset) - time.time(), 0.0) if reset else 60.0
                if attempt == 2 or wait > self.max_wait_s:
                    raise SourceStopped(SourceStopped.RATE_LIMITED, f"{self.name}: 429, try again later") from error
                log.info("%s: 429, waiting %.0f s (X-RateLimit-Reset)", self.name, wait)
                self.sleep(wait)
            except (MastodonServerError, MastodonNetworkError) as error:
                raise SourceStopped(SourceStopped.RATE_LIMITED, f"{self.name}: unavailable ({error})") from error
            except MastodonError as error:
                raise SourceStopped(SourceStopped.FAILED, f"{self.name}: {error}") from error
        raise AssertionError("unreachable")

    def posts(self) -> Iterator[CollectedPost]:
        # Mastodon.py reads the server version lazily and takes 1.0.0 if that request fails: ask first.
        info = self._call("instance_v1")
        self.api.retrieve_mastodon_version()
        # The server's own name (v1 `uri`: the domain) is the home of its local accounts.
        self.domain = str(info.get("uri") or self.domain).split("://")[-1].strip("/")
        page = self._call("timeline_hashtag", self.hashtag, limit=PAGE_LIMIT)
        new = 0
        for _ in range(MAX_PAGES):
            if not page:
                return
            for status in page:
                collected = to_collected(status, self.domain, self.download)
                if collected is None or self.known(collected.uid):
                    continue
                yield collected
                new += 1
                if new >= self.budget:
                    self.message = f"budget of {self.budget} new posts reached; the next run continues"
                    return
            page = self._call("fetch_next", page)


def fediverse_sources(instances: str | list[str], hashtag: str, budget: int, known: Callable[[str], bool],
                      **kwargs) -> list[FediverseTagSource]:
    names = [i.strip() for i in (instances.split(",") if isinstance(instances, str) else instances) if i.strip()]
    return [FediverseTagSource(name, hashtag, budget, known, **kwargs) for name in names]
