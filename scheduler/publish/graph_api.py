"""HTTP client for the Instagram Content Publishing API and the Facebook Page photos API.

Only the calls the publisher needs (Instagram through Facebook Login, host graph.facebook.com):
  POST /{ig-user-id}/media                 image_url, caption        → {"id": container}
  GET  /{container-id}?fields=status_code,status                     → {"status_code": …, "status": …}
  POST /{ig-user-id}/media_publish         creation_id               → {"id": media}
  GET  /{ig-user-id}/content_publishing_limit?fields=quota_usage,config
                                   → {"data": [{"quota_usage": 2, "config": {"quota_total": 50, …}}]}
  GET  /{ig-user-id}/media?fields=id,caption,timestamp,permalink      → {"data": [...]}
  POST /{page-id}/photos                   url, caption              → {"id": photo, "post_id": post}
        both kept: the Page post's id is its own, not "<page>_<photo>"
        (https://developers.facebook.com/docs/graph-api/reference/page/photos/#Creating)
  GET  /{page-id}/photos?type=uploaded&fields=id,name                 → {"data": [...]}
  DELETE /{photo-id} (Page token) · DELETE /{ig-media-id} (Facebook-Login token) → {"success": true}
  GET  /{object-id}?fields=id              → {"id": …}, or error 100/33 once it is gone (takedown)

Errors are classified in graph_errors (RetryLater, NeedsEditor, Fatal and their kinds). The
usage headers of every answer are kept in `last_usage` (graph_usage); a rate limit whose wait
Meta names (estimated_time_to_regain_access) is slept when short, else raised with `retry_after`.
`media_publish` is never repeated inside this client: whatever happened, the container's
status is asked first by the publisher (a repeat could publish twice).

Tokens travel in the Authorization header, never in URLs; they come from the secrets file
(scheduler/credentials) or, as a fallback, from SOISTS_IG_TOKEN / SOISTS_FB_PAGE_TOKEN.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping

import requests

from scheduler.credentials.vault import Vault, resolve_token
from scheduler.credentials.versions import DEFAULT_GRAPH_VERSION, GRAPH_HOST, graph_base_url
from scheduler.publish.graph_errors import (  # noqa: F401  (re-exported: the publisher's vocabulary)
    Fatal,
    GraphError,
    NeedsEditor,
    OutcomeUnknown,
    RedactTokens,
    RetryLater,
    RetryPublish,
    TemporarilyBlocked,
    ContainerExpired,
    MediaNotReady,
    QuotaExceeded,
    classify,
    error_from_response,
    install_token_redaction,
)
from scheduler.publish.graph_usage import highest_percent, parse_usage

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = f"{GRAPH_HOST}/{DEFAULT_GRAPH_VERSION}"
TOKEN_ENV = ("SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_TOKEN")
# Instagram media_publish reference, "Limitations": 50 posts within a 24-hour moving period.
# Used only when content_publishing_limit does not say (its config.quota_total is the truth).
DEFAULT_QUOTA_TOTAL = 50
DEFAULT_QUOTA_DURATION_S = 86400


def instagram_login_token(token: str) -> bool:
    """Instagram-Login ("Business Login for Instagram") tokens belong to graph.instagram.com;
    graph.facebook.com cannot parse them. They start with "IG" (Facebook tokens with "EAA")."""
    return token.startswith("IG")


@dataclass(frozen=True)
class GraphConfig:
    ig_user_id: str
    fb_page_id: str
    ig_token: str = field(repr=False)
    fb_page_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL

    def __post_init__(self) -> None:
        if instagram_login_token(self.ig_token):
            # Fail now with a clear message instead of a 190 on the first publish.
            raise NeedsEditor("the Instagram token is an Instagram-Login token (graph.instagram.com); "
                              "publishing goes through Facebook Login (graph.facebook.com): store the "
                              "Page/User token of the Facebook Login flow (docs/OPERATIONS-tokens.md)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, vault: Vault | None = None) -> "GraphConfig":
        """Ids from the environment; tokens from the secrets file, else SOISTS_IG_TOKEN/SOISTS_FB_PAGE_TOKEN."""
        env = os.environ if environ is None else environ
        ig_token = resolve_token("instagram", vault, env)
        page_token = resolve_token("facebook_page", vault, env)
        missing = [name for name in ("SOISTS_IG_USER_ID", "SOISTS_FB_PAGE_ID") if not env.get(name)]
        missing += [name for name, value in zip(TOKEN_ENV, (ig_token, page_token)) if not value]
        if missing:
            raise NeedsEditor(f"missing credentials: {', '.join(missing)} (environment or secrets file)")
        return cls(env["SOISTS_IG_USER_ID"], env["SOISTS_FB_PAGE_ID"], ig_token, page_token, graph_base_url(env))


@dataclass(frozen=True)
class Quota:
    usage: int
    total: int
    duration_s: int

    @property
    def left(self) -> int:
        return max(self.total - self.usage, 0)


@dataclass(frozen=True)
class PagePhoto:
    id: str  # the photo
    post_id: str  # the Page post that shows it ("<page-id>_<post-id>"): insights and deletion use it


@dataclass(frozen=True)
class ContainerState:
    code: str  # status_code: IN_PROGRESS | FINISHED | PUBLISHED | ERROR | EXPIRED
    status: str = ""  # the "status" field: on ERROR it carries the error subcode


class ContainerFailed(NeedsEditor):
    """The container ended in ERROR; `state.status` holds Meta's subcode text."""

    def __init__(self, container_id: str, state: ContainerState):
        self.state = state
        super().__init__(f"container {container_id} status ERROR: {state.status or 'no status text'}")


