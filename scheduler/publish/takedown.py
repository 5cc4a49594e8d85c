"""A takedown: the post leaves the store, the site, every cache and every platform, crash-safe.

Steps (takedown_state.TAKEDOWN_STEPS), each recorded before ("started") and after ("done"):

  plan       cancel the queued feature, withdraw the post, note the platform ids to delete
  store      media files (original, thumbnail), then every row about the post; database compacted
  files      post file, images, derivative cache, built pages (plugins/community/takedown.py) and
             Pelican's reader cache (takedown_purge.purge_build_caches)
  facebook   store the intent; DELETE /{page-post-id} (the post id Meta answered when posting;
             the photo id for features published before it was kept); a rerun after a crash asks
             first whether the object still exists (GET), so nothing is deleted twice
  instagram  the same with DELETE /{ig-media-id} (Facebook Login, instagram_manage_contents);
             where the API refuses (permission, unsupported) the step becomes "manual": an editor
             deletes it in the app and confirms with `python -m scheduler takedown-confirm ID`
  mastodon   store the intent; DELETE /api/v1/statuses/:id with its media (takedown_mastodon.py)

Meta answers 100/33 both for an object that does not exist and for one the token may not
delete ("…does not exist, cannot be loaded due to missing permissions…",
https://developers.facebook.com/docs/graph-api/guides/error-handling/): after a 100/33 the
object is asked for (GET); it answers → a permission problem, a "manual" step with a German
to-do; it is gone too → done.

What stays is the audit line (takedowns row: post id, date, reason, editor) and the platform
ids (numbers that name no person). Transient API errors are retried with backoff by the client;
what still fails stays "failed" and the next `takedown` run of the same id continues there.
SOISTS_PUBLISH_CRASH_AT=takedown:<step>:<when> kills the process at that checkpoint (tests).
"""

from __future__ import annotations

import logging
import os
import re
import signal
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.curate.workflow import transition
from scheduler.publish.graph_api import GraphClient, GraphError, NeedsEditor, delete_object, object_exists
from scheduler.publish.mastodon_api import MastodonClient
from scheduler.publish.state import FeaturePublication
from scheduler.publish.takedown_mastodon import delete_on_mastodon, mastodon_from_env
from scheduler.publish.takedown_purge import (
    TAKEN_DOWN,
    compact_database,
    post_uid_for,
    purge_build_caches,
    purge_media,
    purge_rows,
    scrub_feature,
)
from scheduler.publish.takedown_state import OPEN_STATES, TAKEDOWN_STEPS, TakedownRecord, TakedownStep
from scheduler.store.models import Post, State

log = logging.getLogger(__name__)
CRASH_ENV = "SOISTS_PUBLISH_CRASH_AT"  # the publisher's hook, with "takedown:" checkpoints
CHECKPOINTS = (*(f"takedown:{s}:{w}" for s in TAKEDOWN_STEPS for w in ("before", "after")),
               *(f"takedown:{c}:{w}" for c in ("facebook", "instagram", "mastodon")
                 for w in ("intent_stored", "deleted_unrecorded")))
MANUAL_CODES = {10} | set(range(200, 300))  # permission answers: the API will not delete it for us
PLATFORM_ID = re.compile(r"^\d+(_\d+)?$")  # a media/photo id, or a Page post id "<page-id>_<post-id>"
DELETE_PERMISSION = {"facebook": "pages_manage_posts", "instagram": "instagram_manage_contents"}


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
        # Facebook: the Page post id Meta answered; rows from before it was kept have the photo id only.
        for channel, keys in (("instagram", ("media_id",)), ("facebook", ("post_id", "photo_id")),
                              ("mastodon", ("status_id",))):
            found = next((data[k] for k in keys if data.get(k)), None)
            if step.step == channel and found:
                outcome.published_media[channel] = str(found)
    post = session.scalar(select(Post).where(Post.uid == feature.post_uid))
    if post is not None and post.state != State.REJECTED.value:
        transition(session, post, State.REJECTED.value, actor, reason=f"Entfernt (Takedown): {reason}")
        outcome.post_withdrawn = True
    session.commit()
    return outcome


@dataclass(frozen=True)
class SitePaths:
    content_dir: Path
    media_dir: Path
    output_dir: Path | None = None
    image_cache_dir: Path | None = None  # None: the images plugin's default
    build_cache_dir: Path | None = None
    deploy_target: Path | None = None  # a local release target (plugins/release.py): older releases go


