"""Graph API errors: the classes the publisher acts on, the documented code table, redaction.

Classification follows Meta's "Handling Errors" guide (graph-api/guides/error-handling) and
the Instagram Platform "Error Codes" reference:

  RetryLater      rate limits 4/17/32/341/613/80001/80002, transient -2/-1/1/2, HTTP 429/5xx,
                  subcodes 2207001/2207003/2207032 ("try again"), and any error with
                  `is_transient: true` that is not a token/permission/spam answer (error-handling guide).
                  `retry_after` (seconds) when Meta names the wait: the usage headers'
                  estimated_time_to_regain_access (graph_usage.py), or the publishing quota's window
  MediaNotReady   9007/2207027 "media not ready for publishing": poll the container again
  ContainerExpired  -2/2207020 "the media … has expired" (not published within 24 h): a new container
  QuotaExceeded   9/2207042 "maximum number of posts allowed in 24 hours": wait for the quota window
  RetryPublish    24/2207008 "temporary error publishing a container": try again 1–2 times
                  within 30 s … 2 min, then a new container
  TemporarilyBlocked  368 "temporarily blocked for policy violations": wait and retry later;
                  also a problem for the alerts
  NeedsEditor     token 102/190 (subcodes 460 password changed, 463 expired, 467 invalid),
                  permissions 3/10/200–299, 4/2207051 (suspected spam: a person must look),
                  media 9004/36000–36004, subcodes 2207004/2207005/2207009/2207010/2207026/2207052,
                  Page photo 324 (missing or invalid image)
  Fatal           anything else (a bad parameter: a bug)
"""

from __future__ import annotations

import logging
import os
from typing import Any, Iterable

import requests

from scheduler.publish.graph_usage import parse_usage, regain_seconds

RATE_LIMIT_CODES = {4, 17, 32, 341, 613, 80001, 80002}
TRANSIENT_CODES = {-2, -1, 1, 2}
TOKEN_CODES = {102, 190}
TOKEN_SUBCODE_HINTS = {
    460: "Passwort geändert", 463: "Token abgelaufen", 467: "Token ungültig",
    458: "App nicht installiert", 459: "Nutzer-Checkpoint", 464: "Sitzung ungültig",
}
PERMISSION_CODES = {3, 10} | set(range(200, 300))
MEDIA_CODES = {9004, 36000, 36001, 36003, 36004, 324}
TRANSIENT_SUBCODES = {2207001, 2207003, 2207032}
# Instagram error-codes reference
# (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
MEDIA_NOT_READY = (9007, 2207027)  # "The media is not ready for publishing, please wait for a moment"
EXPIRED_SUBCODE = 2207020  # "The media you are trying to access has expired. Please try to upload again."
QUOTA_SUBCODE = 2207042  # code 9: "reached the maximum number of posts allowed in 24 hours"
MEDIA_SUBCODES = {2207004, 2207005, 2207009, 2207010, 2207026, 2207052}
SPAM_SUBCODE = 2207051
PUBLISH_RETRY = (24, 2207008)
BLOCKED_CODE = 368
SECRET_ENV = ("SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_TOKEN", "SOISTS_FB_APP_SECRET", "SOISTS_MASTODON_TOKEN")


