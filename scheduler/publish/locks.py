"""One publisher at a time: `publisher_lock(engine_or_url, lock_path)` → True when it is ours.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection for the whole run. It works across machines (two `once` processes on two hosts
  share the server), and the server drops it the moment the holder's connection ends — also
  after a SIGKILL or a lost network — so a crashed publisher never blocks the next run.
- SQLite: an exclusive `flock` on `lock_path` (one machine only, which SQLite implies).
  `lock_path=None` means no lock (tests that drive a single publisher in-process).

Neither lock ever waits: a publisher that finds it taken simply does nothing this time.

A server restart ends the advisory lock's connection, and with it the lock, while the
publisher's own sessions reconnect silently (pool pre-ping). So the publisher calls
`lock.verify()` before every step and every post: a lost lock stops the run (LockLost)
before another machine, which may hold the lock by now, and this one could post the same.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

# A fixed 64-bit key for "the So ist S publisher"; any other advisory user picks its own.
PUBLISHER_KEY = zlib.crc32(b"soists.publisher")


class LockLost(RuntimeError):
    """The publisher lock ended during the run (the database connection holding it is gone)."""


@dataclass
class HeldLock:
    """What `publisher_lock` yields: true when the lock is ours; `verify()` before side effects."""

    held: bool
    verify: Callable[[], None] = lambda: None

    def __bool__(self) -> bool:
        return self.held


@contextlib.contextmanager
def file_lock(lock_path: Path | None) -> Iterator[bool]:
    """True when this process holds the lock file (released by the OS even on SIGKILL)."""
    if lock_path is None:
        yield True
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


HOLDS_IT = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key")


@contextlib.contextmanager
def advisory_lock(engine: Engine, key: int = PUBLISHER_KEY) -> Iterator[HeldLock]:
    """Held when this process has PostgreSQL's advisory lock `key` (on its own connection)."""
    connection = engine.connect()
    try:
        # autocommit: the lock belongs to the session, not to a transaction we must keep open
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        mine = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))

        def verify() -> None:
            try:  # the checked-out connection never reconnects by itself: a restart shows here
                still = connection.scalar(HOLDS_IT, {"key": key})
            except Exception as error:
                raise LockLost(f"publisher lock lost ({type(error).__name__})") from None
            if not still:
                raise LockLost("publisher lock lost")

        try:
            yield HeldLock(mine, verify)
        finally:
            if mine:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                except Exception as error:  # server gone: the lock went with the connection
                    log.info("advisory unlock not needed (%s)", type(error).__name__)
    finally:
        try:
            connection.close()
        except Exception:  # a dead connection cannot be returned cleanly; it is discarded
            pass


@contextlib.contextmanager
def publisher_lock(target: Engine | str, lock_path: Path | None) -> Iterator[HeldLock]:
    """The publisher's lock for this store: advisory on PostgreSQL, the lock file otherwise."""
    from scheduler.store.db import make_engine

    engine = make_engine(target) if isinstance(target, str) else target
    try:
        if engine.dialect.name == "postgresql":
            with advisory_lock(engine) as mine:
                yield mine
        else:
            with file_lock(lock_path) as mine:
                yield HeldLock(mine)  # a lock file cannot be lost while this process lives
    finally:
        if isinstance(target, str):
            engine.dispose()


__all__ = ["PUBLISHER_KEY", "HeldLock", "LockLost", "advisory_lock", "file_lock", "publisher_lock"]
