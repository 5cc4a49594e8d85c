"""Sign-in throttles and the argon2id gate (issue 27).

Found: 30 concurrent wrong sign-ins for one account had 21 passwords checked (limit 5) — the check
and the count were two steps, and every thread hashed at once (argon2id takes 64 MiB each: RSS went
from 169 to 1,067 MiB); and 21 wrong sign-ins under random names locked every account out for
15 minutes (a global limit). Now:
- `begin` reserves an attempt atomically (under one lock) for the account name and the client address;
  attempts in flight count like failures, so at most PER_ACCOUNT passwords are ever checked per window;
- after the second failure each further attempt waits BACKOFF_BASE·2ⁿ seconds (at most BACKOFF_CAP);
- there is no global limit: names nobody has never lock anyone out, and a client guessing many names
  is stopped by its address's limit (known only through the trusted proxy's X-Real-IP: the board
  listens on 127.0.0.1, where every browser looks alike);
- `VerifyGate` lets VERIFY_SLOTS argon2id checks run at once; the rest wait VERIFY_WAIT s, then 429.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

WINDOW_SECONDS = 15 * 60
PER_ACCOUNT = 5  # failed (or in-flight) sign-ins per account name in the window
PER_CLIENT = 20  # per client address in the window, whatever the names
BACKOFF_BASE = 1.0  # seconds after the 2nd failure, doubling
BACKOFF_CAP = 60.0
MAX_KEYS = 50_000  # names and addresses remembered; the oldest are forgotten first
VERIFY_SLOTS = 2  # argon2id at 64 MiB each
VERIFY_WAIT = 5.0


class Busy(Exception):
    """No argon2id slot within VERIFY_WAIT seconds."""


@dataclass(frozen=True)
class Ticket:
    keys: tuple[str, ...]


@dataclass
class LoginThrottle:
    clock: callable = time.monotonic
    backoff_base: float = BACKOFF_BASE
    failures: dict[str, deque] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def keys(name: str, client: str) -> tuple[tuple[str, int], ...]:
        """The account name always; the client address when it is known (auth.client_address)."""
        account = ("name:" + name.strip().casefold()[:120], PER_ACCOUNT)
        return (account, ("addr:" + client[:64], PER_CLIENT)) if client else (account,)

    def _wait(self, key: str, limit: int, now: float) -> float:
        """Seconds until `key` may try again (0: now)."""
        times = self.failures.get(key)
        while times and now - times[0] > WINDOW_SECONDS:
            times.popleft()
        count = len(times) if times else 0
        if count + self.in_flight.get(key, 0) >= limit:
            return (times[0] + WINDOW_SECONDS - now) if count >= limit else 1.0
        if count >= 2:
            return max(0.0, times[-1] + min(BACKOFF_CAP, self.backoff_base * 2 ** (count - 2)) - now)
        return 0.0

    def begin(self, name: str, client: str) -> tuple[Ticket | None, int]:
        """Reserve one attempt, or (None, seconds to wait)."""
        now = self.clock()
        with self.lock:
            pairs = self.keys(name, client)
            wait = max(self._wait(key, limit, now) for key, limit in pairs)
            if wait > 0:
                return None, max(1, round(wait))
            for key, _ in pairs:
                self.in_flight[key] = self.in_flight.get(key, 0) + 1
            return Ticket(tuple(key for key, _ in pairs)), 0

    def end(self, ticket: Ticket, success: bool, counted: bool = True) -> None:
        """Release the reservation; a failure is remembered unless the password was never checked."""
        now = self.clock()
        with self.lock:
            for key in ticket.keys:
                left = self.in_flight.get(key, 1) - 1
                if left:
                    self.in_flight[key] = left
                else:
                    self.in_flight.pop(key, None)
            name_key = ticket.keys[0]
            if success:
                self.failures.pop(name_key, None)
                return
            if not counted:
                return
            for key in ticket.keys:
                times = self.failures.pop(key, None) or deque(maxlen=PER_CLIENT)
                times.append(now)
                self.failures[key] = times  # re-inserted: the dict's order is "least recently failed first"
            while len(self.failures) > MAX_KEYS:
                del self.failures[next(iter(self.failures))]


@dataclass
class VerifyGate:
    slots: int = VERIFY_SLOTS
    wait: float = VERIFY_WAIT
    semaphore: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self):
        self.semaphore = threading.BoundedSemaphore(self.slots)

    @contextmanager
    def slot(self):
        if not self.semaphore.acquire(timeout=self.wait):
            raise Busy
        try:
            yield
        finally:
            self.semaphore.release()