class GraphError(Exception):
    """An error answer (or no answer) from the Graph API."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None,
                 http_status: int | None = None, fbtrace_id: str | None = None, retry_after: float | None = None):
        self.code, self.subcode, self.http_status, self.fbtrace_id = code, subcode, http_status, fbtrace_id
        # Seconds to wait before asking again, when Meta says so (None: unknown; use a backoff).
        self.retry_after = retry_after
        detail = f"code {code}" + (f"/{subcode}" if subcode else "") if code is not None else "no code"
        hint = TOKEN_SUBCODE_HINTS.get(subcode or 0) if code in TOKEN_CODES else None
        super().__init__(f"{message} ({detail}{', ' + hint if hint else ''}, HTTP {http_status}, "
                         f"fbtrace {fbtrace_id})")


class RetryLater(GraphError):
    """Rate limit or a transient failure: the same request may succeed later."""


class MediaNotReady(RetryLater):
    """9007/2207027: the container is not ready for publishing yet; poll it again, then publish."""


class ContainerExpired(RetryLater):
    """-2/2207020 (or status EXPIRED): not published within 24 h; publish a new container instead."""


class QuotaExceeded(RetryLater):
    """9/2207042: the content publishing limit is reached; wait until the 24-hour window frees a post."""


class RetryPublish(RetryLater):
    """24/2207008: publishing the container failed for now; 1–2 repeats, then a new container."""


class TemporarilyBlocked(RetryLater):
    """368: the account is temporarily blocked; wait, retry later, tell a person."""


class NeedsEditor(GraphError):
    """A person must act: renew a token, grant a permission, fix the image, check a spam flag."""


class Fatal(GraphError):
    """A request that will never succeed as sent (a bug or a removed object)."""


class OutcomeUnknown(RetryLater):
    """The request may or may not have been carried out (timeout, dropped connection)."""


def classify(http_status: int, payload: Any) -> type[GraphError]:
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    if code in TOKEN_CODES or code in PERMISSION_CODES:
        return NeedsEditor
    if subcode == SPAM_SUBCODE:  # code 4, but not a rate limit: retrying looks even more like spam
        return NeedsEditor
    if (code, subcode) == PUBLISH_RETRY:
        return RetryPublish
    if (code, subcode) == MEDIA_NOT_READY:
        return MediaNotReady
    if subcode == EXPIRED_SUBCODE:
        return ContainerExpired
    if subcode == QUOTA_SUBCODE:
        return QuotaExceeded
    if code == BLOCKED_CODE:
        return TemporarilyBlocked
    # `is_transient` (https://developers.facebook.com/docs/graph-api/guides/error-handling/): a temporary error
    if code in RATE_LIMIT_CODES or subcode in TRANSIENT_SUBCODES or code in TRANSIENT_CODES \
            or error.get("is_transient") is True:
        return RetryLater
    if code in MEDIA_CODES or subcode in MEDIA_SUBCODES:
        return NeedsEditor
    if http_status == 429 or http_status >= 500:
        return RetryLater
    return Fatal


def error_from_response(response: requests.Response) -> GraphError:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    kind = classify(response.status_code, payload)
    wait = regain_seconds(parse_usage(response.headers)) if issubclass(kind, RetryLater) else None
    return kind(error.get("message") or response.reason or "Graph API error",
                code=error.get("code"), subcode=error.get("error_subcode"),
                http_status=response.status_code, fbtrace_id=error.get("fbtrace_id"), retry_after=wait)


class RedactTokens(logging.Filter):
    """Replaces every known secret in a log record's final message with "[redacted]"."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text, record.exc_info = self.scrub(logging.Formatter().formatException(record.exc_info)), None
        return True


def known_secrets() -> list[str]:
    """The environment's tokens plus every secret of the secrets file (when it is readable)."""
    secrets = [os.environ.get(name, "") for name in SECRET_ENV]
    try:
        from scheduler.credentials.vault import SecretsError, Vault

        vault = Vault.from_env()
        if vault.exists():
            secrets += vault.all_secrets()
    except (OSError, SecretsError):  # an unreadable file has no tokens we could leak either
        pass
    return secrets


def install_token_redaction(secrets: Iterable[str] | None = None,
                            logger: logging.Logger | None = None) -> RedactTokens:
    """Attach the filter to every handler of `logger` (default: root) — handler filters see
    records from all child loggers (urllib3, requests, ours), logger filters would not."""
    redactor = RedactTokens(known_secrets() if secrets is None else secrets)
    target = logger or logging.getLogger()
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactTokens)]:
            redactor.secrets = sorted(set(redactor.secrets) | set(old.secrets), key=len, reverse=True)
            handler.removeFilter(old)  # one filter per handler, knowing every secret seen so far
        handler.addFilter(redactor)
    return redactor
