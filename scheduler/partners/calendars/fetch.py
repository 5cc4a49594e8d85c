"""Fetch a calendar: http(s) only, no redirect to another scheme, timeouts, at most 10 MB.

The body is read in chunks; the fetch stops at the first byte beyond the cap, so a huge or
endless answer costs at most 10 MB of memory and never reaches the parsers.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from .reasons import MAX_BYTES, CalendarRejected

TIMEOUT_S = 20
CHUNK = 64 * 1024
USER_AGENT = "SoIstS-Kalenderimport/1.0 (+https://so-ist-s.de)"
ALLOWED = ("http", "https")


class _SameSchemes(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def http_error_302(self, req, fp, code, msg, headers):
        target = urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urlsplit(target).scheme not in ALLOWED:  # checked before urllib's own (which allows ftp:)
            raise CalendarRejected("redirect", target[:120])
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener() -> urllib.request.OpenerDirector:
    # Only the handlers named here: no file:, ftp: or data: handler exists to be redirected to.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _SameSchemes(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def fetch(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> bytes:
    """The calendar's bytes; raises CalendarRejected with the reason."""
    if urlsplit(url).scheme not in ALLOWED or not urlsplit(url).netloc:
        raise CalendarRejected("scheme", url[:120])
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/calendar, application/rss+xml, "
                                                             "application/atom+xml, application/xml;q=0.9, */*;q=0.5"})
    try:
        with _opener().open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise CalendarRejected("too_large", f"{int(declared):,} Bytes".replace(",", "."))
            chunks, size = [], 0
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise CalendarRejected("too_large")
                chunks.append(chunk)
            return b"".join(chunks)
    except CalendarRejected:
        raise
    except urllib.error.HTTPError as exc:
        raise CalendarRejected("http_status", f"HTTP {exc.code}") from None
    except (socket.timeout, TimeoutError):
        raise CalendarRejected("timeout", f"{timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            raise CalendarRejected("timeout", f"{timeout:g} s") from None
        raise CalendarRejected("unreachable", str(exc.reason)[:120]) from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line, …
        raise CalendarRejected("unreachable", type(exc).__name__) from None
