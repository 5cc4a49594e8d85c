"""The local review board (WSGI app on 127.0.0.1 only)."""
