"""The post's Graph API evidence (table ig_media), written in the Collector's transaction.

Kept out of ingest.py so the Collector stays about rules and images: a source of the official
API puts {"media_id", "source", "can_reply", "author_known", "mention_comment_id"} into
CollectedPost.graph; this module stores it, stores a carousel's further images, and — when a
known post is found again through a better source (a caption @mention after a hashtag
result) — upgrades what we know (author, whether we may answer in public).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.collect.media_store import store_image
from scheduler.collect.sources.base import CollectedPost
from scheduler.store.models import Post
from scheduler.store.official import IgMedia

log = logging.getLogger(__name__)
UNKNOWN_AUTHOR = ""  # hashtag results carry no username; the board shows "unbekannt"


def ref_for(session: Session, post_id: int) -> IgMedia | None:
    return session.scalar(select(IgMedia).where(IgMedia.post_id == post_id))


def post_for_media(session: Session, media_id: str) -> Post | None:
    return session.scalar(select(Post).join(IgMedia, IgMedia.post_id == Post.id).where(IgMedia.media_id == media_id))


def store_ref(session: Session, post: Post, collected: CollectedPost, media_dir, thumbnail_px: int,
              with_images: bool = True) -> IgMedia | None:
    """The ig_media row of a new post, with the carousel's images 2…n stored beside the first."""
    graph = collected.graph
    if not graph:
        return None
    extra = []
    for number, load in enumerate(collected.extra_images if with_images else (), start=2):
        try:
            extra.append(store_image(media_dir, f"{collected.uid}#{number}", load, thumbnail_px).path)
        except (OSError, ValueError) as exc:  # one broken carousel image does not cost the post
            log.warning("%s: carousel image %d not stored: %s", collected.uid, number, exc)
    ref = IgMedia(post=post, media_id=str(graph["media_id"]), source=graph.get("source", collected.source),
                  author_known=bool(graph.get("author_known", True)), can_reply=bool(graph.get("can_reply")),
                  mention_comment_id=graph.get("mention_comment_id"), extra_images=extra,
                  evidence=dict(collected.evidence))
    session.add(ref)
    return ref


def enrich_known(session: Session, collected: CollectedPost) -> str | None:
    """A known post seen again: take over the author and the right to answer from a better source.

    Returns a German note for the audit trail when something changed, else None."""
    graph = collected.graph
    if not graph:
        return None
    post = session.scalar(select(Post).where(Post.uid == collected.uid))
    if post is None:
        return None
    ref = ref_for(session, post.id)
    notes = []
    if ref is None:
        ref = IgMedia(post=post, media_id=str(graph["media_id"]), source=graph.get("source", collected.source),
                      author_known=bool(collected.author), can_reply=False, extra_images=[], evidence={})
        session.add(ref)
    if collected.author and not post.author:
        post.author, post.author_id, ref.author_known = collected.author, collected.author_id, True
        notes.append(f"Autor @{collected.author} über {graph.get('source')} ermittelt")
    if graph.get("can_reply") and not ref.can_reply:
        ref.can_reply = True
        ref.mention_comment_id = ref.mention_comment_id or graph.get("mention_comment_id")
        notes.append("@wirzeigenS erwähnt: öffentliche Rechteanfrage möglich")
    return "; ".join(notes) or None
