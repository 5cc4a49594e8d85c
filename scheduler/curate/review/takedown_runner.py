"""„Überall entfernen“ off the request thread: the board records the takedown and runs it in a thread.

The takedown itself is scheduler.publish.takedown.Takedown (crash-safe, each step recorded before
and after it acts); this module only decides when it runs:

- `request`: one takedowns row per post id (the unique key refuses a second request, also two
  concurrent ones), a board event for the audit view, then the thread;
- the thread runs `Takedown.run`, then rebuilds and deploys the site (`invoke publish`, the
  publisher's own deploy) so the removed pages leave the public site too;
- a board stopped or killed mid-way leaves an open row with a „started“ or missing step: the page
  offers „Fortsetzen“ (`resume`), which runs the same record again — so does the CLI's
  `takedown ID`. At most one thread per post id in this process.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.curate.review import audit_view
from scheduler.publish.takedown import Takedown, confirm_manual
from scheduler.publish.takedown_state import TakedownRecord
from scheduler.store.models import BoardEvent

log = logging.getLogger(__name__)
REASON_CHARS = 500


class TakedownRunner:
    def __init__(self, sessions: sessionmaker[Session], factory: Callable[[], Takedown],
                 deploy: Callable[[], None] | None):
        self.sessions, self.factory, self.deploy = sessions, factory, deploy
        self.lock = threading.Lock()
        self.threads: dict[str, threading.Thread] = {}

    def running(self, key: str) -> bool:
        with self.lock:
            thread = self.threads.get(key)
            return thread is not None and thread.is_alive()

    def request(self, key: str, editor: str, reason: str) -> bool:
        """Record the takedown and start it; False when one was already requested for this post."""
        with self.sessions() as session:
            if session.scalar(select(TakedownRecord.id).where(TakedownRecord.post_id == key)) is not None:
                return False
            session.add(TakedownRecord(post_id=key, requested_utc=now(), reason=reason[:REASON_CHARS],
                                       editor=editor, status="open"))
            audit_view.note(session, editor, "takedown", key, reason[:REASON_CHARS])
            try:
                session.commit()
            except IntegrityError:  # a second request at the same moment: the first one won
                session.rollback()
                return False
        return self._start(key)

    def resume(self, key: str, editor: str) -> bool:
        """Continue an open takedown whose run ended (a failed step, a stopped board) or upload the site again
        after a failed deploy; False if nothing to do."""
        with self.sessions() as session:
            record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == key))
            upload_failed = deploy_state(session, key)[0] == "failed"  # a done takedown whose upload failed
            if record is None or (record.status != "open" and not upload_failed) or self.running(key):
                return False
            audit_view.note(session, editor, "takedown_resume", key)
            session.commit()
        return self._start(key)

    def confirm(self, key: str, editor: str) -> list[str]:
        """An editor deleted the platform copies by hand (`takedown-confirm`); returns the closed steps."""
        with self.sessions() as session:
            closed = confirm_manual(session, key, editor)
            if closed:
                audit_view.note(session, editor, "takedown_confirm", key, ", ".join(c.capitalize() for c in closed))
                record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == key))
                if record.status == "done":
                    audit_view.note(session, editor, "takedown_done", key)
                session.commit()
        return closed

    def join(self, key: str, timeout: float) -> None:
        """Wait for the thread (tests, and a clean shutdown)."""
        with self.lock:
            thread = self.threads.get(key)
        if thread is not None:
            thread.join(timeout)

    def _start(self, key: str) -> bool:
        with self.lock:
            thread = self.threads.get(key)
            if thread is not None and thread.is_alive():
                return False
            thread = threading.Thread(target=self._run, args=(key,), name=f"takedown-{key}", daemon=True)
            self.threads[key] = thread
            thread.start()
        return True

    def _run(self, key: str) -> None:
        try:
            with self.sessions() as session:
                record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == key))
                record = self.factory().run(session, key, record.editor, record.reason)
                site_changed = any(s.step == "files" and s.state == "done" for s in record.steps)
                editor, status = record.editor, record.status
            if site_changed and self.deploy is not None:
                self._deploy(key, editor)
            if status == "done":
                with self.sessions.begin() as session:
                    audit_view.note(session, editor, "takedown_done", key)
        except Exception:  # the operator's log; the page shows the open step and „Fortsetzen“
            log.exception("takedown %s stopped; the board offers to continue it", key)

    def _deploy(self, key: str, editor: str) -> None:
        try:
            self.deploy()
        except Exception as error:
            log.exception("takedown %s: site deploy failed", key)
            with self.sessions.begin() as session:
                audit_view.note(session, editor, "takedown_deploy_failed", key, type(error).__name__)
            return
        with self.sessions.begin() as session:
            audit_view.note(session, editor, "takedown_deploy", key)


def deploy_state(session: Session, key: str) -> tuple[str, datetime | None]:
    """The newest deploy after the takedown: ("done"|"failed"|"", when)."""
    event = session.scalar(select(BoardEvent).where(
        BoardEvent.subject == key, BoardEvent.action.in_(("takedown_deploy", "takedown_deploy_failed")))
        .order_by(BoardEvent.at.desc(), BoardEvent.id.desc()).limit(1))
    if event is None:
        return "", None
    return ("done" if event.action == "takedown_deploy" else "failed"), event.at


def now() -> datetime:
    return datetime.now(timezone.utc)
