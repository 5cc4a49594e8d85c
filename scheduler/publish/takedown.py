"""Takedown in the scheduler's store: cancel the queued feature and withdraw the post.

The site side (post file, images, derivatives, output) is plugins/community/takedown.py;
`invoke takedown` runs both, so one command removes a post everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.curate.workflow import transition
from scheduler.publish.state import FeaturePublication
from scheduler.store.models import Post, State

TAKEN_DOWN = "taken_down"


@dataclass
class StoreTakedown:
    feature_found: bool = False
    cancelled_queue: bool = False
    post_withdrawn: bool = False
    published_media: dict[str, str] = field(default_factory=dict)  # channel → id, to delete on the platform


def takedown_in_store(session: Session, post_id: str, actor: str, reason: str) -> StoreTakedown:
    """Stop every future use of the post; report what was already published on which channel."""
    outcome = StoreTakedown()
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == post_id))
    if feature is None:
        return outcome
    outcome.feature_found = True
    if feature.status != "done":
        feature.status = TAKEN_DOWN  # the publisher only picks up "pending" features
        outcome.cancelled_queue = True
    for step in feature.steps:
        data = step.data or {}
        for channel, key in (("instagram", "media_id"), ("facebook", "photo_id")):
            if step.step == channel and data.get(key):
                outcome.published_media[channel] = str(data[key])
    post = session.scalar(select(Post).where(Post.uid == feature.post_uid))
    if post is not None and post.state != State.REJECTED.value:
        transition(session, post, State.REJECTED.value, actor, reason=f"Entfernt (Takedown): {reason}")
        outcome.post_withdrawn = True
    session.commit()
    return outcome
