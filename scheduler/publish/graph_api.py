"""HTTP client for the Instagram Content Publishing API and the Facebook Page photos API.

Only the calls the publisher needs:
  POST /{ig-user-id}/media                 image_url, caption        → {"id": container}
  GET  /{container-id}?fields=status_code,status                     → {"status_code": …}
  POST /{ig-user-id}/media_publish         creation_id               → {"id": media}
  GET  /{ig-user-id}/content_publishing_limit?fields=quota_usage,config
                                   → {"data": [{"quota_usage": 2, "config": {"quota_total": 50, …}}]}
  GET  /{ig-user-id}/media?fields=id,caption                          → {"data": [...]}
  POST /{page-id}/photos                   url, caption              → {"id": photo, "post_id": …}
  GET  /{page-id}/photos?type=uploaded&fields=id,name                 → {"data": [...]}

Errors come back as {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}
and are classified as RetryLater (rate limits, transient server trouble: backed off here
and, if still failing, left for the next run), NeedsEditor (token expired, permissions,
media Meta cannot fetch or accept) or Fatal (a bug: bad parameters).

Tokens travel in the Authorization header, never in URLs, and `install_token_redaction`
scrubs them from every log record in case anything does print them.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import requests

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
TOKEN_ENV = ("SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_TOKEN")

# Graph API error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling
# and the Instagram Platform "Error Codes" reference).
RATE_LIMIT_CODES = {4, 17, 32, 341, 613, 80001, 80002}
TRANSIENT_CODES = {-2, -1, 1, 2}
TOKEN_CODES = {102, 190, 463, 467}
PERMISSION_CODES = {3, 10} | set(range(200, 300))
MEDIA_CODES = {9004, 36000, 36001, 36003, 36004}
TRANSIENT_SUBCODES = {2207001, 2207003, 2207027, 2207032, 2207042, 2207051}
MEDIA_SUBCODES = {2207004, 2207005, 2207009, 2207010, 2207026, 2207052}


class GraphError(Exception):
    """An error answer (or no answer) from the Graph API."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None,
                 http_status: int | None = None, fbtrace_id: str | None = None):
        self.code, self.subcode, self.http_status, self.fbtrace_id = code, subcode, http_status, fbtrace_id
        detail = f"code {code}" + (f"/{subcode}" if subcode else "") if code is not None else "no code"
        super().__init__(f"{message} ({detail}, HTTP {http_status}, fbtrace {fbtrace_id})")


class RetryLater(GraphError):
    """Rate limit or a transient failure: the same request may succeed later."""


class NeedsEditor(GraphError):
    """A person must act: renew a token, grant a permission, fix the image."""


class Fatal(GraphError):
    """A request that will never succeed as sent (a bug or a removed object)."""


class OutcomeUnknown(RetryLater):
    """The request may or may not have been carried out (timeout, dropped connection)."""


def classify(http_status: int, payload: Any) -> type[GraphError]:
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    if code in TOKEN_CODES or code in PERMISSION_CODES:
        return NeedsEditor
    if code in RATE_LIMIT_CODES or subcode in TRANSIENT_SUBCODES or code in TRANSIENT_CODES:
        return RetryLater
    if code in MEDIA_CODES or subcode in MEDIA_SUBCODES:
        return NeedsEditor
    if error.get("is_transient") or http_status == 429 or http_status >= 500:
        return RetryLater
    return Fatal


def error_from_response(response: requests.Response) -> GraphError:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    kind = classify(response.status_code, payload)
    return kind(error.get("message") or response.reason or "Graph API error",
                code=error.get("code"), subcode=error.get("error_subcode"),
                http_status=response.status_code, fbtrace_id=error.get("fbtrace_id"))


@dataclass(frozen=True)
class GraphConfig:
    ig_user_id: str
    fb_page_id: str
    ig_token: str = field(repr=False)
    fb_page_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "GraphConfig":
        env = os.environ if environ is None else environ
        missing = [name for name in ("SOISTS_IG_USER_ID", "SOISTS_FB_PAGE_ID", *TOKEN_ENV)
                   if not env.get(name)]
        if missing:
            raise NeedsEditor(f"missing environment variables: {', '.join(missing)}")
        return cls(env["SOISTS_IG_USER_ID"], env["SOISTS_FB_PAGE_ID"], env["SOISTS_IG_TOKEN"],
                   env["SOISTS_FB_PAGE_TOKEN"], env.get("SOISTS_GRAPH_BASE_URL", DEFAULT_BASE_URL))


@dataclass(frozen=True)
class Quota:
    usage: int
    total: int
    duration_s: int

    @property
    def left(self) -> int:
        return max(self.total - self.usage, 0)


