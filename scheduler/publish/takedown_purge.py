"""The local half of a takedown: nothing of the post may stay in the store, the media folder or
any cache. Pure file and row removal; takedown.py records each part as a step.

What is removed (issue: "a takedown leaves nothing"):
- rows: the post, its image row, consent, audit events, taught place aliases, editor choices;
  the queued/published feature keeps only its key, slot and municipality (the rotation's
  history), its request snapshot and step records (handle, caption, original id) are dropped;
- the media folder: original and thumbnail (their file names contain the original id);
- the database file itself: SQLite keeps deleted rows in free pages and in the WAL file until
  they are reused, so the file is VACUUMed and the WAL truncated; PostgreSQL gets a VACUUM of
  the tables (dead tuples; what its own WAL archive holds is the operator's retention policy);
- the site's caches: Pelican's reader cache (a pickle of every parsed post, with handle, name
  and caption) lives in BUILD_CACHE_DIR with the incremental build's manifest; both are
  caches, dropped whole, so the next build parses again (seconds) and is a full build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from scheduler.publish.state import FeaturePublication
from scheduler.store.models import AuditEvent, Consent, Image, PlaceAlias, Post

TAKEN_DOWN = "taken_down"
# Tables whose rows held the post (vacuumed on PostgreSQL after the purge).
PURGED_TABLES = ("posts", "images", "consents", "audit_events", "place_aliases", "editor_choices",
                 "feature_publications", "feature_publish_steps")


def post_uid_for(session: Session, post_id: str) -> str | None:
    """The store's uid of the post behind a community post id (feature key), or the uid itself."""
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == post_id))
    if feature is not None and not feature.post_uid.startswith(f"{TAKEN_DOWN}:"):
        return feature.post_uid
    return post_id if session.scalar(select(Post.id).where(Post.uid == post_id)) is not None else None


def scrub_feature(session: Session, post_id: str) -> bool:
    """Keep key, slot and municipality of the feature; drop what named the author or the photo."""
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == post_id))
    if feature is None:
        return False
    feature.status, feature.post_uid = TAKEN_DOWN, f"{TAKEN_DOWN}:{post_id}"
    feature.request, feature.last_error = {"key": post_id, "taken_down": True}, None
    feature.steps.clear()  # delete-orphan: the step data held paths, captions' ids, errors
    return True


def purge_rows(session: Session, post_uid: str | None) -> tuple[dict[str, int], list[str]]:
    """Delete every row about the post; returns counts per table and the media paths to delete."""
    counts: dict[str, int] = {}
    media: list[str] = []
    post = session.scalar(select(Post).where(Post.uid == post_uid)) if post_uid else None
    if post_uid:
        counts["place_aliases"] = session.execute(delete(PlaceAlias).where(PlaceAlias.post_uid == post_uid)).rowcount
        # by name: the plan stage owns the table, and publish must not import plan (layering)
        counts["editor_choices"] = session.execute(
            text("DELETE FROM editor_choices WHERE post_uid = :uid"), {"uid": post_uid}).rowcount
    if post is None:
        return counts, media
    if post.image is not None:
        media += [post.image.path, post.image.thumbnail_path]
    session.execute(update(Post).where(Post.duplicate_of_id == post.id).values(duplicate_of_id=None))
    for model in (AuditEvent, Consent, Image):
        counts[model.__tablename__] = session.execute(delete(model).where(model.post_id == post.id)).rowcount
    session.expunge(post)
    counts["posts"] = session.execute(delete(Post).where(Post.id == post.id)).rowcount
    return counts, sorted(set(media))


def purge_media(media_dir: Path, relative_paths: list[str]) -> list[str]:
    """Delete the original and thumbnail (and any leftover .part file); returns what was removed."""
    removed = []
    root = Path(media_dir).resolve()
    for relative in relative_paths:
        path = (root / relative).resolve()
        if root not in path.parents:  # a path from the database never leaves the media folder
            continue
        for candidate in (path, path.with_name(path.name + ".part")):
            if candidate.is_file():
                candidate.unlink()
                removed.append(relative)
    return removed


def compact_database(engine: Engine) -> str:
    """Make deleted rows unrecoverable from the database files (see the module docstring)."""
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return "sqlite: VACUUM, WAL truncated"
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in PURGED_TABLES:
                connection.execute(text(f'VACUUM "{table}"'))
        return "postgresql: VACUUM " + ", ".join(PURGED_TABLES)
    return f"{engine.dialect.name}: not compacted"


def purge_build_caches(build_cache_dir: Path) -> bool:
    """Drop Pelican's reader cache and the incremental manifests (BUILD_CACHE_DIR)."""
    if Path(build_cache_dir).is_dir():
        shutil.rmtree(build_cache_dir)
        return True
    return False
