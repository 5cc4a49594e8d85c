"""Serve the review board on 127.0.0.1 only, on waitress (scheduler/http_server.py): requests are
read asynchronously, so a slow thumbnail or a client that sends byte by byte blocks nothing.

A client that announces a body and never sends it (or stops half-way) gets a German 408 after
REQUEST_TIMEOUT_S; requests refused before the app runs (malformed or overlong request line,
bad Content-Length, a body over the form limit) get the German error page with the board's
security headers, and never an echo of the request.
"""

from __future__ import annotations

import ipaddress
import threading
import webbrowser

from scheduler.curate.review.http_server import Limits, Server

from .app import ReviewApp
from .auth import AuthConfig
from .plan_routes import CAPTION_FORM_BYTES
from .security import MAX_BODY_BYTES, SECURITY_HEADERS

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT_S = 10.0
ERROR_PAGE = ('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Fehler {code} – So ist S Prüfung'
              '</title></head><body><h1>Fehler {code}</h1><p>Die Anfrage konnte nicht gelesen werden.</p>'
              '<p><a href="/">Zur Übersicht</a></p></body></html>')


def error_page(code: int, reason: str) -> tuple[list[tuple[str, str]], bytes]:
    """The page for requests the server refuses before the app runs."""
    return ([*SECURITY_HEADERS, ("Content-Type", "text/html; charset=utf-8")],
            ERROR_PAGE.format(code=code).encode())


def body_limit(path: str) -> int:
    """Decision and login forms are small; only the Redaktionsplan's caption form needs more."""
    return CAPTION_FORM_BYTES if path.startswith("/plan") else MAX_BODY_BYTES


def auth_config(settings, editor: str, auth: str | None) -> AuthConfig:
    """`auth` (tests, demo) wins over SOISTS_BOARD_AUTH; `none` only when asked for by name."""
    return AuthConfig(auth or getattr(settings, "board_auth", "accounts"),
                      getattr(settings, "board_proxy_header", "X-Remote-User"), editor)


def make_board_server(sessions, settings, registry, port: int = 0, editor: str = "editor",
                      host: str = LOOPBACK, auth: str | None = None, timeout: float = REQUEST_TIMEOUT_S):
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("the review board is bound to 127.0.0.1 only")
    app = ReviewApp(sessions, settings, registry, editor, auth_config(settings, editor, auth))
    # the largest form the board reads is the plan view's caption form; each route keeps its own limit
    # waitress's default header limit (256 KB): an overlong request line is read whole and refused by the
    # app's German 400; a refusal while the client still sends would reach it as a reset, not as a page
    server = Server(app, host, port, Limits(max_body=CAPTION_FORM_BYTES, timeout=timeout, threads=4,
                                            max_header=262_144, body_limit=body_limit), error_page)
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
