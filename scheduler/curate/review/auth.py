"""Who is using the board: the three sign-in modes, the trusted proxy, cookies and signed tokens.

SOISTS_BOARD_AUTH
  accounts  (default) editors sign in with a name and password (`python -m scheduler editors add`);
            the session cookie is HttpOnly, SameSite=Strict, Path=/, made only at sign-in
            (sessions.py), `Secure` with the `__Host-` prefix over https.
  proxy     a reverse proxy authenticates and passes the name in a header (SOISTS_BOARD_PROXY_HEADER,
            default X-Remote-User) — believed only from 127.0.0.1 *and* together with the shared secret
            SOISTS_BOARD_PROXY_SECRET in the header X-Board-Proxy-Secret (compared in constant time):
            any local process or a direct client could otherwise send the name header itself.
  none      one local user, named by --editor/SOISTS_EDITOR; only when set explicitly.
SOISTS_BOARD_HTTPS=1 marks the board as served over https (also: X-Forwarded-Proto: https from the
trusted proxy). Every action is recorded under the person's name, never under one server-wide name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from scheduler.curate.editors import ROLES

MODES = ("accounts", "proxy", "none")
COOKIE = "soists_review"  # the signed-in session
NONCE_COOKIE = "soists_form"  # the double-submit nonce of the sign-in form (and of proxy/none pages)
SECRET_HEADER = "X-Board-Proxy-Secret"
MIN_SECRET_CHARS = 32


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "accounts"
    proxy_header: str = "X-Remote-User"
    single_user: str = "editor"  # the name in mode none
    proxy_secret: str = ""
    https: bool = False
    proxy_role: str = "redaktion"  # proxy names without an account

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"SOISTS_BOARD_AUTH must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.proxy_role not in ROLES:
            raise ValueError(f"SOISTS_BOARD_PROXY_ROLE must be one of {', '.join(ROLES)}")

    def check(self) -> AuthConfig:
        if self.mode == "proxy" and len(self.proxy_secret) < MIN_SECRET_CHARS:
            raise ValueError(f"SOISTS_BOARD_AUTH=proxy needs SOISTS_BOARD_PROXY_SECRET (at least "
                             f"{MIN_SECRET_CHARS} characters, e.g. `openssl rand -hex 32`), set in nginx too")
        return self

    @property
    def environ_key(self) -> str:
        return "HTTP_" + self.proxy_header.upper().replace("-", "_")


def header(environ, name: str) -> str:
    return environ.get("HTTP_" + name.upper().replace("-", "_")) or ""


def trusted_proxy(environ, config: AuthConfig) -> bool:
    """The request came through our nginx: from loopback, with the shared secret."""
    if not config.proxy_secret or environ.get("REMOTE_ADDR") != "127.0.0.1":
        return False
    given = header(environ, SECRET_HEADER)
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), config.proxy_secret.encode("utf-8"))


def proxy_user(environ, config: AuthConfig) -> str | None:
    """The proxy's name header, believed only together with the secret."""
    if not trusted_proxy(environ, config):
        return None
    name = (environ.get(config.environ_key) or "").strip()
    # a comma: wsgiref joined two headers (X-Remote-User and X_Remote_User) — trust neither
    if not name or len(name) > 120 or not name.isprintable() or "," in name:
        return None
    return name


def client_address(environ, config: AuthConfig) -> str:
    """For the sign-in throttle: the address nginx saw (X-Real-IP) when the request came through it.

    "" when the board cannot tell people apart: the server listens on 127.0.0.1 only, so without the
    trusted proxy every browser (through `ssh -L` or a proxy without the secret) is 127.0.0.1, and a
    limit per that address would be a global lockout again. Then only the per-account limit applies."""
    if trusted_proxy(environ, config):
        real = header(environ, "X-Real-IP").strip()
        if real and len(real) <= 64 and real.isprintable():
            return real
    remote = environ.get("REMOTE_ADDR", "")
    return "" if remote.startswith("127.") or remote == "::1" else remote


def is_https(environ, config: AuthConfig) -> bool:
    return config.https or (trusted_proxy(environ, config) and header(environ, "X-Forwarded-Proto") == "https")


def cookie_name(base: str, https: bool) -> str:
    return f"__Host-{base}" if https else base


def read_cookie(environ, base: str, https: bool) -> str:
    try:
        jar = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return ""
    name = cookie_name(base, https)
    value = jar[name].value if name in jar else ""
    return value if 0 < len(value) <= 100 and value.isascii() else ""


def set_cookie(base: str, value: str, https: bool, max_age: int | None = None) -> str:
    extra = f"; Max-Age={max_age}" if max_age is not None else ""
    secure = "; Secure" if https else ""
    return f"{cookie_name(base, https)}={value}; HttpOnly; SameSite=Strict; Path=/{secure}{extra}"


class Signer:
    """HMAC tokens for forms without a server session: the token is bound to a random nonce in an
    HttpOnly cookie (double submit), and to the person in proxy/none mode. The key lives in memory."""

    def __init__(self, key: bytes | None = None):
        self.key = key or secrets.token_bytes(32)

    def token(self, *parts: str) -> str:
        return hmac.new(self.key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)