@dataclass
class Takedown:
    paths: SitePaths
    client: Callable[[], GraphClient]  # called only when a platform copy must be deleted
    mastodon: Callable[[], MastodonClient | None] = mastodon_from_env  # None: no instance configured
    crash_at: str = field(default_factory=lambda: os.environ.get(CRASH_ENV, ""))

    def checkpoint(self, name: str) -> None:
        if self.crash_at == name:
            log.warning("crash test: killing myself at %s", name)
            os.kill(os.getpid(), signal.SIGKILL)

    def run(self, session: Session, post_id: str, editor: str, reason: str) -> TakedownRecord:
        """Run (or continue) the takedown of `post_id`; returns its record."""
        record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == post_id))
        if record is None:
            record = TakedownRecord(post_id=post_id, requested_utc=now(), reason=reason, editor=editor,
                                    status="open")
            session.add(record)
            session.commit()
        steps = {s.step: s for s in record.steps}
        for name in TAKEDOWN_STEPS:
            step = steps.get(name)
            if step is not None and step.state in ("done", "confirmed", "manual"):
                continue
            if step is None:
                step = TakedownStep(takedown=record, step=name, data={})
                session.add(step)
            step.state, step.started_utc, step.error = "started", now(), None
            session.commit()
            self.checkpoint(f"takedown:{name}:before")
            try:
                state, data = getattr(self, f"step_{name}")(session, record, step)
            except GraphError as error:
                session.rollback()
                step.state, step.error = "failed", str(error)
                session.commit()
                log.warning("takedown %s: %s failed: %s", post_id, name, error)
                continue
            step.data, step.state, step.finished_utc = dict(data), state, now()
            session.commit()
            self.checkpoint(f"takedown:{name}:after")
        finish_if_closed(record)
        session.commit()
        return record

    # -- steps: each returns (new state, data) -----------------------------------------
    def step_plan(self, session, record, step) -> tuple[str, dict]:
        outcome = takedown_in_store(session, record.post_id, record.editor, record.reason)
        return "done", {"facebook": outcome.published_media.get("facebook"),
                        "instagram": outcome.published_media.get("instagram"),
                        "mastodon": outcome.published_media.get("mastodon")}

    def step_store(self, session, record, step) -> tuple[str, dict]:
        uid = post_uid_for(session, record.post_id)
        post = session.scalar(select(Post).where(Post.uid == uid)) if uid else None
        # Files first: their paths live only in the rows; a crash after this redoes it harmlessly.
        media = [p for p in ((post.image.path, post.image.thumbnail_path) if post and post.image else ())]
        removed = purge_media(self.paths.media_dir, media)
        counts, _ = purge_rows(session, uid)
        scrub_feature(session, record.post_id)
        session.commit()
        compacted = compact_database(session.get_bind())
        return "done", {"rows": counts, "media_files": len(removed), "database": compacted}

    def step_files(self, session, record, step) -> tuple[str, dict]:
        from plugins.community.takedown import PostNotFound, takedown as remove_post

        try:
            removed = remove_post(record.post_id, self.paths.content_dir, self.paths.image_cache_dir,
                                  self.paths.output_dir)
        except PostNotFound:
            removed = []  # never written, or removed before a crash
        caches = purge_build_caches(self.paths.build_cache_dir) if self.paths.build_cache_dir else False
        withdrawn = False
        if self.paths.deploy_target is not None and self.paths.deploy_target.is_symlink():
            from plugins import release

            release.withdraw(self.paths.deploy_target)  # no rollback may bring the post back
            withdrawn = True
        return "done", {"files_removed": len(removed), "build_cache_dropped": caches, "releases_withdrawn": withdrawn}

    def step_facebook(self, session, record, step) -> tuple[str, dict]:
        return self._delete_on(session, record, step, "facebook")

    def step_instagram(self, session, record, step) -> tuple[str, dict]:
        return self._delete_on(session, record, step, "instagram")

    def step_mastodon(self, session, record, step) -> tuple[str, dict]:
        return delete_on_mastodon(self, session, record, step)

    def _delete_on(self, session, record, step, channel: str) -> tuple[str, dict]:
        plan = next((s.data for s in record.steps if s.step == "plan"), {}) or {}
        object_id = plan.get(channel)
        data = dict(step.data or {})
        if not object_id:
            return "done", {"object_id": None, "result": "nicht veröffentlicht"}
        data["object_id"] = object_id
        if not PLATFORM_ID.match(object_id):  # e.g. "unknown (container PUBLISHED)": nothing to address
            return "manual", {**data, "todo_de": manual_text(channel, object_id, record.post_id)}
        client = self.client()
        try:
            if data.get("intent") and not object_exists(client, channel, object_id):
                return "done", {**data, "result": "bereits gelöscht (vor einem Abbruch)"}
            data["intent"] = now().isoformat()
            step.data = dict(data)
            session.commit()
            self.checkpoint(f"takedown:{channel}:intent_stored")
            deleted = delete_object(client, channel, object_id)
        except NeedsEditor as error:
            if channel == "instagram" and error.code in MANUAL_CODES:
                return "manual", {**data, "api_error": str(error), "todo_de": manual_text(channel, object_id,
                                                                                         record.post_id)}
            raise
        except GraphError as error:
            if error.code != 100 or error.subcode != 33:
                raise
            # 100/33: gone, or not ours to delete — the same answer; the object itself tells.
            if object_exists(client, channel, object_id):
                return "manual", {**data, "api_error": str(error),
                                  "todo_de": permission_text(channel, object_id, record.post_id)}
            return "done", {**data, "result": "existiert nicht (mehr)"}
        self.checkpoint(f"takedown:{channel}:deleted_unrecorded")
        if not deleted:
            raise NeedsEditor(f"DELETE {object_id} answered without success")
        return "done", {**data, "result": "gelöscht", "deleted_utc": now().isoformat()}


