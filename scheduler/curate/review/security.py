"""What every board response carries and how a request is read: strict, bounded, no surprises.

Found by a tester on this machine: a page on another port framed the board and a click
approved a post; CR/LF in a path, a non-numeric or negative Content-Length, non-ASCII form
values and an overlong id each gave a traceback or a hung thread. Everything below turns
such requests into a German 4xx page before any of the board's logic runs.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qs

# No inline script or style (the board's JS/CSS are static files of the app), no framing,
# forms post only to the board itself, and nothing is fetched from anywhere else.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
MAX_BODY_BYTES = 16_384  # a decision form is a few hundred bytes
MAX_FIELD_CHARS = 2_000
MAX_FIELDS = 20
MAX_PATH_CHARS = 200
POST_PATH = re.compile(r"/posts/([1-9][0-9]{0,8})")  # ASCII digits, fits a 32-bit id
THUMB_PATH = re.compile(r"/thumbs/([1-9][0-9]{0,8})\.jpg")
VERSION = re.compile(r"[0-9]{1,9}")


class RequestError(Exception):
    """The request is refused with this status (the board renders the German page)."""

    def __init__(self, code: int, why: str = "", kind: str = ""):
        super().__init__(why or str(code))
        self.code, self.kind = code, kind  # kind: another German text for the same status (present.ERRORS)


def has_control_chars(text: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def check_path(path: str) -> str:
    """CR/LF and other control characters (from %0d%0a) never travel further, e.g. into a header."""
    if len(path) > MAX_PATH_CHARS or has_control_chars(path):
        raise RequestError(400, "control characters or overlong path")
    return path


def match_id(pattern: re.Pattern, path: str) -> int | None:
    found = pattern.fullmatch(path)
    return int(found.group(1)) if found else None


def content_length(environ, limit: int = MAX_BODY_BYTES) -> int:
    raw = environ.get("CONTENT_LENGTH") or "0"
    if not (raw.isascii() and raw.isdigit()):  # "-1", "viel", "１２" → refused, never int()-ed
        raise RequestError(400, f"Content-Length {raw!r}")
    length = int(raw)
    if length > limit:
        raise RequestError(413, f"{length} bytes")
    return length


def read_form(environ, max_body: int = MAX_BODY_BYTES, max_field: int = MAX_FIELD_CHARS) -> dict[str, str]:
    """The urlencoded body, bounded; the server's socket timeout ends a body that never comes.
    A caption form (plan view) asks for more room than a decision form."""
    length = content_length(environ, max_body)
    try:
        body = environ["wsgi.input"].read(length) if length else b""
    except (TimeoutError, OSError) as exc:
        raise RequestError(408, f"body not sent: {exc}") from None
    if len(body) < length:
        raise RequestError(400, "body shorter than Content-Length")
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):  # raw non-ASCII bytes, broken UTF-8, too many fields
        raise RequestError(400, "form not readable") from None
    form = {key: values[0] for key, values in fields.items()}
    if any(len(value) > max_field or "\x00" in value for value in form.values()):
        raise RequestError(400, "field too long or NUL")
    return form


def same_token(given: str, expected: str) -> bool:
    """compare_digest refuses non-ASCII str (TypeError → 500 once): compare UTF-8 bytes."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def safe_headers(headers) -> list[tuple[str, str]]:
    """Last line of defence against header injection: no CR/LF in any value we send."""
    for name, value in headers:
        if has_control_chars(name) or has_control_chars(value):
            raise ValueError(f"control character in response header {name}")
    return list(headers)
