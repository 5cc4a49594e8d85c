"""Publishing one feature on an editor's request ("jetzt veröffentlichen", "erneut versuchen").

The publisher's own step machine does the work, under the publishers' lock, so a scheduled run
and a click never publish the same feature at once and a finished step is never repeated.
Afterwards the Instagram post's permalink is looked up once (the publisher keeps only the media
id), so the plan view can link to it; a failed look-up changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.publish.graph_errors import GraphError
from scheduler.publish.locks import publisher_lock
from scheduler.publish.state import FeaturePublication

log = logging.getLogger(__name__)


def publish_one(session: Session, feature: FeaturePublication, publisher, now: datetime) -> str:
    """One feature through the publisher; "busy" while another publisher holds the lock."""
    with publisher_lock(session.get_bind(), publisher.lock_path) as lock:
        if not lock:
            return "busy"
        session.commit()
        publisher.verify_lock = lock.verify
        try:
            status = publisher.publish_feature(session, feature, now)
        finally:
            publisher.verify_lock = lambda: None
    if status == "done":
        remember_permalink(session, feature, publisher.client)
    return status


def remember_permalink(session: Session, feature: FeaturePublication, client) -> None:
    remember_permalinks(session, [feature], client)


def remember_permalinks(session: Session, features: list[FeaturePublication], client) -> None:
    """The Instagram permalink of each finished feature that lacks one: one look-up for all."""
    waiting = []
    for feature in features:
        step = next((s for s in feature.steps if s.step == "instagram" and s.state == "done"), None)
        data = dict(step.data or {}) if step else {}
        if data.get("media_id") and not data.get("permalink"):
            waiting.append((feature, step, data))
    if not waiting:
        return
    try:
        media = client.recent_media()
    except GraphError as error:  # the link is a convenience: the post is out either way
        log.info("features %s: no permalink (%s)", ", ".join(f.key for f, _s, _d in waiting), error)
        return
    links = {str(m.get("id")): m.get("permalink") for m in media}
    for _feature, step, data in waiting:
        if links.get(str(data["media_id"])):
            step.data = {**data, "permalink": links[str(data["media_id"])]}
    session.commit()


def status_message(key: str, status: str) -> str:
    return {"done": f"„{key}“ ist veröffentlicht.",
            "busy": f"Gerade veröffentlicht ein anderer Lauf; „{key}“ folgt im nächsten Lauf.",
            "pending": f"„{key}“ wartet auf einen neuen Versuch (vorübergehender Fehler)."}.get(
        status, f"„{key}“ ist fehlgeschlagen – die Schritte zeigen, woran es lag.")