class RedactTokens(logging.Filter):
    """Replaces every known secret in a log record's final message with "[redacted]"."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = message
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_text, record.exc_info = text, None
        return True


def install_token_redaction(secrets: Iterable[str] | None = None,
                            logger: logging.Logger | None = None) -> RedactTokens:
    """Attach the filter to every handler of `logger` (default: root) — handler filters see
    records from all child loggers (urllib3, requests, ours), logger filters would not."""
    if secrets is None:
        secrets = [os.environ.get(name, "") for name in TOKEN_ENV]
    redactor = RedactTokens(secrets)
    target = logger or logging.getLogger()
    for handler in target.handlers:
        handler.addFilter(redactor)
    return redactor


class GraphClient:
    def __init__(self, config: GraphConfig, session: requests.Session | None = None, *,
                 max_attempts: int = 4, backoff_s: float = 2.0, max_backoff_s: float = 120.0,
                 timeout_s: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.session = session or requests.Session()
        self.max_attempts, self.backoff_s, self.max_backoff_s = max_attempts, backoff_s, max_backoff_s
        self.timeout_s, self.sleep = timeout_s, sleep

    # -- transport ---------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.config.base_url.rstrip('/')}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, token: str, *, params: dict | None = None,
              data: dict | None = None, idempotent: bool) -> dict:
        """One API call with exponential backoff for RetryLater answers.

        A non-idempotent POST is retried only when the API answered with an error (the
        request was refused); a timeout or dropped connection raises OutcomeUnknown so the
        caller can look the result up first instead of posting twice.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, self._url(path), params=params, data=data, timeout=self.timeout_s,
                    headers={"Authorization": f"Bearer {token}"})
            except (requests.ConnectionError, requests.Timeout) as exc:
                error: GraphError = (RetryLater if idempotent else OutcomeUnknown)(
                    f"{method} {path}: {type(exc).__name__}")
            else:
                if response.ok:
                    return response.json()
                error = error_from_response(response)
                if not idempotent and response.status_code >= 500:
                    # A server error after a POST may hide a success: never repeat it blindly.
                    error = OutcomeUnknown(f"{method} {path}: {error}", code=error.code,
                                           subcode=error.subcode, http_status=response.status_code,
                                           fbtrace_id=error.fbtrace_id)
            if not isinstance(error, RetryLater) or isinstance(error, OutcomeUnknown) \
                    or attempt >= self.max_attempts:
                log.warning("graph %s %s failed: %s", method, path, error)
                raise error
            delay = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
            delay *= 1 + random.random() * 0.1  # jitter: do not retry in lockstep
            log.info("graph %s %s: %s; retrying in %.1f s", method, path, error, delay)
            self.sleep(delay)

    # -- Instagram ---------------------------------------------------------------------
    def create_image_container(self, image_url: str, caption: str) -> str:
        body = self._call("POST", f"{self.config.ig_user_id}/media", self.config.ig_token,
                          data={"image_url": image_url, "caption": caption}, idempotent=True)
        return str(body["id"])  # an unpublished container is harmless: safe to create again

    def container_status(self, container_id: str) -> str:
        body = self._call("GET", container_id, self.config.ig_token,
                          params={"fields": "status_code,status"}, idempotent=True)
        return str(body.get("status_code", ""))

    def wait_until_ready(self, container_id: str, *, poll_s: float = 5.0, attempts: int = 60) -> str:
        """Poll until the container is FINISHED or PUBLISHED; ERROR/EXPIRED raise."""
        for _ in range(attempts):
            status = self.container_status(container_id)
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status == "ERROR":
                raise NeedsEditor(f"container {container_id} status ERROR (Meta could not process the image)")
            if status == "EXPIRED":
                raise RetryLater(f"container {container_id} EXPIRED (not published within 24 h)")
            self.sleep(poll_s)
        raise RetryLater(f"container {container_id} still {status} after {attempts} polls")

    def publish_container(self, container_id: str) -> str:
        body = self._call("POST", f"{self.config.ig_user_id}/media_publish", self.config.ig_token,
                          data={"creation_id": container_id}, idempotent=False)
        return str(body["id"])

    def publishing_quota(self) -> Quota:
        body = self._call("GET", f"{self.config.ig_user_id}/content_publishing_limit",
                          self.config.ig_token, params={"fields": "quota_usage,config"},
                          idempotent=True)
        entry = (body.get("data") or [{}])[0]
        config = entry.get("config") or {}
        return Quota(int(entry.get("quota_usage", 0)), int(config.get("quota_total", 25)),
                     int(config.get("quota_duration", 86400)))

    def find_media_by_caption(self, caption: str, limit: int = 25) -> str | None:
        body = self._call("GET", f"{self.config.ig_user_id}/media", self.config.ig_token,
                          params={"fields": "id,caption,timestamp", "limit": limit}, idempotent=True)
        for item in body.get("data", []):
            if item.get("caption") == caption:
                return str(item["id"])
        return None

    # -- Facebook ----------------------------------------------------------------------
    def post_page_photo(self, image_url: str, caption: str) -> str:
        body = self._call("POST", f"{self.config.fb_page_id}/photos", self.config.fb_page_token,
                          data={"url": image_url, "caption": caption}, idempotent=False)
        return str(body["id"])

    def find_page_photo(self, marker: str, limit: int = 25) -> str | None:
        """The id of a recent Page photo whose caption (field "name") contains `marker`."""
        body = self._call("GET", f"{self.config.fb_page_id}/photos", self.config.fb_page_token,
                          params={"type": "uploaded", "fields": "id,name,created_time", "limit": limit},
                          idempotent=True)
        for item in body.get("data", []):
            if marker and marker in (item.get("name") or ""):
                return str(item["id"])
        return None
