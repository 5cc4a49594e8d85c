"""Serve the review board on 127.0.0.1 only (threads, so a slow thumbnail blocks nothing)."""

from __future__ import annotations

import ipaddress
import socketserver
import threading
import webbrowser
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import ReviewApp

LOOPBACK = "127.0.0.1"


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def make_board_server(sessions, settings, registry, port: int = 0, editor: str = "editor",
                      host: str = LOOPBACK):
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("the review board is bound to 127.0.0.1 only")
    app = ReviewApp(sessions, settings, registry, editor)
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    real_port = server.server_address[1]
    app.allowed_hosts = {f"127.0.0.1:{real_port}", f"localhost:{real_port}"}
    return server


def serve_in_thread(sessions, settings, registry, port: int = 0, editor: str = "editor"):
    server = make_board_server(sessions, settings, registry, port, editor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(sessions, settings, registry, port: int = 8765, editor: str = "editor", open_browser: bool = True):
    server = make_board_server(sessions, settings, registry, port, editor)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"review board on {url} (Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
