"""Who is using the board: browser sessions, the three sign-in modes, login rate limiting.

SOISTS_BOARD_AUTH
  accounts  (default) editors sign in with a name and password (`python -m scheduler editors add`);
            the session cookie is HttpOnly, SameSite=Strict, Path=/ and rotated at login.
  proxy     a reverse proxy authenticates and passes the name in a header (SOISTS_BOARD_PROXY_HEADER,
            default X-Remote-User); believed only for requests from 127.0.0.1.
  none      one local user, named by --editor/SOISTS_EDITOR; only when set explicitly.
Every action is recorded under the person's name, never under one server-wide name.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

MODES = ("accounts", "proxy", "none")
COOKIE = "soists_review"
SESSION_SECONDS = 12 * 3600  # one working day; then sign in again
LOGIN_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_NAME = 5  # in the window: then that name is locked until failures age out
MAX_FAILURES_TOTAL = 20  # in the window, all names together (a guesser trying many names)
MAX_SESSIONS = 10_000  # a client that never keeps cookies must not fill the memory


@dataclass
class BrowserSession:
    id: str
    csrf: str
    created: float
    user: str | None = None  # set at sign-in (accounts) or per request (proxy, none)


def cookie_header(session_id: str, max_age: int | None = None) -> str:
    extra = f"; Max-Age={max_age}" if max_age is not None else ""
    return f"{COOKIE}={session_id}; HttpOnly; SameSite=Strict; Path=/{extra}"


def _new(clock: float) -> BrowserSession:
    return BrowserSession(secrets.token_urlsafe(24), secrets.token_urlsafe(32), clock)


@dataclass
class Sessions:
    """In memory: a restart signs everybody out, which is fine for a board used by a handful."""

    clock: callable = time.monotonic
    by_id: dict[str, BrowserSession] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get_or_create(self, cookie_text: str) -> tuple[BrowserSession, str | None]:
        """The browser's session and, when a new one was made, the Set-Cookie value."""
        try:
            cookie = SimpleCookie(cookie_text)
        except CookieError:
            cookie = SimpleCookie()
        session_id = cookie[COOKIE].value if COOKIE in cookie else ""
        now = self.clock()
        with self.lock:
            found = self.by_id.get(session_id)
            if found and now - found.created < SESSION_SECONDS:
                return found, None
            self.by_id.pop(session_id, None)
            if len(self.by_id) >= MAX_SESSIONS:
                self._drop_oldest(now)
            session = _new(now)
            self.by_id[session.id] = session
        return session, cookie_header(session.id)

    def _drop_oldest(self, now: float) -> None:
        expired = [key for key, s in self.by_id.items() if now - s.created >= SESSION_SECONDS]
        for key in expired or sorted(self.by_id, key=lambda k: self.by_id[k].created)[: MAX_SESSIONS // 10]:
            del self.by_id[key]

    def sign_in(self, old: BrowserSession, user: str) -> tuple[BrowserSession, str]:
        """A fresh id and CSRF token at sign-in: a session id planted before is worth nothing."""
        with self.lock:
            self.by_id.pop(old.id, None)
            session = _new(self.clock())
            session.user = user
            self.by_id[session.id] = session
        return session, cookie_header(session.id)

    def sign_out(self, session: BrowserSession) -> str:
        with self.lock:
            self.by_id.pop(session.id, None)
        return cookie_header("", max_age=0)


@dataclass
class LoginThrottle:
    """Failed sign-ins per name and in total within a sliding window."""

    clock: callable = time.monotonic
    failures: deque = field(default_factory=deque)  # (when, name)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        while self.failures and now - self.failures[0][0] > LOGIN_WINDOW_SECONDS:
            self.failures.popleft()

    def blocked(self, name: str) -> bool:
        with self.lock:
            self._prune(self.clock())
            per_name = sum(1 for _, who in self.failures if who == name.strip().casefold())
            return per_name >= MAX_FAILURES_PER_NAME or len(self.failures) >= MAX_FAILURES_TOTAL

    def failed(self, name: str) -> None:
        with self.lock:
            self.failures.append((self.clock(), name.strip().casefold()))


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "accounts"
    proxy_header: str = "X-Remote-User"
    single_user: str = "editor"  # the name in mode none

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"SOISTS_BOARD_AUTH must be one of {', '.join(MODES)}, not {self.mode!r}")

    @property
    def environ_key(self) -> str:
        return "HTTP_" + self.proxy_header.upper().replace("-", "_")


def proxy_user(environ, config: AuthConfig) -> str | None:
    """The proxy's header, trusted only from the loopback address the proxy connects from."""
    if environ.get("REMOTE_ADDR") != "127.0.0.1":
        return None
    name = (environ.get(config.environ_key) or "").strip()
    # a comma: wsgiref joined two headers (X-Remote-User and X_Remote_User) — trust neither
    if not name or len(name) > 120 or not name.isprintable() or "," in name:
        return None
    return name


def current_user(environ, session: BrowserSession, config: AuthConfig) -> str | None:
    if config.mode == "none":
        return config.single_user
    if config.mode == "proxy":
        return proxy_user(environ, config)
    return session.user
