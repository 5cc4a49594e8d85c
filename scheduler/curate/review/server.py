"""Serve the review board on 127.0.0.1 only (threads, so a slow thumbnail blocks nothing).

Every connection has a socket timeout: a client that announces a body and never sends it
(or sends it byte by byte) frees its thread after REQUEST_TIMEOUT_S instead of holding it.
"""

from __future__ import annotations

import ipaddress
import socketserver
import threading
import webbrowser
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import ReviewApp
from .auth import AuthConfig
from .security import SECURITY_HEADERS

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT_S = 10.0
ERROR_PAGE = ('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Fehler {code} – So ist S Prüfung'
              '</title></head><body><h1>Fehler {code}</h1><p>Die Anfrage konnte nicht gelesen werden.</p>'
              '<p><a href="/">Zur Übersicht</a></p></body></html>')


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT_S

    def log_message(self, *args):
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests refused before the app runs (malformed or overlong request line, too many
        headers): a German page with the board's security headers, and no echo of the request."""
        body = ERROR_PAGE.format(code=code).encode()
        self.close_connection = True
        self.request_version = "HTTP/1.0"  # an unparsed line counts as HTTP/0.9, which would drop the headers
        self.send_response(code)  # the standard reason phrase, never the request's text
        for name, value in (*SECURITY_HEADERS, ("Content-Type", "text/html; charset=utf-8"),
                            ("Content-Length", str(len(body))), ("Connection", "close")):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and code >= 200:
            self.wfile.write(body)


def auth_config(settings, editor: str, auth: str | None) -> AuthConfig:
    """`auth` (tests, demo) wins over SOISTS_BOARD_AUTH; `none` only when asked for by name."""
    return AuthConfig(auth or getattr(settings, "board_auth", "accounts"),
                      getattr(settings, "board_proxy_header", "X-Remote-User"), editor)


def make_board_server(sessions, settings, registry, port: int = 0, editor: str = "editor",
                      host: str = LOOPBACK, auth: str | None = None, timeout: float = REQUEST_TIMEOUT_S):
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("the review board is bound to 127.0.0.1 only")
    app = ReviewApp(sessions, settings, registry, editor, auth_config(settings, editor, auth))
    handler = type("BoardHandler", (_QuietHandler,), {"timeout": timeout})
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=handler)
    real_port = server.server_address[1]
    app.allowed_hosts = {f"127.0.0.1:{real_port}", f"localhost:{real_port}"}
    return server


def serve_in_thread(sessions, settings, registry, port: int = 0, editor: str = "editor", auth: str | None = None,
                    timeout: float = REQUEST_TIMEOUT_S):
    server = make_board_server(sessions, settings, registry, port, editor, auth=auth, timeout=timeout)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(sessions, settings, registry, port: int = 8765, editor: str = "editor", open_browser: bool = True,
          auth: str | None = None):
    server = make_board_server(sessions, settings, registry, port, editor, auth=auth)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    mode = server.get_app().auth.mode
    print(f"review board on {url} (sign-in: {mode}; Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
