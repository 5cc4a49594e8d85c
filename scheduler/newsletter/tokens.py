"""Signed links for the newsletter sign-up: HMAC-SHA256 over purpose, address and time.

A confirmation link ("bestaetigen") is valid for 48 hours; an unsubscribe link ("abmelden") in
every mail never expires (a mail read a year later must still unsubscribe). The secret is the
secrets file's "newsletter" key ({"secret": "…"}, scheduler/credentials/vault.py) or
SOISTS_NEWSLETTER_SECRET; at least 32 characters. Changing it invalidates every link sent so far.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

CONFIRM = "bestaetigen"
UNSUBSCRIBE = "abmelden"
CONFIRM_VALID = timedelta(hours=48)
MIN_SECRET = 32


class TokenError(Exception):
    """The link is forged, damaged, for another purpose or expired."""


class SecretMissing(Exception):
    pass


def load_secret(env: Mapping[str, str] | None = None) -> bytes:
    from scheduler.credentials.vault import Vault

    env = os.environ if env is None else env
    secret = env.get("SOISTS_NEWSLETTER_SECRET") or str(Vault.from_env(env).section("newsletter").get("secret") or "")
    if len(secret) < MIN_SECRET:
        raise SecretMissing(f"the newsletter needs a secret of at least {MIN_SECRET} characters: the secrets "
                            "file's \"newsletter\": {\"secret\": …} or SOISTS_NEWSLETTER_SECRET")
    return secret.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, b"soists-newsletter\0" + payload, hashlib.sha256).digest()


def make_token(secret: bytes, purpose: str, address: str, issued: datetime) -> str:
    payload = f"{purpose}\n{address.lower()}\n{int(issued.timestamp())}".encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_token(secret: bytes, token: str, purpose: str, now: datetime,
               valid: timedelta | None = None) -> tuple[str, datetime]:
    """(address, issued) of a genuine token for `purpose`; TokenError otherwise."""
    try:
        encoded, _, signature = token.strip().partition(".")
        payload = _unb64(encoded)
        genuine = hmac.compare_digest(_unb64(signature), _mac(secret, payload))
    except (ValueError, TypeError) as exc:
        raise TokenError("damaged") from exc
    if not genuine:
        raise TokenError("forged")
    try:
        kind, address, stamp = payload.decode().split("\n")
        issued = datetime.fromtimestamp(int(stamp), timezone.utc)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("damaged") from exc
    if kind != purpose:
        raise TokenError("another purpose")
    if valid is not None and not (issued - timedelta(minutes=5) <= now <= issued + valid):
        raise TokenError("expired")
    return address, issued