def parse_timestamp(value: str) -> datetime | None:
    """Instagram's ISO 8601 timestamps ("2026-11-23T17:00:05+0000")."""
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return None


class GraphClient:
    def __init__(self, config: GraphConfig, session: requests.Session | None = None, *,
                 max_attempts: int = 4, backoff_s: float = 2.0, max_backoff_s: float = 120.0,
                 timeout_s: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.session = session or requests.Session()
        self.max_attempts, self.backoff_s, self.max_backoff_s = max_attempts, backoff_s, max_backoff_s
        self.timeout_s, self.sleep = timeout_s, sleep
        self.last_usage: dict = {}  # the usage headers of the latest answer (graph_usage.parse_usage)
        self.clock_offset_s = 0.0  # the API's clock (HTTP Date header) minus ours

    def server_now(self) -> float:
        """Now on Meta's clock, as far as the latest answer's Date header tells."""
        return time.time() + self.clock_offset_s

    def _observe(self, response: requests.Response) -> None:
        self.last_usage = parse_usage(response.headers)
        if highest_percent(self.last_usage) >= 80:
            log.warning("graph API usage at %.0f %% of a rate limit: %s", highest_percent(self.last_usage),
                        self.last_usage)
        try:
            self.clock_offset_s = parsedate_to_datetime(response.headers["Date"]).timestamp() - time.time()
        except (KeyError, TypeError, ValueError):
            pass

    # -- transport ---------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.config.base_url.rstrip('/')}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, token: str, *, params: dict | None = None,
              data: dict | None = None, idempotent: bool, retry: bool = True) -> dict:
        """One API call with exponential backoff for RetryLater answers.

        A non-idempotent POST is retried only when the API answered with an error (the
        request was refused); a timeout or dropped connection raises OutcomeUnknown so the
        caller can look the result up first instead of posting twice. retry=False: one try.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, self._url(path), params=params, data=data, timeout=self.timeout_s,
                    headers={"Authorization": f"Bearer {token}"})
            except (requests.ConnectionError, requests.Timeout) as exc:
                # Only the class name: requests' messages quote the URL.
                error: GraphError = (RetryLater if idempotent else OutcomeUnknown)(
                    f"{method} {path}: {type(exc).__name__}")
            else:
                self._observe(response)
                if response.ok:
                    return response.json()
                error = error_from_response(response)
                if not idempotent and response.status_code >= 500:
                    # A server error after a POST may hide a success: never repeat it blindly.
                    error = OutcomeUnknown(f"{method} {path}: {error}", code=error.code,
                                           subcode=error.subcode, http_status=response.status_code,
                                           fbtrace_id=error.fbtrace_id, retry_after=error.retry_after)
            # 368 means wait (hours, not seconds); 24/2207008, 9007/2207027, expiry and the quota are
            # the publisher's to handle after asking; a named wait longer than our backoff is the caller's.
            if not retry or not isinstance(error, RetryLater) \
                    or isinstance(error, (OutcomeUnknown, TemporarilyBlocked, RetryPublish, MediaNotReady,
                                          ContainerExpired, QuotaExceeded)) \
                    or attempt >= self.max_attempts \
                    or (error.retry_after is not None and error.retry_after > self.max_backoff_s):
                log.warning("graph %s %s failed: %s", method, path, error)
                raise error
            if error.retry_after is not None:  # X-Business-Use-Case-Usage: estimated_time_to_regain_access
                delay = error.retry_after
            else:
                delay = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
                delay *= 1 + random.random() * 0.1  # jitter: do not retry in lockstep
            log.info("graph %s %s: %s; retrying in %.1f s", method, path, error, delay)
            self.sleep(delay)

    def request(self, method: str, path: str, *, params: dict | None = None, data: dict | None = None,
                token: str | None = None, idempotent: bool = True, retry: bool = True) -> dict:
        """Any further call (collection, mentions, insights) with the same backoff, error
        classification and token handling as publishing; one client, not two. The token
        defaults to the Instagram one."""
        return self._call(method, path, token or self.config.ig_token, params=params, data=data,
                          idempotent=idempotent, retry=retry)

    # -- Instagram ---------------------------------------------------------------------
    def create_image_container(self, image_url: str, caption: str) -> str:
        body = self._call("POST", f"{self.config.ig_user_id}/media", self.config.ig_token,
                          data={"image_url": image_url, "caption": caption}, idempotent=True)
        return str(body["id"])  # an unpublished container is harmless: safe to create again

    def container_state(self, container_id: str) -> ContainerState:
        body = self._call("GET", container_id, self.config.ig_token,
                          params={"fields": "status_code,status"}, idempotent=True)
        return ContainerState(str(body.get("status_code", "")), str(body.get("status") or ""))

    def container_status(self, container_id: str) -> str:
        return self.container_state(container_id).code

    def wait_until_ready(self, container_id: str, *, poll_s: float = 60.0, attempts: int = 5) -> str:
        """Poll until FINISHED or PUBLISHED; ERROR/EXPIRED raise. The documented advice is about
        once a minute for up to five minutes (the defaults); tests pass poll_s=0."""
        status = ""
        for attempt in range(attempts):
            state = self.container_state(container_id)
            status = state.code
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status == "ERROR":
                raise ContainerFailed(container_id, state)
            if status == "EXPIRED":  # documented: not published within 24 h; a new container is needed
                raise ContainerExpired(f"container {container_id} EXPIRED (not published within 24 h)")
            if attempt + 1 < attempts:
                self.sleep(poll_s)
        raise RetryLater(f"container {container_id} still {status} after {attempts} polls")

    def publish_container(self, container_id: str) -> str:
        """One try, never repeated here: the caller asks the container before any repeat."""
        body = self._call("POST", f"{self.config.ig_user_id}/media_publish", self.config.ig_token,
                          data={"creation_id": container_id}, idempotent=False, retry=False)
        return str(body["id"])

    def publishing_quota(self) -> Quota:
        body = self._call("GET", f"{self.config.ig_user_id}/content_publishing_limit",
                          self.config.ig_token, params={"fields": "quota_usage,config"},
                          idempotent=True)
        entry = (body.get("data") or [{}])[0]
        config = entry.get("config") or {}
        return Quota(int(entry.get("quota_usage", 0)), int(config.get("quota_total", DEFAULT_QUOTA_TOTAL)),
                     int(config.get("quota_duration", DEFAULT_QUOTA_DURATION_S)))

    def quota_wait_s(self, duration_s: int = DEFAULT_QUOTA_DURATION_S) -> float:
        """Seconds until the oldest post inside the moving quota window leaves it (at least a minute).

        GET /{ig-user-id}/media?fields=id,timestamp&since=… (time-based paging of the media edge,
        https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media),
        measured on Meta's clock. The whole window when no post is listed."""
        now = self.server_now()
        body = self._call("GET", f"{self.config.ig_user_id}/media", self.config.ig_token,
                          params={"fields": "id,timestamp", "since": int(now - duration_s), "limit": 100},
                          idempotent=True)
        stamps = [parse_timestamp(item.get("timestamp", "")) for item in body.get("data", [])]
        times = [stamp.timestamp() for stamp in stamps if stamp is not None]
        if not times:
            return float(duration_s)
        return max(min(times) + duration_s - now, 60.0)

    def recent_media(self, limit: int = 25) -> list[dict]:
        body = self._call("GET", f"{self.config.ig_user_id}/media", self.config.ig_token,
                          params={"fields": "id,caption,timestamp,permalink", "limit": limit}, idempotent=True)
        return list(body.get("data", []))

    def find_media(self, marker: str, since: datetime | None = None, limit: int = 25) -> str | None:
        """The media whose caption contains `marker`, published at/after `since`, with a permalink.

        Not an exact caption match: the API leaves "@" mentions out of `caption` unless the
        token's user can do admin-equivalent tasks, so the marker must be free of "@".
        """
        return match_media(self.recent_media(limit), marker, since)

    def find_media_by_caption(self, caption: str, limit: int = 25) -> str | None:
        for item in self.recent_media(limit):
            if item.get("caption") == caption:
                return str(item["id"])
        return None

    # -- Facebook ----------------------------------------------------------------------
    def post_page_photo(self, image_url: str, caption: str) -> PagePhoto:
        body = self._call("POST", f"{self.config.fb_page_id}/photos", self.config.fb_page_token,
                          data={"url": image_url, "caption": caption}, idempotent=False)
        return PagePhoto(str(body["id"]), str(body.get("post_id") or ""))

    def find_page_photo(self, marker: str, limit: int = 25) -> str | None:
        """The id of a recent Page photo whose caption (field "name") contains `marker`."""
        body = self._call("GET", f"{self.config.fb_page_id}/photos", self.config.fb_page_token,
                          params={"type": "uploaded", "fields": "id,name,created_time", "limit": limit},
                          idempotent=True)
        for item in body.get("data", []):
            if marker and marker in (item.get("name") or ""):
                return str(item["id"])
        return None


