"""The optional second factor (TOTP, RFC 6238) with pyotp; the QR code as inline SVG with segno."""

from __future__ import annotations

import re

import pyotp
import segno

ISSUER = "So ist S Prüfung"
CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def verify(secret: str, code: str) -> bool:
    """Six digits, this 30-second step or the one before/after (clock drift of a phone)."""
    code = code.replace(" ", "")
    return bool(CODE.fullmatch(code)) and pyotp.TOTP(secret).verify(code, valid_window=1)


def uri(secret: str, name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """An <svg> element for the page (no XML declaration, no inline style: the CSP allows none)."""
    return segno.make(text, error="m").svg_inline(scale=4, dark="#1a1a1a", light="#ffffff", title="QR-Code")
