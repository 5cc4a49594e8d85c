"""Mentions of the account: parse Meta's `mentions` notifications, store each change first
(Meta keeps no copy), then process them — a caption mention brings the post in through the
Collector, a comment mention on a post we asked in public may be the author's answer.

Notification shape (Instagram API with Facebook Login, webhook field `mentions`):
  {"object": "instagram", "entry": [{"id": <ig-user-id>, "time": <unix>,
     "changes": [{"field": "mentions", "value": {"media_id": "…", "comment_id": "…"?}}]}]}
No comment_id: the caption mentions us. Idempotency key: entry id, time, media id, comment id.
Unfinished rows are retried by the receiver's worker and by every collect run (the polling
fallback) when they are due; outages back off, only permanent errors count toward giving up
(scheduler/collect/mention_retry.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.collect import mention_retry as retry
from scheduler.collect.graph_refs import post_for_media, ref_for
from scheduler.collect.graph_ugc import UgcApi, media_to_collected
from scheduler.collect.ingest import Collector
from scheduler.curate import rights_public
from scheduler.curate.workflow import record
from scheduler.publish.graph_errors import GraphError
from scheduler.store.models import utcnow
from scheduler.store.official import WebhookPayload

log = logging.getLogger(__name__)
MAX_ATTEMPTS = retry.MAX_ATTEMPTS


class MalformedPayload(ValueError):
    pass


@dataclass(frozen=True)
class MentionChange:
    entry_id: str
    time: int
    media_id: str
    comment_id: str | None

    @property
    def key(self) -> str:
        return f"{self.entry_id}:{self.time}:{self.media_id}:{self.comment_id or '-'}"

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def _id(value, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise MalformedPayload(f"{what} missing or not an id")
    text = str(value).strip()
    if len(text) > 40 or not text.replace("_", "").isalnum():
        raise MalformedPayload(f"{what} is not an id")
    return text


def parse_notification(body: bytes) -> list[MentionChange]:
    """The mention changes of one notification; MalformedPayload when it is not Meta's shape.
    Changes of other fields are ignored (we subscribe to `mentions` only)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: [[[[… nested deeply
        raise MalformedPayload(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(payload, dict) or payload.get("object") != "instagram" or not isinstance(payload.get("entry"), list):
        raise MalformedPayload("expected {'object': 'instagram', 'entry': [...]}")
    changes = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            raise MalformedPayload("entry without a list of changes")
        entry_id = _id(entry.get("id"), "entry.id")
        if isinstance(entry.get("time"), bool) or not isinstance(entry.get("time"), int):
            raise MalformedPayload("entry.time is not a number")
        for change in entry["changes"]:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise MalformedPayload("change without a value object")
            if change.get("field") != "mentions":
                continue
            value = change["value"]
            comment = value.get("comment_id")
            changes.append(MentionChange(entry_id, entry["time"], _id(value.get("media_id"), "media_id"),
                                         _id(comment, "comment_id") if comment is not None else None))
    return changes


def store_changes(sessions: sessionmaker[Session], changes: list[MentionChange],
                  now: datetime | None = None) -> tuple[int, int]:
    """Store each change once (before anything else happens); returns (stored, duplicates)."""
    stored = duplicates = 0
    for change in changes:
        try:
            with sessions.begin() as session:
                if session.scalar(select(WebhookPayload.id).where(WebhookPayload.key == change.key)) is not None:
                    duplicates += 1
                    continue
                session.add(WebhookPayload(key=change.key, field="mentions", body=change.to_json(),
                                           received_at=now or utcnow()))
            stored += 1
        except IntegrityError:  # the same change arrived twice at the same moment
            duplicates += 1
    return stored, duplicates


@dataclass
class MentionProcessor:
    sessions: sessionmaker[Session]
    collector: Collector
    api: UgcApi
    account: str
    consent_hashtag: str

    def pending(self, now: datetime | None = None) -> list[WebhookPayload]:
        """The rows due now (none while the queue backs off from an outage)."""
        with self.sessions() as session:
            return retry.due_rows(session, now or utcnow())

    def next_due(self) -> datetime | None:
        with self.sessions() as session:
            return retry.next_due(session)

    def process_pending(self, now: datetime | None = None) -> list[str]:
        """Every due row once, in order; stops at the first transient error (the queue backs off)."""
        lines, now = [], now or utcnow()
        for row in self.pending(now):
            change = MentionChange(**json.loads(row.body))
            try:
                outcome, error = self.handle(change, now), None
            except (GraphError, OSError, ValueError) as exc:
                outcome, error = "", exc
            with self.sessions.begin() as session:
                stored = session.get(WebhookPayload, row.id)
                if error is None:
                    retry.record_success(session, stored, outcome, now)
                elif retry.is_transient(error):
                    until = retry.record_transient(session, stored, error, now)
                    outcome = stored.outcome
                    log.warning("mentions: Graph API unavailable (%s), queue backs off until %s",
                                type(error).__name__, until.isoformat())
                elif retry.record_permanent(session, stored, error, now):
                    outcome = stored.outcome
                    log.warning("mention %s given up: %s", change.key, outcome)
                else:
                    outcome = stored.outcome
            lines.append(f"mention {change.key}: {outcome}")
            if error is not None and retry.is_transient(error):
                break
        return lines

    def handle(self, change: MentionChange, now: datetime | None = None) -> str:
        if change.comment_id is None:
            return self._caption_mention(change)
        return self._comment_mention(change, now)

    def _caption_mention(self, change: MentionChange) -> str:
        item = self.api.mentioned_media(change.media_id)
        collected = media_to_collected(item, "mention", self.api.download, author=item.get("username") or "",
                                       can_reply=True, account=self.account)
        if collected is None:
            return "Erwähnung ohne Permalink: nicht übernommen"
        return f"Beitrag {collected.uid}: {self.collector.store(collected)}"

    def _comment_mention(self, change: MentionChange, now: datetime | None) -> str:
        comment = self.api.mentioned_comment(change.comment_id)
        with self.sessions() as session:
            post = post_for_media(session, change.media_id)
            request_id = ref_for(session, post.id).request_comment_id if post else None
        if post is None:
            return "Kommentar-Erwähnung auf einem Beitrag, den wir nicht kennen: nur gespeichert"
        # Only the replies to our own comment name their author: that is where the answer must be.
        authors = {str(r.get("id")): r.get("username") for r in self.api.comment_replies(request_id)} \
            if request_id else {}
        answer = rights_public.Answer(change.comment_id, comment.get("text") or "",
                                      authors.get(change.comment_id), comment.get("timestamp") or "")
        with self.sessions.begin() as session:
            post = post_for_media(session, change.media_id)
            if request_id is None:
                record(session, post, rights_public.ACTOR, "mention_comment",
                       "Kommentar erwähnt @wirzeigenS (keine öffentliche Anfrage offen)",
                       json.dumps(answer.__dict__, ensure_ascii=False), at=now)
                return f"Beitrag {post.id}: Kommentar für die Redaktion notiert"
            verdict = rights_public.record_answer(session, post, answer, self.consent_hashtag, now)
        return f"Beitrag {post.id}: " + (verdict.reason if verdict else "Antwort schon bekannt")

    def poll_answers(self, now: datetime | None = None) -> list[str]:
        with self.sessions.begin() as session:
            return rights_public.poll_answers(session, self.api, self.consent_hashtag, now)
