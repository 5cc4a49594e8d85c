"""waitress for the scheduler's two HTTP endpoints: the review board and the webhook receiver
(collect/webhook.py uses it too; it lives with the board, the first of the two).

wsgiref served one request at a time without a socket timeout (the receiver): one idle
connection blocked every delivery, and 50 concurrent POSTs overflowed its listen backlog.
waitress reads requests asynchronously (a slow or idle client holds no worker thread), hands
only complete requests to a pool of threads, buffers bodies up to a limit, and closes idle
connections after `channel_timeout`.

Two things waitress does differently from what the endpoints promise, and what this module adds:
- Its refusals (bad request line, bad Content-Length, too large) are English text pages: each
  server passes `error_page(code, reason) -> (headers, body)` (the board: its German page with the
  security headers; the receiver: plain text, no-store).
- A request whose body never arrives is closed silently; here it is answered 408 first (the
  board's promise since issue 15). Idle connections without a started request are just closed.
- A refusal while the client is still sending (a 10 MB body refused from its Content-Length)
  would close a socket with unread data, which resets the connection and can destroy the answer
  before the client reads it; after a refusal the channel half-closes and drops what still
  arrives for up to LINGER_S (a lingering close, as Apache and nginx do).

`Server` looks like the socketserver objects the tests used: `server_address`, `serve_forever()`,
`shutdown()` (from another thread; returns when the loop stopped), `server_close()`, `get_app()`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error, RequestEntityTooLarge

log = logging.getLogger(__name__)
ErrorPage = Callable[[int, str], "tuple[list[tuple[str, str]], bytes]"]
LINGER_S = 2.0


@dataclass(frozen=True)
class Limits:
    max_body: int  # bytes; a larger Content-Length is refused with 413 before anything is read
    timeout: float = 10.0  # seconds without a byte from the client → 408 (request started) or closed
    threads: int = 4
    connection_limit: int = 100  # more wait in the listen backlog instead of being reset
    max_header: int = 16_384
    # a smaller limit by path (the board: decision forms 16 KB, only the plan's caption form more):
    # refused with 413 as soon as the headers are read, without waiting for the body
    body_limit: Callable[[str], int] | None = None


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


def _error_task(page: ErrorPage) -> type[ErrorTask]:
    class PageErrorTask(ErrorTask):
        def execute(self):
            error = self.request.error
            headers, body = page(error.code, error.reason)
            self.status = f"{error.code} {error.reason}"  # never the request's own text
            self.response_headers.extend(headers)
            self.set_close_on_finish()
            self.content_length = len(body)
            self.channel.linger = True
            self.write(body)
    return PageErrorTask


class _LingeringChannel(HTTPChannel):
    linger = False  # set by the error task: close by lingering
    linger_until = 0.0

    def handle_close(self):
        if self.linger and not self.linger_until and self.connected:
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer is complete: FIN after it
            except OSError:
                return super().handle_close()
            self.linger_until = time.time() + LINGER_S
            self.will_close = self.close_when_flushed = False
            return None
        return super().handle_close()

    def readable(self):
        return True if self.linger_until else super().readable()

    def writable(self):
        return False if self.linger_until else super().writable()

    def handle_read(self):
        if not self.linger_until:
            return super().handle_read()
        try:
            data = self.recv(65536)  # dropped; b"" (the client closed) has closed the channel already
        except OSError:
            data = b""
        if data and time.time() > self.linger_until:
            super().handle_close()
        return None


def _parser(limit_for: Callable[[str], int]) -> type[HTTPRequestParser]:
    class LimitedParser(HTTPRequestParser):
        def received(self, data):
            consumed = super().received(data)
            if self.headers_finished and not self.completed and self.error is None \
                    and self.content_length > limit_for(self.path):
                self.error = RequestEntityTooLarge("exceeds the limit of this path")
                self.completed = True
            return consumed
    return LimitedParser


class _WaitressServer(TcpWSGIServer):
    def maintenance(self, now):
        """waitress closes idle channels; one with a request half received gets a 408 first."""
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            if channel.linger_until:
                if now > channel.linger_until:
                    HTTPChannel.handle_close(channel)  # a client that neither sends nor closes
                continue
            if channel.requests or channel.last_activity >= cutoff:
                continue
            with channel.requests_lock:
                partial = channel.request
                if partial is None or partial.completed or not channel.connected:
                    channel.will_close = True
                    continue
                partial.error = RequestTimeout("no complete request within the time limit")
                partial.completed = True
                channel.request = None
                channel.requests.append(partial)
            channel.last_activity = now  # the 408 is written by a worker; no second timeout meanwhile
            self.add_task(channel)


class Server:
    def __init__(self, app, host: str, port: int, limits: Limits, error_page: ErrorPage):
        adj = Adjustments(host=host, port=port, threads=limits.threads, channel_timeout=limits.timeout,
                          cleanup_interval=max(0.25, min(limits.timeout / 2, 5.0)), asyncore_loop_timeout=0.5,
                          max_request_body_size=limits.max_body + 1, max_request_header_size=limits.max_header,
                          connection_limit=limits.connection_limit, asyncore_use_poll=True, ident="",
                          # The apps decide themselves whom to believe: the board takes X-Forwarded-Proto
                          # and X-Real-IP only with nginx's shared secret (review/auth.py). Waitress would
                          # drop X-Forwarded-* before the app saw the secret.
                          expose_tracebacks=False, clear_untrusted_proxy_headers=False)
        parts = {"error_task_class": _error_task(error_page)}
        if limits.body_limit is not None:
            parts["parser_class"] = _parser(limits.body_limit)
        channel = type("Channel", (_LingeringChannel,), parts)
        server_class = type("WaitressServer", (_WaitressServer,), {"channel_class": channel})
        self._map: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        self._server = server_class(app, self._map, True, None, dispatcher=dispatcher, adj=adj,
                                    sockinfo=adj.listen[0])
        self.app = app
        self.server_address = (self._server.effective_host, int(self._server.effective_port))  # getnameinfo: str
        self._running, self._stopped = threading.Event(), threading.Event()

    def get_app(self):
        return self.app

    def serve_forever(self) -> None:
        self._running.set()
        try:
            self._server.run()
        finally:
            self._stopped.set()

    def _close_all(self) -> None:
        for dispatcher in list(self._map.values()):  # channels clean up in handle_close, the rest just close
            if isinstance(dispatcher, HTTPChannel):
                HTTPChannel.handle_close(dispatcher)
            else:
                dispatcher.close()

    def shutdown(self) -> None:
        """Stop the loop (called from another thread, like socketserver's shutdown).

        The workers stop first: a worker that finishes a request pulls the trigger, and after the
        trigger is closed its file number may already belong to another file. Then the loop closes
        every channel and the trigger itself, in its own thread; only a loop that never ran (or
        has ended) is closed from here, never both at once."""
        self._server.task_dispatcher.shutdown(timeout=5)
        if self._running.is_set() and not self._stopped.is_set():
            try:
                self._server.trigger.pull_trigger(self._close_all)  # runs inside the loop's thread
            except OSError:  # the trigger is closed already: the loop is ending
                log.warning("the server's loop was ending already")
            if not self._stopped.wait(10):
                log.warning("the server's loop did not stop within 10 s")
        else:
            self._close_all()

    def server_close(self) -> None:
        if self._map and (not self._running.is_set() or self._stopped.is_set()):
            self._close_all()
