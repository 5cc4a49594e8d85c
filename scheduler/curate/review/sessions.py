"""Signed-in browser sessions (issue 27): made only at sign-in, bounded per person, idle and absolute
timeouts, ended at once when the account is removed, disabled, or its role or password changes.

Before, every request without a cookie made a session, and 10,050 such requests in 8 s evicted every
signed-in person (the oldest tenth went first at the cap). Now anonymous requests hold no server
state at all: the sign-in form's CSRF token is a signed double-submit cookie (auth.Signer).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE_SECONDS = 2 * 3600  # no request for two hours: sign in again
ABSOLUTE_SECONDS = 12 * 3600  # one working day at most
PER_PERSON = 5  # browsers one person may be signed in with; the sixth ends the oldest


@dataclass
class BrowserSession:
    id: str
    csrf: str
    created: float
    user: str | None = None
    role: str = "lesen"
    epoch: int = 0  # the account's session_epoch at sign-in; a change ends the session
    seen: float = 0.0
    must_enrol: bool = False  # the second factor is required but not set up yet: only the enrolment page


def new_id() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Sessions:
    """In memory: a restart signs everybody out, which is fine for a board used by a team."""

    clock: callable = time.monotonic
    by_id: dict[str, BrowserSession] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, session_id: str) -> BrowserSession | None:
        if not session_id:
            return None
        now = self.clock()
        with self.lock:
            found = self.by_id.get(session_id)
            if found is None:
                return None
            if now - found.created >= ABSOLUTE_SECONDS or now - found.seen >= IDLE_SECONDS:
                del self.by_id[session_id]
                return None
            found.seen = now
            return found

    def create(self, user: str, role: str, epoch: int, must_enrol: bool = False) -> BrowserSession:
        now = self.clock()
        session = BrowserSession(new_id(), secrets.token_urlsafe(32), now, user, role, epoch, now, must_enrol)
        with self.lock:
            self._expire(now)
            mine = sorted((s for s in self.by_id.values() if s.user == user), key=lambda s: s.seen)
            for old in mine[: max(0, len(mine) - PER_PERSON + 1)]:
                del self.by_id[old.id]
            self.by_id[session.id] = session
        return session

    def _expire(self, now: float) -> None:
        for key in [k for k, s in self.by_id.items()
                    if now - s.created >= ABSOLUTE_SECONDS or now - s.seen >= IDLE_SECONDS]:
            del self.by_id[key]

    def drop(self, session_id: str) -> None:
        with self.lock:
            self.by_id.pop(session_id, None)

    def revoke(self, user: str) -> int:
        """End every session of this person (removed, disabled, new role or password)."""
        with self.lock:
            keys = [k for k, s in self.by_id.items() if s.user == user]
            for key in keys:
                del self.by_id[key]
        return len(keys)

    def count(self, user: str | None = None) -> int:
        with self.lock:
            return sum(1 for s in self.by_id.values() if user is None or s.user == user)
