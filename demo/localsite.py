"""Looking at a built site on this machine: a quiet static server on 127.0.0.1 and the
flags for Debian's headless Chromium. Used by the scheduler demo, the tests and bench/."""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test and demo output readable
        pass


class HeaderHandler(QuietHandler):
    """Sends `extra_headers` with every answer, like a static host with a `_headers` file."""

    extra_headers: tuple[tuple[str, str], ...] = ()

    def end_headers(self) -> None:
        for name, value in self.extra_headers:
            self.send_header(name, value)
        super().end_headers()


def start_server(folder: Path, headers: list[tuple[str, str]] | None = None) -> tuple[ThreadingHTTPServer, str]:
    """Serve folder on 127.0.0.1 at a free port in a daemon thread; returns (server, base URL).

    headers: sent with every response (e.g. the Content-Security-Policy of the build's _headers)."""
    handler_class = QuietHandler
    if headers:
        handler_class = type("SiteHeaders", (HeaderHandler,), {"extra_headers": tuple(headers)})
    handler = functools.partial(handler_class, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def serving(folder: Path, headers: list[tuple[str, str]] | None = None) -> Iterator[str]:
    """start_server as a context manager: yields the base URL, stops the server afterwards."""
    server, base_url = start_server(folder, headers)
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