def now() -> datetime:
    return datetime.now(timezone.utc)


def manual_text(channel: str, object_id: str, post_id: str) -> str:
    """The editor's to-do (German: editors read it in `status`)."""
    where = "Instagram-App oder Meta Business Suite" if channel == "instagram" else "Meta Business Suite"
    return (f"{channel.capitalize()}-Beitrag {object_id} von Hand löschen ({where}); danach bestätigen: "
            f"python -m scheduler takedown-confirm {post_id}")


def permission_text(channel: str, object_id: str, post_id: str) -> str:
    """The editor's to-do when Meta refuses a DELETE with 100/33 although the object still exists."""
    return (f"Keine Berechtigung zum Löschen: {channel.capitalize()}-Beitrag {object_id} existiert noch, Meta "
            f"verweigert das Löschen (Fehler 100/33). Berechtigung {DELETE_PERMISSION[channel]} des Tokens prüfen "
            f"(`python -m scheduler check-credentials`) oder den Beitrag von Hand löschen; danach bestätigen: "
            f"python -m scheduler takedown-confirm {post_id}")


def finish_if_closed(record: TakedownRecord) -> None:
    if record.steps and all(s.state in ("done", "confirmed") for s in record.steps) \
            and {s.step for s in record.steps} == set(TAKEDOWN_STEPS):
        record.status, record.finished_utc = "done", record.finished_utc or now()


def confirm_manual(session: Session, post_id: str, editor: str) -> list[str]:
    """An editor deleted the platform copy by hand: close the manual steps; returns their names."""
    record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == post_id))
    if record is None:
        raise KeyError(post_id)
    closed = []
    for step in record.steps:
        if step.state == "manual":
            step.state, step.finished_utc = "confirmed", now()
            step.data = {**(step.data or {}), "confirmed_by": editor}
            closed.append(step.step)
    finish_if_closed(record)
    session.commit()
    return closed


def known_post(session: Session, post_id: str) -> bool:
    """A takedown has something to do (or to continue) for this id."""
    return post_uid_for(session, post_id) is not None or session.scalar(
        select(TakedownRecord.id).where(TakedownRecord.post_id == post_id)) is not None \
        or session.scalar(select(FeaturePublication.id).where(FeaturePublication.key == post_id)) is not None


def open_takedowns(session: Session) -> list[dict]:
    """Every takedown step that is not finished (for `status` and `status --json`)."""
    rows = session.execute(select(TakedownRecord, TakedownStep).join(TakedownStep)
                           .where(TakedownRecord.status == "open", TakedownStep.state.in_(OPEN_STATES))
                           .order_by(TakedownRecord.id, TakedownStep.id)).all()
    return [{"post_id": r.post_id, "step": s.step, "state": s.state,
             "todo_de": (s.data or {}).get("todo_de") or s.error or "",
             "requested_utc": r.requested_utc.isoformat()} for r, s in rows]
