"""The receiver for Meta's Instagram webhooks (field `mentions`): a small WSGI app on
127.0.0.1 behind nginx, run as its own systemd unit (soists-webhook.service).

  GET  verification: hub.mode=subscribe and hub.verify_token equal to ours → hub.challenge; else 403
  POST X-Hub-Signature-256: "sha256=" + HMAC-SHA256(raw body, app secret), compared in constant
       time → 403 and nothing stored when missing or wrong; malformed JSON → 400, logged, nothing
       stored; otherwise every mention change is stored (a replay is stored once), 200 at once,
       and processing (Graph API calls, image downloads) happens afterwards in a worker thread.
Secrets (verify token, app secret) are read from the secrets file for each request and not kept;
when they cannot be read the answer is 503 with one log line (Meta retries). Every answer is
2xx/4xx/503 with `Cache-Control: no-store` — an unexpected exception is logged here and answered
503, never a traceback to the client. No log line carries the verify token or a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs

from scheduler.collect.mentions import MalformedPayload, parse_notification, store_changes
from scheduler.curate.review.http_server import Limits, Server

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # Meta batches notifications, but never anywhere near this
STATUS = {200: "200 OK", 400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found",
          405: "405 Method Not Allowed", 413: "413 Payload Too Large", 503: "503 Service Unavailable"}
HEADERS = (("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store"),
           ("X-Content-Type-Options", "nosniff"))
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")  # ASCII only: compare_digest refuses other str


class SecretsUnavailable(Exception):
    """The secrets could not be read (permissions, syntax); the message names no secret."""


@dataclass(frozen=True)
class WebhookSecrets:
    verify_token: str
    app_secret: str


def signature_ok(body: bytes, header: str, app_secret: str) -> bool:
    """Constant-time check of `sha256=<64 hex digits>`; anything else (non-ASCII, odd length) is False."""
    found = SIGNATURE.fullmatch(header.strip()) if header.isascii() else None
    if not app_secret or found is None:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), found.group(1).lower().encode("ascii"))


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends (used by the tests and the fake)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookApp:
    def __init__(self, sessions, read_secrets: Callable[[], WebhookSecrets], path: str = "/webhooks/instagram",
                 on_stored: Callable[[], None] = lambda: None):
        self.sessions, self.read_secrets, self.path, self.on_stored = sessions, read_secrets, path, on_stored
        self.batches = itertools.count(1)  # numbers the journal lines (pelican's filter drops repeated lines)

    def __call__(self, environ, start_response):
        try:
            return self._route(environ, start_response)
        except SecretsUnavailable as exc:
            log.error("webhook secrets unreadable, answered 503: %s", exc)
        except Exception as exc:  # the client gets a plain 503, the journal the traceback
            log.error("webhook request failed, answered 503: %s", type(exc).__name__, exc_info=True)
        return self._reply(start_response, 503, b"unavailable")

    def _route(self, environ, start_response):
        if environ.get("PATH_INFO", "") != self.path:
            return self._reply(start_response, 404, b"not found")
        method = environ.get("REQUEST_METHOD", "")
        if method == "GET":
            return self._verify(environ, start_response)
        if method == "POST":
            return self._notify(environ, start_response)
        return self._reply(start_response, 405, b"GET or POST", [("Allow", "GET, POST")])

    def _verify(self, environ, start_response):
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        token = self.read_secrets().verify_token
        if query.get("hub.mode") == "subscribe" and token and \
                hmac.compare_digest(query.get("hub.verify_token", "").encode(), token.encode()):
            log.info("webhook verification answered (hub.mode=subscribe)")
            return self._reply(start_response, 200, query.get("hub.challenge", "").encode())
        log.warning("webhook verification refused (mode or verify token wrong)")
        return self._reply(start_response, 403, b"forbidden")

    def _notify(self, environ, start_response):
        raw = environ.get("CONTENT_LENGTH") or "0"
        if not (raw.isascii() and raw.isdigit()):  # "-1", "viel", "１２": never int()-ed
            return self._reply(start_response, 400, b"bad length")
        length = int(raw)
        if length > MAX_BODY:
            return self._reply(start_response, 413, b"too large")
        body = environ["wsgi.input"].read(length)
        if len(body) < length:
            return self._reply(start_response, 400, b"short body")
        if not signature_ok(body, environ.get("HTTP_X_HUB_SIGNATURE_256", ""), self.read_secrets().app_secret):
            log.warning("webhook with a missing or wrong X-Hub-Signature-256 refused (%d bytes)", len(body))
            return self._reply(start_response, 403, b"forbidden")
        try:
            changes = parse_notification(body)
        except MalformedPayload as exc:
            log.warning("malformed webhook payload refused: %s", exc)
            return self._reply(start_response, 400, b"malformed")
        stored, duplicates = store_changes(self.sessions, changes)
        log.info("webhook batch %d: %d mention(s) stored, %d already known", next(self.batches), stored, duplicates)
        if stored:
            self.on_stored()
        return self._reply(start_response, 200, b"EVENT_RECEIVED")

    @staticmethod
    def _reply(start_response, code: int, body: bytes, headers=()):
        start_response(STATUS[code], [*HEADERS, ("Content-Length", str(len(body))), *headers])
        return [body]


def error_page(code: int, reason: str) -> tuple[list[tuple[str, str]], bytes]:
    """What the server answers by itself (bad request line or Content-Length, too large, timeout)."""
    return [*HEADERS], f"{code} {reason}".encode()


def make_webhook_server(app: WebhookApp, port: int = 8766, host: str = "127.0.0.1", threads: int = 4,
                        timeout: float = 10.0) -> Server:
    """waitress: idle or slow clients hold no thread; bodies over MAX_BODY are refused unread (413)."""
    return Server(app, host, port, Limits(max_body=MAX_BODY, timeout=timeout, threads=threads,
                                          connection_limit=200), error_page)
