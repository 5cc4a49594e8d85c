"""The Mastodon client of the publisher: Mastodon.py with our error classes and backoff.

Settings: `SOISTS_MASTODON_URL` (the instance, e.g. https://bawü.social) and the token from the
secrets file (slot "mastodon", scheduler/credentials/vault.py), `SOISTS_MASTODON_TOKEN` as a
fallback. Without an instance URL the channel is off.

Endpoints (docs.joinmastodon.org):
  POST /api/v2/media, GET /api/v1/media/:id (206 while processing)   methods/media
  POST /api/v1/statuses with Idempotency-Key; DELETE /api/v1/statuses/:id   methods/statuses
  GET /api/v1/accounts/verify_credentials, GET /api/v1/accounts/:id/statuses   methods/accounts
  GET /api/v2/instance (configuration.statuses.max_characters …)    methods/instance
Rate limits: X-RateLimit-Limit/Remaining/Reset on every answer, 429 when used up (api/rate-limits):
Mastodon.py runs with ratelimit_method="throw" and we wait ourselves (up to max_backoff_s inside a
request, longer waits go to the publisher as RetryLater.retry_after).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from scheduler.publish.graph_errors import GraphError, NeedsEditor, RetryLater

log = logging.getLogger(__name__)
TOKEN_SLOT = "mastodon"


@dataclass(frozen=True)
class MastodonConfig:
    base_url: str
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "MastodonConfig | None":
        """None when no instance is configured (the channel is optional)."""
        from scheduler.credentials.vault import resolve_token

        env = os.environ if env is None else env
        url = (env.get("SOISTS_MASTODON_URL") or "").rstrip("/")
        if not url:
            return None
        if not url.startswith(("https://", "http://")):
            url = f"https://{url}"
        return cls(url, resolve_token(TOKEN_SLOT, env=env) or env.get("SOISTS_MASTODON_TOKEN", ""))


class Gone(GraphError):
    """404: the status or media does not exist (any more)."""


def retry_after(api: Mastodon) -> float | None:
    """Seconds until X-RateLimit-Reset, as Mastodon.py read it from the last answer."""
    reset = getattr(api, "ratelimit_reset", None)
    return max(float(reset) - time.time(), 0.0) if reset else None


def classify(error: Exception, api: Mastodon) -> GraphError:
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, MastodonRatelimitError):
        return RetryLater(f"Mastodon rate limit (429): {text}", http_status=429, retry_after=retry_after(api))
    if isinstance(error, (MastodonServerError, MastodonNetworkError)):
        return RetryLater(f"Mastodon unavailable: {text}", http_status=503)
    if isinstance(error, MastodonUnauthorizedError):
        return NeedsEditor(f"Mastodon token refused (401/403): {text}", http_status=401)
    if isinstance(error, MastodonNotFoundError):
        return Gone(text, http_status=404)
    if isinstance(error, MastodonAPIError):  # 422: the status or media was refused
        return NeedsEditor(f"Mastodon refused the request: {text}", http_status=422)
    return RetryLater(text)


class MastodonClient:
    def __init__(self, config: MastodonConfig, *, attempts: int = 4, backoff_s: float = 2.0,
                 max_backoff_s: float = 120.0, sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0):
        self.config = config
        self.attempts, self.backoff_s, self.max_backoff_s, self.sleep = attempts, backoff_s, max_backoff_s, sleep
        self.api = Mastodon(api_base_url=config.base_url, access_token=config.token, ratelimit_method="throw",
                            version_check_mode="none", request_timeout=timeout)
        self._account_id: str | None = None
        self._versioned = False

    def ensure_version(self) -> None:
        """Mastodon.py picks endpoints by the server's version, read lazily from GET /api/v1/instance and
        silently taken as 1.0.0 when that one request fails (a 429, a lost answer). Read it here
        through `call` (backoff, our errors), so the cached answer is what Mastodon.py uses."""
        if not self._versioned:
            self._versioned = True
            try:
                self.call("instance_v1")
            except BaseException:
                self._versioned = False
                raise
            self.api.retrieve_mastodon_version()

    def call(self, name: str, *args, retry: bool = True, **kwargs):
        """One API call; 429/5xx/network errors are retried with backoff when `retry` is set
        (never for a POST of a status: a lost answer there is reconciled by the caller)."""
        if not self.config.token:
            raise NeedsEditor("Mastodon: no token (python -m scheduler connect --mastodon INSTANCE)")
        if name != "instance_v1":
            self.ensure_version()
        for attempt in range(self.attempts):
            try:
                return getattr(self.api, name)(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - classified below
                problem = classify(error, self.api)
                last = attempt == self.attempts - 1
                if not retry or last or not isinstance(problem, RetryLater):
                    raise problem from error
                wait = problem.retry_after if problem.retry_after is not None else self.backoff_s * 2 ** attempt
                if wait > self.max_backoff_s:
                    raise problem from error
                log.info("mastodon %s: %s; again in %.1f s", name, problem, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")

    # -- the calls the publisher makes -------------------------------------------------
    def limits(self) -> dict:
        """configuration.statuses and configuration.media_attachments of GET /api/v2/instance."""
        info = self.call("instance_v2")
        config = info.get("configuration") or {}
        statuses = dict(config.get("statuses") or {})
        return {"max_characters": int(statuses.get("max_characters") or 500),
                "url_chars": int(statuses.get("characters_reserved_per_url") or 23),
                "description_limit": int((config.get("media_attachments") or {}).get("description_limit") or 1500)}

    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(self.call("account_verify_credentials")["id"])
        return self._account_id

    def upload(self, path: Path, description: str) -> str:
        media = self.call("media_post", str(path), mime_type="image/jpeg", description=description,
                          focus=(0.0, 0.0), file_name=path.name)
        return str(media["id"])

    def wait_processed(self, media_id: str, poll_s: float, attempts: int) -> None:
        """GET /api/v1/media/:id until `url` is set (206 Partial Content while processing)."""
        for attempt in range(attempts):
            if self.call("media", media_id).get("url"):
                return
            self.sleep(poll_s)
        raise RetryLater(f"Mastodon media {media_id} still processing after {attempts} polls")

    def post_status(self, text: str, media_id: str, key: str) -> dict:
        return self.call("status_post", text, media_ids=[media_id], language="de", visibility="public",
                         idempotency_key=key, retry=False)

    def find_status(self, marker: str, pages: int = 5) -> dict | None:
        """Our own status whose text holds the marker (the wall URL), newest first, a few pages deep."""
        batch = self.call("account_statuses", self.account_id(), exclude_replies=True, limit=40)
        for _ in range(pages):
            for status in batch or []:
                if marker in (status.get("content") or ""):
                    return status
            if not batch:
                return None
            batch = self.call("fetch_next", batch)
        return None

    def delete_status(self, status_id: str) -> None:
        self.call("status_delete", status_id, delete_media=True)