def token_for(client: GraphClient, channel: str) -> str:
    """The token that owns a channel's objects: the Page token for Facebook, else the Instagram one."""
    return client.config.fb_page_token if channel == "facebook" else client.config.ig_token


def delete_object(client: GraphClient, channel: str, object_id: str) -> bool:
    """DELETE /{object-id}; True on {"success": true}. DELETE is idempotent at the API (a gone
    object answers 100/33), so transient errors are retried with the client's backoff."""
    body = client._call("DELETE", object_id, token_for(client, channel), idempotent=True)
    return bool(body.get("success"))


def object_exists(client: GraphClient, channel: str, object_id: str) -> bool:
    """GET /{object-id}?fields=id: False when the API says it does not exist (code 100, subcode 33)."""
    try:
        client._call("GET", object_id, token_for(client, channel), params={"fields": "id"}, idempotent=True)
    except Fatal as error:
        if error.code == 100 and error.subcode == 33:
            return False
        raise
    return True


def match_media(items: list[dict], marker: str, since: datetime | None) -> str | None:
    """Pure matching rule for `find_media` (marker in caption, timestamp ≥ since, permalink)."""
    if not marker or "@" in marker:
        raise ValueError("a reconciliation marker must be non-empty and free of '@'")
    slack = 120  # seconds: Meta's clock and ours may differ a little
    for item in items:
        if marker not in (item.get("caption") or "") or not item.get("permalink"):
            continue
        stamp = parse_timestamp(item.get("timestamp", ""))
        if since is not None and (stamp is None or stamp.timestamp() < since.timestamp() - slack):
            continue
        return str(item["id"])
    return None
