"""The optional second factor (TOTP, RFC 6238) with pyotp; the QR code as inline SVG with segno."""

from __future__ import annotations

import hmac
import re
import threading
import time
from datetime import datetime, timezone

import pyotp
import segno

ISSUER = "So ist S Prüfung"
CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step the code belongs to: this one or the one before/after (a phone's clock
    drift), or None."""
    code = code.replace(" ", "")
    if not CODE.fullmatch(code):
        return None
    totp, now = pyotp.TOTP(secret), time.time() if now is None else now
    current = totp.timecode(datetime.fromtimestamp(now, timezone.utc))
    for counter in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def verify(secret: str, code: str) -> bool:
    return step(secret, code) is not None


class Replays:
    """A code signs in once: a second sign-in with the same (or an older) step is refused."""

    def __init__(self):
        self.last: dict[str, int] = {}
        self.lock = threading.Lock()

    def accept(self, name: str, secret: str, code: str) -> bool:
        counter = step(secret, code)
        if counter is None:
            return False
        with self.lock:
            if counter <= self.last.get(name, -1):
                return False
            self.last[name] = counter
            return True


def uri(secret: str, name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """An <svg> element for the page (no XML declaration, no inline style: the CSP allows none)."""
    return segno.make(text, error="m").svg_inline(scale=4, dark="#1a1a1a", light="#ffffff", title="QR-Code")
