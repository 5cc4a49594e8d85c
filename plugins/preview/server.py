"""The preview's HTTP side: serves the output folder on localhost and tells open pages to
reload (Server-Sent Events on /__preview__/events; no third-party script, no websocket
library). A build error is sent the same way and shown over the page, which stays the
last good version.

HTML responses get one <script src="/__preview__/reload.js"> before </body>; the files on
disk stay exactly what a build writes. /__preview__/status (JSON) tells scripts - the
benchmark - when a change has been handled.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PREFIX = "/__preview__/"
TAG = b'<script src="/__preview__/reload.js"></script>'
RELOAD_JS = """(() => {
  const title = "Vorschau: Fehler beim Bauen \\u2013 angezeigt wird die letzte fehlerfreie Fassung.";
  function show(text) {
    let box = document.getElementById("preview-problem");
    if (!box) {
      box = document.createElement("pre");
      box.id = "preview-problem";
      box.setAttribute("role", "alert");
      Object.assign(box.style, {position: "fixed", inset: "1rem", zIndex: 99999, margin: 0, padding: "1rem",
        overflow: "auto", whiteSpace: "pre-wrap", background: "#fff", color: "#8b0000",
        border: "3px solid #8b0000", font: "14px/1.4 monospace"});
      document.body.append(box);
    }
    box.textContent = title + "\\n\\n" + text;
  }
  // the page's output file as the builder names it; an English page (/en/...) is written with its German one
  const own = decodeURIComponent(location.pathname).replace(/^\\/(en\\/)?/, "").replace(/\\/$|^$/, "$&index.html");
  const events = new EventSource("/__preview__/events?page=" + encodeURIComponent(own));
  events.addEventListener("reload", (event) => {
    const pages = JSON.parse(event.data);
    if (pages === null || pages.includes(own) || document.getElementById("preview-problem")) location.reload();
  });
  events.addEventListener("problem", (event) => show(JSON.parse(event.data)));
  fetch("/__preview__/status").then((r) => r.json()).then((s) => { if (s.error) show(s.error); });
})();
"""


class Channel:
    """What the builder tells the pages: a generation number per written change, with the
    output files written (None: reload every page)."""

    def __init__(self) -> None:
        self.generation = 0
        self.busy = False
        self.error: str | None = None
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.first_seconds = 0.0
        self.body_only = False  # the last change was a text alone: no full pass (body_edit.py)
        self.pages: list[str] | None = None
        self.first_pages: list[str] = []
        self._open: dict[str, int] = {}  # output file -> tabs showing it (their reload channels)
        self._changed = threading.Condition()

    def status(self) -> dict:
        return {"generation": self.generation, "busy": self.busy, "error": self.error, "seconds": self.seconds,
                "cpu_seconds": self.cpu_seconds, "first_seconds": self.first_seconds, "first_pages": self.first_pages,
                "body_only": self.body_only}

    def start(self) -> None:
        with self._changed:
            self.busy, self.first_seconds, self.first_pages = True, 0.0, []

    def opened(self, page: str, change: int) -> None:
        with self._changed:
            self._open[page] = self._open.get(page, 0) + change
            if self._open[page] <= 0:
                del self._open[page]

    def open_pages(self) -> set[str]:
        """The output files that open tabs show (what to render first after a template change)."""
        with self._changed:
            return set(self._open)

    def show_first(self, error: str | None, pages: list[str], seconds: float) -> None:
        """The edited pages are written (or the edit has a problem); the full pass still runs."""
        with self._changed:
            self.generation += 1
            self.error, self.pages, self.first_seconds, self.first_pages = error, pages, seconds, pages
            self._changed.notify_all()

    def publish(self, error: str | None, seconds: float, cpu_seconds: float = 0.0,
                pages: list[str] | None = None, body_only: bool = False) -> None:
        """The change is handled: every list, feed and calendar written."""
        with self._changed:
            self.generation += 1
            self.busy, self.error, self.seconds, self.cpu_seconds, self.pages = False, error, seconds, cpu_seconds, pages
            self.body_only = body_only
            self._changed.notify_all()

    def wait(self, generation: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout)
            return self.generation


class PreviewHandler(SimpleHTTPRequestHandler):
    channel: Channel

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        """Quiet: the terminal shows the builds, not every request."""

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if self.path.startswith(PREFIX):
            return self._own(self.path[len(PREFIX):].split("?")[0])
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            return self._html(path)
        return super().do_GET()

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, path: Path) -> None:
        body = path.read_bytes()
        at = body.rfind(b"</body>")
        body = body[:at] + TAG + body[at:] if at >= 0 else body + TAG
        self._send(body, "text/html; charset=utf-8")

    def _own(self, name: str) -> None:
        if name == "reload.js":
            return self._send(RELOAD_JS.encode(), "text/javascript; charset=utf-8")
        if name == "status":
            return self._send(json.dumps(self.channel.status()).encode(), "application/json")
        if name == "events":
            return self._events(parse_qs(urlsplit(self.path).query).get("page", [""])[0])
        self._send(b"not found", "text/plain", 404)

    def _events(self, page: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = self.channel.generation
        if page:
            self.channel.opened(page, +1)
        try:
            while True:
                now = self.channel.wait(seen, timeout=15)
                if now == seen:
                    self.wfile.write(b": still here\n\n")  # keeps proxies and the browser from timing out
                else:
                    seen, error = now, self.channel.error
                    kind, data = ("problem", json.dumps(error)) if error else ("reload", json.dumps(self.channel.pages))
                    self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            if page:
                self.channel.opened(page, -1)


def start_server(output: Path, channel: Channel, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (PreviewHandler,), {"channel": channel})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(output)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="preview-http", daemon=True).start()
    return server
